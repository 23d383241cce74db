/*
 * Processes: the table, creation, fork, exit, wait, kill, and the scheduler with sleep/wakeup.
 *
 * Locking, as in xv6: p->lock guards a process's state, chan, killed and xstate, and is held
 * across a switch to and from the scheduler; wait_lock guards every p->parent and is taken
 * before any p->lock. User memory is changed only through lib/vm under vm_lock.
 */
#include "kernel.h"

struct cpu cpus[NCPU];
static struct proc procs[NPROC];
static struct proc *initproc;
static int next_pid = 1;
static struct spinlock pid_lock;
static struct spinlock wait_lock;

/* This CPU. Interrupts must be off, or the answer may be stale. */
struct cpu *mycpu(void)
{
	return &cpus[arch_cpuid()];
}

/* The process running on this CPU, or NULL. */
struct proc *myproc(void)
{
	struct proc *p;

	push_off();
	p = mycpu()->proc;
	pop_off();
	return p;
}

void proc_init(void)
{
	spin_init(&pid_lock, "pid");
	spin_init(&wait_lock, "wait");
	for (int i = 0; i < NPROC; i++) {
		spin_init(&procs[i].lock, "proc");
		procs[i].state = UNUSED;
		procs[i].kstack = KSTACK(i);
	}
}

static int alloc_pid(void)
{
	int pid;

	acquire(&pid_lock);
	pid = next_pid++;
	release(&pid_lock);
	return pid;
}

/* Give back everything p holds except its slot. p->lock is held. */
static void free_proc(struct proc *p)
{
	proc_arch_free(p);
	p->pid = 0;
	p->parent = 0;
	p->name[0] = 0;
	p->chan = 0;
	p->killed = 0;
	p->xstate = 0;
	p->loop_len = 0;
	p->state = UNUSED;
}

/* A fresh process in state USED with its lock held, an empty user space and a trap frame, set
 * to return to user mode when first scheduled; NULL if the table or memory is full. */
static struct proc *alloc_proc(void)
{
	struct proc *p;

	for (p = procs; p < &procs[NPROC]; p++) {
		acquire(&p->lock);
		if (p->state == UNUSED)
			break;
		release(&p->lock);
	}
	if (p == &procs[NPROC])
		return 0;
	p->pid = alloc_pid();
	p->state = USED;
	p->loop_len = 0;
	if (proc_arch_setup(p) != 0) {
		free_proc(p);
		release(&p->lock);
		return 0;
	}
	proc_arch_first_return(p);
	return p;
}

/* The first process: init, from the programs built into the kernel. */
void user_init(void)
{
	static char *const argv[] = {"init", 0};
	struct proc *p = alloc_proc();

	if (!p)
		panic("user_init: no memory");
	if (exec(p, "init", argv) < 0)
		panic("user_init: no init program");
	initproc = p;
	p->state = RUNNABLE;
	release(&p->lock);
}

/* Copy the calling process, its memory copy-on-write. The child's pid, or -1. */
int fork(void)
{
	struct proc *parent = myproc();
	struct proc *child = alloc_proc();
	enum pt_err err;
	int pid;

	if (!child)
		return -1;
	acquire(&vm_lock);
	err = vm_copy(&child->space, &parent->space, VM_COPY_COW);
	release(&vm_lock);
	/* The parent's writable pages just became read-only. */
	arch_flush_all();
	if (err) {
		free_proc(child);
		release(&child->lock);
		return -1;
	}
	proc_arch_fork(child, parent);
	safestrcpy(child->name, parent->name, sizeof(child->name));
	pid = child->pid;
	release(&child->lock);

	acquire(&wait_lock);
	child->parent = parent;
	release(&wait_lock);

	acquire(&child->lock);
	child->state = RUNNABLE;
	release(&child->lock);
	return pid;
}

/* Give p's children to init. wait_lock is held. */
static void reparent(struct proc *p)
{
	for (struct proc *pp = procs; pp < &procs[NPROC]; pp++) {
		if (pp->parent == p) {
			pp->parent = initproc;
			wakeup(initproc);
		}
	}
}

/* End the calling process; it stays a zombie until its parent waits for it. */
void exit(int status)
{
	struct proc *p = myproc();

	if (p == initproc)
		panic("init exiting");
	acquire(&wait_lock);
	reparent(p);
	wakeup(p->parent);
	acquire(&p->lock);
	p->xstate = status;
	p->state = ZOMBIE;
	release(&wait_lock);
	sched();
	panic("zombie exit");
}

/* Wait for a child to exit; store its status at user address status_va unless it is 0.
 * The child's pid, or -1 if there are no children or status_va is bad. */
int wait(uint64_t status_va)
{
	struct proc *p = myproc();

	acquire(&wait_lock);
	for (;;) {
		int have_kids = 0;

		for (struct proc *pp = procs; pp < &procs[NPROC]; pp++) {
			if (pp->parent != p)
				continue;
			acquire(&pp->lock);
			have_kids = 1;
			if (pp->state == ZOMBIE) {
				int pid = pp->pid;
				int xstate = pp->xstate;
				enum pt_err err = PT_OK;

				if (status_va) {
					acquire(&vm_lock);
					err = vm_copyout(&p->space, status_va, &xstate, sizeof(xstate));
					release(&vm_lock);
				}
				if (err) {
					release(&pp->lock);
					release(&wait_lock);
					return -1;
				}
				free_proc(pp);
				release(&pp->lock);
				release(&wait_lock);
				return pid;
			}
			release(&pp->lock);
		}
		if (!have_kids || killed(p)) {
			release(&wait_lock);
			return -1;
		}
		sleep(p, &wait_lock);
	}
}

/*
 * Each CPU runs this forever: pick a runnable process, switch to it; it switches back here
 * when it sleeps, yields or exits.
 */
void scheduler(void)
{
	struct cpu *c = mycpu();

	c->proc = 0;
	for (;;) {
		int found = 0;

		/* Let devices interrupt, so a CPU with nothing to run still sees the timer. */
		arch_intr_on();
		for (struct proc *p = procs; p < &procs[NPROC]; p++) {
			acquire(&p->lock);
			if (p->state == RUNNABLE) {
				p->state = RUNNING;
				c->proc = p;
				arch_switch_to(p);
				swtch(&c->context, &p->context);
				arch_switch_from();
				c->proc = 0;
				found = 1;
			}
			release(&p->lock);
		}
		if (!found) {
			arch_intr_on();
			arch_wait_for_interrupt();
		}
	}
}

/* Switch to the scheduler. Hold exactly p->lock, with p->state already changed. */
void sched(void)
{
	struct proc *p = myproc();
	int intena;

	if (!holding(&p->lock))
		panic("sched: p->lock");
	if (mycpu()->noff != 1)
		panic("sched: locks");
	if (p->state == RUNNING)
		panic("sched: running");
	if (arch_intr_get())
		panic("sched: interruptible");
	intena = mycpu()->intena;
	swtch(&p->context, &mycpu()->context);
	mycpu()->intena = intena;
}

/* Give up the CPU for one round. */
void yield(void)
{
	struct proc *p = myproc();

	acquire(&p->lock);
	p->state = RUNNABLE;
	sched();
	release(&p->lock);
}

/* Sleep on chan, releasing lk meanwhile; lk is held again on return. */
void sleep(void *chan, struct spinlock *lk)
{
	struct proc *p = myproc();

	/* Holding p->lock, no wakeup can slip between releasing lk and sleeping. */
	acquire(&p->lock);
	release(lk);
	p->chan = chan;
	p->state = SLEEPING;
	sched();
	p->chan = 0;
	release(&p->lock);
	acquire(lk);
}

/* Wake every process sleeping on chan. Call without any p->lock held. */
void wakeup(void *chan)
{
	for (struct proc *p = procs; p < &procs[NPROC]; p++) {
		if (p == myproc())
			continue;
		acquire(&p->lock);
		if (p->state == SLEEPING && p->chan == chan)
			p->state = RUNNABLE;
		release(&p->lock);
	}
}

/* Mark process pid killed; it exits the next time it is about to return to user mode. */
int kill(int pid)
{
	for (struct proc *p = procs; p < &procs[NPROC]; p++) {
		acquire(&p->lock);
		if (p->pid == pid && p->state != UNUSED && p->state != ZOMBIE) {
			p->killed = 1;
			if (p->state == SLEEPING)
				p->state = RUNNABLE;
			release(&p->lock);
			return 0;
		}
		release(&p->lock);
	}
	return -1;
}

void setkilled(struct proc *p)
{
	acquire(&p->lock);
	p->killed = 1;
	release(&p->lock);
}

int killed(struct proc *p)
{
	int k;

	acquire(&p->lock);
	k = p->killed;
	release(&p->lock);
	return k;
}

/* A user access p cannot be allowed: say so, and kill p. */
void proc_kill_fault(struct proc *p, uint64_t va, const char *cause)
{
	kprintf("pid %d (%s): %s at %p, killed\n", p->pid, p->name, cause,
		(void *)(uintptr_t)va);
	setkilled(p);
}

/*
 * System calls. Arguments come from the trap frame; every user pointer goes through lib/vm's
 * copyin/copyout, so a bad one makes the call return -1 and never hurts the kernel.
 */
#include "kernel.h"
#include "syscall.h"

volatile uint64_t ticks;
struct spinlock tickslock;

/* Argument n as a signed integer ... */
static long arg(int n)
{
	return (long)TF_ARG(myproc()->trapframe, n);
}

/* ... and as a user address (zero-extended: never sign-extended on 32-bit machines). */
static uint64_t argaddr(int n)
{
	return (uint64_t)TF_ARG(myproc()->trapframe, n);
}

/* Called by CPU 0 on each timer interrupt. */
void clock_tick(void)
{
	acquire(&tickslock);
	ticks++;
	wakeup((void *)&ticks);
	release(&tickslock);
}

/* Page faults on behalf of user code: the hardware's, and those copyin/copyout take. */
enum pt_err user_fault(struct proc *p, uint64_t va, unsigned access)
{
	enum pt_err err;

	acquire(&vm_lock);
	err = vm_fault(&p->space, va, access);
	release(&vm_lock);
	if (err == PT_OK)
		arch_flush_page(PGROUNDDOWN(va));
	return err;
}

static int copyin(void *dst, uint64_t src, uint64_t n)
{
	enum pt_err err;

	acquire(&vm_lock);
	err = vm_copyin(&myproc()->space, dst, src, n);
	release(&vm_lock);
	return err == PT_OK ? 0 : -1;
}

static int copyout(uint64_t dst, const void *src, uint64_t n)
{
	enum pt_err err;

	acquire(&vm_lock);
	err = vm_copyout(&myproc()->space, dst, src, n);
	release(&vm_lock);
	/* copyout may have resolved a copy-on-write or lazy page of the running process. */
	arch_flush_all();
	return err == PT_OK ? 0 : -1;
}

static int copyinstr(char *dst, uint64_t src, uint64_t max)
{
	enum pt_err err;

	acquire(&vm_lock);
	err = vm_copyinstr(&myproc()->space, dst, src, max);
	release(&vm_lock);
	return err == PT_OK ? 0 : -1;
}

static long sys_write(void)
{
	struct proc *p = myproc();
	int fd = (int)arg(0);
	uint64_t buf = argaddr(1);
	long n = arg(2);
	char chunk[128];

	if (n < 0)
		return -1;
	if (fd == FD_LOOP) {
		if (n > LOOP_SIZE)
			return -1;
		if (copyin(p->loop, buf, (uint64_t)n) < 0) {
			p->loop_len = 0; /* part of it may have been overwritten */
			return -1;
		}
		p->loop_len = n;
		return n;
	}
	if (fd != 1 && fd != 2)
		return -1;
	for (long done = 0; done < n;) {
		long len = n - done < (long)sizeof(chunk) ? n - done : (long)sizeof(chunk);

		if (copyin(chunk, buf + (uint64_t)done, (uint64_t)len) < 0)
			return done ? done : -1;
		console_write(chunk, len);
		done += len;
	}
	return n;
}

/* Console input: poll the UART once a tick; echo what is typed; return a line or n bytes. */
static long read_console(uint64_t buf, long n)
{
	char line[128];
	long len = 0;

	if (n > (long)sizeof(line))
		n = sizeof(line);
	while (len < n) {
		int c = console_getc();

		if (c < 0) {
			acquire(&tickslock);
			if (killed(myproc())) {
				release(&tickslock);
				return -1;
			}
			sleep((void *)&ticks, &tickslock);
			release(&tickslock);
			continue;
		}
		if (c == '\r')
			c = '\n';
		if (c == 0x7f || c == '\b') {
			if (len > 0) {
				len--;
				console_write("\b \b", 3);
			}
			continue;
		}
		console_write((char *)&c, 1);
		line[len++] = (char)c;
		if (c == '\n' || c == 4)
			break;
	}
	return copyout(buf, line, (uint64_t)len) < 0 ? -1 : len;
}

static long sys_read(void)
{
	struct proc *p = myproc();
	int fd = (int)arg(0);
	uint64_t buf = argaddr(1);
	long n = arg(2);

	if (n < 0)
		return -1;
	if (fd == 0)
		return read_console(buf, n);
	if (fd != FD_LOOP)
		return -1;
	if (n > p->loop_len)
		n = p->loop_len;
	if (copyout(buf, p->loop, (uint64_t)n) < 0)
		return -1;
	p->loop_len = 0;
	return n;
}

static long sys_sbrk(void)
{
	struct proc *p = myproc();
	long n = arg(0);
	uint64_t old = p->space.size;
	enum pt_err err;

	acquire(&vm_lock);
	if (n >= 0)
		err = vm_grow(&p->space, old + (uint64_t)n, PT_R | PT_W | PT_U, VM_GROW_LAZY);
	else
		err = (uint64_t)-n > old ? PT_ERANGE : vm_shrink(&p->space, old - (uint64_t)-n);
	release(&vm_lock);
	if (n < 0)
		arch_flush_all();
	return err == PT_OK ? (long)old : -1;
}

/* exec(name, argv): the strings are copied into one kernel page first. */
static long sys_exec(void)
{
	uint64_t uargv = argaddr(1);
	char *argv[MAXARG + 1];
	char name[32];
	char *strings;
	pa_t page;
	int i, ret = -1;

	if (copyinstr(name, argaddr(0), sizeof(name)) < 0 || !kalloc_page(&page))
		return -1;
	strings = arch_p2v(page);
	for (i = 0; i <= MAXARG; i++) {
		uintptr_t uarg;

		if (copyin(&uarg, uargv + i * sizeof(uarg), sizeof(uarg)) < 0)
			goto out;
		if (uarg == 0)
			break;
		if (i == MAXARG)
			goto out;
		argv[i] = strings + i * MAXARGLEN;
		if (copyinstr(argv[i], uarg, MAXARGLEN) < 0)
			goto out;
	}
	argv[i] = 0;
	ret = exec(myproc(), name, argv);
out:
	kfree_page(page);
	return ret;
}

static long sys_vmstat(void)
{
	struct vmstat st;

	acquire(&vm_lock);
	st.free_frames = kmem_free_frames();
	st.total_frames = kmem_total_frames();
	st.page_faults = kvm.stats.faults;
	st.cow_copies = kvm.stats.cow_copies;
	st.cow_reuses = kvm.stats.cow_reuses;
	st.lazy_allocs = kvm.stats.lazy_allocs;
	st.bad_faults = kvm.stats.bad_faults;
	release(&vm_lock);
	return copyout(argaddr(0), &st, sizeof(st));
}

static long sys_sleep(void)
{
	long n = arg(0);
	uint64_t start;

	acquire(&tickslock);
	start = ticks;
	while (ticks - start < (uint64_t)n) {
		if (killed(myproc())) {
			release(&tickslock);
			return -1;
		}
		sleep((void *)&ticks, &tickslock);
	}
	release(&tickslock);
	return 0;
}

static long sys_fork(void)
{
	return fork();
}

static long sys_exit(void)
{
	exit((int)arg(0));
}

static long sys_wait(void)
{
	return wait(argaddr(0));
}

static long sys_getpid(void)
{
	return myproc()->pid;
}

static long sys_kill(void)
{
	return kill((int)arg(0));
}

static long sys_uptime(void)
{
	return (long)ticks;
}

static long sys_poweroff(void)
{
	kprintf("poweroff: code %d\n", (int)arg(0));
	arch_poweroff((int)arg(0));
}

static long (*const syscalls[])(void) = {
	[SYS_fork] = sys_fork,     [SYS_exit] = sys_exit,       [SYS_wait] = sys_wait,
	[SYS_getpid] = sys_getpid, [SYS_sbrk] = sys_sbrk,       [SYS_exec] = sys_exec,
	[SYS_kill] = sys_kill,     [SYS_uptime] = sys_uptime,   [SYS_vmstat] = sys_vmstat,
	[SYS_write] = sys_write,   [SYS_read] = sys_read,       [SYS_sleep] = sys_sleep,
	[SYS_poweroff] = sys_poweroff,
};

/* Run the system call in the trap frame; its result goes back in the return register. */
void syscall(void)
{
	struct proc *p = myproc();
	unsigned long num = (unsigned long)TF_SYSNUM(p->trapframe);

	if (num < sizeof(syscalls) / sizeof(syscalls[0]) && syscalls[num]) {
		TF_RET(p->trapframe) = (uintptr_t)syscalls[num]();
	} else {
		kprintf("pid %d (%s): unknown system call %lu\n", p->pid, p->name, num);
		TF_RET(p->trapframe) = (uintptr_t)-1;
	}
}

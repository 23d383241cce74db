/* Traps on RISC-V: from user mode through the trampoline, from the kernel through kernelvec. */
#include "csr.h"
#include "kernel.h"

extern char trampoline[], uservec[], userret[];
void kernelvec(void);
void usertrap(void);

/* Set this hart's trap vector for traps taken in the kernel. */
void arch_trap_init_hart(void)
{
	csr_write(stvec, (uint64_t)kernelvec);
}

/* A timer interrupt: count it (CPU 0) and ask for the next one. */
static void timer_interrupt(void)
{
	if (arch_cpuid() == 0)
		clock_tick();
	w_stimecmp(csr_read(time) + TIMER_INTERVAL);
}

/* The access type of a page-fault cause, with its name; 0 if cause is no page fault. */
static unsigned fault_access(uint64_t cause, const char **name)
{
	switch (cause) {
	case 12:
		*name = "instruction page fault";
		return VM_EXEC;
	case 13:
		*name = "load page fault";
		return VM_READ;
	case 15:
		*name = "store page fault";
		return VM_WRITE;
	default:
		return 0;
	}
}

/* A trap from user mode, on the process's kernel stack, paging on the kernel's table. */
void usertrap(void)
{
	struct proc *p = myproc();
	uint64_t cause = csr_read(scause);
	const char *name = "";
	unsigned access;
	int timer = 0;

	if (csr_read(sstatus) & SSTATUS_SPP)
		panic("usertrap: not from user mode");
	csr_write(stvec, (uint64_t)kernelvec);
	p->trapframe->epc = csr_read(sepc);

	if (cause == 8) {
		/* ecall: a system call; return past the instruction. */
		if (killed(p))
			exit(-1);
		p->trapframe->epc += 4;
		arch_intr_on();
		syscall();
	} else if ((access = fault_access(cause, &name)) != 0) {
		uint64_t va = csr_read(stval);
		enum pt_err err = user_fault(p, va, access);

		if (err != PT_OK)
			proc_kill_fault(p, va, err == PT_ENOMEM ? "out of memory" : name);
	} else if (cause == (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
		timer_interrupt();
		timer = 1;
	} else {
		kprintf("pid %d (%s): exception %lu at pc 0x%lx (stval 0x%lx), killed\n", p->pid,
			p->name, (unsigned long)cause, (unsigned long)p->trapframe->epc,
			(unsigned long)csr_read(stval));
		setkilled(p);
	}
	if (killed(p))
		exit(-1);
	if (timer)
		yield();
	usertrapret();
}

/* Return to user mode through the trampoline, onto the process's own table. */
void usertrapret(void)
{
	struct proc *p = myproc();
	uint64_t sstatus;
	void (*to_user)(uint64_t satp);

	/* Until sret, a trap would go to uservec with the kernel's registers: none may come. */
	arch_intr_off();
	csr_write(stvec, TRAMPOLINE + (uint64_t)(uservec - trampoline));

	p->trapframe->kernel_satp = csr_read(satp);
	p->trapframe->kernel_sp = p->kstack + PGSIZE;
	p->trapframe->kernel_trap = (uint64_t)usertrap;
	p->trapframe->kernel_hartid = r_tp();

	/* sret: to user mode, interrupts on. */
	sstatus = csr_read(sstatus);
	sstatus &= ~SSTATUS_SPP;
	sstatus |= SSTATUS_SPIE;
	csr_write(sstatus, sstatus);
	csr_write(sepc, p->trapframe->epc);

	to_user = (void (*)(uint64_t))(TRAMPOLINE + (uint64_t)(userret - trampoline));
	to_user(SATP_SV39 | (p->space.pt.root >> 12));
	__builtin_unreachable();
}

/* A trap in supervisor mode: only timer interrupts are expected. */
void kerneltrap(void)
{
	uint64_t sepc = csr_read(sepc);
	uint64_t sstatus = csr_read(sstatus);
	uint64_t cause = csr_read(scause);

	if (!(sstatus & SSTATUS_SPP))
		panic("kerneltrap: not from supervisor mode");
	if (arch_intr_get())
		panic("kerneltrap: interrupts enabled");
	if (cause != (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
		kprintf("kernel trap: scause %lu sepc 0x%lx stval 0x%lx\n", (unsigned long)cause,
			(unsigned long)sepc, (unsigned long)csr_read(stval));
		panic("kerneltrap");
	}
	timer_interrupt();
	if (myproc() && myproc()->state == RUNNING)
		yield();
	/* yield may have taken other traps: put back what sret needs. */
	csr_write(sepc, sepc);
	csr_write(sstatus, sstatus);
}

/* x86 traps: the GDT with its TSS, the IDT, the PIC and PIT, and trap() for every vector. */
#include "kernel.h"

#define GATE_INTERRUPT 0x8E   /* present, DPL 0, 32-bit interrupt gate (IF cleared) */
#define GATE_SYSCALL 0xEF     /* present, DPL 3, 32-bit trap gate (IF kept) */
#define T_PGFLT 14
#define PF_WRITE 0x2
#define PF_USER 0x4

/* The 32-bit task state segment; only ss0:esp0 (the kernel stack for traps from user mode)
 * and the I/O map base matter here. */
struct taskstate {
	uint32_t link, esp0;
	uint16_t ss0, pad0;
	uint32_t unused[22];
	uint16_t trap, iomb;
};

static uint64_t gdt[6];
static uint64_t idt[256];
static struct taskstate ts;
extern uint32_t vectors[];

/* A flat 4 GiB segment descriptor with access byte `access`. */
static uint64_t flat_segment(uint8_t access)
{
	return 0x00CF00000000FFFFull | ((uint64_t)access << 40);
}

static uint64_t tss_descriptor(uint32_t base, uint32_t limit)
{
	return (limit & 0xFFFF) | ((uint64_t)(base & 0xFFFFFF) << 16) | (0x89ull << 40) |
	       ((uint64_t)((limit >> 16) & 0xF) << 48) | ((uint64_t)(base >> 24) << 56);
}

static uint64_t gate(uint32_t handler, uint8_t type)
{
	return (handler & 0xFFFF) | ((uint64_t)(SEG_KCODE << 3) << 16) | ((uint64_t)type << 40) |
	       ((uint64_t)(handler >> 16) << 48);
}

static void load_descriptor_table(int idt_not_gdt, void *base, uint16_t bytes)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint32_t base;
	} d = {(uint16_t)(bytes - 1), (uint32_t)(uintptr_t)base};

	if (idt_not_gdt)
		__asm__ volatile("lidt %0" : : "m"(d));
	else
		__asm__ volatile("lgdt %0" : : "m"(d));
}

static void segments_init(void)
{
	gdt[SEG_KCODE] = flat_segment(0x9A);
	gdt[SEG_KDATA] = flat_segment(0x92);
	gdt[SEG_UCODE] = flat_segment(0xFA);
	gdt[SEG_UDATA] = flat_segment(0xF2);
	ts.ss0 = SEG_KDATA << 3;
	ts.iomb = sizeof(ts); /* no I/O permission bitmap: user mode gets no ports */
	gdt[SEG_TSS] = tss_descriptor((uint32_t)(uintptr_t)&ts, sizeof(ts) - 1);
	load_descriptor_table(0, gdt, sizeof(gdt));
	__asm__ volatile("ljmp %0, $1f\n1:" : : "i"(SEG_KCODE << 3));
	__asm__ volatile("movw %w0, %%ds; movw %w0, %%es; movw %w0, %%ss; movw %w0, %%fs; movw %w0, %%gs"
			 : : "r"(SEG_KDATA << 3));
	__asm__ volatile("ltr %w0" : : "r"(SEG_TSS << 3));
}

static void pic_timer_init(void)
{
	uint32_t divisor = 1193182 / 100; /* PIT at 100 Hz */

	/* Remap the two 8259s to vectors 32..47; only the timer is unmasked. */
	outb(0x20, 0x11);
	outb(0xA0, 0x11);
	outb(0x21, T_IRQ0);
	outb(0xA1, T_IRQ0 + 8);
	outb(0x21, 4);
	outb(0xA1, 2);
	outb(0x21, 1);
	outb(0xA1, 1);
	outb(0x21, 0xFE);
	outb(0xA1, 0xFF);
	outb(0x43, 0x34);
	outb(0x40, divisor & 0xFF);
	outb(0x40, divisor >> 8);
}

void arch_trap_init_hart(void)
{
	segments_init();
	for (int i = 0; i < 256; i++)
		idt[i] = gate(vectors[i], i == T_SYSCALL ? GATE_SYSCALL : GATE_INTERRUPT);
	load_descriptor_table(1, idt, sizeof(idt));
	pic_timer_init();
}

/* Traps from user mode land on this process's kernel stack. */
void arch_set_kernel_stack(uint32_t top)
{
	ts.esp0 = top;
}

static uint32_t read_cr2(void)
{
	uint32_t v;

	__asm__ volatile("movl %%cr2, %0" : "=r"(v));
	return v;
}

/* A page fault in user mode: resolve it through lib/vm or kill the process. */
static void user_page_fault(struct proc *p, struct trapframe *tf)
{
	uint32_t va = read_cr2();
	unsigned access = (tf->err & PF_WRITE) ? VM_WRITE : VM_READ;
	enum pt_err err = user_fault(p, va, access);

	if (err != PT_OK)
		proc_kill_fault(p, va, err == PT_ENOMEM ? "out of memory"
					 : access == VM_WRITE ? "write page fault" : "read page fault");
}

void trap(struct trapframe *tf)
{
	struct proc *p = myproc();
	int from_user = (tf->cs & 3) == DPL_USER;
	int timer = 0;

	if (tf->trapno == T_SYSCALL) {
		if (killed(p))
			exit(-1);
		p->trapframe = tf;
		syscall();
		if (killed(p))
			exit(-1);
		return;
	}
	if (tf->trapno == T_IRQ0 + IRQ_TIMER) {
		clock_tick();
		outb(0x20, 0x20); /* end of interrupt */
		timer = 1;
	} else if (from_user && tf->trapno == T_PGFLT) {
		user_page_fault(p, tf);
	} else if (from_user) {
		kprintf("pid %d (%s): trap %u (error 0x%x) at eip 0x%x, killed\n", p->pid, p->name,
			tf->trapno, tf->err, tf->eip);
		setkilled(p);
	} else {
		kprintf("kernel trap %u (error 0x%x) at eip 0x%x, cr2 0x%x\n", tf->trapno, tf->err,
			tf->eip, read_cr2());
		panic("trap");
	}
	if (p && from_user && killed(p))
		exit(-1);
	if (p && timer && p->state == RUNNING)
		yield();
	if (p && from_user && killed(p))
		exit(-1);
}

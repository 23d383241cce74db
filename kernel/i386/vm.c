/*
 * The x86 kernel's use of vmkit: 32-bit paging with 4 MiB pages. The kernel map is xv6's
 * kmap[] (I/O space, text read-only, data and RAM writable, device space), built by lib/vm
 * into the kernel's own table and into every process's table, since the kernel runs on the
 * process's table while it serves it. Kernel stacks live in their own region, each below an
 * unmapped guard page: all of them in the kernel's table, a process's own in its table.
 */
#include "kernel.h"

void arch_set_kernel_stack(uint32_t top);
extern char data[], end[];
void trapret(void);

#define PDE_P 0x1
#define PDE_W 0x2
#define PDE_PS 0x80
#define KPDX(va) ((uint32_t)(va) >> 22)

/* Paging for the first instructions: the first 8 MiB at 0 and at KERNBASE, 4 MiB pages. */
__attribute__((aligned(4096))) uint32_t entry_pgdir[1024] = {
	[0] = 0x000000 | PDE_P | PDE_W | PDE_PS,
	[1] = 0x400000 | PDE_P | PDE_W | PDE_PS,
	[KPDX(KERNBASE)] = 0x000000 | PDE_P | PDE_W | PDE_PS,
	[KPDX(KERNBASE) + 1] = 0x400000 | PDE_P | PDE_W | PDE_PS,
};

static struct pt kpt;
static struct vm_region kmap[VM_XV6_X86_NREGIONS];
static struct vm_kmap_names kmap_names = {kmap, VM_XV6_X86_NREGIONS};
static pa_t kstack_pa[NPROC];

pa_t arch_kernel_end(void)
{
	return arch_v2p(end);
}

static void lcr3(pa_t root)
{
	__asm__ volatile("movl %0, %%cr3" : : "r"((uint32_t)root) : "memory");
}

static int kstack_slot(uint64_t kstack)
{
	return (int)((kstack - KSTACK_BASE) / (2 * PGSIZE));
}

/* Map xv6's kernel map into pt. */
static enum pt_err map_kernel(struct pt *pt)
{
	return vm_kmap_build(pt, kmap, VM_XV6_X86_NREGIONS, 0);
}

void kvm_init(void)
{
	struct pt_stats st;

	vm_kmap_xv6_x86(kmap, (va_t)(uintptr_t)data, PHYSTOP);
	acquire(&vm_lock);
	if (pt_init(&kpt, &pt_format_x86_32, &kvm.mem) != PT_OK || map_kernel(&kpt) != PT_OK)
		panic("kvm_init: kernel map");
	release(&vm_lock);
	pt_stats(&kpt, &st);
	kprintf("kernel page table (x86 32-bit, %lu tables, %lu 4K pages, %lu 4M pages):\n",
		(unsigned long)(st.tables[0] + st.tables[1]), (unsigned long)st.leaves[0],
		(unsigned long)st.leaves[1]);
	pt_dump_ranges(&kpt, vm_kmap_name, &kmap_names, vk_console_write, 0);

	for (int i = 0; i < NPROC; i++) {
		if (!kalloc_page(&kstack_pa[i]))
			panic("kvm_init: kernel stacks");
		acquire(&vm_lock);
		if (pt_map(&kpt, KSTACK(i), kstack_pa[i], PGSIZE, PT_R | PT_W, 0) != PT_OK)
			panic("kvm_init: kernel stack map");
		release(&vm_lock);
	}
	kprintf("kernel stacks: %d x 4K from 0x%x, each above a guard page\n", NPROC,
		(unsigned)KSTACK(0));
}

void kvm_init_hart(void)
{
	lcr3(kpt.root);
}

/* An empty user space for p: the kernel map and p's kernel stack, nothing below KERNBASE. */
int arch_space_init(struct proc *p, struct vm_space *s)
{
	enum pt_err err;

	acquire(&vm_lock);
	err = vm_space_init(s, &kvm, &pt_format_x86_32, USER_LIMIT);
	if (!err)
		err = map_kernel(&s->pt);
	if (!err)
		err = pt_map(&s->pt, p->kstack, kstack_pa[kstack_slot(p->kstack)], PGSIZE,
			     PT_R | PT_W, 0);
	if (err && s->pt.fmt)
		vm_space_free(s);
	release(&vm_lock);
	return err ? -1 : 0;
}

/* exec replaced the table the CPU may be running on: load the new one before the old goes. */
void arch_space_switched(struct proc *p)
{
	if (myproc() == p)
		lcr3(p->space.pt.root);
}

void arch_switch_to(struct proc *p)
{
	arch_set_kernel_stack((uint32_t)(p->kstack + PGSIZE));
	lcr3(p->space.pt.root);
}

void arch_switch_from(void)
{
	lcr3(kpt.root);
}

/* The kernel stack of p as seen through the direct map, valid whatever table is loaded (a
 * parent sets up its child's stack while running on its own table). */
static uint32_t *kstack_direct(struct proc *p, uint64_t va)
{
	return arch_p2v(kstack_pa[kstack_slot(p->kstack)] + (va - p->kstack));
}

/* Where the trap frame a process returns to user mode with sits: the top of its stack. */
static uint64_t top_trapframe_va(struct proc *p)
{
	return p->kstack + PGSIZE - sizeof(struct trapframe);
}

int proc_arch_setup(struct proc *p)
{
	struct trapframe *tf = (struct trapframe *)kstack_direct(p, top_trapframe_va(p));

	p->trapframe = tf;
	memset(tf, 0, sizeof(*tf));
	tf->cs = (SEG_UCODE << 3) | DPL_USER;
	tf->ds = tf->es = tf->fs = tf->gs = tf->ss = (SEG_UDATA << 3) | DPL_USER;
	tf->eflags = 0x200; /* interrupts on in user mode */
	return arch_space_init(p, &p->space);
}

void proc_arch_free(struct proc *p)
{
	acquire(&vm_lock);
	vm_space_free(&p->space);
	release(&vm_lock);
}

void proc_arch_fork(struct proc *child, struct proc *parent)
{
	*child->trapframe = *parent->trapframe;
	child->trapframe->eax = 0; /* fork returns 0 in the child */
}

void proc_arch_exec(struct proc *p, uint64_t entry, uint64_t sp, uint64_t argc, uint64_t argv)
{
	p->trapframe->eip = (uint32_t)entry;
	p->trapframe->esp = (uint32_t)sp;
	p->trapframe->eax = (uint32_t)argc;
	p->trapframe->ebx = (uint32_t)argv;
}

/* A new process's first switch lands here, holding its lock from the scheduler; returning
 * goes to trapret, which enters user mode with the trap frame. */
static void fork_return(void)
{
	release(&myproc()->lock);
}

void proc_arch_first_return(struct proc *p)
{
	uint64_t frame = top_trapframe_va(p) - 6 * sizeof(uint32_t);
	uint32_t *sp = kstack_direct(p, frame);

	/* What swtch pops (edi, esi, ebx, ebp), where it returns, and where that returns. */
	sp[0] = sp[1] = sp[2] = sp[3] = 0;
	sp[4] = (uint32_t)(uintptr_t)fork_return;
	sp[5] = (uint32_t)(uintptr_t)trapret;
	p->context.esp = (uint32_t)frame;
}

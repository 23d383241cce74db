/*
 * The RISC-V kernel's use of vmkit: the kernel page table built from a declarative region table
 * (xv6's map plus QEMU's test device), kernel stacks, and the user tables' trampoline and trap
 * frame pages.
 */
#include "csr.h"
#include "kernel.h"

extern char etext[], end[], trampoline[];

static struct pt kpt;
static struct vm_region kmap[VM_XV6_RISCV_NREGIONS + 1];
static struct vm_kmap_names kmap_names = {kmap, 0};

pa_t arch_kernel_end(void)
{
	return (pa_t)(uintptr_t)end;
}

static void map_or_panic(uint64_t va, pa_t pa, uint64_t size, unsigned perms, const char *what)
{
	enum pt_err err = pt_map(&kpt, va, pa, size, perms, 0);

	if (err) {
		kprintf("kvm_init: %s: %s\n", what, pt_strerror(err));
		panic("kvm_init");
	}
}

/* Build the kernel page table and print it. */
void kvm_init(void)
{
	size_t n = vm_kmap_xv6_riscv(kmap, (pa_t)(uintptr_t)etext, (pa_t)(uintptr_t)trampoline,
				     PHYSTOP);
	struct pt_stats st;
	size_t bad = 0;

	kmap[n++] = (struct vm_region){"test device", VIRT_TEST, VIRT_TEST, PGSIZE, PT_R | PT_W};
	kmap_names.n = n;
	acquire(&vm_lock);
	if (pt_init(&kpt, &pt_format_sv39, &kvm.mem) != PT_OK ||
	    vm_kmap_build(&kpt, kmap, n, &bad) != PT_OK)
		panic("kvm_init: kernel map");
	release(&vm_lock);
	pt_stats(&kpt, &st);
	kprintf("kernel page table (Sv39, %lu tables, %lu 4K pages, %lu 2M pages):\n",
		(unsigned long)(st.tables[0] + st.tables[1] + st.tables[2]),
		(unsigned long)st.leaves[0], (unsigned long)st.leaves[1]);
	pt_dump_ranges(&kpt, vm_kmap_name, &kmap_names, vk_console_write, 0);

	/* A kernel stack per process slot, each below an unmapped guard page. */
	for (int i = 0; i < NPROC; i++) {
		pa_t pa;

		if (!kalloc_page(&pa))
			panic("kvm_init: kernel stacks");
		acquire(&vm_lock);
		map_or_panic(KSTACK(i), pa, PGSIZE, PT_R | PT_W, "kernel stack");
		release(&vm_lock);
	}
	kprintf("kernel stacks: %d x 4K from 0x%lx, each with a guard page\n", NPROC,
		(unsigned long)KSTACK(NPROC - 1));
}

/* Turn paging on for this hart with the kernel table. */
void kvm_init_hart(void)
{
	arch_flush_all();
	csr_write(satp, SATP_SV39 | (kpt.root >> 12));
	arch_flush_all();
}

/* An empty user space for p with the trampoline and p's trap frame mapped above it. */
int arch_space_init(struct proc *p, struct vm_space *s)
{
	enum pt_err err;

	acquire(&vm_lock);
	err = vm_space_init(s, &kvm, &pt_format_sv39, USER_LIMIT);
	if (!err)
		err = pt_map(&s->pt, TRAMPOLINE, (pa_t)(uintptr_t)trampoline, PGSIZE, PT_R | PT_X,
			     0);
	if (!err)
		err = pt_map(&s->pt, TRAPFRAME, p->trapframe_pa, PGSIZE, PT_R | PT_W, 0);
	if (err && s->pt.fmt)
		vm_space_free(s);
	release(&vm_lock);
	return err ? -1 : 0;
}

/* The kernel runs on its own table and enters user tables only through the trampoline. */
void arch_switch_to(struct proc *p)
{
	(void)p;
}

void arch_switch_from(void)
{
}

/* The kernel runs on its own table: a replaced user table is not live. */
void arch_space_switched(struct proc *p)
{
	(void)p;
}

int proc_arch_setup(struct proc *p)
{
	if (!kalloc_page(&p->trapframe_pa))
		return -1;
	p->trapframe = arch_p2v(p->trapframe_pa);
	if (arch_space_init(p, &p->space) < 0) {
		kfree_page(p->trapframe_pa);
		p->trapframe = 0;
		return -1;
	}
	return 0;
}

void proc_arch_free(struct proc *p)
{
	acquire(&vm_lock);
	vm_space_free(&p->space);
	release(&vm_lock);
	if (p->trapframe)
		kfree_page(p->trapframe_pa);
	p->trapframe = 0;
}

void proc_arch_fork(struct proc *child, struct proc *parent)
{
	*child->trapframe = *parent->trapframe;
	child->trapframe->a0 = 0; /* fork returns 0 in the child */
}

void proc_arch_exec(struct proc *p, uint64_t entry, uint64_t sp, uint64_t argc, uint64_t argv)
{
	p->trapframe->epc = entry;
	p->trapframe->sp = sp;
	p->trapframe->a0 = argc;
	p->trapframe->a1 = argv;
}

/* A new process's first switch lands here, holding its lock from the scheduler. */
static void fork_return(void)
{
	release(&myproc()->lock);
	usertrapret();
}

void proc_arch_first_return(struct proc *p)
{
	memset(&p->context, 0, sizeof(p->context));
	p->context.ra = (uint64_t)fork_return;
	p->context.sp = p->kstack + PGSIZE;
}

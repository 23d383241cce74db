/*
 * exec: replace a process's memory with one of the programs built into the kernel, an ELF file
 * whose loadable segments get their own permissions (text R-X, data R-W), followed by a guard
 * page and a one-page stack holding argv. The old image is kept until the new one is complete.
 */
#include "kernel.h"

#define ELF_MAGIC 0x464c457fu
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4

/* The ELF header fields exec needs, for 32- and 64-bit files alike. */
struct elf_image {
	uint64_t entry;
	uint64_t phoff;
	unsigned phnum, phentsize;
	int is64;
};

struct elf_segment {
	unsigned type, flags;
	uint64_t offset, vaddr, filesz, memsz;
};

static uint64_t prog_size(const struct program *prog)
{
	return (uint64_t)(prog->end - prog->elf);
}

static uint64_t read_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	while (bytes-- > 0)
		v = (v << 8) | p[bytes];
	return v;
}

/* Parse the ELF header of prog; -1 if it is not a little-endian ELF executable. */
static int elf_header(const struct program *prog, struct elf_image *img)
{
	const unsigned char *h = prog->elf;

	if (prog_size(prog) < 52 || read_le(h, 4) != ELF_MAGIC || h[5] != 1)
		return -1;
	img->is64 = h[4] == 2;
	if (img->is64 && prog_size(prog) < 64)
		return -1;
	img->entry = img->is64 ? read_le(h + 24, 8) : read_le(h + 24, 4);
	img->phoff = img->is64 ? read_le(h + 32, 8) : read_le(h + 28, 4);
	img->phentsize = (unsigned)read_le(h + (img->is64 ? 54 : 42), 2);
	img->phnum = (unsigned)read_le(h + (img->is64 ? 56 : 44), 2);
	if (img->phentsize == 0 || img->phoff > prog_size(prog) ||
	    img->phnum > (prog_size(prog) - img->phoff) / img->phentsize)
		return -1;
	return 0;
}

static void elf_segment(const struct program *prog, const struct elf_image *img, unsigned i,
			struct elf_segment *seg)
{
	const unsigned char *ph = prog->elf + img->phoff + (uint64_t)i * img->phentsize;

	seg->type = (unsigned)read_le(ph, 4);
	if (img->is64) {
		seg->flags = (unsigned)read_le(ph + 4, 4);
		seg->offset = read_le(ph + 8, 8);
		seg->vaddr = read_le(ph + 16, 8);
		seg->filesz = read_le(ph + 32, 8);
		seg->memsz = read_le(ph + 40, 8);
	} else {
		seg->offset = read_le(ph + 4, 4);
		seg->vaddr = read_le(ph + 8, 4);
		seg->filesz = read_le(ph + 16, 4);
		seg->memsz = read_le(ph + 20, 4);
		seg->flags = (unsigned)read_le(ph + 24, 4);
	}
}

/* Write n bytes at user address va of s, whatever the page's permissions (it is not live). */
static int load_bytes(struct vm_space *s, uint64_t va, const void *src, uint64_t n)
{
	const unsigned char *from = src;

	while (n > 0) {
		uint64_t chunk = PGSIZE - (va & (PGSIZE - 1));
		pa_t pa;

		chunk = chunk < n ? chunk : n;
		if (vm_user_pa(s, va, &pa) != PT_OK)
			return -1;
		memcpy(arch_p2v(pa), from, chunk);
		from += chunk;
		va += chunk;
		n -= chunk;
	}
	return 0;
}

/* Map and fill segment seg of prog into s. */
static int load_segment(struct vm_space *s, const struct program *prog,
			const struct elf_segment *seg)
{
	unsigned perms = PT_U;

	if (seg->memsz < seg->filesz || seg->vaddr + seg->memsz < seg->vaddr ||
	    (seg->vaddr & (PGSIZE - 1)) || seg->offset > prog_size(prog) ||
	    seg->filesz > prog_size(prog) - seg->offset || seg->vaddr < PGROUNDUP(s->size))
		return -1;
	perms |= (seg->flags & PF_R) ? PT_R : 0;
	perms |= (seg->flags & PF_W) ? PT_W : 0;
	perms |= (seg->flags & PF_X) ? PT_X : 0;
	if (vm_grow(s, seg->vaddr + seg->memsz, perms, 0) != PT_OK)
		return -1;
	return load_bytes(s, seg->vaddr, prog->elf + seg->offset, seg->filesz);
}

/* Put argv on the stack below sp; return the new sp and argv's address through *argv_va. */
static int push_args(struct vm_space *s, uint64_t *sp, char *const argv[], uint64_t *argc,
		     uint64_t *argv_va)
{
	uintptr_t ptrs[MAXARG + 1];
	uint64_t n;

	for (n = 0; argv[n]; n++) {
		uint64_t len = strlen(argv[n]) + 1;

		if (n >= MAXARG)
			return -1;
		*sp = (*sp - len) & ~(uint64_t)15;
		if (vm_copyout(s, *sp, argv[n], len) != PT_OK)
			return -1;
		ptrs[n] = (uintptr_t)*sp;
	}
	ptrs[n] = 0;
	*sp = (*sp - (n + 1) * sizeof(uintptr_t)) & ~(uint64_t)15;
	if (vm_copyout(s, *sp, ptrs, (n + 1) * sizeof(uintptr_t)) != PT_OK)
		return -1;
	*argc = n;
	*argv_va = *sp;
	return 0;
}

static const struct program *find_program(const char *name)
{
	for (int i = 0; i < nprograms; i++)
		if (strcmp(programs[i].name, name) == 0)
			return &programs[i];
	return 0;
}

/* Build the image of prog with argv in the fresh space s; its entry and stack through out. */
static int build_image(struct vm_space *s, const struct program *prog, char *const argv[],
		       uint64_t *entry, uint64_t *sp, uint64_t *argc, uint64_t *argv_va)
{
	struct elf_image img;
	uint64_t stack;

	if (elf_header(prog, &img) < 0)
		return -1;
	for (unsigned i = 0; i < img.phnum; i++) {
		struct elf_segment seg;

		elf_segment(prog, &img, i, &seg);
		if (seg.type == PT_LOAD && load_segment(s, prog, &seg) < 0)
			return -1;
	}
	/* A guard page with no user access, then the stack page. */
	stack = PGROUNDUP(s->size);
	if (vm_grow(s, stack + 2 * PGSIZE, PT_R | PT_W | PT_U, 0) != PT_OK ||
	    vm_clear_user(s, stack) != PT_OK)
		return -1;
	*sp = stack + 2 * PGSIZE;
	*entry = img.entry;
	return push_args(s, sp, argv, argc, argv_va);
}

/* Replace p's image with the built-in program `name`; -1 (and p unchanged) on failure. */
int exec(struct proc *p, const char *name, char *const argv[])
{
	const struct program *prog = find_program(name);
	uint64_t entry, sp, argc, argv_va;
	struct vm_space s, old;
	int err;

	if (!prog || arch_space_init(p, &s) < 0)
		return -1;
	acquire(&vm_lock);
	err = build_image(&s, prog, argv, &entry, &sp, &argc, &argv_va);
	if (err) {
		vm_space_free(&s);
		release(&vm_lock);
		return -1;
	}
	old = p->space;
	p->space = s;
	release(&vm_lock);
	arch_space_switched(p);
	acquire(&vm_lock);
	vm_space_free(&old);
	release(&vm_lock);
	safestrcpy(p->name, name, sizeof(p->name));
	proc_arch_exec(p, entry, sp, argc, argv_va);
	return (int)argc;
}

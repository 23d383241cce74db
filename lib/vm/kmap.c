/* Kernel maps from declarative region tables, and xv6's two maps as ready examples. */
#include "vm_internal.h"

/* Whether two regions share a VA. */
static bool regions_overlap(const struct vm_region *a, const struct vm_region *b)
{
	return a->va <= b->va + (b->size - 1) && b->va <= a->va + (a->size - 1);
}

/* Check region i on its own and against regions 0 .. i-1. */
static enum pt_err region_check(const struct vm_region *r, size_t i)
{
	if (r[i].size == 0)
		return PT_EEMPTY;
	if ((r[i].va | r[i].pa | r[i].size) & (VM_PAGE - 1))
		return PT_EALIGN;
	if (r[i].va + (r[i].size - 1) < r[i].va)
		return PT_EWRAP;
	for (size_t j = 0; j < i; j++)
		if (regions_overlap(&r[i], &r[j]))
			return PT_EEXIST;
	return PT_OK;
}

enum pt_err vm_kmap_build(struct pt *pt, const struct vm_region *regions, size_t n, size_t *bad)
{
	enum pt_err err = PT_OK;
	size_t i;

	for (i = 0; i < n && !err; i++)
		err = region_check(regions, i);
	if (err) {
		if (bad)
			*bad = i - 1;
		return err;
	}
	for (i = 0; i < n; i++) {
		err = pt_map(pt, regions[i].va, regions[i].pa, regions[i].size, regions[i].perms, 0);
		if (err)
			break;
	}
	if (!err)
		return PT_OK;
	if (bad)
		*bad = i;
	/* Undo: each region's leaves lie inside it, so unmapping it needs no split. */
	while (i-- > 0)
		pt_unmap(pt, regions[i].va, regions[i].size, 0, 0);
	return err;
}

const char *vm_kmap_name(void *names, va_t va)
{
	const struct vm_kmap_names *k = names;

	for (size_t i = 0; i < k->n; i++)
		if (va >= k->regions[i].va && va - k->regions[i].va < k->regions[i].size)
			return k->regions[i].name;
	return 0;
}

/* xv6-riscv memlayout.h */
#define RV_UART0 0x10000000ull
#define RV_VIRTIO0 0x10001000ull
#define RV_PLIC 0x0c000000ull
#define RV_PLIC_SIZE 0x400000ull
#define RV_KERNBASE 0x80000000ull
#define RV_MAXVA (1ull << 38) /* one bit less than Sv39's, to avoid sign extension */

size_t vm_kmap_xv6_riscv(struct vm_region *out, pa_t etext, pa_t trampoline, pa_t phystop)
{
	const struct vm_region map[VM_XV6_RISCV_NREGIONS] = {
		{"uart0", RV_UART0, RV_UART0, VM_PAGE, PT_R | PT_W},
		{"virtio0", RV_VIRTIO0, RV_VIRTIO0, VM_PAGE, PT_R | PT_W},
		{"plic", RV_PLIC, RV_PLIC, RV_PLIC_SIZE, PT_R | PT_W},
		{"kernel text", RV_KERNBASE, RV_KERNBASE, etext - RV_KERNBASE, PT_R | PT_X},
		{"kernel data", etext, etext, phystop - etext, PT_R | PT_W},
		{"trampoline", RV_MAXVA - VM_PAGE, trampoline, VM_PAGE, PT_R | PT_X},
	};

	for (size_t i = 0; i < VM_XV6_RISCV_NREGIONS; i++)
		out[i] = map[i];
	return VM_XV6_RISCV_NREGIONS;
}

/* xv6-x86 memlayout.h */
#define X86_EXTMEM 0x100000ull
#define X86_KERNLINK (VM_XV6_X86_KERNBASE + X86_EXTMEM)
#define X86_DEVSPACE 0xfe000000ull

size_t vm_kmap_xv6_x86(struct vm_region *out, va_t data, pa_t phystop)
{
	const pa_t data_pa = data - VM_XV6_X86_KERNBASE;
	const struct vm_region map[VM_XV6_X86_NREGIONS] = {
		{"I/O space", VM_XV6_X86_KERNBASE, 0, X86_EXTMEM, PT_R | PT_W},
		{"kernel text+rodata", X86_KERNLINK, X86_EXTMEM, data_pa - X86_EXTMEM, PT_R | PT_X},
		{"kernel data+memory", data, data_pa, phystop - data_pa, PT_R | PT_W},
		{"device space", X86_DEVSPACE, X86_DEVSPACE, (1ull << 32) - X86_DEVSPACE, PT_R | PT_W},
	};

	for (size_t i = 0; i < VM_XV6_X86_NREGIONS; i++)
		out[i] = map[i];
	return VM_XV6_X86_NREGIONS;
}

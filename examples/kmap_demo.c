/*
 * Build xv6's RISC-V Sv39 kernel map from a declarative table and print it in both dump forms.
 * The page tables live in simulated RAM above the kernel image, as they would on QEMU virt.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ram.h"
#include "vmkit/pt.h"

#define UART0 0x10000000ull
#define VIRTIO0 0x10001000ull
#define PLIC 0x0c000000ull
#define KERNBASE 0x80000000ull
#define ETEXT 0x80008000ull      /* end of kernel text, as a linker would place it */
#define KERNEL_END 0x80022000ull /* end of kernel data and bss */
#define PHYSTOP (KERNBASE + (128ull << 20))
#define MAXVA (1ull << 38)
#define TRAMPOLINE (MAXVA - 4096)
#define TRAMPOLINE_PA 0x80007000ull /* the trampoline page inside the kernel text */

struct region {
	const char *name;
	va_t va;
	pa_t pa;
	uint64_t size;
	unsigned perms;
};

static const struct region kmap[] = {
	{"uart0", UART0, UART0, 4096, PT_R | PT_W},
	{"virtio0", VIRTIO0, VIRTIO0, 4096, PT_R | PT_W},
	{"plic", PLIC, PLIC, 0x4000000, PT_R | PT_W},
	{"kernel text", KERNBASE, KERNBASE, ETEXT - KERNBASE, PT_R | PT_X},
	{"kernel data + RAM", ETEXT, ETEXT, PHYSTOP - ETEXT, PT_R | PT_W},
	{"trampoline", TRAMPOLINE, TRAMPOLINE_PA, 4096, PT_R | PT_X},
};
#define NREGIONS (sizeof(kmap) / sizeof(kmap[0]))

static const char *region_name(void *ctx, va_t va)
{
	(void)ctx;
	for (size_t i = 0; i < NREGIONS; i++)
		if (va >= kmap[i].va && va - kmap[i].va < kmap[i].size)
			return kmap[i].name;
	return NULL;
}

static void print(void *ctx, const char *s, size_t len)
{
	fwrite(s, 1, len, ctx);
}

int main(void)
{
	struct host_ram ram;
	struct pt_mem mem;
	struct pt kpt;
	struct pt_stats st;
	enum pt_err err;

	if (host_ram_init(&ram, KERNEL_END, PHYSTOP - KERNEL_END) != PT_OK) {
		fprintf(stderr, "kmap_demo: cannot simulate RAM\n");
		return 1;
	}
	mem = host_ram_pt_mem(&ram);
	err = pt_init(&kpt, &pt_format_sv39, &mem);
	for (size_t i = 0; err == PT_OK && i < NREGIONS; i++) {
		const struct region *r = &kmap[i];

		err = pt_map(&kpt, r->va, r->pa, r->size, r->perms, 0);
		if (err)
			fprintf(stderr, "kmap_demo: %s: %s\n", r->name, pt_strerror(err));
	}
	if (err)
		return 1;
	pt_stats(&kpt, &st);
	printf("xv6 kernel map on Sv39: %llu tables (%llu KiB), %llu 4K pages, %llu 2M pages\n\n",
	       (unsigned long long)(st.tables[0] + st.tables[1] + st.tables[2]),
	       (unsigned long long)(st.table_bytes >> 10), (unsigned long long)st.leaves[0],
	       (unsigned long long)st.leaves[1]);
	printf("== ranges ==\n");
	pt_dump_ranges(&kpt, region_name, NULL, print, stdout);
	printf("\n== vmprint ==\n");
	pt_dump_vmprint(&kpt, print, stdout);
	pt_destroy(&kpt, NULL, NULL, NULL);
	host_ram_fini(&ram);
	return 0;
}

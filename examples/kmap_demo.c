/*
 * Build xv6's RISC-V Sv39 kernel map from its declarative region table (lib/vm) and print it
 * in both dump forms. The page tables live in simulated RAM above the kernel image, as they
 * would on QEMU virt.
 */
#include <stdio.h>

#include "ram.h"
#include "vmkit/vm.h"

#define KERNBASE 0x80000000ull
#define ETEXT 0x80008000ull      /* end of kernel text, where a linker would put it */
#define TRAMPOLINE 0x80007000ull /* the trampoline page, inside the kernel text */
#define KERNEL_END 0x80022000ull /* end of kernel data and bss: free RAM starts here */
#define PHYSTOP (KERNBASE + (128ull << 20))

static void print(void *ctx, const char *s, size_t len)
{
	fwrite(s, 1, len, ctx);
}

int main(void)
{
	struct vm_region kmap[VM_XV6_RISCV_NREGIONS];
	struct vm_kmap_names names = {kmap, VM_XV6_RISCV_NREGIONS};
	struct host_ram ram;
	struct pt_mem mem;
	struct pt_stats st;
	struct pt kpt;
	size_t bad = 0;
	enum pt_err err;

	if (host_ram_init(&ram, KERNEL_END, PHYSTOP - KERNEL_END) != PT_OK) {
		fprintf(stderr, "kmap_demo: cannot simulate RAM\n");
		return 1;
	}
	mem = host_ram_pt_mem(&ram);
	vm_kmap_xv6_riscv(kmap, ETEXT, TRAMPOLINE, PHYSTOP);
	err = pt_init(&kpt, &pt_format_sv39, &mem);
	if (!err)
		err = vm_kmap_build(&kpt, kmap, VM_XV6_RISCV_NREGIONS, &bad);
	if (err) {
		fprintf(stderr, "kmap_demo: %s: %s\n", kmap[bad].name, pt_strerror(err));
		return 1;
	}
	pt_stats(&kpt, &st);
	printf("xv6 kernel map on Sv39: %llu tables (%llu KiB), %llu 4K pages, %llu 2M pages\n\n",
	       (unsigned long long)(st.tables[0] + st.tables[1] + st.tables[2]),
	       (unsigned long long)(st.table_bytes >> 10), (unsigned long long)st.leaves[0],
	       (unsigned long long)st.leaves[1]);
	printf("== ranges ==\n");
	pt_dump_ranges(&kpt, vm_kmap_name, &names, print, stdout);
	printf("\n== vmprint ==\n");
	pt_dump_vmprint(&kpt, print, stdout);
	pt_destroy(&kpt, NULL, NULL, NULL);
	host_ram_fini(&ram);
	return 0;
}

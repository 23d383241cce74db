/* The README's example, compiled by `make all` so that it stays true. */
#include <stdio.h>

#include "ram.h" /* host/: simulated RAM; a kernel supplies its own struct pt_mem */
#include "vmkit/pt.h"

static void write_fn(void *ctx, const char *s, size_t len)
{
	fwrite(s, 1, len, ctx);
}

int main(void)
{
	struct host_ram ram;
	struct pt_mem mem;
	struct pt_leaf leaf;
	struct pt pt;
	enum pt_err err;
	pa_t pa;

	if (host_ram_init(&ram, 0x80000000, 64 << 20) != PT_OK)
		return 1;
	mem = host_ram_pt_mem(&ram);
	if (pt_init(&pt, &pt_format_sv39, &mem) != PT_OK)
		return 1;

	/* 8 MiB of RAM, read-write: the engine uses four 2 MiB pages. */
	err = pt_map(&pt, 0x80000000, 0x80000000, 8 << 20, PT_R | PT_W, 0);
	if (err != PT_OK)
		printf("map: %s\n", pt_strerror(err)); /* e.g. PT_EEXIST, PT_ENOMEM: nothing changed */

	if (pt_query(&pt, 0x80123456, &leaf, &pa) == PT_OK) /* pa = 0x80123456, a 2 MiB leaf */
		printf("0x80123456 -> 0x%llx in a %llu KiB page\n", (unsigned long long)pa,
		       (unsigned long long)(leaf.size >> 10));

	pt_unmap(&pt, 0x80001000, 4096, NULL, NULL); /* splits the first 2 MiB page */
	pt_dump_ranges(&pt, NULL, NULL, write_fn, stdout);
	pt_destroy(&pt, NULL, NULL, NULL);
	host_ram_fini(&ram);
	return 0;
}

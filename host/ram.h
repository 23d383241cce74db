/*
 * Simulated physical memory for tools, tests and benchmarks: RAM at a configurable physical
 * base (default 0x80000000, 128 MiB, as on QEMU virt), whose physical addresses are never host
 * pointers, with vmkit's frame allocator over it and fault injection.
 */
#ifndef VMKIT_HOST_RAM_H
#define VMKIT_HOST_RAM_H

#include "vmkit/frame.h"
#include "vmkit/pt.h"
#include "vmkit/vm.h"

#define HOST_RAM_DEFAULT_BASE 0x80000000ull
#define HOST_RAM_DEFAULT_SIZE (128ull << 20)

struct host_ram {
	uint8_t *bytes;          /* host memory backing [base, base + size) */
	pa_t base;
	uint64_t size;
	struct frame_pool frames;
	struct frame_info *info;
};

/* Simulate size bytes (a multiple of 4 KiB) of RAM at PA base. PT_ENOMEM if the host cannot. */
enum pt_err host_ram_init(struct host_ram *ram, pa_t base, uint64_t size);

/* Release the host memory. */
void host_ram_fini(struct host_ram *ram);

/* Host pointer for [pa, pa + len), or NULL if any of it lies outside the RAM. */
void *host_ram_ptr(const struct host_ram *ram, pa_t pa, uint64_t len);

/* The engine's memory interface over this RAM: tables are zeroed frames. */
struct pt_mem host_ram_pt_mem(struct host_ram *ram);

/* The address-space layer's environment over this RAM: tables and user pages share its frames. */
struct vm_env host_ram_vm_env(struct host_ram *ram);

/* Allocate one zeroed frame; false when memory is exhausted (or a failure was injected). */
bool host_ram_alloc_frame(struct host_ram *ram, pa_t *pa);

/* Frames free now. */
uint32_t host_ram_free_frames(const struct host_ram *ram);

/* Make the nth frame allocation from now fail (1: the next one); 0 turns this off. */
void host_ram_fail_nth(struct host_ram *ram, uint64_t n);

#endif

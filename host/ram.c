/* Simulated physical memory over host memory. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "ram.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum pt_err host_ram_init(struct host_ram *ram, pa_t base, uint64_t size)
{
	uint64_t nframes = size / FRAME_SIZE;
	void *bytes;

	memset(ram, 0, sizeof(*ram));
	if (!size || (size | base) & (FRAME_SIZE - 1) || nframes > UINT32_MAX)
		return PT_EINVAL;
	/* Anonymous memory is zero and only touched pages cost anything. */
	bytes = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bytes == MAP_FAILED)
		return PT_ENOMEM;
	ram->info = calloc(nframes, sizeof(*ram->info));
	if (!ram->info) {
		munmap(bytes, size);
		return PT_ENOMEM;
	}
	ram->bytes = bytes;
	ram->base = base;
	ram->size = size;
	frame_pool_init(&ram->frames, base, (uint32_t)nframes, ram->info);
	return PT_OK;
}

void host_ram_fini(struct host_ram *ram)
{
	if (ram->bytes)
		munmap(ram->bytes, ram->size);
	free(ram->info);
	memset(ram, 0, sizeof(*ram));
}

void *host_ram_ptr(const struct host_ram *ram, pa_t pa, uint64_t len)
{
	uint64_t off = pa - ram->base;

	if (pa < ram->base || off >= ram->size || len > ram->size - off)
		return NULL;
	return ram->bytes + off;
}

bool host_ram_alloc_frame(struct host_ram *ram, pa_t *pa)
{
	if (!frame_alloc(&ram->frames, pa))
		return false;
	memset(host_ram_ptr(ram, *pa, FRAME_SIZE), 0, FRAME_SIZE);
	return true;
}

uint32_t host_ram_free_frames(const struct host_ram *ram)
{
	return frame_free_count(&ram->frames);
}

void host_ram_fail_nth(struct host_ram *ram, uint64_t n)
{
	frame_fail_nth(&ram->frames, n);
}

static void *mem_ptr(void *ctx, pa_t pa)
{
	return host_ram_ptr(ctx, pa, 1);
}

/* Every table, even PAE's 32-byte root, gets a frame of its own. */
static enum pt_err mem_alloc(void *ctx, uint64_t bytes, pa_t *pa)
{
	if (bytes > FRAME_SIZE)
		return PT_EINVAL;
	return host_ram_alloc_frame(ctx, pa) ? PT_OK : PT_ENOMEM;
}

static void mem_free(void *ctx, pa_t pa, uint64_t bytes)
{
	struct host_ram *ram = ctx;

	(void)bytes;
	frame_put(&ram->frames, pa);
}

static bool mem_contains(void *ctx, pa_t pa, uint64_t bytes)
{
	return host_ram_ptr(ctx, pa, bytes) != NULL;
}

struct pt_mem host_ram_pt_mem(struct host_ram *ram)
{
	struct pt_mem mem = {mem_ptr, mem_alloc, mem_free, mem_contains, ram};

	return mem;
}

struct vm_env host_ram_vm_env(struct host_ram *ram)
{
	struct vm_env env = {host_ram_pt_mem(ram), vm_frame_pool_ops(&ram->frames), {0, 0, 0, 0, 0}};

	return env;
}

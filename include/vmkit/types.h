/* Basic vmkit types shared by every module. Freestanding: no libc. */
#ifndef VMKIT_TYPES_H
#define VMKIT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A virtual address, as the processor sees it (canonical, sign-extended where the format says). */
typedef uint64_t va_t;

/* A physical address. 64 bits even on 32-bit formats: Sv32 reaches 34 bits, PAE 52. */
typedef uint64_t pa_t;

/* Receives text produced by dumps; s is not NUL-terminated. */
typedef void (*vk_write_fn)(void *ctx, const char *s, size_t len);

#endif

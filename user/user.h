/*
 * The user programs' view of the kernel (system calls) and of the tiny C library (ulib.c).
 */
#ifndef USER_USER_H
#define USER_USER_H

#include <stdarg.h>
#include <stddef.h>
#include "syscall.h"

/* System calls (riscv64/usys.S). Every call taking a pointer returns -1 if it is bad. */
int fork(void);
void exit(int status) __attribute__((noreturn));
int wait(int *status);
int getpid(void);
long sbrk(long n);
int exec(const char *name, char **argv);
int kill(int pid);
long uptime(void);
int vmstat(struct vmstat *out);
long write(int fd, const void *buf, long n);
long read(int fd, void *buf, long n);
int sleep(long ticks);
void poweroff(int code) __attribute__((noreturn));

/* Formatted output: %d %i %u %x %X %p %s %c %%, with the length modifiers l and z, the flags
 * '-' and '0', a field width (digits or '*') and, for %s, a precision. Each call writes its
 * output with as few write() calls as it can (one for a line of up to 256 bytes). */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vfprintf(int fd, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Strings and memory. */
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
char *strchr(const char *s, int c);
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
int atoi(const char *s);

/* The heap, on sbrk. free() keeps memory for later malloc()s; it never shrinks the heap. */
void *malloc(size_t n);
void *calloc(size_t count, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);

/* Reads one line from fd 0 into buf (at most max - 1 bytes, newline kept if it fits), and
 * NUL-terminates it. Returns buf; buf[0] == 0 means end of input or an error. */
char *gets(char *buf, int max);

#endif

/*
 * The system-call interface, shared by the kernels and the user programs.
 *
 * A user program puts the number in a7 (RISC-V) or eax (x86) and the arguments in a0..a5 /
 * on the stack, and gets the result back in a0 / eax. Every call that takes a user pointer
 * returns -1 if the pointer is bad; the kernel never dies of it.
 */
#ifndef VMKIT_SYSCALL_H
#define VMKIT_SYSCALL_H

#define SYS_fork 1     /* int fork(void): child's pid in the parent, 0 in the child, -1 */
#define SYS_exit 2     /* void exit(int status) */
#define SYS_wait 3     /* int wait(int *status): a child's pid, its status stored if non-null */
#define SYS_getpid 4   /* int getpid(void) */
#define SYS_sbrk 5     /* long sbrk(long n): old end of memory; grows lazily, shrinks for real */
#define SYS_exec 6     /* int exec(const char *name, char **argv): -1, or no return */
#define SYS_kill 7     /* int kill(int pid) */
#define SYS_uptime 8   /* long uptime(void): timer ticks since boot */
#define SYS_vmstat 9   /* int vmstat(struct vmstat *out) */
#define SYS_write 10   /* long write(int fd, const void *buf, long n) */
#define SYS_read 11    /* long read(int fd, void *buf, long n) */
#define SYS_sleep 12   /* int sleep(long ticks) */
#define SYS_poweroff 13 /* void poweroff(int code): stop the machine, QEMU exits with code */

/* File descriptors: 0 the console (read), 1 and 2 the console (write), and 3 the loop device:
 * what a process writes to fd 3 it reads back from fd 3 (a per-process 8 KiB buffer), which
 * lets tests move bytes through copyin and copyout. */
#define FD_LOOP 3
#define LOOP_SIZE 8192

#ifndef __ASSEMBLER__
/* What SYS_vmstat reports. */
struct vmstat {
	unsigned long free_frames;  /* frames free now */
	unsigned long total_frames; /* frames the kernel manages */
	unsigned long page_faults;  /* page faults taken from user mode and by copyin/copyout */
	unsigned long cow_copies;   /* shared pages copied on a write */
	unsigned long cow_reuses;   /* shared pages given back to their last owner */
	unsigned long lazy_allocs;  /* pages allocated on first touch */
	unsigned long bad_faults;   /* faults that killed a process or failed a call */
};
#endif

#endif

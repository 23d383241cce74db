/* Declarations shared by every part of the kernel (kernel/ and kernel/<arch>/). */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stdarg.h>

#include "arch.h"
#include "vmkit/vm.h"

#define NPROC 64
#define NCPU 8
#define PGSIZE 4096ull
#define PGROUNDUP(x) (((x) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(x) ((x) & ~(PGSIZE - 1))
#define MAXARG 16
#define MAXARGLEN 128

/* ---- spinlock.c ---- */
struct cpu;
struct spinlock {
	volatile unsigned locked;
	const char *name;
	struct cpu *cpu; /* holder */
};
void spin_init(struct spinlock *lk, const char *name);
void acquire(struct spinlock *lk);
void release(struct spinlock *lk);
int holding(struct spinlock *lk);
void push_off(void);
void pop_off(void);

/* ---- console.c, printf.c ---- */
void console_init(void);
void console_write(const char *s, long n);
int console_getc(void); /* a byte of input, or -1 if none is waiting */
void kprintf(const char *fmt, ...);
void kvprintf(const char *fmt, va_list ap);
void panic(const char *msg) __attribute__((noreturn));
void vk_console_write(void *ctx, const char *s, size_t len); /* a vk_write_fn */

/* ---- string.c ---- */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
char *safestrcpy(char *dst, const char *src, size_t n);

/* ---- kmem.c: physical memory, the one frame pool, the VM environment ---- */
extern struct vm_env kvm;        /* tables and user pages; lock vm_lock around lib/vm calls */
extern struct spinlock vm_lock;
void kmem_init(pa_t start, pa_t end);
bool kalloc_page(pa_t *pa);      /* a zeroed frame, or false */
void kfree_page(pa_t pa);
uint32_t kmem_free_frames(void);
uint32_t kmem_total_frames(void);

/* ---- proc.c ---- */
enum procstate { UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

struct proc {
	struct spinlock lock;
	/* p->lock must be held for these: */
	enum procstate state;
	void *chan;
	int killed;
	int xstate;
	int pid;
	/* wait_lock must be held for this: */
	struct proc *parent;
	/* private to the process: */
	uint64_t kstack;              /* kernel VA of its kernel stack */
	struct trapframe *trapframe;  /* its trap frame page, through the direct map */
	pa_t trapframe_pa;
	struct context context;
	struct vm_space space;        /* user memory; space.size is xv6's sz */
	char name[16];
	long loop_len;                /* the loop device (fd 3) */
	char loop[8192];
};

struct cpu {
	struct proc *proc;        /* running here, or NULL */
	struct context context;   /* the scheduler's */
	int noff;                 /* push_off depth */
	int intena;               /* interrupts were on before push_off */
};

extern struct cpu cpus[NCPU];
struct cpu *mycpu(void);
struct proc *myproc(void);
void proc_init(void);
void user_init(void);
void scheduler(void) __attribute__((noreturn));
void sched(void);
void yield(void);
void sleep(void *chan, struct spinlock *lk);
void wakeup(void *chan);
int fork(void);
void exit(int status) __attribute__((noreturn));
int wait(uint64_t status_va);
int kill(int pid);
int killed(struct proc *p);
void setkilled(struct proc *p);
void proc_kill_fault(struct proc *p, uint64_t va, const char *cause);

/* ---- exec.c ---- */
int exec(struct proc *p, const char *name, char *const argv[]); /* kernel strings */
struct program {
	const char *name;
	const unsigned char *elf; /* the ELF file */
	const unsigned char *end; /* and its end */
};
extern const struct program programs[]; /* generated: the user programs built into the kernel */
extern const int nprograms;

/* ---- syscall.c ---- */
void syscall(void);
extern volatile uint64_t ticks;
extern struct spinlock tickslock;
void clock_tick(void);

/* ---- vm glue (vmglue.c) ---- */
enum pt_err user_fault(struct proc *p, uint64_t va, unsigned access);

/* ---- the arch side (kernel/<arch>/) ---- */
void arch_console_putc(int c);
int arch_console_getc(void);
void arch_poweroff(int code) __attribute__((noreturn));
void kvm_init(void);                    /* build the kernel page table */
void kvm_init_hart(void);               /* and switch this CPU to it */
int proc_arch_setup(struct proc *p);    /* trap frame, and an empty user space */
int arch_space_init(struct proc *p, struct vm_space *s); /* empty user space + kernel's part */
void arch_space_switched(struct proc *p); /* p->space was replaced (exec): reload if live */
void proc_arch_free(struct proc *p);
void proc_arch_fork(struct proc *child, struct proc *parent); /* copy registers, child gets 0 */
void proc_arch_exec(struct proc *p, uint64_t entry, uint64_t sp, uint64_t argc, uint64_t argv);
void proc_arch_first_return(struct proc *p); /* context of a new process: to user mode */
void swtch(struct context *old, struct context *new);
void arch_switch_to(struct proc *p);    /* the scheduler is about to run p on this CPU */
void arch_switch_from(void);            /* and is back */
void arch_trap_init_hart(void);         /* trap vector, timer */
pa_t arch_kernel_end(void);             /* first free byte of RAM after the kernel image */
void usertrapret(void) __attribute__((noreturn));

#endif

/* Stand-in for xv6-x86's proc.h: the per-CPU and per-process state vm.c touches. */

// One CPU.
struct cpu {
	uchar apicid;               // local APIC ID
	struct context *scheduler;  // the scheduler's saved context
	struct taskstate ts;        // where the processor finds the kernel stack on a trap
	struct segdesc gdt[NSEGS];  // this CPU's GDT
	volatile uint started;      // set once the CPU runs
	int ncli;                   // pushcli nesting
	int intena;                 // interrupts were on before the first pushcli
	struct proc *proc;          // the process running here, or 0
};

extern struct cpu cpus[NCPU];
extern int ncpu;

// Registers saved by swtch.
struct context {
	uint edi;
	uint esi;
	uint ebx;
	uint ebp;
	uint eip;
};

enum procstate { UNUSED, EMBRYO, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

// One process.
struct proc {
	uint sz;                    // bytes of user memory
	pde_t *pgdir;               // its page directory
	char *kstack;               // bottom of its kernel stack
	enum procstate state;
	int pid;
	struct proc *parent;
	struct trapframe *tf;       // the trap frame of the current system call
	struct context *context;    // swtch here to run it
	void *chan;                 // what it sleeps on, if anything
	int killed;
	struct file *ofile[NOFILE];
	struct inode *cwd;
	char name[16];
};

/* Stand-in for xv6-x86's defs.h: the declarations the drop-in vm.c relies on, with xv6's
 * signatures (the hosted test defines the non-vm.c ones). */
struct cpu;
struct inode;
struct proc;

// console.c
void cprintf(char *, ...);
void panic(char *) __attribute__((noreturn));

// fs.c
int readi(struct inode *, char *, uint, uint);

// kalloc.c
char *kalloc(void);
void kfree(char *);

// proc.c
int cpuid(void);
struct cpu *mycpu(void);

// spinlock.c
void pushcli(void);
void popcli(void);

// string.c
void *memmove(void *, const void *, uint);
void *memset(void *, int, uint);

// vm.c
void seginit(void);
void kvmalloc(void);
pde_t *setupkvm(void);
char *uva2ka(pde_t *, char *);
int allocuvm(pde_t *, uint, uint);
int deallocuvm(pde_t *, uint, uint);
void freevm(pde_t *);
void inituvm(pde_t *, char *, uint);
int loaduvm(pde_t *, char *, struct inode *, uint, uint);
pde_t *copyuvm(pde_t *, uint);
void switchuvm(struct proc *);
void switchkvm(void);
int copyout(pde_t *, uint, void *, uint);
void clearpteu(pde_t *pgdir, char *uva);

// number of elements in an array
#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

/* Stand-in for xv6-x86's memlayout.h: physical layout and the kernel's window onto it. */
#define EXTMEM 0x100000     // extended memory starts here
#define PHYSTOP 0xE000000   // end of the RAM xv6 uses
#define DEVSPACE 0xFE000000 // memory-mapped devices, up to 4 GiB

#define KERNBASE 0x80000000         // first kernel virtual address; PA 0 lives here
#define KERNLINK (KERNBASE + EXTMEM) // where the kernel is linked

#define V2P(a) (((uint)(a)) - KERNBASE)
#define P2V(a) ((void *)(((char *)(a)) + KERNBASE))

#define V2P_WO(x) ((x) - KERNBASE) // the same, for assembly: no casts
#define P2V_WO(x) ((x) + KERNBASE)

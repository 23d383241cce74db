/* Stand-in for xv6-x86's mmu.h: 32-bit paging and segmentation as xv6 uses them. */

// Control register 4: page size extension, which xv6's entry code turns on (4 MiB pages).
#define CR4_PSE 0x00000010

// GDT slots.
#define SEG_KCODE 1 // kernel code
#define SEG_KDATA 2 // kernel data and stack
#define SEG_UCODE 3 // user code
#define SEG_UDATA 4 // user data and stack
#define SEG_TSS 5   // the running process's task state
#define NSEGS 6     // entries in cpu->gdt

// A segment descriptor, as the processor reads it (low bits first).
struct segdesc {
	uint lim_15_0 : 16;   // limit, bits 15:0
	uint base_15_0 : 16;  // base, bits 15:0
	uint base_23_16 : 8;  // base, bits 23:16
	uint type : 4;        // STA_* or STS_*
	uint s : 1;           // 1: code or data, 0: system
	uint dpl : 2;         // descriptor privilege level
	uint p : 1;           // present
	uint lim_19_16 : 4;   // limit, bits 19:16
	uint avl : 1;         // free for software
	uint rsv1 : 1;        // reserved
	uint db : 1;          // 1: 32-bit segment
	uint g : 1;           // 1: limit counts 4 KiB units
	uint base_31_24 : 8;  // base, bits 31:24
};

// A flat 32-bit segment; lim is in bytes and is stored in 4 KiB units.
#define SEG(type_, base, lim, dpl_)                                                       \
	(struct segdesc)                                                                  \
	{                                                                                 \
		.lim_15_0 = ((uint)(lim) >> 12) & 0xffff, .base_15_0 = (uint)(base) & 0xffff, \
		.base_23_16 = ((uint)(base) >> 16) & 0xff, .type = (type_), .s = 1,           \
		.dpl = (dpl_), .p = 1, .lim_19_16 = (uint)(lim) >> 28, .avl = 0, .rsv1 = 0,   \
		.db = 1, .g = 1, .base_31_24 = (uint)(base) >> 24                             \
	}

// A byte-granular segment (the TSS); lim is in bytes.
#define SEG16(type_, base, lim, dpl_)                                                     \
	(struct segdesc)                                                                  \
	{                                                                                 \
		.lim_15_0 = (uint)(lim) & 0xffff, .base_15_0 = (uint)(base) & 0xffff,         \
		.base_23_16 = ((uint)(base) >> 16) & 0xff, .type = (type_), .s = 1,           \
		.dpl = (dpl_), .p = 1, .lim_19_16 = (uint)(lim) >> 16, .avl = 0, .rsv1 = 0,   \
		.db = 1, .g = 0, .base_31_24 = (uint)(base) >> 24                             \
	}

#define DPL_USER 0x3 // user privilege level

// Code and data segment types.
#define STA_X 0x8 // executable
#define STA_W 0x2 // writable (data)
#define STA_R 0x2 // readable (code)

// System segment types.
#define STS_T32A 0x9 // available 32-bit TSS

// A virtual address is a page-directory index (10 bits), a page-table index (10 bits) and an
// offset (12 bits).
#define PDX(va) (((uint)(va) >> PDXSHIFT) & 0x3FF)
#define PTX(va) (((uint)(va) >> PTXSHIFT) & 0x3FF)
#define PGADDR(d, t, o) ((uint)((d) << PDXSHIFT | (t) << PTXSHIFT | (o)))

#define NPDENTRIES 1024 // entries in a page directory
#define NPTENTRIES 1024 // entries in a page table
#define PGSIZE 4096     // bytes in a page

#define PTXSHIFT 12
#define PDXSHIFT 22

#define PGROUNDUP(sz) (((sz) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a) (((a)) & ~(PGSIZE - 1))

// Page directory and page table entry bits.
#define PTE_P 0x001  // present
#define PTE_W 0x002  // writable
#define PTE_U 0x004  // user
#define PTE_PS 0x080 // 4 MiB page (in a page directory entry)

#define PTE_ADDR(pte) ((uint)(pte) & ~0xFFF)
#define PTE_FLAGS(pte) ((uint)(pte) & 0xFFF)

typedef uint pte_t;

// The task state segment; xv6 uses only the ring-0 stack and the I/O map base.
struct taskstate {
	uint link;
	uint esp0;      // stack pointer on entry to ring 0
	ushort ss0;     // stack segment on entry to ring 0
	ushort padding1;
	uint *esp1;
	ushort ss1;
	ushort padding2;
	uint *esp2;
	ushort ss2;
	ushort padding3;
	void *cr3;
	uint *eip;
	uint eflags;
	uint eax;
	uint ecx;
	uint edx;
	uint ebx;
	uint *esp;
	uint *ebp;
	uint esi;
	uint edi;
	ushort es;
	ushort padding4;
	ushort cs;
	ushort padding5;
	ushort ss;
	ushort padding6;
	ushort ds;
	ushort padding7;
	ushort fs;
	ushort padding8;
	ushort gs;
	ushort padding9;
	ushort ldt;
	ushort padding10;
	ushort t;       // trap on task switch
	ushort iomb;    // I/O map base, as an offset from the TSS
};

/*
 * The processor side of the x86 differential check: CPUID, the GDT/IDT/TSS, control
 * registers, switching between the harness's own paging and a round's table, and reaching
 * physical memory. Built for i386 and x86-64 (see qd_x86.h).
 */
#include "qd_x86.h"

struct qd_cpu qd_cpu;

/* ---- instructions -------------------------------------------------------------------------- */

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

unsigned long qd_read_cr0(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

unsigned long qd_read_cr2(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

unsigned long qd_read_cr3(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

unsigned long qd_read_cr4(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

void qd_write_cr0(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

void qd_write_cr2(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr2" : : "r"(v) : "memory");
}

void qd_write_cr3(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

void qd_write_cr4(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

uint64_t qd_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

void qd_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

void qd_wrpkru(uint32_t v)
{
	/* wrpkru: EAX = value, ECX = EDX = 0 (needs CR4.PKE=1) */
	__asm__ volatile(".byte 0x0f, 0x01, 0xef" : : "a"(v), "c"(0), "d"(0) : "memory");
}

void qd_invlpg(unsigned long va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* ---- CPUID --------------------------------------------------------------------------------- */

void qd_cpu_detect(void)
{
	uint32_t r[4], max, maxext;
	struct qd_cpu *c = &qd_cpu;

	cpuid(0, 0, r);
	max = r[0];
	for (int i = 0; i < 4; i++) {
		c->vendor[i] = (char)(r[1] >> (8 * i));
		c->vendor[4 + i] = (char)(r[3] >> (8 * i));
		c->vendor[8 + i] = (char)(r[2] >> (8 * i));
	}
	c->vendor[12] = 0;
	cpuid(1, 0, r);
	c->pse = (r[3] >> 3) & 1;
	c->pae = (r[3] >> 6) & 1;
	c->pge = (r[3] >> 13) & 1;
	c->pse36 = (r[3] >> 17) & 1;
	if (max >= 7) {
		cpuid(7, 0, r);
		c->smep = (r[1] >> 7) & 1;
		c->smap = (r[1] >> 20) & 1;
		c->pku = (r[2] >> 3) & 1;
		c->la57 = (r[2] >> 16) & 1;
		c->pks = (r[2] >> 31) & 1;
	}
	cpuid(0x80000000u, 0, r);
	maxext = r[0];
	if (maxext >= 0x80000001u) {
		cpuid(0x80000001u, 0, r);
		c->nx = (r[3] >> 20) & 1;
		c->page1gb = (r[3] >> 26) & 1;
	}
	/* MAXPHYADDR: CPUID.80000008H:EAX[7:0], else 36 with PSE-36, else 32 (SDM 4.1.4). */
	c->maxphyaddr = c->pse36 ? 36 : 32;
	if (maxext >= 0x80000008u) {
		cpuid(0x80000008u, 0, r);
		c->maxphyaddr = r[0] & 0xff;
	}
}

/* ---- GDT, IDT, TSS ------------------------------------------------------------------------- */

#ifdef __x86_64__
struct __attribute__((packed)) tss {
	uint32_t rsvd0;
	uint64_t rsp0, rsp1, rsp2, rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3, iomb;
};
static uint64_t idt[512];
#else
struct tss {
	uint32_t link, esp0;
	uint16_t ss0, pad0;
	uint32_t unused[22];
	uint16_t trap, iomb;
};
static uint64_t idt[256];
#endif
static uint64_t gdt[8] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));

static void load_table(bool is_idt, const void *base, unsigned bytes)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		unsigned long base;
	} d = {(uint16_t)(bytes - 1), (unsigned long)base};

	if (is_idt)
		__asm__ volatile("lidt %0" : : "m"(d));
	else
		__asm__ volatile("lgdt %0" : : "m"(d));
}

void qd_cpu_tables_init(void)
{
	unsigned long t = (unsigned long)&tss;
	uint64_t limit = sizeof(tss) - 1;

	tss.iomb = sizeof(tss);
#ifdef __x86_64__
	tss.rsp0 = (unsigned long)qd_trap_stack_top;
	gdt[1] = 0x00209A0000000000ull; /* kernel code, 64-bit */
	gdt[2] = 0x00CF92000000FFFFull; /* kernel data */
	gdt[3] = 0x0020FA0000000000ull; /* user code, 64-bit, DPL 3 */
	gdt[4] = 0x00CFF2000000FFFFull; /* user data, DPL 3 */
	gdt[5] = (limit & 0xffff) | ((uint64_t)(t & 0xffffff) << 16) | (0x89ull << 40) |
		 ((uint64_t)((t >> 24) & 0xff) << 56);
	gdt[6] = (uint64_t)t >> 32;
	gdt[7] = 0x00CF9A000000FFFFull; /* 32-bit kernel code (unused after boot) */
	for (unsigned v = 0; v < 256; v++) {
		uint64_t h = qd_vectors[v];
		uint64_t type = v == QD_VEC_USER_DONE ? 0xEE : 0x8E;

		idt[2 * v] = (h & 0xffff) | ((uint64_t)QD_KCODE << 16) | (type << 40) |
			     ((h >> 16 & 0xffff) << 48);
		idt[2 * v + 1] = h >> 32;
	}
	load_table(false, gdt, sizeof(gdt));
	__asm__ volatile("pushq %0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:"
			 : : "i"(QD_KCODE) : "rax", "memory");
#else
	tss.esp0 = (unsigned long)qd_trap_stack_top;
	tss.ss0 = QD_KDATA;
	gdt[1] = 0x00CF9A000000FFFFull; /* kernel code */
	gdt[2] = 0x00CF92000000FFFFull; /* kernel data */
	gdt[3] = 0x00CFFA000000FFFFull; /* user code, DPL 3 */
	gdt[4] = 0x00CFF2000000FFFFull; /* user data, DPL 3 */
	gdt[5] = (limit & 0xffff) | ((uint64_t)(t & 0xffffff) << 16) | (0x89ull << 40) |
		 ((uint64_t)(t >> 24) << 56);
	for (unsigned v = 0; v < 256; v++) {
		uint64_t h = qd_vectors[v];
		uint64_t type = v == QD_VEC_USER_DONE ? 0xEE : 0x8E;

		idt[v] = (h & 0xffff) | ((uint64_t)QD_KCODE << 16) | (type << 40) |
			 ((h >> 16) << 48);
	}
	load_table(false, gdt, sizeof(gdt));
	__asm__ volatile("ljmp %0, $1f\n1:" : : "i"(QD_KCODE) : "memory");
#endif
	__asm__ volatile("movw %w0, %%ds\n\tmovw %w0, %%es\n\tmovw %w0, %%ss"
			 : : "r"(QD_KDATA) : "memory");
	load_table(true, idt, sizeof(idt));
	__asm__ volatile("ltr %w0" : : "r"(QD_TSS));
}

/* ---- paging -------------------------------------------------------------------------------- */

#define CR0_PG 0x80000000ul
#define CR0_WP 0x00010000ul
#define CR4_PSE 0x10ul
#define CR4_PAE 0x20ul
#define CR4_PGE 0x80ul
#define CR4_LA57 0x1000ul
#define CR4_SMEP 0x100000ul
#define CR4_SMAP 0x200000ul
#define CR4_PKE 0x400000ul
#define CR4_PKS 0x1000000ul
#define EFER_NXE 0x800ull

/* The CR4 bits a probe chooses. */
#define CR4_PROBE (CR4_PSE | CR4_SMEP | CR4_SMAP | CR4_PKE | CR4_PKS)

#ifdef __x86_64__

void qd_home_init(void)
{
}

void qd_paging_home(void)
{
	qd_write_cr4(qd_read_cr4() & ~(CR4_SMEP | CR4_SMAP | CR4_PKE | CR4_PKS));
	qd_write_cr3((unsigned long)qd_boot_root);
}

void qd_paging_enter(const struct pt_format *fmt, uint64_t root, bool pse)
{
	unsigned long cr4 = qd_read_cr4() | (qd_cpu.pge ? CR4_PGE : 0);

	(void)fmt;
	cr4 = pse ? cr4 | CR4_PSE : cr4 & ~CR4_PSE;
	qd_write_cr4(cr4);
	if (qd_cpu.nx)
		qd_wrmsr(QD_MSR_EFER, qd_rdmsr(QD_MSR_EFER) | EFER_NXE);
	qd_write_cr0(qd_read_cr0() | CR0_WP);
	qd_write_cr3((unsigned long)root);
}

void *qd_phys_ptr(uint64_t pa)
{
	return qd_phys_is_ram(pa) ? (void *)(uintptr_t)pa : 0;
}

uint64_t qd_phys_read64(uint64_t pa)
{
	return *(volatile uint64_t *)qd_phys_ptr(pa);
}

void qd_phys_write64(uint64_t pa, uint64_t v)
{
	*(volatile uint64_t *)qd_phys_ptr(pa) = v;
}

#else /* i386 */

/*
 * RAM above 4 GiB is reached through a PAE table of its own (the "home" table): identity for
 * [0, QD_IDENT_END) and QD_HIGH_RAM mapped at HOME_HIGH_VA, with 2 MiB pages. A detour turns
 * paging off, enters it, accesses, and restores CR0/CR3/CR4 exactly.
 */
#define HOME_HIGH_VA 0x40000000ul
static uint64_t home_root;
static uint64_t home_next = QD_HOME_POOL;

static void *home_ptr(void *ctx, pa_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

static enum pt_err home_alloc(void *ctx, uint64_t bytes, pa_t *pa)
{
	(void)ctx;
	home_next = (home_next + bytes - 1) & ~(bytes - 1);
	if (home_next + bytes > QD_TABLE_POOL)
		return PT_ENOMEM;
	*pa = home_next;
	for (uint64_t i = 0; i < bytes; i++)
		((volatile char *)(uintptr_t)home_next)[i] = 0;
	home_next += bytes;
	return PT_OK;
}

static void home_free(void *ctx, pa_t pa, uint64_t bytes)
{
	(void)ctx;
	(void)pa;
	(void)bytes;
}

void qd_home_init(void)
{
	struct pt_mem mem = {home_ptr, home_alloc, home_free, 0, 0};
	struct pt pt;
	unsigned perms = PT_R | PT_W | PT_X | PT_A | PT_D;

	if (pt_init(&pt, &pt_format_x86_pae, &mem) != PT_OK ||
	    pt_map(&pt, 0, 0, QD_IDENT_END, perms, 0) != PT_OK ||
	    (qd_high_ram_usable() &&
	     pt_map(&pt, HOME_HIGH_VA, QD_HIGH_RAM, QD_HIGH_SIZE, perms, 0) != PT_OK))
		qd_panic("home PAE table");
	home_root = pt.root;
}

void qd_paging_home(void)
{
	qd_write_cr0(qd_read_cr0() & ~CR0_PG);
	qd_write_cr4(qd_read_cr4() & ~(CR4_SMEP | CR4_SMAP | CR4_PKE | CR4_PKS | CR4_PAE));
}

void qd_paging_enter(const struct pt_format *fmt, uint64_t root, bool pse)
{
	unsigned long cr4 = qd_read_cr4() & ~(CR4_PAE | CR4_PSE);

	if (fmt == &pt_format_x86_pae)
		cr4 |= CR4_PAE;
	if (pse)
		cr4 |= CR4_PSE;
	if (qd_cpu.pge)
		cr4 |= CR4_PGE;
	qd_write_cr0(qd_read_cr0() & ~CR0_PG);
	qd_write_cr4(cr4);
	if (qd_cpu.nx)
		qd_wrmsr(QD_MSR_EFER, qd_rdmsr(QD_MSR_EFER) | EFER_NXE);
	qd_write_cr3((unsigned long)root);
	qd_write_cr0(qd_read_cr0() | CR0_PG | CR0_WP);
}

void *qd_phys_ptr(uint64_t pa)
{
	return pa + 8 <= QD_IDENT_END ? (void *)(uintptr_t)pa : 0;
}

/* Run one 8-byte access at pa (in high RAM) on the home table. */
static uint64_t home_access(uint64_t pa, bool write, uint64_t v)
{
	unsigned long cr0 = qd_read_cr0(), cr3 = qd_read_cr3(), cr4 = qd_read_cr4();
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)(HOME_HIGH_VA + (pa - QD_HIGH_RAM));
	uint64_t r = 0;

	qd_write_cr0(cr0 & ~CR0_PG);
	qd_write_cr4(CR4_PAE);
	qd_write_cr3((unsigned long)home_root);
	qd_write_cr0((cr0 & ~CR0_WP) | CR0_PG);
	if (write) {
		p[0] = (uint32_t)v;
		p[1] = (uint32_t)(v >> 32);
	} else {
		r = p[0] | ((uint64_t)p[1] << 32);
	}
	qd_write_cr0(cr0 & ~CR0_PG);
	qd_write_cr4(cr4);
	qd_write_cr3(cr3);
	qd_write_cr0(cr0);
	return r;
}

uint64_t qd_phys_read64(uint64_t pa)
{
	volatile uint32_t *p = qd_phys_ptr(pa);

	if (p)
		return p[0] | ((uint64_t)p[1] << 32);
	return home_access(pa, false, 0);
}

void qd_phys_write64(uint64_t pa, uint64_t v)
{
	volatile uint32_t *p = qd_phys_ptr(pa);

	if (p) {
		p[0] = (uint32_t)v;
		p[1] = (uint32_t)(v >> 32);
		return;
	}
	home_access(pa, true, v);
}

#endif

/* Whether the harness can read and write pa (8 bytes) as RAM: qd_phys_read64/write64 work. */
bool qd_phys_is_ram(uint64_t pa)
{
#ifdef __x86_64__
	if (pa + 8 <= QD_LOW_RAM)
		return true;
#else
	if (pa + 8 <= QD_IDENT_END)
		return true;
#endif
	return qd_high_ram_usable() && pa >= QD_HIGH_RAM && pa + 8 <= QD_HIGH_RAM + QD_HIGH_SIZE;
}

/* The RAM above 4 GiB can be reached (and is used for frames) only below MAXPHYADDR. */
bool qd_high_ram_usable(void)
{
	return qd_cpu.maxphyaddr >= 64 ||
	       QD_HIGH_RAM + QD_HIGH_SIZE <= ((uint64_t)1 << qd_cpu.maxphyaddr);
}

void qd_apply_state(const struct qd_state *s)
{
	unsigned long cr0 = qd_read_cr0(), cr4 = qd_read_cr4(), ncr0, ncr4;

	ncr0 = s->wp ? cr0 | CR0_WP : cr0 & ~CR0_WP;
	ncr4 = cr4 & ~CR4_PROBE;
	if (s->pse)
		ncr4 |= CR4_PSE;
	if (s->smep)
		ncr4 |= CR4_SMEP;
	if (s->smap)
		ncr4 |= CR4_SMAP;
	if (s->pke)
		ncr4 |= CR4_PKE;
	if (s->pks)
		ncr4 |= CR4_PKS;
	if (ncr0 != cr0)
		qd_write_cr0(ncr0);
	if (ncr4 != cr4)
		qd_write_cr4(ncr4);
	if (qd_cpu.nx) {
		uint64_t efer = qd_rdmsr(QD_MSR_EFER);
		uint64_t nefer = s->nxe ? efer | EFER_NXE : efer & ~EFER_NXE;

		if (nefer != efer)
			qd_wrmsr(QD_MSR_EFER, nefer);
	}
	if (s->pke)
		qd_wrpkru(s->pkru);
	if (qd_cpu.pks)
		qd_wrmsr(QD_MSR_PKRS, s->pkrs);
}

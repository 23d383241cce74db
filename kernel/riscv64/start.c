/* Machine mode, once per hart: hand everything to supervisor mode and enter kmain there. */
#include "csr.h"
#include "layout.h"

#define NCPU 8

void kmain(void);

/* The boot stacks entry.S uses, one page per hart. */
__attribute__((aligned(16))) char stack0[4096 * NCPU];

void start(void)
{
	uint64_t mstatus = csr_read(mstatus);

	/* mret goes to kmain in supervisor mode, with paging off for now. */
	csr_write(mstatus, (mstatus & ~MSTATUS_MPP_MASK) | MSTATUS_MPP_S);
	csr_write(mepc, (uint64_t)kmain);
	csr_write(satp, 0);

	/* Every exception and interrupt goes to supervisor mode. */
	csr_write(medeleg, 0xffff);
	csr_write(mideleg, 0xffff);
	csr_write(sie, csr_read(sie) | SIE_SEIE | SIE_STIE | SIE_SSIE);

	/* Supervisor mode may touch all of physical memory. */
	csr_write(pmpaddr0, 0x3fffffffffffffull);
	csr_write(pmpcfg0, 0xf);

	/* The timer: supervisor mode programs stimecmp itself (Sstc). */
	csr_write(mie, csr_read(mie) | MIE_STIE);
	w_menvcfg(r_menvcfg() | MENVCFG_STCE);
	csr_write(mcounteren, csr_read(mcounteren) | MCOUNTEREN_TM);
	w_stimecmp(csr_read(time) + TIMER_INTERVAL);

	/* cpuid() reads the hart number from tp. */
	__asm__ volatile("mv tp, %0" : : "r"(csr_read(mhartid)));
	__asm__ volatile("mret");
}

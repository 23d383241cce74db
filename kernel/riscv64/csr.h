/* Access to the RISC-V control and status registers the kernel uses. */
#ifndef KERNEL_RISCV64_CSR_H
#define KERNEL_RISCV64_CSR_H

#include <stdint.h>

#define csr_read(name)                                                                       \
	({                                                                                   \
		uint64_t v_;                                                                 \
		__asm__ volatile("csrr %0, " #name : "=r"(v_));                              \
		v_;                                                                          \
	})
#define csr_write(name, v) __asm__ volatile("csrw " #name ", %0" : : "r"((uint64_t)(v)))

#define MSTATUS_MPP_MASK (3ull << 11)
#define MSTATUS_MPP_S (1ull << 11)
#define SIE_SEIE (1ull << 9)
#define SIE_STIE (1ull << 5)
#define SIE_SSIE (1ull << 1)
#define MIE_STIE (1ull << 5)
#define MENVCFG_STCE (1ull << 63) /* Sstc: supervisor timer compare (stimecmp) */
#define MCOUNTEREN_TM (1ull << 1)
#define SATP_SV39 (8ull << 60)
#define SCAUSE_INTERRUPT (1ull << 63)
#define IRQ_S_TIMER 5

/* stimecmp and menvcfg by number: binutils may not know their names. */
#define w_stimecmp(v) __asm__ volatile("csrw 0x14d, %0" : : "r"((uint64_t)(v)))
#define r_menvcfg() csr_read(0x30a)
#define w_menvcfg(v) csr_write(0x30a, v)

#endif

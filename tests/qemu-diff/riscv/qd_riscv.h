/*
 * The RISC-V QEMU differential check: platform constants (QEMU virt, -m 128M), the layout of
 * RAM the image uses, the trap area shared with start.S, and the probe primitives.
 *
 * RAM (0x80000000, 128 MiB):
 *   0x80000000  the image (code, data, stacks), at most 2 MiB
 *   0x80200000  POOL:   the page tables of the round (built by lib/pt, poked raw)
 *   0x80500000  SHADOW: the software MMU's copy of POOL (it walks and sets A/D there)
 *   0x80800000  DATA:   8 MiB of data frames, every 8-byte slot = "lui a0, slot; ecall"
 *   ...         untouched (QEMU puts the device tree near the top of RAM)
 */
#ifndef QEMU_DIFF_QD_RISCV_H
#define QEMU_DIFF_QD_RISCV_H

#define QD_RAM_BASE 0x80000000u
#define QD_RAM_SIZE 0x08000000u /* must match -m 128M */
#define QD_IMAGE_MAX 0x00200000u
#define QD_POOL_BASE 0x80200000u
#define QD_POOL_SIZE 0x00300000u
#define QD_SHADOW_BASE 0x80500000u
#define QD_DATA_BASE 0x80800000u
#define QD_DATA_SIZE 0x00800000u

#define QD_UART 0x10000000u
#define QD_TEST_DEV 0x100000u

/* struct qd_trap_area, in register-sized words. */
#define QD_TA_T0 0
#define QD_TA_T1 1
#define QD_TA_KIND 2
#define QD_TA_TRAPPED 3
#define QD_TA_CAUSE 4
#define QD_TA_EPC 5
#define QD_TA_TVAL 6
#define QD_TA_A0 7
#define QD_TA_CTX 8
#define QD_TA_ESTACK 9
#define QD_TA_WORDS 10

#define QD_KIND_NONE 0
#define QD_KIND_DATA 1
#define QD_KIND_FETCH 2

#ifndef __ASSEMBLER__
#include <stdint.h>

struct qd_trap_area {
	uintptr_t w[QD_TA_WORDS];
};

extern volatile struct qd_trap_area qd_trap_area;
extern char qd_stack_top[];

uintptr_t qd_probe_fetch(uintptr_t ctx[14], uintptr_t va, uintptr_t mstatus);
void qd_main(uintptr_t hartid, uintptr_t dtb);
__attribute__((noreturn)) void qd_unexpected_trap(uintptr_t cause, uintptr_t epc,
						  uintptr_t tval);

#define QD_CSR_READ(name)                                                                    \
	({                                                                                   \
		uintptr_t v_;                                                                \
		__asm__ volatile("csrr %0, " #name : "=r"(v_));                              \
		v_;                                                                          \
	})
#define QD_CSR_WRITE(name, v) __asm__ volatile("csrw " #name ", %0" : : "r"((uintptr_t)(v)))

#define MSTATUS_MIE ((uintptr_t)1 << 3)
#define MSTATUS_MPIE ((uintptr_t)1 << 7)
#define MSTATUS_MPP ((uintptr_t)3 << 11)
#define MSTATUS_MPRV ((uintptr_t)1 << 17)
#define MSTATUS_SUM ((uintptr_t)1 << 18)
#define MSTATUS_MXR ((uintptr_t)1 << 19)
#define MSTATUS_TVM ((uintptr_t)1 << 20)

#define PRIV_U 0u
#define PRIV_S 1u
#define PRIV_M 3u

#define CAUSE_ECALL_U 8u
#define CAUSE_ECALL_S 9u
#endif

#endif

# The bare-metal image's assembly: entry, the machine-mode trap handler and the fetch probe.
# One source for RV32 and RV64 (register width from __riscv_xlen). See qd_riscv.h.
#
# Every exception comes to machine mode (nothing is delegated). The handler looks at
# trap_area.kind:
#   QD_KIND_DATA   a load/store probe faulted in M-mode under MPRV: record mcause/mepc/mtval,
#                  step over the 4-byte probe instruction, mret back to it
#   QD_KIND_FETCH  a fetch probe (S or U mode) ended, by a fault or by the ecall of the code in
#                  the data frame: record, restore the M-mode context qd_probe_fetch saved, and
#                  return from qd_probe_fetch
#   anything else  an unexpected trap: qd_unexpected_trap(cause, epc, tval), which stops
#
# trap_area (struct qd_trap_area) is reached through mscratch; the handler touches no stack.

#include "qd_riscv.h"

#if __riscv_xlen == 64
#define REG_S sd
#define REG_L ld
#define RB 8
#else
#define REG_S sw
#define REG_L lw
#define RB 4
#endif

        .option norvc

        .section .text.entry
        .globl _entry
_entry:
        # QEMU -bios none: a0 = hart id, a1 = device tree. One hart runs the test.
        csrr t0, mhartid
        bnez t0, 2f
        la sp, qd_stack_top
        la t0, qd_trap_entry
        csrw mtvec, t0
        la t0, qd_trap_area
        csrw mscratch, t0
        call qd_main
2:      wfi
        j 2b

        .text
        .align 4
        .globl qd_trap_entry
qd_trap_entry:
        csrrw t6, mscratch, t6
        REG_S t0, QD_TA_T0*RB(t6)
        REG_S t1, QD_TA_T1*RB(t6)
        csrr t0, mcause
        REG_S t0, QD_TA_CAUSE*RB(t6)
        csrr t0, mepc
        REG_S t0, QD_TA_EPC*RB(t6)
        csrr t0, mtval
        REG_S t0, QD_TA_TVAL*RB(t6)
        REG_S a0, QD_TA_A0*RB(t6)
        li t0, 1
        REG_S t0, QD_TA_TRAPPED*RB(t6)
        REG_L t0, QD_TA_KIND*RB(t6)
        li t1, QD_KIND_DATA
        beq t0, t1, 1f
        li t1, QD_KIND_FETCH
        beq t0, t1, 2f
        # Unexpected: stop with a report.
        REG_L sp, QD_TA_ESTACK*RB(t6)
        csrrw t6, mscratch, t6
        csrr a0, mcause
        csrr a1, mepc
        csrr a2, mtval
        call qd_unexpected_trap
3:      j 3b

1:      # Data probe: skip the (4-byte) probe instruction and go back.
        csrr t0, mepc
        addi t0, t0, 4
        csrw mepc, t0
        REG_S zero, QD_TA_KIND*RB(t6)
        REG_L t0, QD_TA_T0*RB(t6)
        REG_L t1, QD_TA_T1*RB(t6)
        csrrw t6, mscratch, t6
        mret

2:      # Fetch probe: back into qd_probe_fetch's caller, in M-mode.
        REG_S zero, QD_TA_KIND*RB(t6)
        REG_L t0, QD_TA_CTX*RB(t6)
        csrrw t6, mscratch, t6
        REG_L ra, 0*RB(t0)
        REG_L sp, 1*RB(t0)
        REG_L s0, 2*RB(t0)
        REG_L s1, 3*RB(t0)
        REG_L s2, 4*RB(t0)
        REG_L s3, 5*RB(t0)
        REG_L s4, 6*RB(t0)
        REG_L s5, 7*RB(t0)
        REG_L s6, 8*RB(t0)
        REG_L s7, 9*RB(t0)
        REG_L s8, 10*RB(t0)
        REG_L s9, 11*RB(t0)
        REG_L s10, 12*RB(t0)
        REG_L s11, 13*RB(t0)
        li a0, 1
        ret

# uintptr_t qd_probe_fetch(uintptr_t ctx[14], uintptr_t va, uintptr_t mstatus)
# mstatus must have MPP = S or U (and MPIE = 0): mret enters that mode at va with every TLB
# entry flushed. Returns 1 when the handler brings the hart back.
        .globl qd_probe_fetch
qd_probe_fetch:
        REG_S ra, 0*RB(a0)
        REG_S sp, 1*RB(a0)
        REG_S s0, 2*RB(a0)
        REG_S s1, 3*RB(a0)
        REG_S s2, 4*RB(a0)
        REG_S s3, 5*RB(a0)
        REG_S s4, 6*RB(a0)
        REG_S s5, 7*RB(a0)
        REG_S s6, 8*RB(a0)
        REG_S s7, 9*RB(a0)
        REG_S s8, 10*RB(a0)
        REG_S s9, 11*RB(a0)
        REG_S s10, 12*RB(a0)
        REG_S s11, 13*RB(a0)
        csrw mepc, a1
        csrw mstatus, a2
        sfence.vma x0, x0
        mret

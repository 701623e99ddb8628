"""AArch64 facts both emulated cores need: register ids, exception numbers, encodings."""

from __future__ import annotations

from enum import IntEnum

from unicorn import arm64_const as a64

#: x0-x30 as Unicorn register ids.
X_REGS = [getattr(a64, f"UC_ARM64_REG_X{i}") for i in range(29)] + [a64.UC_ARM64_REG_X29,
                                                                     a64.UC_ARM64_REG_X30]
CPACR_FPEN = 3 << 20  # FP/SIMD usable at EL0 and EL1
PSTATE_EL_MASK = 0b1100
INSN_WFI = 0xD503207F
INSN_WFE = 0xD503205F


class Excp(IntEnum):
    """QEMU exception numbers, as Unicorn's interrupt hook reports them."""

    UDEF = 1
    SWI = 2
    PREFETCH_ABORT = 3
    DATA_ABORT = 4
    BKPT = 7
    HVC = 11
    SMC = 13

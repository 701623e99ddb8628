"""The services a booted device registers with its monitor."""

from __future__ import annotations

from tee.abi.smccc import (SMCCC_RET_NOT_SUPPORTED, SMCCC_RET_SUCCESS, SMCCC_VERSION_1_2,
                           ArmArchCall, CallType, Oen)
from tee.abi.registers import U32_MASK
from tee.kernel.kernel import SecureKernel
from tee.monitor.registry import Regs, RuntimeService


def arm_arch_service() -> RuntimeService:
    """SMCCC_VERSION and SMCCC_ARCH_FEATURES, answered by the monitor itself."""

    def handle(regs: Regs) -> Regs:
        fid = regs[0] & U32_MASK
        if fid == ArmArchCall.SMCCC_VERSION:
            result = SMCCC_VERSION_1_2
        elif fid == ArmArchCall.SMCCC_ARCH_FEATURES:
            queried = regs[1] & U32_MASK
            result = SMCCC_RET_SUCCESS if queried in set(ArmArchCall) else SMCCC_RET_NOT_SUPPORTED
        else:
            result = SMCCC_RET_NOT_SUPPORTED
        return (result,) + regs[1:]

    return RuntimeService("arm-arch", CallType.FAST, Oen.ARM_ARCH, Oen.ARM_ARCH, handle)


def trusted_os_services(kernel: SecureKernel) -> list[RuntimeService]:
    """OEN 50-63, fast and yielding: forwarded into the secure kernel's vectors (as TF-A's opteed does)."""
    return [
        RuntimeService("optee-fast", CallType.FAST, Oen.TRUSTED_OS_FIRST, Oen.TRUSTED_OS_LAST,
                       kernel.fast_smc_entry, enters_secure_world=True),
        RuntimeService("optee-yield", CallType.YIELDING, Oen.TRUSTED_OS_FIRST, Oen.TRUSTED_OS_LAST,
                       kernel.yield_smc_entry, enters_secure_world=True),
    ]

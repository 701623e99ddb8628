"""The bare-metal normal world: a C program at non-secure EL1 whose `smc` reaches the monitor."""

from __future__ import annotations

from dataclasses import replace

import mmap
import time
from pathlib import Path

import pytest

from board.bare_metal import BOARD_CONFIG, run_demo
from tee.instrument import WorldSwitch
from tee.abi.optee_smc import OPTEE_MSG_API_UID, OpteeSmc, SecureCapability
from tee.emu.cpu import FaultKind
from tee.emu.nw_cpu import (ADP_STOPPED_APPLICATION_EXIT, SYS_EXIT, SYS_WRITE0, NormalWorldCpu,
                            NwStopKind)
from board.fuses import fresh_huk
from tee.device import Device
from tee.kernel.ta_manager import TaManagerConfig
from tests.conftest import TEST_INSTRUCTION_BUDGET

BASE = 0x4000_0000
SECURE_BASE = 0x0E00_0000
EXIT_BLOCK = BASE + 0x100  # {reason, code} for semihosting SYS_EXIT, used by the tiny programs

# Hand-assembled instructions (checked with capstone).
MOV_X0_0x1234 = 0xD2824680
MOV_X7_7 = 0xD28000E7
SMC_0 = 0xD4000003
HVC_0 = 0xD4000002
SVC_0 = 0xD4000001
WFI = 0xD503207F
B_SELF = 0x14000000
MRS_X0_CURRENTEL = 0xD5384240
MOV_X2_SECURE = 0xD2A1C002  # mov x2, #0x0e000000
LDR_W3_X2 = 0xB9400043
# exit(x0): x1 = EXIT_BLOCK; str x0, [x1, #8]; w0 = SYS_EXIT; hlt #0xf000
EXIT_WITH_X0 = [0xD2802001, 0xF2A80001, 0xF9000420, 0x52800300, 0xD45E0000]


def board_without_rpmb() -> Device:
    """The bare-metal board's secure side (its C program serves no RPMB frames, so TA
    version floors live in memory), with the tests' instruction budget."""
    tas = TaManagerConfig(instruction_budget=TEST_INSTRUCTION_BUDGET, persistent_version_floor=False)
    return Device(fresh_huk(), replace(BOARD_CONFIG, kernel=replace(BOARD_CONFIG.kernel, tas=tas)))


def _refuse_smc(regs: list[int]) -> tuple[int, ...]:
    raise AssertionError(f"unexpected SMC {regs}")


def _tiny(words: list[int], smc_handler=_refuse_smc, size: int = 1 << 20):
    """A core over a fresh 1 MiB of 'non-secure DRAM' holding ``words`` at BASE."""
    ram = bytearray(size)
    ram[0:4 * len(words)] = b"".join(w.to_bytes(4, "little") for w in words)
    ram[0x100:0x108] = ADP_STOPPED_APPLICATION_EXIT.to_bytes(8, "little")
    return NormalWorldCpu(ram, BASE, smc_handler), ram


# -- the example program ---------------------------------------------------------------

def test_the_program_runs_its_probe_and_invoke_through_a_real_smc(ta_store: Path) -> None:
    device = board_without_rpmb()  # a bare-metal board: no Python normal world
    switches = []
    device.instrumentation.subscribe(WorldSwitch, switches.append)
    result = run_demo(ta_store, device=device)

    console = result.stop.console
    assert "EL1" in console
    assert "CALLS_UID              " + " ".join(f"{w:08x}" for w in OPTEE_MSG_API_UID) in console
    assert "CALLS_REVISION         2.0" in console
    assert "RPC_ARG, 4 RPC params" in console
    assert "LOAD_TA 2, SHM_ALLOC 1, SHM_FREE 1" in console
    assert "41 -> 42" in console

    # Every SMC the monitor saw came from the program's `smc` instruction.
    entered = [switch.regs[0] for switch in switches if switch.direction == "NS->S"]
    for function in (OpteeSmc.CALLS_UID, OpteeSmc.CALLS_REVISION, OpteeSmc.EXCHANGE_CAPABILITIES,
                     OpteeSmc.CALL_WITH_RPC_ARG, OpteeSmc.RETURN_FROM_RPC):
        assert function in entered, function.name
    assert entered.count(OpteeSmc.CALL_WITH_RPC_ARG) == 3  # open, invoke, close
    assert result.stop.smc_count == device.monitor.smc_count == len(entered)

    # Its last step, reading secure DRAM, is a fault the board reports (not an exception).
    stop = result.stop
    assert stop.kind is NwStopKind.FAULT
    assert stop.fault is not None and stop.fault.kind is FaultKind.DATA
    assert stop.fault.address == SECURE_BASE == result.secure_base
    assert BASE <= stop.fault.pc < BASE + 0x10000
    assert result.faulted_on_secure_dram and result.ok
    assert "Hello World!" in "\n".join(device.secure_log)
    assert not [line for line in device.secure_log if "internal error" in line]


def test_without_rpc_arg_the_program_serves_rpc_alloc(ta_store: Path) -> None:
    """A harness between core and monitor hides RPC_ARG: the program falls back to
    CALL_WITH_ARG, and the secure world gets its RPC message with RPC_ALLOC."""
    device = board_without_rpmb()  # a bare-metal board: no Python normal world
    seen = []

    def monitor(regs: list[int]) -> tuple[int, ...]:
        out = list(device.smc(regs))
        seen.append((regs[0], out[0]))
        if regs[0] == OpteeSmc.EXCHANGE_CAPABILITIES:
            out[1] &= ~SecureCapability.RPC_ARG
        return tuple(out)

    result = run_demo(ta_store, device=device, smc_handler=monitor)
    assert result.ok, result.stop.console
    calls = [fid for fid, _ in seen]
    assert OpteeSmc.CALL_WITH_RPC_ARG not in calls and calls.count(OpteeSmc.CALL_WITH_ARG) == 3
    assert (OpteeSmc.CALL_WITH_ARG, 0xFFFF0000) in seen  # RPC_ALLOC
    assert "RPC_ALLOC 1, RPC_FREE 1" in result.stop.console


# -- the core itself -----------------------------------------------------------------

def test_a_spinning_program_is_stopped_by_the_budget() -> None:
    cpu, _ = _tiny([B_SELF])
    started = time.monotonic()
    stop = cpu.run(BASE, budget=200_000)
    assert time.monotonic() - started < 5
    assert stop.kind is NwStopKind.BUDGET_EXHAUSTED
    assert stop.instructions == 200_000 and stop.pc == BASE and stop.fault is None
    assert "budget exhausted" in stop.describe()


def test_budget_counts_the_whole_run_across_smcs() -> None:
    """smc in a loop: each stretch is short, the total still hits the budget."""
    cpu, _ = _tiny([SMC_0, 0x17FFFFFF], smc_handler=lambda regs: regs)  # smc; b .-4
    stop = cpu.run(BASE, budget=10_000)
    assert stop.kind is NwStopKind.BUDGET_EXHAUSTED
    assert stop.instructions == 10_000 and 4_990 <= stop.smc_count <= 5_000


def test_smc_hands_x0_x7_to_the_monitor_and_resumes_after_it() -> None:
    calls = []

    def monitor(regs: list[int]) -> tuple[int, ...]:
        calls.append(list(regs))
        return (42, 1, 2, 3, 4, 5, 6, 7)

    cpu, _ = _tiny([MOV_X0_0x1234, MOV_X7_7, SMC_0, *EXIT_WITH_X0], smc_handler=monitor)
    stop = cpu.run(BASE, args=(0, 0xAA, 0, 0, 0, 0, 0, 0))
    assert calls == [[0x1234, 0xAA, 0, 0, 0, 0, 0, 7]]
    # The PC was already past the smc: the program went on and exited with the new x0.
    assert stop.kind is NwStopKind.EXITED and stop.exit_code == 42 and stop.smc_count == 1
    assert stop.instructions == 8


def test_the_core_runs_at_non_secure_el1() -> None:
    cpu, _ = _tiny([MRS_X0_CURRENTEL, *EXIT_WITH_X0])
    stop = cpu.run(BASE)
    assert stop.kind is NwStopKind.EXITED and stop.exit_code == 1 << 2  # CurrentEL.EL == 1
    assert cpu.non_secure and cpu.current_el == 1


def test_dram_is_shared_with_the_host_not_copied() -> None:
    # x2 = BASE + 0x180; ldr w3, [x2]; mov x0, x3; exit(x0), which stores x0 at BASE + 0x108
    cpu, ram = _tiny([0xD2803002, 0xF2A80002, LDR_W3_X2, 0xAA0303E0, *EXIT_WITH_X0])
    ram[0x180:0x184] = (0x1234_5678).to_bytes(4, "little")  # written after mapping
    stop = cpu.run(BASE)
    assert stop.kind is NwStopKind.EXITED and stop.exit_code == 0x1234_5678
    assert int.from_bytes(ram[0x108:0x110], "little") == 0x1234_5678  # the core's store


def test_secure_dram_is_not_mapped() -> None:
    cpu, _ = _tiny([MOV_X2_SECURE, LDR_W3_X2, B_SELF])
    stop = cpu.run(BASE)
    assert stop.kind is NwStopKind.FAULT
    assert stop.fault.kind is FaultKind.DATA and stop.fault.address == SECURE_BASE
    assert stop.fault.pc == BASE + 4 and stop.pc == BASE + 4


@pytest.mark.parametrize("insn, kind, cause", [
    (HVC_0, NwStopKind.FAULT, "hvc"),
    (SVC_0, NwStopKind.FAULT, "svc"),
    (0x00000000, NwStopKind.FAULT, "undefined instruction"),  # udf #0
    (WFI, NwStopKind.HALTED, None),
])
def test_other_exceptions_end_the_run_with_a_clear_result(insn: int, kind: NwStopKind,
                                                          cause: str | None) -> None:
    cpu, _ = _tiny([insn, B_SELF])
    stop = cpu.run(BASE, budget=1000)
    assert stop.kind is kind and stop.pc == BASE
    if cause:
        assert stop.fault.kind is FaultKind.UNDEF and cause in stop.fault.cause
        assert stop.fault.pc == BASE


def test_semihosting_console_and_bad_pointers() -> None:
    # x1 = BASE + 0x200 ("hi"), SYS_WRITE0; then x1 = secure DRAM, SYS_WRITE0
    words = [0xD2804001, 0xF2A80001, 0x52800080, 0xD45E0000,
             0xD2A1C001, 0x52800080, 0xD45E0000, B_SELF]
    cpu, ram = _tiny(words)
    ram[0x200:0x203] = b"hi\0"
    printed = []
    stop = cpu.run(BASE, echo=printed.append)
    assert stop.console == "hi" and printed == ["hi"]
    assert stop.kind is NwStopKind.FAULT and stop.fault.address == SECURE_BASE
    assert "semihosting" in stop.fault.cause and stop.fault.pc == BASE + 24


def test_close_releases_the_memory_mapping() -> None:
    backing = mmap.mmap(-1, 1 << 20)
    cpu = NormalWorldCpu(backing, BASE, _refuse_smc)
    with pytest.raises(BufferError):
        backing.close()  # mapped into the core: still in use
    cpu.close()
    backing.close()


def test_semihosting_exit_reports_other_reasons() -> None:
    cpu, ram = _tiny([0xD2802001, 0xF2A80001, 0x52800300, 0xD45E0000])  # SYS_EXIT with the block
    ram[0x100:0x108] = (0x20023).to_bytes(8, "little")  # ADP_Stopped_RunTimeErrorUnknown
    stop = cpu.run(BASE)
    assert stop.kind is NwStopKind.EXITED and stop.exit_code == 0x20023
    assert SYS_EXIT == 0x18 and SYS_WRITE0 == 0x04


def test_each_run_starts_afresh_with_the_code_now_in_memory() -> None:
    cpu, ram = _tiny([MOV_X0_0x1234, *EXIT_WITH_X0])
    assert cpu.run(BASE).exit_code == 0x1234
    ram[0:4] = MRS_X0_CURRENTEL.to_bytes(4, "little")  # a new program at the same address
    assert cpu.run(BASE).exit_code == 1 << 2

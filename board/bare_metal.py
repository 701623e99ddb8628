"""Board bring-up for the bare-metal normal world: a device, a normal-world core, a program.

What a boot loader does: build (or reuse) the program, copy its ELF segments
into non-secure DRAM, place the "ramdisk" (the signed hello TA image, which the
program serves to the secure world over LOAD_TA) at the top of non-secure DRAM,
and start the core at the program's entry with

    x0 = ramdisk address, x1 = ramdisk size, x2 = secure DRAM base

The core's ``smc`` goes to ``device.smc``, the board's monitor. No Python
driver, Context or supplicant is involved: the C program is the whole normal
world (so never also open a ``Context`` on the same device: both would treat
non-secure DRAM as theirs).

The program (``normal_world/bare_metal/``) reaches the secure world only
through ``smc`` and non-secure DRAM. This board has no storage: its secure side
gets a fresh hardware unique key at each boot.

Run: ``python -m board.bare_metal [--ta-store DIR] [--budget N]`` or ``teesim bare-metal``.
"""

from __future__ import annotations

import argparse
import io
import struct
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from normal_world.bare_metal.build import BuildError, build_program
from board.board import default_ta_store
from board.fuses import fresh_huk
from tee.device import Device, DeviceConfig
from tee.kernel.kernel import KernelConfig
from tee.kernel.ta_manager import TaManagerConfig
from tee.emu.cpu import FaultKind
from tee.emu.nw_cpu import DEFAULT_BUDGET, NormalWorldCpu, NwStop, NwStopKind, SmcHandler

HELLO_UUID = uuid.UUID("f7fc2b6c-f247-4f1b-92ef-233d76b78653")
#: The ramdisk sits at the top of non-secure DRAM, aligned down to this.
RAMDISK_ALIGN = 1 << 20
#: The program's heap (shared memory) runs from its end up to the ramdisk: at least this much.
MIN_HEAP = 1 << 20


class LoadError(Exception):
    """The program or the ramdisk does not fit the board."""


@dataclass(frozen=True)
class LoadedProgram:
    entry: int
    end: int  # first byte past the highest segment (bss and stack included)


@dataclass(frozen=True)
class DemoResult:
    stop: NwStop
    secure_base: int  # where the program's last step reads

    @property
    def faulted_on_secure_dram(self) -> bool:
        """The run ended as it must: a data abort reading secure DRAM."""
        fault = self.stop.fault
        return (self.stop.kind is NwStopKind.FAULT and fault is not None
                and fault.kind is FaultKind.DATA and fault.address == self.secure_base)

    @property
    def ok(self) -> bool:
        """Every step passed (the program says so before its last step) and the last faulted."""
        return self.faulted_on_secure_dram and "probe, open, invoke and close done" in self.stop.console


def load_program(device: Device, elf_bytes: bytes) -> LoadedProgram:
    """Copy a static AArch64 ELF's PT_LOAD segments to their physical addresses,
    which must lie in non-secure DRAM; the rest of each segment is zeroed."""
    memory = device.nonsecure_memory
    try:
        elf = ELFFile(io.BytesIO(elf_bytes))
        if elf["e_machine"] != "EM_AARCH64" or elf["e_type"] != "ET_EXEC":
            raise LoadError("not a static AArch64 executable")
        end = 0
        for segment in elf.iter_segments():
            if segment["p_type"] != "PT_LOAD":
                continue
            addr, size, data = segment["p_paddr"], segment["p_memsz"], segment.data()
            if not (memory.base <= addr and addr + size <= memory.base + memory.size):
                raise LoadError(f"segment {addr:#x}+{size:#x} is outside non-secure DRAM")
            memory.write(addr, data + bytes(size - len(data)))
            end = max(end, addr + size)
        entry = elf["e_entry"]
    except (ELFError, ValueError, KeyError, struct.error) as error:
        raise LoadError(f"malformed program ELF: {error}") from None
    return LoadedProgram(entry, end)


def place_ramdisk(device: Device, image: bytes, program: LoadedProgram) -> int:
    """Put ``image`` at the top of non-secure DRAM; returns its address."""
    memory = device.nonsecure_memory
    addr = (memory.base + memory.size - len(image)) & ~(RAMDISK_ALIGN - 1)
    if addr < program.end + MIN_HEAP:
        raise LoadError(f"a ramdisk of {len(image)} bytes leaves no room for the program's heap")
    memory.write(addr, image)
    return addr


#: This board's normal world (the C program) carries no RPMB frames, so its TA
#: version floors live in memory only (rollback protection within a boot).
BOARD_CONFIG = DeviceConfig(kernel=KernelConfig(tas=TaManagerConfig(persistent_version_floor=False)))


def run_demo(ta_store: Path | str | None = None, *, device: Device | None = None,
             budget: int = DEFAULT_BUDGET, echo: Callable[[str], None] | None = None,
             smc_handler: SmcHandler | None = None) -> DemoResult:
    """Boot the bare-metal normal world on ``device`` (default: a new one over
    ``ta_store``) and run it to its end. ``echo`` gets console text as it is
    printed; ``smc_handler`` replaces ``device.smc`` (a harness may interpose on
    the SMC channel). Raises BuildError or LoadError if the program cannot be
    built or loaded, or the hello TA is not in the store."""
    if device is None:
        device = Device(fresh_huk(), BOARD_CONFIG)
    store = Path(ta_store) if ta_store is not None else default_ta_store()
    ta_file = store / f"{HELLO_UUID}.ta"
    if not ta_file.is_file():
        raise LoadError(f"the hello TA is not built in {store} (run 'make tas')")
    ramdisk_image = ta_file.read_bytes()
    program = load_program(device, build_program().read_bytes())
    ramdisk = place_ramdisk(device, ramdisk_image, program)
    secure_base = device.config.memory.secure_base
    with NormalWorldCpu(device.memory.nonsecure_backing(), device.nonsecure_memory.base,
                        smc_handler or device.smc) as cpu:
        stop = cpu.run(program.entry, (ramdisk, len(ramdisk_image), secure_base), budget=budget,
                       echo=echo)
    return DemoResult(stop, secure_base)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m board.bare_metal",
        description="Run the bare-metal normal-world program: OP-TEE probe, one call to the "
                    "hello TA, then a read of secure DRAM that must fault.")
    parser.add_argument("--ta-store", type=Path, default=None,
                        help="TA store holding the hello TA (default: $TEESIM_TA_STORE or build/ta_store)")
    parser.add_argument("--budget", type=int, default=DEFAULT_BUDGET,
                        help="instruction budget (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        result = run_demo(args.ta_store, budget=args.budget,
                          echo=lambda text: print(text, end="", flush=True))
    except (BuildError, LoadError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"-- the program {result.stop.describe()}")
    if result.ok:
        print("-- as expected: the probe and the hello TA call went through `smc`, "
              "and secure DRAM is out of the normal world's reach")
        return 0
    print("-- UNEXPECTED: see above", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

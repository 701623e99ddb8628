"""The bare-Unicorn baselines: the same TA ELF on a plain Unicorn CPU, no teesim kernel.

This is the only module of the suite that imports Unicorn (see the package
docstring). :class:`BareTa` lays the image out exactly as
``tee.kernel.ta_instance.TaInstance`` does (same load base, stack, guard pages,
segments with their own permissions, RELATIVE relocations), sets the entry
registers OP-TEE's TA ABI asks for (x0 entry function, x1 session, x2 and SP the
``utee_params`` block at the top of the stack, x3 command, CPACR_EL1.FPEN,
PSTATE EL0t) and runs ``emu_start`` until the TA's RETURN ``svc``.

The ``svc`` hook does the least a host can: it reads x8; for RETURN it stops
the CPU, for every other number it writes x0 = 0 (and, for GET_TIME, the 8
bytes of the TEE_Time) and lets the CPU continue without leaving emu_start.
Registers go through the binding's plain ``reg_read``/``reg_write``, as a
typical Unicorn user would write it (each costs a few microseconds in the
Python binding; teesim's kernel uses batched register access).
"""

from __future__ import annotations

import unicorn
from unicorn import (UC_ARCH_ARM64, UC_HOOK_INTR, UC_MODE_ARM, UC_PROT_EXEC, UC_PROT_READ,
                     UC_PROT_WRITE, Uc)
from unicorn import arm64_const as a64

from tee.abi.syscalls import EntryFunction, Syscall
from tee.emu import PAGE_SIZE, Perm
from tee.kernel.ta_image import TaImage
from tee.kernel.ta_instance import DEFAULT_LOAD_BASE, UTEE_PARAMS, UTEE_PARAMS_SLOT

_NEVER = 0xFFFF_FFFF_FFFF_FFFC
_EXCP_SWI = 2
_RETURN = int(Syscall.RETURN)
_GET_TIME = int(Syscall.GET_TIME)
_TEE_TIME_ZERO = bytes(8)
_X0, _X1, _X2, _X3, _X8 = (a64.UC_ARM64_REG_X0, a64.UC_ARM64_REG_X1, a64.UC_ARM64_REG_X2,
                           a64.UC_ARM64_REG_X3, a64.UC_ARM64_REG_X8)
_SP, _PC = a64.UC_ARM64_REG_SP, a64.UC_ARM64_REG_PC


def _pages(size: int) -> int:
    return (size + PAGE_SIZE - 1) // PAGE_SIZE * PAGE_SIZE


def _prot(perm: Perm) -> int:
    return ((UC_PROT_READ if perm & Perm.READ else 0) | (UC_PROT_WRITE if perm & Perm.WRITE else 0)
            | (UC_PROT_EXEC if perm & Perm.EXEC else 0))


class BareError(Exception):
    """The TA did something the bare harness does not handle (a fault, an exception)."""


def new_cpu() -> Uc:
    """A usable bare AArch64 Unicorn object: the baseline for booting a device.

    ``Uc()`` alone only allocates a handle; Unicorn builds the engine on first
    use, so the first register write (CPACR_EL1, as any EL0 harness needs) is
    part of creating it."""
    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    uc.reg_write(a64.UC_ARM64_REG_CPACR_EL1, 3 << 20)
    return uc


class BareTa:
    """One TA instance on bare Unicorn, laid out like teesim's TaInstance."""

    def __init__(self, image: TaImage, load_base: int = DEFAULT_LOAD_BASE) -> None:
        uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
        uc.reg_write(a64.UC_ARM64_REG_CPACR_EL1, 3 << 20)
        uc.reg_write(a64.UC_ARM64_REG_PSTATE, 0)
        self.uc = uc
        stack_va = load_base + PAGE_SIZE
        stack_size = _pages(image.head.stack_size + UTEE_PARAMS_SLOT)
        uc.mem_map(stack_va, stack_size, UC_PROT_READ | UC_PROT_WRITE)
        self.image_base = stack_va + stack_size + PAGE_SIZE
        for segment in image.segments:
            start = segment.vaddr - segment.vaddr % PAGE_SIZE
            uc.mem_map(self.image_base + start, _pages(segment.vaddr + segment.memsz) - start,
                       _prot(segment.perm))
            uc.mem_write(self.image_base + segment.vaddr, segment.data)
        for offset, addend in image.relocations:
            uc.mem_write(self.image_base + offset,
                         ((self.image_base + addend) & 0xFFFF_FFFF_FFFF_FFFF).to_bytes(8, "little"))
        self.entry = self.image_base + image.entry
        self.params_va = stack_va + stack_size - UTEE_PARAMS_SLOT
        self.svc_count = 0
        self._result: int | None = None
        self._error: str | None = None
        self._hook = uc.hook_add(UC_HOOK_INTR, self._on_interrupt)

    def _on_interrupt(self, uc: Uc, number: int, _user_data: object) -> None:
        if number != _EXCP_SWI:
            self._error = f"exception {number} at {uc.reg_read(_PC):#x}"
            uc.emu_stop()
            return
        self.svc_count += 1
        call = uc.reg_read(_X8)
        if call == _RETURN:
            self._result = uc.reg_read(_X0)
            uc.emu_stop()
            return
        if call == _GET_TIME:
            uc.mem_write(uc.reg_read(_X1), _TEE_TIME_ZERO)
        uc.reg_write(_X0, 0)

    def enter(self, func: int, cmd: int = 0, params: bytes = UTEE_PARAMS.pack(0, *[0] * 8),
              session: int = 1) -> int:
        """One entry: params block in, registers set, run to RETURN; the TA's result."""
        uc = self.uc
        uc.mem_write(self.params_va, params)
        uc.reg_write(_X0, func)
        uc.reg_write(_X1, session)
        uc.reg_write(_X2, self.params_va)
        uc.reg_write(_X3, cmd)
        uc.reg_write(_SP, self.params_va)
        self._result = None
        uc.emu_start(self.entry, _NEVER)
        if self._result is None:
            raise BareError(self._error or f"emulation stopped at {uc.reg_read(_PC):#x} without RETURN")
        return self._result

    def read_params(self) -> tuple[int, ...]:
        """The ``utee_params`` block after an entry: (types, vals[0..7])."""
        return UTEE_PARAMS.unpack(bytes(self.uc.mem_read(self.params_va, UTEE_PARAMS.size)))

    def invoke(self, cmd: int, params: bytes) -> tuple[int, tuple[int, ...]]:
        """An INVOKE_COMMAND entry with an encoded params block; (result, params after)."""
        result = self.enter(EntryFunction.INVOKE_COMMAND, cmd, params)
        return result, self.read_params()

    def close(self) -> None:
        """Drop the hook (it references this object) so the engine is freed at once."""
        if self._hook is not None:
            self.uc.hook_del(self._hook)
            self._hook = None


def value_params(types: int, *vals: int) -> bytes:
    """A ``utee_params`` block: packed param types and up to eight u64 values."""
    padded = list(vals) + [0] * (8 - len(vals))
    return UTEE_PARAMS.pack(types, *padded)


def unicorn_version() -> str:
    return str(unicorn.__version__)

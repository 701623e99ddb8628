"""A misbehaving TA is contained: TARGET_DEAD from the TEE, never a Python exception,
and other sessions keep working. Each test plays the malicious TA."""

from __future__ import annotations

import pytest

from tee.abi.results import ErrorOrigin, TeeResult
from tee.device import Device
from normal_world import Context, Operation, TeeError, Value
from tests.conftest import HELLO_UUID, MISBEHAVE_UUID

(WILD_WRITE, WILD_READ, UNDEFINED_INSN, PRIVILEGED_INSN, PRIVILEGED_READ, HVC, SMC, BRK,
 ENDLESS_LOOP, STACK_OVERFLOW, EXEC_STACK, WRITE_CODE, UNKNOWN_SYSCALL, SYSCALL_BAD_POINTER,
 NULL_DEREF, ERET, ECHO, MISALIGNED_EXCLUSIVE) = range(18)

KILLING = {
    "wild write": (WILD_WRITE, 0xDEAD_0000),
    "wild write to the kernel's idea of secure DRAM": (WILD_WRITE, 0x0E00_0000),
    "wild read": (WILD_READ, 0x10),
    "undefined instruction": (UNDEFINED_INSN, 0),
    "privileged instruction (msr daifset)": (PRIVILEGED_INSN, 0),
    "privileged register read (mrs sctlr_el1)": (PRIVILEGED_READ, 0),
    "hvc": (HVC, 0),
    "smc": (SMC, 0),
    "brk": (BRK, 0),
    "endless loop": (ENDLESS_LOOP, 0),
    "stack overflow into the guard page": (STACK_OVERFLOW, 0),
    "executing the stack": (EXEC_STACK, 0),
    "writing its own code": (WRITE_CODE, 0),
    "null dereference": (NULL_DEREF, 0),
    "eret at EL0": (ERET, 0),
    "misaligned exclusive load": (MISALIGNED_EXCLUSIVE, 0),
}


def wild(address: int) -> Operation:
    return Operation(Value.input(address & 0xFFFFFFFF, address >> 32), Value.output())


@pytest.mark.parametrize("name", list(KILLING))
def test_misbehaviour_kills_only_that_instance(name: str, ctx: Context, device: Device,
                                               no_internal_errors) -> None:
    command, address = KILLING[name]
    with ctx.open_session(HELLO_UUID) as bystander, ctx.open_session(MISBEHAVE_UUID) as attacker:
        with pytest.raises(TeeError) as caught:
            attacker.invoke(command, wild(address))
        assert (caught.value.result, caught.value.origin) == (TeeResult.ERROR_TARGET_DEAD, ErrorOrigin.TEE)
        assert bystander.invoke(0, Operation(Value.inout(1))).params[0].a == 2
    with ctx.open_session(MISBEHAVE_UUID) as fresh:
        assert fresh.invoke(ECHO, Operation(Value.input(5), Value.output())).params[1].a == 6
    assert any("E/LD:  Status of TA " + str(MISBEHAVE_UUID) in line for line in device.secure_log)


def test_unknown_syscall_fails_closed_with_not_supported(ctx: Context) -> None:
    with ctx.open_session(MISBEHAVE_UUID) as session:
        op = session.invoke(UNKNOWN_SYSCALL, Operation(Value.input(), Value.output()))
    assert op.params[1].a == TeeResult.ERROR_NOT_SUPPORTED


@pytest.mark.parametrize("address", [0x0, 0x0E00_0000, 0x4000_0000, 0xFFFF_FFFF_FFFF_F000])
def test_syscall_with_pointer_outside_the_ta_is_access_denied(ctx: Context, address: int) -> None:
    with ctx.open_session(MISBEHAVE_UUID) as session:
        op = session.invoke(SYSCALL_BAD_POINTER, wild(address))
    assert op.params[1].a == TeeResult.ERROR_ACCESS_DENIED  # the log call
    assert op.params[1].b == TeeResult.ERROR_ACCESS_DENIED  # random bytes into its own code


def test_abort_dump_names_the_faulting_function(ctx: Context, device: Device) -> None:
    with ctx.open_session(MISBEHAVE_UUID) as session, pytest.raises(TeeError):
        session.invoke(NULL_DEREF, wild(0))
    dump = "\n".join(device.secure_log)
    assert "User mode data-abort at address 0x0 (translation fault)" in dump
    assert "misbehave_null_deref" in dump
    assert "faulting instruction" in dump

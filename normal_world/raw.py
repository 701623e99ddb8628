"""Raw access to the SMC interface, for fuzzers, harnesses and experiments.

HAZARDOUS: nothing here validates anything. These helpers put arbitrary bytes
into non-secure memory and issue arbitrary SMCs, exactly as a hostile normal
world could; that is their purpose. Applications want :mod:`normal_world.client`.

They work on any :class:`~normal_world.channel.Channel`. Note that a Context's
driver owns the channel's shared-memory pool: pick message addresses it does
not use (the pool hands out memory from the bottom of non-secure DRAM up, so
the top is a good place) or keep raw traffic on a channel without a Context.
"""

from __future__ import annotations

import uuid as uuid_mod
from typing import Sequence

from tee.abi import optee_msg as msg
from tee.abi.optee_smc import OpteeSmc, is_rpc_return
from tee.abi.registers import split_u64
from tee.abi.results import Login
from normal_world.channel import Channel


def smc(channel: Channel, *regs: int) -> tuple[int, ...]:
    """Issue one SMC; missing registers are zero."""
    return tuple(channel.smc(list(regs) + [0] * (8 - len(regs))))


def place(channel: Channel, raw: bytes, offset: int) -> int:
    """Write ``raw`` at ``offset`` into non-secure DRAM; returns its physical address."""
    phys = channel.memory.base + offset
    channel.memory.write(phys, raw)
    return phys


def call_with_arg(channel: Channel, phys: int, *, function: int = OpteeSmc.CALL_WITH_ARG,
                  guest: int = 0) -> tuple[int, ...]:
    """A yielding call naming the message at ``phys`` (a7 = ``guest``)."""
    return smc(channel, function, *split_u64(phys), 0, 0, 0, 0, guest)


def serve_blindly(channel: Channel, regs: Sequence[int], limit: int = 64) -> tuple[int, ...]:
    """Answer RPCs without doing anything until the call finishes (or ``limit`` RPCs):
    RPC messages come back as the secure world wrote them and RPC_ALLOC gets no
    memory. Returns the final registers."""
    regs = tuple(regs)
    for _ in range(limit):
        if not is_rpc_return(regs[0]):
            return regs
        regs = smc(channel, OpteeSmc.RETURN_FROM_RPC, *regs[1:8])
    return regs


def open_session_arg(ta: uuid_mod.UUID, *extra: msg.MsgParam, login: Login = Login.PUBLIC,
                     client: uuid_mod.UUID | None = None) -> msg.MsgArg:
    """An OPEN_SESSION message: the two meta params, then ``extra`` for the TA."""
    ta_a, ta_b = msg.uuid_to_value(ta)
    client_a, client_b = msg.uuid_to_value(client or uuid_mod.UUID(int=0))
    return msg.MsgArg(msg.MsgCmd.OPEN_SESSION, params=(
        msg.MsgParam.value(msg.AttrType.VALUE_INPUT, ta_a, ta_b, meta=True),
        msg.MsgParam.value(msg.AttrType.VALUE_INPUT, client_a, client_b, int(login), meta=True))
        + tuple(extra))


def read_reply(channel: Channel, phys: int, arg: msg.MsgArg) -> msg.MsgArg:
    """The message at ``phys`` after the call, decoded with ``arg``'s size."""
    return msg.decode_arg(channel.memory.read(phys, arg.size))

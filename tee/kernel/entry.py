"""What crosses into a trusted service and back on each entry: the client's
identity, the parameters, and how the entry ended.

Plain data, below everything that enters a service (the session manager, the
syscall layer, user TAs and pseudo-TAs), so none of them has to import another
to speak of a call.
"""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass
from typing import NamedTuple

from tee.abi.results import ErrorOrigin, Login, ParamType
from tee.emu import CpuFault


@dataclass(frozen=True, slots=True)
class ClientIdentity:
    login: Login
    uuid: uuid_mod.UUID


@dataclass
class TaParam:
    """A parameter as the TA receives it. A memref's bytes live in ``buffer`` (a
    copy), or in normal-world pages mapped straight into the TA (``shared``);
    neither: a NULL memref."""

    type: ParamType = ParamType.NONE
    a: int = 0
    b: int = 0
    buffer: bytearray | None = None
    size: int = 0
    shared: "SharedPages | None" = None


class SharedPages(NamedTuple):
    """The pages holding a memref: host address, offset of the data, length, and a
    view of the same pages for the kernel. ``secure``: they are secure media
    buffers (the SDP region), not non-secure DRAM."""

    host_address: int
    offset: int
    length: int
    view: memoryview
    secure: bool = False


class EntryOutcome(NamedTuple):
    """How an entry ended (a NamedTuple: built on every call, and cheap to build)."""

    result: int
    dead: bool = False
    panic_code: int | None = None
    #: The crash dump (a tee.kernel.abort_dump.CrashDump: ``str()`` gives its text).
    dump: object = None
    fault: CpuFault | None = None  # the CPU fault that killed the instance
    reason: str | None = None  # what else killed it (a limit, Ctrl-C)


class CallOutcome(NamedTuple):
    """What a session call (open, invoke, close) gave its client."""

    result: int
    origin: ErrorOrigin
    session_id: int = 0  # of the session an open created (0: none)

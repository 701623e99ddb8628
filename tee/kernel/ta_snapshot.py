"""Snapshot and restore of one TA instance, for fuzzers: reset without reload.

Theory of operation: a fuzzer loads a TA once, opens a session, takes a
:class:`InstanceSnapshot`, and after every input (a crash included) puts the
instance back with :func:`restore`: the CPU's registers (``El0Cpu.save_context``:
one batch read and write; not Unicorn's memory snapshots, which slow down with
many dirty pages and refuse ``mem_protect`` while active), the bytes of every writable mapping the
instance owned at the snapshot (stack, .data/.bss with the heap), and the
kernel-side state an input can change (dead/crash dump, kernel-memory account,
per-instance resources such as crypto states and object handles, MAP_ZI
regions, sessions the TA opened to other TAs). Nothing is re-verified or
re-parsed, so a crashing input costs about what a clean one does.

Two ways to put the bytes back, measured by ``bench`` (row 7): ``whole``
rewrites every writable page; ``dirty`` reads the pages, compares them with the
snapshot and rewrites only those that differ. Tracking writes as they happen
would need a Unicorn hook on every store, far dearer than either.

A snapshot taken while the instance holds resources (an open crypto state, an
object handle) keeps those resources as they are at restore time: only what
was created after the snapshot is released. Take it right after opening the
session, before any command, as the fuzzers do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from tee.emu import PAGE_SIZE, El0Cpu, Perm
from tee.emu.cpu import CpuContext
from tee.kernel.abort_dump import CrashDump
from tee.kernel.limits import MemoryAccount
from tee.kernel.user_memory import Mapping, UserMemory


@dataclass(frozen=True)
class InstanceSnapshot:
    registers: CpuContext
    #: (mapping, its bytes, the kernel's direct view of it or None) for each
    #: writable mapping the instance owned.
    pages: tuple[tuple[Mapping, bytes, memoryview | None], ...]
    mappings: frozenset[Mapping]
    memory_in_use: int
    resource_kinds: frozenset[type]
    #: id() of each of ``mappings`` (which it keeps alive): a cheaper test than hashing.
    mapping_ids: frozenset[int] = frozenset()


class SnapshotInstance(Protocol):
    """What is read and reset of a TA instance (a TaInstance, which imports this module)."""

    cpu: El0Cpu
    user: UserMemory
    memory: MemoryAccount
    executing: bool
    dead: bool
    crash_dump: CrashDump | None

    def resource_kinds(self) -> frozenset[type]: ...

    def drop_resources_except(self, kinds: frozenset[type]) -> None: ...


def _writable(mapping: Mapping) -> bool:
    return bool(mapping.perm & Perm.WRITE) and not mapping.is_param


def take(instance: SnapshotInstance) -> InstanceSnapshot:
    """The state of ``instance`` (a live, idle TaInstance) now."""
    if instance.executing or instance.dead:
        raise ValueError("snapshot of an instance that is running or dead")
    user = instance.user
    pages = tuple((mapping, _read(instance, mapping), user.view(mapping.va, mapping.size, Perm.WRITE))
                  for mapping in user.mappings if _writable(mapping))
    return InstanceSnapshot(instance.cpu.save_context(), pages, frozenset(user.mappings),
                            instance.memory.in_use, instance.resource_kinds(),
                            frozenset(id(mapping) for mapping in user.mappings))


def restore(instance: SnapshotInstance, snapshot: InstanceSnapshot, *, dirty_only: bool = False) -> None:
    """Put ``instance`` back as it was at ``snapshot`` (alive again if it died)."""
    if instance.resource_kinds() != snapshot.resource_kinds:
        instance.drop_resources_except(snapshot.resource_kinds)  # may unmap MAP_ZI regions
    user = instance.user
    known = snapshot.mapping_ids
    for mapping in user.mappings:
        if id(mapping) not in known:
            user.remove(mapping)
    cpu = instance.cpu
    for mapping, saved, view in snapshot.pages:
        if not dirty_only:
            if view is not None:
                view[:] = saved
            else:
                cpu.write(mapping.va, saved)
            continue
        current = bytes(view) if view is not None else cpu.read(mapping.va, mapping.size)
        if current == saved:
            continue
        for offset in range(0, mapping.size, PAGE_SIZE):
            page = saved[offset:offset + PAGE_SIZE]
            if current[offset:offset + PAGE_SIZE] != page:
                if view is not None:
                    view[offset:offset + PAGE_SIZE] = page
                else:
                    cpu.write(mapping.va + offset, page)
    cpu.restore_context(snapshot.registers)
    held = instance.memory.in_use - snapshot.memory_in_use
    if held > 0:
        instance.memory.release(held)
    instance.dead = False
    instance.crash_dump = None


def _read(instance: SnapshotInstance, mapping: Mapping) -> bytes:
    view = instance.user.view(mapping.va, mapping.size, Perm.WRITE)
    return bytes(view) if view is not None else instance.cpu.read(mapping.va, mapping.size)

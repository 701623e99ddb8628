"""Runtime services registered with the monitor, in TF-A's shape.

A service declares once which call type (fast or yielding) and which range of
owning entity numbers it owns, plus one handler taking the eight registers.
Registration rejects a range that overlaps one already registered; dispatch is
then a single dict lookup keyed by (call type, OEN).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Mapping

from tee.abi.registers import Regs
from tee.abi.smccc import OEN_MASK, CallType

Handler = Callable[[Regs], Regs]


@dataclass(frozen=True, slots=True)
class RuntimeService:
    name: str
    call_type: CallType
    oen_first: int
    oen_last: int
    handler: Handler
    #: True for services of the trusted OS: the monitor switches worlds around them.
    enters_secure_world: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.oen_first <= self.oen_last <= OEN_MASK:
            raise ValueError(f"service {self.name}: bad OEN range {self.oen_first}-{self.oen_last}")


def _key(call_type: CallType, oen: int) -> int:
    return (int(call_type) << 6) | oen


class ServiceRegistry:
    def __init__(self) -> None:
        # Keyed by (call type << 6) | OEN as a plain int, as TF-A indexes its table.
        self._index: dict[int, RuntimeService] = {}
        #: Read-only live view of the table, for the monitor's dispatch.
        self.index: Mapping[int, RuntimeService] = MappingProxyType(self._index)

    def register(self, service: RuntimeService) -> None:
        keys = [_key(service.call_type, oen) for oen in range(service.oen_first, service.oen_last + 1)]
        clash = next((self._index[k] for k in keys if k in self._index), None)
        if clash is not None:
            raise ValueError(f"service {service.name} overlaps {clash.name} "
                             f"({service.call_type.name} OEN {clash.oen_first}-{clash.oen_last})")
        for key in keys:
            self._index[key] = service

    def lookup(self, call_type: CallType, oen: int) -> RuntimeService | None:
        return self._index.get(_key(call_type, oen))

    @property
    def services(self) -> list[RuntimeService]:
        return list(dict.fromkeys(self._index.values()))

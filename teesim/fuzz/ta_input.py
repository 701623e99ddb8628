"""One input of ``teesim fuzz ta``: a command id and four parameters, as bytes.

Theory of operation: an input is a :class:`TaInput`; its byte form
(:meth:`TaInput.to_bytes` / :func:`decode`) is what the corpus stores and what
libFuzzer / atheris hand us, and *any* byte string decodes to some input (a
missing field reads as zero), so a byte-level mutator is usable as well as the
structure-aware :func:`mutate` here. Mutations aim at the classic TA bug
classes: parameter-type confusion (a value where a memref is expected and the
reverse), sizes at and around page and buffer limits, NULL memrefs, command
ids next to the known ones.

Layout: u32 command, then per parameter: u8 type (low 3 bits: the GP param
type; bit 3: a NULL memref), u32 a, u32 b, u32 size, u16 length, the bytes.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass, field, replace

from tee.abi.registers import U32_MASK, U64_MASK
from tee.abi.results import ParamType

PARAMS = 4
#: The largest memref a fuzz input may ask the normal world to allocate.
MAX_MEMREF_SIZE = 1 << 16
#: The most bytes of content one parameter carries.
MAX_DATA = 4096
_HEAD = struct.Struct("<BIIIH")
NULL_MEMREF_BIT = 0x8
REGISTERED_BIT = 0x10
_TYPES = [int(t) for t in ParamType]
#: Each 3-bit type field as the ParamType it stands for (unused values: NONE).
_PARAM_TYPE = tuple(ParamType(t) if t in _TYPES else ParamType.NONE for t in range(8))
INTERESTING_U32 = (0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0xFFF, 0x1000, 0x1001, 0x7FFF_FFFF, 0x8000_0000,
                   0xFFFF_FFFE, U32_MASK, 0x4000_0000, 0x10000)
INTERESTING_SIZES = (0, 1, 3, 4, 8, 15, 16, 17, 63, 64, 255, 256, 4095, 4096, 4097, 8192,
                     MAX_MEMREF_SIZE - 1, MAX_MEMREF_SIZE)


@dataclass(frozen=True)
class FuzzParam:
    type: int = 0  # a ParamType value, or an unused one (4) the client API refuses
    a: int = 0
    b: int = 0
    size: int = 0
    data: bytes = b""
    null: bool = False  # a NULL memref (no buffer) of ``size``
    #: A registered memref: in the target's registered shared memory, at offset ``a``.
    registered: bool = False

    @property
    def param_type(self) -> ParamType:
        return _PARAM_TYPE[self.type] if 0 <= self.type < 8 else ParamType.NONE


@dataclass(frozen=True)
class TaInput:
    command: int = 0
    params: tuple[FuzzParam, ...] = field(default_factory=lambda: (FuzzParam(),) * PARAMS)

    def to_bytes(self) -> bytes:
        out = bytearray(struct.pack("<I", self.command & U32_MASK))
        for param in self.params:
            data = param.data[:MAX_DATA]
            flags = (NULL_MEMREF_BIT if param.null else 0) | (REGISTERED_BIT if param.registered else 0)
            out += _HEAD.pack((param.type & 7) | flags,
                              param.a & U32_MASK, param.b & U32_MASK,
                              min(param.size, MAX_MEMREF_SIZE), len(data))
            out += data
        return bytes(out)

    def describe(self) -> str:
        parts = []
        for param in self.params:
            kind = param.param_type
            if kind.is_value:
                parts.append(f"{kind.name}({param.a:#x},{param.b:#x})")
            elif kind.is_memref:
                where = (", NULL" if param.null else
                         f", registered at {param.a:#x}" if param.registered else
                         f", {len(param.data)} bytes")
                parts.append(f"{kind.name}(size={param.size}{where})")
            else:
                parts.append("NONE")
        return f"command {self.command:#x}: " + ", ".join(parts)


_NO_PARAM = FuzzParam()


def decode(raw: bytes) -> TaInput:
    """The input ``raw`` stands for; every byte string stands for one."""
    view = bytes(raw)
    end = len(view)
    command = int.from_bytes(view[:4].ljust(4, b"\0"), "little")
    at = 4
    params = []
    for _ in range(PARAMS):
        if at + _HEAD.size <= end:
            kind, a, b, size, length = _HEAD.unpack_from(view, at)
        else:
            kind, a, b, size, length = _HEAD.unpack(view[at:at + _HEAD.size].ljust(_HEAD.size, b"\0"))
        at += _HEAD.size
        if not (kind or a or b or size or length):
            params.append(_NO_PARAM)  # the common empty slot: no new object
            continue
        length = min(length, MAX_DATA)
        data = view[at:at + length]
        at += length
        params.append(FuzzParam(kind & 7, a, b, min(size, MAX_MEMREF_SIZE), data,
                                bool(kind & NULL_MEMREF_BIT), bool(kind & REGISTERED_BIT)))
    return TaInput(command, tuple(params))


def seeds(commands: range | list[int]) -> list[TaInput]:
    """A few well-formed shapes per command: no params, a value, a memref, both."""
    shapes = [
        (),
        (FuzzParam(int(ParamType.VALUE_INOUT), 41, 0),),
        (FuzzParam(int(ParamType.MEMREF_INOUT), size=16, data=b"fuzz-seed-bytes!"),),
        (FuzzParam(int(ParamType.VALUE_INPUT), 1, 2),
         FuzzParam(int(ParamType.MEMREF_OUTPUT), size=64)),
        (FuzzParam(int(ParamType.MEMREF_INPUT), size=32, data=bytes(range(32))),
         FuzzParam(int(ParamType.MEMREF_OUTPUT), size=32)),
        (FuzzParam(int(ParamType.MEMREF_INOUT), a=0, size=16, registered=True),),
    ]
    out = []
    for command in commands:
        for shape in shapes:
            params = tuple(shape) + (FuzzParam(),) * (PARAMS - len(shape))
            out.append(TaInput(command, params))
    return out


def mutate(base: TaInput, rng: random.Random, other: TaInput | None = None) -> TaInput:
    """A variant of ``base``: one to three structure-aware changes (``other``,
    another corpus entry, may be spliced in)."""
    current = base
    for _ in range(rng.randint(1, 3)):
        current = _mutate_once(current, rng, other)
    return current


def _mutate_once(base: TaInput, rng: random.Random, other: TaInput | None) -> TaInput:
    choice = rng.randrange(10)
    params = list(base.params)
    index = rng.randrange(PARAMS)
    param = params[index]
    if choice == 0:  # command ids near the known one, or anywhere
        command = rng.choice([base.command + 1, base.command - 1, rng.randrange(64),
                              rng.choice(INTERESTING_U32), rng.getrandbits(32)]) & U32_MASK
        return replace(base, command=command)
    if choice == 1:  # type confusion: value <-> memref, in <-> out, or any type
        kind = ParamType(param.type) if param.type in _TYPES else ParamType.NONE
        if kind.is_value:
            new = kind + 4
        elif kind.is_memref:
            new = kind - 4
        else:
            new = rng.choice(_TYPES + [4])
        params[index] = replace(param, type=int(rng.choice([new, rng.choice(_TYPES)])))
    elif choice == 2:  # value contents
        field_name = rng.choice(("a", "b"))
        value = rng.choice([rng.choice(INTERESTING_U32), rng.getrandbits(32),
                            getattr(param, field_name) ^ (1 << rng.randrange(32)),
                            getattr(param, field_name) + rng.randint(-16, 16)])
        params[index] = replace(param, **{field_name: value & U32_MASK})
    elif choice == 3:  # sizes near the limits, or the data's length +- a little
        size = rng.choice([rng.choice(INTERESTING_SIZES), len(param.data) + rng.randint(-2, 2),
                           param.size * 2, param.size // 2])
        params[index] = replace(param, size=max(0, min(size, MAX_MEMREF_SIZE)))
    elif choice == 4:  # flip bytes of the content
        flipped = bytearray(param.data or b"\0")
        for _ in range(rng.randint(1, 4)):
            flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
        params[index] = replace(param, data=bytes(flipped))
    elif choice == 5:  # new content, with size to match or not
        length = rng.choice([0, 1, 4, 16, 64, 255, 256, 1024, MAX_DATA])
        data = rng.randbytes(length)
        params[index] = replace(param, data=data,
                                size=length if rng.random() < 0.7 else param.size)
    elif choice == 6:  # NULL memref, registered memref
        if rng.random() < 0.5:
            params[index] = replace(param, null=not param.null)
        else:
            params[index] = replace(param, registered=not param.registered)
    elif choice == 7:  # swap two params
        other_index = rng.randrange(PARAMS)
        params[index], params[other_index] = params[other_index], params[index]
    elif choice == 8 and other is not None:  # splice
        params[index] = other.params[index]
        if rng.random() < 0.3:
            return TaInput(other.command, tuple(params))
    else:  # clear a param
        params[index] = FuzzParam()
    return TaInput(base.command, tuple(params))

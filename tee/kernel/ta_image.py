"""Parse a TA's ELF into what the loader maps: segments, relocations, ``ta_head``.

The bytes come from the normal world, so nothing is trusted: every field is
checked before use and any parser failure becomes :class:`TaFormatError`.
A TA is a static PIE for AArch64 whose only dynamic relocations are
R_AARCH64_RELATIVE; its ``ta_head`` (OP-TEE's 32-byte header) is found through
the dynamic symbol ``ta_head`` or, failing that, the ``.ta_head`` section.
"""

from __future__ import annotations

import bisect
import io
import struct
import uuid as uuid_mod
from dataclasses import dataclass, field

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from tee.abi.memcheck import MEMCHECK_FLAG_SYMBOL, STACK_GUARD_SYMBOL
from tee.emu import PAGE_SIZE, Perm

R_AARCH64_RELATIVE = 1027
EM_AARCH64 = 183
TA_HEAD = struct.Struct("<IHH8sIIQ")  # uuid fields, stack_size, flags, depr_entry
#: Largest address span a TA image may cover (code + data + bss, heap included).
MAX_IMAGE_SPAN = 64 * 1024 * 1024
MAX_STACK_SIZE = 8 * 1024 * 1024


class TaFormatError(Exception):
    """The TA binary is malformed or uses something the loader does not support."""


@dataclass(frozen=True, slots=True)
class Segment:
    vaddr: int
    memsz: int
    data: bytes
    perm: Perm
    file_offset: int


@dataclass(frozen=True, slots=True)
class TaHead:
    uuid: uuid_mod.UUID
    stack_size: int
    flags: int
    depr_entry: int


@dataclass(frozen=True, slots=True)
class Symbol:
    address: int
    size: int
    name: str


@dataclass(frozen=True)
class TaImage:
    segments: tuple[Segment, ...]
    relocations: tuple[tuple[int, int], ...]  # (offset, addend) of each RELATIVE reloc
    entry: int
    head: TaHead
    head_offset: int
    span: int  # page-rounded size of the address range the segments cover
    symbols: tuple[Symbol, ...]  # sorted by address; empty for a stripped image
    #: The verified ELF itself (no copy): crash dumps read its DWARF line table on demand.
    elf: bytes = field(default=b"", repr=False, compare=False)
    #: Offsets of the SDK variables the loader writes (tee.abi.memcheck), by name;
    #: only those that lie in a writable segment.
    loader_slots: tuple[tuple[str, int], ...] = ()
    #: Data objects (globals, statics) by address; empty for a stripped image.
    objects: tuple[Symbol, ...] = ()

    def symbolize(self, offset: int) -> str | None:
        """``function+0x12`` for an offset inside the image, if symbols are known."""
        index = bisect.bisect_right([s.address for s in self.symbols], offset) - 1
        if index < 0:
            return None
        symbol = self.symbols[index]
        if offset >= symbol.address + max(symbol.size, 1):
            return None
        return f"{symbol.name}+{offset - symbol.address:#x}"


def uuid_from_tee_uuid(raw: bytes) -> uuid_mod.UUID:
    """TEE_UUID in memory (little-endian integers, then 8 bytes) to a UUID."""
    time_low, time_mid, time_hi = struct.unpack_from("<IHH", raw)
    return uuid_mod.UUID(bytes=struct.pack(">IHH", time_low, time_mid, time_hi) + raw[8:16])


def _perm(p_flags: int) -> Perm:
    return ((Perm.EXEC if p_flags & 1 else Perm.NONE) | (Perm.WRITE if p_flags & 2 else Perm.NONE)
            | (Perm.READ if p_flags & 4 else Perm.NONE))


def parse_ta_elf(data: bytes) -> TaImage:
    try:
        return _parse(data)
    except TaFormatError:
        raise
    except (ELFError, ValueError, KeyError, IndexError, TypeError, AttributeError, struct.error,
            UnicodeDecodeError, OverflowError, AssertionError) as error:
        # pyelftools signals malformed input in many ways; all mean "not a valid TA".
        raise TaFormatError(f"malformed ELF: {error}") from None


def _parse(data: bytes) -> TaImage:
    if data[:4] != b"\x7fELF":
        raise TaFormatError("not an ELF file")
    elf = ELFFile(io.BytesIO(data))
    if elf.elfclass != 64 or not elf.little_endian or elf["e_machine"] != "EM_AARCH64":
        raise TaFormatError("not a little-endian AArch64 ELF64")
    if elf["e_type"] != "ET_DYN":
        raise TaFormatError("TA must be position-independent (ET_DYN)")

    segments = _load_segments(elf, len(data))
    span = _round_up(max(s.vaddr + s.memsz for s in segments), PAGE_SIZE)
    if span > MAX_IMAGE_SPAN:
        raise TaFormatError(f"image spans {span:#x} bytes, more than {MAX_IMAGE_SPAN:#x}")

    entry = elf["e_entry"]
    if not any(s.perm & Perm.EXEC and s.vaddr <= entry < s.vaddr + s.memsz for s in segments):
        raise TaFormatError(f"entry point {entry:#x} is not in an executable segment")

    relocations = _relocations(elf, segments)
    head_offset = _ta_head_offset(elf)
    head = _read_head(segments, head_offset)
    functions, objects = _symbols(elf)
    return TaImage(tuple(segments), relocations, entry, head, head_offset, span, functions, data,
                   _loader_slots(objects, segments), objects)


def _round_up(value: int, align: int) -> int:
    return (value + align - 1) // align * align


def _load_segments(elf: ELFFile, file_size: int) -> list[Segment]:
    segments: list[Segment] = []
    for seg in elf.iter_segments():
        if seg["p_type"] != "PT_LOAD" or seg["p_memsz"] == 0:
            continue
        vaddr, memsz, filesz, offset = seg["p_vaddr"], seg["p_memsz"], seg["p_filesz"], seg["p_offset"]
        if filesz > memsz or offset + filesz > file_size:
            raise TaFormatError(f"segment at {vaddr:#x} has inconsistent sizes")
        if vaddr % PAGE_SIZE and (vaddr - offset) % PAGE_SIZE:
            raise TaFormatError(f"segment at {vaddr:#x} is not page-congruent with its file offset")
        if vaddr + memsz > MAX_IMAGE_SPAN:
            raise TaFormatError(f"segment at {vaddr:#x} lies outside the allowed image span")
        perm = _perm(seg["p_flags"])
        if perm & Perm.WRITE and perm & Perm.EXEC:
            raise TaFormatError(f"segment at {vaddr:#x} is both writable and executable")
        segments.append(Segment(vaddr, memsz, seg.data()[:filesz], perm, offset))
    if not segments:
        raise TaFormatError("no loadable segments")
    segments.sort(key=lambda s: s.vaddr)
    for low, high in zip(segments, segments[1:]):
        if _round_up(low.vaddr + low.memsz, PAGE_SIZE) > high.vaddr - high.vaddr % PAGE_SIZE:
            raise TaFormatError(f"segments at {low.vaddr:#x} and {high.vaddr:#x} share a page")
    return segments


def _relocations(elf: ELFFile, segments: list[Segment]) -> tuple[tuple[int, int], ...]:
    relocs: list[tuple[int, int]] = []
    writable = [s for s in segments if s.perm & Perm.WRITE]
    for section in elf.iter_sections():
        if section["sh_type"] == "SHT_REL":
            raise TaFormatError("REL relocations are not supported")
        if section["sh_type"] != "SHT_RELA":
            continue
        # pyelftools makes an SHT_RELA section a RelocationSection but types iter_sections as Section.
        for reloc in section.iter_relocations():  # type: ignore[attr-defined]
            if reloc["r_info_type"] != R_AARCH64_RELATIVE:
                raise TaFormatError(f"unsupported relocation type {reloc['r_info_type']}")
            offset, addend = reloc["r_offset"], reloc["r_addend"]
            if not any(s.vaddr <= offset and offset + 8 <= s.vaddr + s.memsz for s in writable):
                raise TaFormatError(f"relocation at {offset:#x} is outside writable data")
            relocs.append((offset, addend))
    return tuple(relocs)


def _ta_head_offset(elf: ELFFile) -> int:
    dynsym = elf.get_section_by_name(".dynsym")
    if dynsym is not None:
        # pyelftools makes .dynsym a SymbolTableSection but types the lookup as Section.
        for symbol in dynsym.iter_symbols():  # type: ignore[attr-defined]
            if symbol.name == "ta_head" and symbol["st_shndx"] != "SHN_UNDEF":
                return symbol["st_value"]
    section = elf.get_section_by_name(".ta_head")
    if section is None:
        raise TaFormatError("no ta_head: not built with the TA SDK")
    return section["sh_addr"]


def _read_head(segments: list[Segment], offset: int) -> TaHead:
    for seg in segments:
        if seg.vaddr <= offset and offset + TA_HEAD.size <= seg.vaddr + len(seg.data):
            raw = seg.data[offset - seg.vaddr: offset - seg.vaddr + TA_HEAD.size]
            _, _, _, _, stack_size, flags, depr_entry = TA_HEAD.unpack(raw)
            if not 0 < stack_size <= MAX_STACK_SIZE:
                raise TaFormatError(f"ta_head stack size {stack_size:#x} is out of range")
            return TaHead(uuid_from_tee_uuid(raw), stack_size, flags, depr_entry)
    raise TaFormatError("ta_head lies outside the loaded file data")


def _loader_slots(objects: tuple[Symbol, ...], segments: list[Segment]) -> tuple[tuple[str, int], ...]:
    """Where the SDK's loader-written variables are, if the image has them (the
    8-byte guard, the 4-byte flag, inside a writable segment; else ignored).
    Found among the data objects already read (a second walk of .symtab through
    pyelftools cost as much as the rest of the parse)."""
    by_name = {symbol.name: symbol for symbol in objects}
    slots = []
    for name, want_size in ((STACK_GUARD_SYMBOL, 8), (MEMCHECK_FLAG_SYMBOL, 4)):
        found = by_name.get(name)
        if found is None:
            continue
        offset, size = found.address, found.size
        if any(s.perm & Perm.WRITE and s.vaddr <= offset and offset + size <= s.vaddr + s.memsz
               for s in segments) and size == want_size:
            slots.append((name, offset))
    return tuple(slots)


def _symbols(elf: ELFFile) -> tuple[tuple[Symbol, ...], tuple[Symbol, ...]]:
    """The named functions and data objects of ``.symtab``, each by address (one pass)."""
    symtab = elf.get_section_by_name(".symtab")
    if symtab is None:
        return (), ()
    found: dict[str, list[Symbol]] = {"STT_FUNC": [], "STT_OBJECT": []}
    # pyelftools makes .symtab a SymbolTableSection but types the lookup as Section.
    for s in symtab.iter_symbols():  # type: ignore[attr-defined]
        kind = found.get(s["st_info"]["type"])
        if kind is not None and s.name and s["st_value"]:
            kind.append(Symbol(s["st_value"], s["st_size"], s.name))
    return (tuple(sorted(found["STT_FUNC"], key=lambda s: s.address)),
            tuple(sorted(found["STT_OBJECT"], key=lambda s: s.address)))

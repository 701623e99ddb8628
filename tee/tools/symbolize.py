"""``teesim symbolize``: an OP-TEE abort dump in, the same dump with ``function+offset
at file:line`` on each call-stack frame out (what OP-TEE's scripts/symbolize.py does
with addr2line, here with pyelftools).

The dump says where each TA was loaded: its ELF list (``[0] <uuid> @ 0x...``)
gives each ELF's load address, its region lines (``... flags r-xs [0]``) which
addresses belong to which ELF. The ELFs come from a TA store (``<uuid>.elf``,
else the ELF inside the signed ``<uuid>.ta``) or are named one by one, matched
by the UUID in their ``ta_head``. Several dumps in one input are fine: each
``Status of TA`` line starts a new table.
"""

from __future__ import annotations

import bisect
import io
import re
import uuid as uuid_mod
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from tee.abi.signed_header import SignedHeaderError, decode_signed_image
from tee.tools.dwarf_lines import line_table

HEX = r"0x[0-9a-fA-F]+"
#: scripts/symbolize.py's patterns (shared/reference optee-abi.md 10.4).
STACK_LINE = re.compile(rf"[UEIDFM]/(TC|LD):([0-9]+ )?(\?*|[0-9]*) [0-9]* +({HEX})")
ELF_LINE = re.compile(rf"\[([0-9]+)\] ([0-9a-fA-F\-]{{36}}) @ ({HEX})")
REGION_LINE = re.compile(rf"region +[0-9]+: va ({HEX}) pa {HEX} size ({HEX})( flags .{{4}} (\[([0-9]+)\])?)?")
ANNOTATED = re.compile(r" at \S+:[0-9]+$")


class SymbolizeError(Exception):
    """Bad input: the message says what is wrong."""


@lru_cache(maxsize=16)
def _functions(elf_bytes: bytes) -> tuple[list[int], list[tuple[int, str]]]:
    """(sorted start addresses, (size, name)) of the ELF's functions."""
    try:
        symtab = ELFFile(io.BytesIO(elf_bytes)).get_section_by_name(".symtab")
        symbols = sorted((s["st_value"], s["st_size"], s.name)
                         for s in symtab.iter_symbols()  # type: ignore[attr-defined]
                         if s["st_info"]["type"] == "STT_FUNC" and s.name) if symtab else []
    except (ELFError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        symbols = []
    return [start for start, _, _ in symbols], [(size, name) for _, size, name in symbols]


def function_at(elf_bytes: bytes, offset: int) -> str | None:
    starts, rest = _functions(elf_bytes)
    index = bisect.bisect_right(starts, offset) - 1
    if index < 0 or offset >= starts[index] + max(rest[index][0], 1):
        return None
    return f"{rest[index][1]}+{offset - starts[index]:#x}"


def ta_elf_uuid(elf_bytes: bytes) -> uuid_mod.UUID:
    """The UUID in a TA ELF's ``.ta_head`` (TEE_UUID layout: little-endian fields)."""
    try:
        head = ELFFile(io.BytesIO(elf_bytes)).get_section_by_name(".ta_head")
        raw = head.data()[:16] if head is not None else b""
    except (ELFError, ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        raise SymbolizeError(f"not an ELF file ({error})") from None
    if len(raw) < 16:
        raise SymbolizeError("no .ta_head section: not a TA ELF")
    return uuid_mod.UUID(bytes_le=raw[:16])  # TEE_UUID: little-endian time fields


@dataclass
class ElfFinder:
    """Where the ELFs come from: a TA store and/or ELF files."""

    ta_store: Path | None = None
    files: dict[uuid_mod.UUID, bytes] = field(default_factory=dict)

    def add_file(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise SymbolizeError(f"{path}: {error.strerror}") from None
        try:
            self.files[ta_elf_uuid(data)] = data
        except SymbolizeError as error:
            raise SymbolizeError(f"{path}: {error}") from None

    def find(self, ta: uuid_mod.UUID) -> bytes | None:
        if ta in self.files:
            return self.files[ta]
        if self.ta_store is None:
            return None
        elf, signed = self.ta_store / f"{ta}.elf", self.ta_store / f"{ta}.ta"
        if elf.is_file():
            return elf.read_bytes()
        if signed.is_file():
            try:
                return decode_signed_image(signed.read_bytes()).img
            except SignedHeaderError:
                return None
        return None


@dataclass
class Result:
    text: str
    frames: int  # call-stack lines seen
    missing: set[uuid_mod.UUID]  # TAs of frames whose ELF was not found


def symbolize(dump: str, finder: ElfFinder) -> Result:
    out = []
    elves: dict[int, tuple[uuid_mod.UUID, int]] = {}
    regions: list[tuple[int, int, int]] = []
    in_stack, depth, frames = False, 0, 0
    missing: set[uuid_mod.UUID] = set()
    for line in dump.splitlines():
        if "Status of TA" in line:
            elves, regions, in_stack = {}, [], False
        elif (m := REGION_LINE.search(line)) and m.group(5) is not None:
            va, size = int(m.group(1), 16), int(m.group(2), 16)
            regions.append((va, va + size, int(m.group(5))))
        elif m := ELF_LINE.search(line):
            elves[int(m.group(1))] = (uuid_mod.UUID(m.group(2)), int(m.group(3), 16))
        elif "Call stack:" in line:
            in_stack, depth = True, 0
            out.append(line)
            continue
        if in_stack and (m := STACK_LINE.match(line)):
            frames += 1
            line = _annotate(line, int(m.group(4), 16), depth, elves, regions, finder, missing)
            depth += 1
        else:
            in_stack = False
        out.append(line)
    return Result("\n".join(out) + "\n", frames, missing)


def _annotate(line: str, address: int, depth: int, elves: dict[int, tuple[uuid_mod.UUID, int]],
              regions: list[tuple[int, int, int]], finder: ElfFinder, missing: set[uuid_mod.UUID]) -> str:
    if ANNOTATED.search(line):
        return line
    index = next((n for start, end, n in regions if start <= address < end), None)
    if index is None and len(elves) == 1:
        index = next(iter(elves))
    if index not in elves:
        return line
    ta, base = elves[index]
    elf = finder.find(ta)
    if elf is None:
        missing.add(ta)
        return line
    # A return address follows its call, which may end a function: name the call site.
    offset = address - base - (4 if depth else 0)
    if not re.search(r"\S\+0x[0-9a-f]+$", line):
        name = function_at(elf, offset)
        line += f" {name}" if name else ""
    source = line_table(elf).lookup(offset)
    return line + (f" at {source}" if source else "")

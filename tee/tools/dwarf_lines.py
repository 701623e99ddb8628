"""Source file and line of an address in an ELF, from its DWARF line table.

Theory of operation: the address ranges of the compilation units come from
their top DIEs; the line program of a unit (pyelftools) is run the first time
an address in it is asked for, into sorted (address, file, line) rows, and a
lookup is a bisection. Tables are cached by the ELF's bytes (a pure function of
a public image, so one process-wide cache), so crash dumps and ``teesim
symbolize`` parse an image once however often they ask. An ELF
without DWARF, or with DWARF pyelftools cannot read, gives an empty table:
lines are a convenience, never a reason to fail.
"""

from __future__ import annotations

import bisect
import io
import os
import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from elftools.common.exceptions import DWARFError, ELFError
from elftools.elf.elffile import ELFFile

#: Distinct ELF images whose tables are kept.
CACHED_TABLES = 16
#: How pyelftools signals malformed input; all mean "no lines here".
_MALFORMED = (ELFError, DWARFError, NotImplementedError, ValueError, KeyError, IndexError, TypeError,
              AttributeError, AssertionError,
              UnicodeDecodeError, OverflowError, EOFError, RecursionError, struct.error)


@dataclass(frozen=True, slots=True)
class SourceLine:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class _Rows:
    """Sorted (address, line) rows of one compilation unit."""

    def __init__(self, rows: list[tuple[int, SourceLine | None]]) -> None:
        rows.sort(key=lambda row: row[0])
        self.addresses = [address for address, _ in rows]
        self.lines = [line for _, line in rows]

    def lookup(self, address: int) -> SourceLine | None:
        index = bisect.bisect_right(self.addresses, address) - 1
        return self.lines[index] if index >= 0 else None


class LineTable:
    """Line lookups in one ELF. Each compilation unit's address ranges come from its
    top DIE; only the unit holding an address has its line program run (a TA's
    own file, not all of libc: pyelftools needs about half a second for all)."""

    def __init__(self, elf: ELFFile | None) -> None:
        self._dwarf = elf.get_dwarf_info() if elf is not None and elf.has_dwarf_info() else None
        self._ranges: list[tuple[int, int, int]] | None = None  # (begin, end, unit offset)
        self._units: dict[int, _Rows] = {}

    def lookup(self, address: int) -> SourceLine | None:
        """The line of the instruction at ``address`` (in the ELF's own numbering,
        i.e. an offset from the load base for a TA)."""
        if self._dwarf is None:
            return None
        try:
            if self._ranges is None:
                self._ranges = _unit_ranges(self._dwarf)
            for begin, end, unit in self._ranges:
                if begin <= address < end:
                    rows = self._units.get(unit)
                    if rows is None:
                        rows = self._units[unit] = _Rows(_rows(self._dwarf, unit))
                    return rows.lookup(address)
        except _MALFORMED:
            self._dwarf = None  # unreadable DWARF: no lines from this image
        return None


def _unit_ranges(dwarf: Any) -> list[tuple[int, int, int]]:
    """(begin, end, unit offset) of every address range of every unit."""
    found = []
    range_lists = dwarf.range_lists()
    for unit in dwarf.iter_CUs():
        attributes = unit.get_top_DIE().attributes
        low = attributes["DW_AT_low_pc"].value if "DW_AT_low_pc" in attributes else 0
        if "DW_AT_high_pc" in attributes:
            high = attributes["DW_AT_high_pc"]
            end = high.value if high.form == "DW_FORM_addr" else low + high.value
            found.append((low, end, unit.cu_offset))
        elif "DW_AT_ranges" in attributes and range_lists is not None:
            base = low
            for entry in range_lists.get_range_list_at_offset(attributes["DW_AT_ranges"].value, cu=unit):
                if hasattr(entry, "base_address"):
                    base = entry.base_address
                    continue
                offset = 0 if entry.is_absolute else base
                if entry.end_offset > entry.begin_offset:
                    found.append((offset + entry.begin_offset, offset + entry.end_offset, unit.cu_offset))
    return found


def _file_name(program: Any, index: int, comp_dir: str) -> str:
    entries = program["file_entry"]
    version = program["version"]
    entry = entries[index if version >= 5 else index - 1]
    directories = program["include_directory"]
    directory = ""
    dir_index = entry.dir_index
    if version >= 5:
        directory = directories[dir_index].decode() if dir_index < len(directories) else ""
    elif dir_index > 0:
        directory = directories[dir_index - 1].decode()
    path = os.path.join(directory or comp_dir, entry.name.decode())
    return os.path.normpath(os.path.join(comp_dir, path))


def _rows(dwarf: Any, unit_offset: int) -> list[tuple[int, SourceLine | None]]:
    """The rows of the unit at ``unit_offset``."""
    rows: list[tuple[int, SourceLine | None]] = []
    unit = dwarf.get_CU_at(unit_offset)
    program = dwarf.line_program_for_CU(unit)
    if program is not None:
        top = unit.get_top_DIE().attributes.get("DW_AT_comp_dir")
        comp_dir = top.value.decode() if top is not None else ""
        names: dict[int, str] = {}
        for entry in program.get_entries():
            state = entry.state
            if state is None:
                continue
            if state.end_sequence or not state.line:
                rows.append((state.address, None))  # no line from here to the next row
                continue
            if state.file not in names:
                names[state.file] = _file_name(program, state.file, comp_dir)
            rows.append((state.address, SourceLine(names[state.file], state.line)))
    return rows


def all_line_rows(elf_bytes: bytes) -> list[tuple[int, int, SourceLine]]:
    """Every (begin, end, line) address range of the ELF's line tables, for
    coverage reports: each unit's program is run here (not cached; slow for a
    whole libc, fine once per report). Empty without readable DWARF."""
    try:
        elf = ELFFile(io.BytesIO(elf_bytes))
        if not elf.has_dwarf_info():
            return []
        dwarf = elf.get_dwarf_info()
        ranges: list[tuple[int, int, SourceLine]] = []
        for unit in dwarf.iter_CUs():
            rows = _rows(dwarf, unit.cu_offset)  # in program order: sequences stay contiguous
            for (begin, line), (end, _) in zip(rows, rows[1:]):
                if line is not None and end > begin:
                    ranges.append((begin, end, line))
        return ranges
    except _MALFORMED:
        return []


@lru_cache(maxsize=CACHED_TABLES)
def line_table(elf_bytes: bytes) -> LineTable:
    """The line table of an ELF image (answering None when it has no readable DWARF)."""
    try:
        return LineTable(ELFFile(io.BytesIO(elf_bytes)))
    except _MALFORMED:
        return LineTable(None)

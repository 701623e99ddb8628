"""Line coverage of a TA as an lcov tracefile (``.info``), from basic-block counts.

Theory of operation: the emulator reports each basic block of the TA's image
that runs (start offset, size in bytes) and how often it ran. An instruction's
count is the sum over the blocks that contain it (a jump into the middle of a
block starts a second, overlapping one). The DWARF line table maps address
ranges to source lines; a line's count is the highest count of an instruction
the table attributes to it, and a line the table knows but no executed block
reaches gets 0, so ``genhtml`` shows it as not run. The format is lcov's: per
source file ``SF:``, one ``DA:line,count`` per line, ``LF``/``LH`` (lines found,
lines hit) and ``end_of_record``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Mapping

from tee.tools.dwarf_lines import all_line_rows

INSTRUCTION_SIZE = 4  # AArch64


def instruction_counts(blocks: Mapping[int, tuple[int, int]]) -> dict[int, int]:
    """{instruction offset: times run} from {block offset: (size, times run)}."""
    counts: dict[int, int] = defaultdict(int)
    for start, (size, runs) in blocks.items():
        for address in range(start, start + size, INSTRUCTION_SIZE):
            counts[address] += runs
    return counts


def line_counts(elf: bytes, blocks: Mapping[int, tuple[int, int]]) -> dict[str, dict[int, int]]:
    """{source file: {line: times run}} for every line the ELF's DWARF knows."""
    counts = instruction_counts(blocks)
    files: dict[str, dict[int, int]] = defaultdict(dict)
    for begin, end, source in all_line_rows(elf):
        lines = files[source.file]
        runs = max((counts.get(a, 0) for a in range(begin, end, INSTRUCTION_SIZE)), default=0)
        lines[source.line] = max(lines.get(source.line, 0), runs)
    return dict(files)


def lcov_tracefile(elf: bytes, blocks: Mapping[int, tuple[int, int]], test_name: str = "",
                   only_under: str | None = None) -> str:
    """The lcov text for one run; ``only_under``: keep source files below this directory."""
    out = [f"TN:{test_name}"] if test_name else []
    for path, lines in sorted(line_counts(elf, blocks).items()):
        if only_under is not None and not path.startswith(only_under.rstrip("/") + "/"):
            continue
        out.append(f"SF:{path}")
        out += [f"DA:{line},{runs}" for line, runs in sorted(lines.items())]
        out.append(f"LF:{len(lines)}")
        out.append(f"LH:{sum(1 for runs in lines.values() if runs)}")
        out.append("end_of_record")
    return "\n".join(out) + "\n"

"""The memcheck test TA from the client side: its commands (include/memcheck_ta.h)."""

from __future__ import annotations

import uuid
from enum import IntEnum
from pathlib import Path

MEMCHECK_DIR = Path(__file__).resolve().parent
UUID = uuid.UUID("b1adb186-c603-4ebc-b277-4b3a0644ce3c")
SOURCE = MEMCHECK_DIR / "memcheck_ta.c"


class Cmd(IntEnum):
    MEMREF_OVERFLOW = 0
    HEAP_OVERFLOW = 1
    HEAP_OVERFLOW_KEPT = 2
    STACK_SMASH = 3
    LOOP = 4
    FILL = 5


def marked_line(marker: str) -> int:
    """The line of memcheck_ta.c whose comment carries ``COVERAGE: <marker>``."""
    for number, text in enumerate(SOURCE.read_text().splitlines(), start=1):
        if f"COVERAGE: {marker}" in text:
            return number
    raise LookupError(marker)

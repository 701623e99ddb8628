"""The benchmark TA (bench/tas/bench_ta): its numbers and its build.

The numbers mirror ``bench/tas/bench_ta/include/bench_ta.h``; :func:`build`
compiles the TA into the suite's own TA store with the SDK's build and checks
that the UUID it declares is the one below.
"""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TA_DIR = Path(__file__).resolve().parent / "tas" / "bench_ta"
#: The suite's TA store, next to the one ``make tas`` fills.
STORE = REPO / "build" / "bench-ta-store"

UUID = uuid_mod.UUID("0d59de7a-87dd-43cc-b9cd-e4f7e87b34ca")
CMD_NOP = 0
CMD_GET_TIME_LOOP = 1
CMD_SHA256 = 2
CMD_TOUCH_PAGES = 3
CMD_AES_CTR = 4
CMD_AES_CTR_UPDATE = 5
SHA256_MAX = 64 * 1024
PAGE_BYTES = 4096


def sha256_input(length: int) -> bytes:
    """What the TA's SHA256 command hashes: byte i = (i * 167 + 13) mod 256."""
    return bytes((i * 167 + 13) & 0xFF for i in range(length))


@dataclass(frozen=True)
class BuiltTa:
    store: Path
    elf_path: Path
    ta_path: Path


def build(store: Path = STORE) -> BuiltTa:
    from tee.tools.ta_build import build_ta

    built = build_ta(TA_DIR, store)
    if built.uuid != UUID:
        raise RuntimeError(f"bench TA declares UUID {built.uuid}, bench/ta.py expects {UUID}")
    return BuiltTa(store, Path(built.elf_path), Path(built.ta_path))

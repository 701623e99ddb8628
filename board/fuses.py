"""The board's fuses: a hardware unique key, burnt (random) at the first boot."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FUSES_FILE = "fuses.bin"
HUK_SIZE = 32


def read_fuses(state_dir: Path) -> bytes:
    """The hardware unique key of the board whose state lives in ``state_dir``."""
    fuses = state_dir / FUSES_FILE
    if not fuses.exists():
        tmp = fuses.with_suffix(".tmp")
        tmp.write_bytes(secrets.token_bytes(HUK_SIZE))
        os.replace(tmp, fuses)
    huk = fuses.read_bytes()
    if len(huk) != HUK_SIZE:
        raise ValueError(f"{fuses}: corrupt fuses")
    return huk


def fresh_huk() -> bytes:
    """A hardware unique key for a board that keeps no state (a new one at every boot)."""
    return secrets.token_bytes(HUK_SIZE)

"""Where the secure kernel gets TA binaries from.

On a real device the normal world's supplicant reads ``<uuid>.ta`` and hands the
bytes over through an RPC; either way the bytes are untrusted and are parsed
and checked by the loader before anything is mapped.
"""

from __future__ import annotations

import uuid as uuid_mod
from pathlib import Path
from typing import Protocol


class TaSource(Protocol):
    def fetch(self, uuid: uuid_mod.UUID) -> bytes | None:
        """The TA image for ``uuid``, or None when there is none."""


class DirectoryTaSource:
    """A TA store directory holding ``<uuid>.ta`` files (OP-TEE's /lib/optee_armtz)."""

    #: Refuse absurd files before reading them into memory.
    MAX_TA_FILE_SIZE = 64 * 1024 * 1024

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def fetch(self, uuid: uuid_mod.UUID) -> bytes | None:
        path = self.directory / f"{uuid}.ta"
        try:
            if path.stat().st_size > self.MAX_TA_FILE_SIZE:
                return None
            return path.read_bytes()
        except OSError:
            return None

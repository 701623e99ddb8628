"""The normal world's file store for secure storage (tee-supplicant's REE FS).

OP-TEE's supplicant keeps secure-storage files under ``/var/lib/tee``; ours keeps
them flat in one directory of the device's state directory. The secure world
names every file; the store only checks that a name is a plain file name, so
an RPC can never reach outside the directory. Everything here is untrusted by
the secure world, which encrypts and authenticates what it stores.

``power`` (the board's test-only power switch, :mod:`board.power`) is told about
every mutating step before it happens, so a test can cut power between any two steps.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol

_NAME = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
#: Open files and directories the secure world may hold at once.
MAX_HANDLES = 256
#: Largest single file the store accepts.
MAX_FILE_SIZE = 16 * 1024 * 1024


class FsError(Exception):
    """The request cannot be served (the supplicant answers an error code)."""


class WriteSteps(Protocol):
    """Told about every mutating step before it happens (the board's power switch)."""

    def write_step(self, what: str) -> None: ...


class _AlwaysOn:
    def write_step(self, what: str) -> None:
        pass


class ReeFileStore:
    def __init__(self, root: Path | str, power: WriteSteps | None = None) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.power = power or _AlwaysOn()
        self._files: dict[int, Path] = {}
        self._dirs: dict[int, list[str]] = {}
        self._next = 1

    def _path(self, name: str) -> Path:
        if not _NAME.match(name) or name in (".", ".."):
            raise FsError(f"bad file name {name!r}")
        return self.root / name

    def _handle(self) -> int:
        if len(self._files) + len(self._dirs) >= MAX_HANDLES:
            raise FsError("too many open files")
        handle, self._next = self._next, self._next + 1
        return handle

    # -- files ----------------------------------------------------------------------
    def open(self, name: str) -> int:
        path = self._path(name)
        if not path.is_file():
            raise FileNotFoundError(name)
        handle = self._handle()
        self._files[handle] = path
        return handle

    def create(self, name: str) -> int:
        path = self._path(name)
        self.power.write_step(f"create {name}")
        path.write_bytes(b"")
        handle = self._handle()
        self._files[handle] = path
        return handle

    def close(self, fd: int) -> None:
        if self._files.pop(fd, None) is None:
            raise FsError(f"no file {fd}")

    def _file(self, fd: int) -> Path:
        path = self._files.get(fd)
        if path is None:
            raise FsError(f"no file {fd}")
        return path

    def read(self, fd: int, offset: int, size: int) -> bytes:
        with open(self._file(fd), "rb") as f:
            f.seek(offset)
            return f.read(size)

    def write(self, fd: int, offset: int, data: bytes) -> None:
        path = self._file(fd)
        if offset + len(data) > MAX_FILE_SIZE:
            raise FsError("file too large")
        self.power.write_step(f"write {path.name}")
        with open(path, "r+b") as f:
            f.seek(offset)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    def truncate(self, fd: int, length: int) -> None:
        path = self._file(fd)
        if length > MAX_FILE_SIZE:
            raise FsError("file too large")
        self.power.write_step(f"truncate {path.name}")
        os.truncate(path, length)

    def remove(self, name: str) -> None:
        path = self._path(name)
        if not path.is_file():
            raise FileNotFoundError(name)
        self.power.write_step(f"remove {name}")
        path.unlink()

    def rename(self, old: str, new: str, overwrite: bool) -> None:
        src, dst = self._path(old), self._path(new)
        if not src.is_file():
            raise FileNotFoundError(old)
        if dst.exists() and not overwrite:
            raise FileExistsError(new)
        self.power.write_step(f"rename {old} {new}")
        os.replace(src, dst)

    # -- directory ------------------------------------------------------------------
    def opendir(self) -> int:
        handle = self._handle()
        self._dirs[handle] = sorted(p.name for p in self.root.iterdir() if p.is_file())
        return handle

    def readdir(self, handle: int) -> str | None:
        names = self._dirs.get(handle)
        if names is None:
            raise FsError(f"no directory {handle}")
        return names.pop(0) if names else None

    def closedir(self, handle: int) -> None:
        if self._dirs.pop(handle, None) is None:
            raise FsError(f"no directory {handle}")

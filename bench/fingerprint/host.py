"""The fingerprint TA's matcher and record parser compiled for this host (zig cc
-shared, the TA's C source unchanged) and called through ctypes: the evaluation
needs millions of comparisons, which the emulated TA could not give in time."""

from __future__ import annotations

import ctypes
import hashlib
import subprocess
import sys
from array import array
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MATCHER_DIR = REPO / "trusted_apps" / "fingerprint" / "matcher"
SOURCES = (MATCHER_DIR / "fp_matcher.c", MATCHER_DIR / "fp_iso19794.c", Path(__file__).with_name("fp_batch.c"))
HEADERS = (MATCHER_DIR / "fp_matcher.h",)
BUILD_DIR = REPO / "build" / "fp-host"
FLAGS = ("-shared", "-fPIC", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror",
         # Undefined behaviour traps instead of going on (and needs no runtime).
         "-fsanitize=undefined", "-fsanitize-trap=undefined")
MAX_MINUTIAE = 255


class Minutia(ctypes.Structure):
    _fields_ = [("x", ctypes.c_uint16), ("y", ctypes.c_uint16), ("angle", ctypes.c_uint8),
                ("type", ctypes.c_uint8), ("quality", ctypes.c_uint8)]


class Print(ctypes.Structure):
    """``struct fp_print``."""

    _fields_ = [("width", ctypes.c_uint16), ("height", ctypes.c_uint16),
                ("x_res", ctypes.c_uint16), ("y_res", ctypes.c_uint16),
                ("count", ctypes.c_uint16), ("m", Minutia * MAX_MINUTIAE)]


def build_library() -> Path:
    """The shared library, rebuilt when a source or the flags change."""
    digest = hashlib.sha256(" ".join(FLAGS).encode())
    for path in SOURCES + HEADERS:
        digest.update(path.read_bytes())
    target = BUILD_DIR / f"libfpmatcher-{digest.hexdigest()[:16]}.so"
    if not target.exists():
        BUILD_DIR.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".tmp")
        command = [sys.executable, "-m", "ziglang", "cc", *FLAGS, f"-I{MATCHER_DIR}",
                   *map(str, SOURCES), "-o", str(partial)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"host matcher build failed:\n{done.stderr}")
        partial.replace(target)
    return target


class HostMatcher:
    """ctypes bindings of the host build."""

    def __init__(self, library: Path | None = None) -> None:
        lib = ctypes.CDLL(str(library or build_library()))
        lib.fp_parse_iso19794_2.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(Print)]
        lib.fp_parse_iso19794_2.restype = ctypes.c_int
        lib.fp_match.argtypes = [ctypes.POINTER(Print), ctypes.POINTER(Print)]
        lib.fp_match.restype = ctypes.c_uint32
        lib.fp_batch_prepare.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p,
                                         ctypes.c_uint32, ctypes.c_void_p]
        lib.fp_batch_prepare.restype = ctypes.c_int
        lib.fp_batch_scores.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p]
        lib.fp_batch_scores.restype = None
        lib.fp_batch_prepared_size.restype = ctypes.c_size_t
        lib.fp_batch_print_size.restype = ctypes.c_size_t
        if lib.fp_batch_print_size() != ctypes.sizeof(Print):
            raise RuntimeError("struct fp_print differs between fp_matcher.h and host.py")
        self.lib = lib
        self.prepared_size: int = lib.fp_batch_prepared_size()

    def parse_at(self, address: int, length: int) -> tuple[int, Print]:
        """The parser on ``length`` bytes at a raw address (for guard-page tests)."""
        out = Print()
        return self.lib.fp_parse_iso19794_2(address, length, ctypes.byref(out)), out

    def parse(self, record: bytes) -> tuple[int, Print]:
        """(fp_parse_result, the parsed print) for a record, its bytes exactly."""
        buffer = ctypes.create_string_buffer(bytes(record), len(record))
        return self.parse_at(ctypes.addressof(buffer), len(record))

    def match(self, probe: bytes, enrolled: bytes) -> int:
        """fp_match() of two records (each must parse)."""
        prints = []
        for record in (probe, enrolled):
            result, parsed = self.parse(record)
            if result != 0:
                raise ValueError(f"record refused by the parser: {result}")
            prints.append(parsed)
        return int(self.lib.fp_match(ctypes.byref(prints[0]), ctypes.byref(prints[1])))

    def prepare(self, records: Sequence[bytes]) -> ctypes.Array[ctypes.c_char]:
        """Every record parsed and prepared once, for :meth:`scores`."""
        blob = b"".join(records)
        offsets = array("I")
        position = 0
        for record in records:
            offsets.append(position)
            position += len(record)
        lengths = array("I", (len(r) for r in records))
        prepared = ctypes.create_string_buffer(self.prepared_size * max(1, len(records)))
        failed = self.lib.fp_batch_prepare(blob, offsets.buffer_info()[0], lengths.buffer_info()[0],
                                           len(records), prepared)
        if failed >= 0:
            raise ValueError(f"record {failed} refused by the parser")
        return prepared

    def scores(self, prepared: ctypes.Array[ctypes.c_char], pairs: array) -> array:
        """Scores of (probe, enrolled) index pairs, ``pairs`` flat: p0, e0, p1, e1, ..."""
        count = len(pairs) // 2
        out = array("I", bytes(4 * count))
        if count:
            self.lib.fp_batch_scores(prepared, pairs.buffer_info()[0], count, out.buffer_info()[0])
        return out

"""ISO/IEC 19794-2:2005 records: the Python codec (tee/abi/iso19794_2.py) and the
TA's C parser (host build) accept the same records, refuse the same malformed
ones with the same result, and the C parser never reads outside the record."""

from __future__ import annotations

import ctypes
import mmap
import random
import re
import signal
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from bench.fingerprint.host import MATCHER_DIR, HostMatcher
from tee.abi import iso19794_2 as iso
from tests.conftest import REPO
from tee.abi.iso19794_2 import FingerRecord, FingerView, Minutia, MinutiaType, ParseResult, RecordError

ENDING, BIFURCATION = MinutiaType.RIDGE_ENDING, MinutiaType.BIFURCATION


def sample_record(views: int = 1, extended: bytes = b"") -> FingerRecord:
    first = FingerView((Minutia(10, 20, 0, ENDING, 60), Minutia(299, 399, 255, BIFURCATION, 100),
                        Minutia(150, 0, 128, MinutiaType.OTHER, 0)),
                       finger_position=2, view_number=0, impression_type=0, quality=80, extended_data=extended)
    more = [FingerView((Minutia(5 * v, 7 * v, v, ENDING, 50),), finger_position=2, view_number=v)
            for v in range(1, views)]
    return FingerRecord(300, 400, (first, *more), x_resolution=197, y_resolution=197, capture_equipment=0x1234)


#: Two extended-data items: a ridge-count item (type 1) of 8 bytes and a core/delta item of 4.
EXTENDED = struct.pack(">HH4s", 1, 8, b"\x01\x02\x03\x04") + struct.pack(">HH", 2, 4)
GOOD = iso.encode(sample_record(views=2, extended=EXTENDED))
VIEW1 = 24  # where the first view header starts
MINUTIA0 = VIEW1 + 4


def patched(data: bytes, offset: int, new: bytes, fix_length: bool = True) -> bytes:
    out = bytearray(data)
    out[offset:offset + len(new)] = new
    if fix_length:
        out[8:12] = struct.pack(">I", len(out))
    return bytes(out)


def with_total(data: bytes) -> bytes:
    return data[:8] + struct.pack(">I", len(data)) + data[12:]


MALFORMED: dict[str, tuple[Callable[[], bytes], ParseResult]] = {
    "empty": (lambda: b"", ParseResult.BAD_LENGTH),
    "wrong magic": (lambda: patched(GOOD, 0, b"FIR\x00"), ParseResult.BAD_MAGIC),
    "2011 version": (lambda: patched(GOOD, 4, b"030\x00"), ParseResult.BAD_VERSION),
    "header cut short": (lambda: GOOD[:20], ParseResult.BAD_LENGTH),
    "length field too big": (lambda: patched(GOOD, 8, struct.pack(">I", len(GOOD) + 1), False),
                             ParseResult.BAD_LENGTH),
    "length field too small": (lambda: patched(GOOD, 8, struct.pack(">I", len(GOOD) - 1), False),
                               ParseResult.BAD_LENGTH),
    "trailing byte": (lambda: with_total(GOOD + b"\x00"), ParseResult.BAD_LENGTH),
    "zero width": (lambda: patched(GOOD, 14, b"\x00\x00"), ParseResult.BAD_IMAGE_SIZE),
    "zero height": (lambda: patched(GOOD, 16, b"\x00\x00"), ParseResult.BAD_IMAGE_SIZE),
    "zero x resolution": (lambda: patched(GOOD, 18, b"\x00\x00"), ParseResult.BAD_RESOLUTION),
    "zero y resolution": (lambda: patched(GOOD, 20, b"\x00\x00"), ParseResult.BAD_RESOLUTION),
    "no view": (lambda: with_total(patched(GOOD, 22, b"\x00")[:24]), ParseResult.NO_VIEW),
    "reserved header byte": (lambda: patched(GOOD, 23, b"\x01"), ParseResult.BAD_FIELD),
    "a view count the bytes do not hold": (lambda: patched(GOOD, 22, b"\x03"), ParseResult.BAD_LENGTH),
    "a minutia count the bytes do not hold": (lambda: patched(GOOD, VIEW1 + 3, b"\x09"), ParseResult.BAD_LENGTH),
    "finger position 11": (lambda: patched(GOOD, VIEW1, b"\x0b"), ParseResult.BAD_FIELD),
    "view quality 101": (lambda: patched(GOOD, VIEW1 + 2, b"\x65"), ParseResult.BAD_FIELD),
    "minutia type 3": (lambda: patched(GOOD, MINUTIA0, b"\xc0"), ParseResult.BAD_FIELD),
    "minutia reserved bits": (lambda: patched(GOOD, MINUTIA0 + 2, b"\x40"), ParseResult.BAD_FIELD),
    "minutia quality 101": (lambda: patched(GOOD, MINUTIA0 + 5, b"\x65"), ParseResult.BAD_FIELD),
    "minutia x = width": (lambda: patched(GOOD, MINUTIA0, struct.pack(">H", 300 | 1 << 14)),
                          ParseResult.MINUTIA_OUTSIDE),
    "minutia y = height": (lambda: patched(GOOD, MINUTIA0 + 2, struct.pack(">H", 400)),
                           ParseResult.MINUTIA_OUTSIDE),
    "extended block overruns the record": (lambda: patched(GOOD, MINUTIA0 + 18, struct.pack(">H", 200)),
                                           ParseResult.BAD_EXTENDED_DATA),
    "extended item overruns its block": (lambda: patched(GOOD, MINUTIA0 + 20 + 2, struct.pack(">H", 13)),
                                         ParseResult.BAD_EXTENDED_DATA),
    "extended item shorter than its header": (lambda: patched(GOOD, MINUTIA0 + 20 + 2, struct.pack(">H", 3)),
                                              ParseResult.BAD_EXTENDED_DATA),
}


def c_parse_result(host: HostMatcher, record: bytes) -> int:
    result, _ = host.parse(record)
    return result


def test_round_trip_keeps_every_field() -> None:
    record = sample_record(views=3, extended=EXTENDED)
    data = iso.encode(record)
    assert len(data) == 24 + (4 + 3 * 6 + 2 + len(EXTENDED)) + 2 * (4 + 6 + 2)
    assert data[:8] == b"FMR\x00 20\x00" and struct.unpack(">I", data[8:12])[0] == len(data)
    assert iso.decode(data) == record


def test_minutia_bytes_are_as_the_standard_lays_them_out() -> None:
    data = iso.encode(FingerRecord(2000, 2000, (FingerView((Minutia(0x123, 0x0456, 0x78, BIFURCATION, 99),)),)))
    assert data[MINUTIA0:MINUTIA0 + 6] == bytes([0x81, 0x23, 0x04, 0x56, 0x78, 99])


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_each_malformation_is_refused_alike_in_python_and_c(name: str, host_matcher: HostMatcher) -> None:
    make, expected = MALFORMED[name]
    data = make()
    with pytest.raises(RecordError) as refused:
        iso.decode(data)
    assert refused.value.result == expected
    result, parsed = host_matcher.parse(data)
    assert result == expected
    assert parsed.count == 0 and parsed.width == 0  # nothing half-parsed is handed on


def test_c_parser_returns_the_first_view(host_matcher: HostMatcher) -> None:
    result, parsed = host_matcher.parse(GOOD)
    assert result == ParseResult.OK
    assert (parsed.width, parsed.height, parsed.x_res, parsed.y_res, parsed.count) == (300, 400, 197, 197, 3)
    first = sample_record().views[0].minutiae
    got = [(m.x, m.y, m.angle, m.type, m.quality) for m in parsed.m[:3]]
    assert got == [(m.x, m.y, m.angle, int(m.type), m.quality) for m in first]


@pytest.mark.parametrize("record, expected", [
    (FingerRecord(300, 400, ()), ParseResult.NO_VIEW),
    (FingerRecord(0, 400, (FingerView(()),)), ParseResult.BAD_IMAGE_SIZE),
    (FingerRecord(300, 400, (FingerView(()),), x_resolution=0), ParseResult.BAD_RESOLUTION),
    (FingerRecord(300, 400, (FingerView((Minutia(300, 0, 0),)),)), ParseResult.MINUTIA_OUTSIDE),
    (FingerRecord(300, 400, (FingerView(tuple(Minutia(1, 1, 0) for _ in range(256))),)),
     ParseResult.TOO_MANY_MINUTIAE),
    (FingerRecord(300, 400, (FingerView((), extended_data=b"\x00\x01\x00\x09"),)), ParseResult.BAD_EXTENDED_DATA),
    (FingerRecord(300, 400, (FingerView((Minutia(1, 1, 0, quality=101),)),)), ParseResult.BAD_FIELD),
])
def test_encoder_refuses_what_the_decoder_would(record: FingerRecord, expected: ParseResult) -> None:
    with pytest.raises(RecordError) as refused:
        iso.encode(record)
    assert refused.value.result == expected


def test_255_minutiae_is_the_most_a_view_holds(host_matcher: HostMatcher) -> None:
    full = FingerRecord(300, 400, (FingerView(tuple(Minutia(i, i, i) for i in range(255))),))
    data = iso.encode(full)
    assert iso.decode(data) == full
    result, parsed = host_matcher.parse(data)
    assert result == ParseResult.OK and parsed.count == 255


def test_c_enum_matches_python_parse_results() -> None:
    text = (MATCHER_DIR / "fp_matcher.h").read_text()
    body = re.search(r"enum fp_parse_result \{(.*?)\};", text, re.S)
    assert body
    names = re.findall(r"^\s*FP_PARSE_(\w+)", body.group(1), re.M)
    assert names == [member.name for member in ParseResult]  # values 0, 1, ... in order
    assert int(ParseResult.OK) == 0 and list(ParseResult) == sorted(ParseResult)


# -- the C parser never reads outside the record -------------------------------------------
PAGE = mmap.PAGESIZE
PROT_NONE = 0


class GuardedParser:
    """Parses a record placed so that it ends exactly at an unreadable page."""

    def __init__(self, area: mmap.mmap, base: int) -> None:
        self.area, self.end = area, base + 2 * PAGE
        self.host = HostMatcher()

    def __call__(self, record: bytes) -> tuple[int, int]:
        assert len(record) <= PAGE
        start = 2 * PAGE - len(record)
        self.area[start:2 * PAGE] = record
        result, parsed = self.host.parse_at(self.end - len(record), len(record))
        return result, parsed.count


@contextmanager
def guarded() -> Iterator[GuardedParser]:
    """A parse function whose record ends exactly at an unreadable page and starts a
    page after another: a read past either end faults (the test process dies)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    area = mmap.mmap(-1, 3 * PAGE)
    anchor = ctypes.c_char.from_buffer(area)
    base = ctypes.addressof(anchor)
    assert libc.mprotect(base, PAGE, PROT_NONE) == 0
    assert libc.mprotect(base + 2 * PAGE, PAGE, PROT_NONE) == 0
    try:
        yield GuardedParser(area, base)
    finally:
        libc.mprotect(base, 3 * PAGE, mmap.PROT_READ | mmap.PROT_WRITE)
        del anchor
        area.close()


def python_result(data: bytes) -> tuple[ParseResult, int]:
    try:
        record = iso.decode(data)
    except RecordError as refused:
        return refused.result, 0
    return ParseResult.OK, len(record.views[0].minutiae)


def test_every_truncation_is_refused_without_reading_past_the_end() -> None:
    with guarded() as parse:
        for cut in range(len(GOOD)):
            for data in (GOOD[:cut], with_total(GOOD[:cut]) if cut >= 12 else GOOD[:cut]):
                result, count = parse(data)
                assert result != ParseResult.OK, f"accepted {cut} of {len(GOOD)} bytes"
                assert (result, count) == python_result(data)


def test_random_corruptions_get_the_same_verdict_in_c_and_python() -> None:
    rng = random.Random(19794)
    accepted = 0
    with guarded() as parse:
        for _ in range(3000):
            data = bytearray(GOOD)
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            if rng.random() < 0.5:
                data[8:12] = struct.pack(">I", len(data))
            verdict = parse(bytes(data))
            assert verdict == python_result(bytes(data))
            accepted += verdict[0] == ParseResult.OK
    assert 0 < accepted < 3000  # both sides of the decision were exercised


def test_the_guard_pages_do_fault() -> None:
    """The two tests above prove something only if a stray read really faults."""
    probe = ("import ctypes\n"
             "from tests.fingerprint.test_iso19794 import guarded\n"
             "with guarded() as parse:\n"
             "    ctypes.string_at(parse.end, 1)  # the first byte after the record\n"
             "print('read past the end without a fault')\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, cwd=str(REPO))
    assert done.returncode == -signal.SIGSEGV, (done.returncode, done.stdout, done.stderr[-300:])

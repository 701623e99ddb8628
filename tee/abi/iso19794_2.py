"""ISO/IEC 19794-2:2005 finger minutiae records (FMR): encode and decode.

Big-endian throughout: a 24-byte record header, then per finger view a 4-byte
view header, 6 bytes per minutia and a 2-byte extended-data length followed by
that many bytes of extended-data items (2-byte type, 2-byte length counting
its own 4-byte header). The refusals are those of the TA's C parser
(``trusted_apps/fingerprint/matcher/fp_iso19794.c``), same numbers
(:class:`ParseResult` mirrors ``enum fp_parse_result``; a test checks it):
:func:`encode` refuses to write what :func:`decode` would refuse to read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum

MAGIC = b"FMR\x00"
VERSION = b" 20\x00"
HEADER = struct.Struct(">4s4sIHHHHHBB")
VIEW_HEADER = struct.Struct(">BBBB")
MINUTIA = struct.Struct(">HHBB")
EXT_LENGTH = struct.Struct(">H")
EXT_ITEM_HEADER = struct.Struct(">HH")
#: A finger view's minutia count is one byte.
MAX_MINUTIAE = 255
#: Coordinates are 14-bit fields.
MAX_COORDINATE = (1 << 14) - 1
MAX_FINGER_POSITION = 10
MAX_QUALITY = 100
#: 197 px/cm = 500 ppi, the usual sensor resolution.
RESOLUTION_500_PPI = 197


class ParseResult(IntEnum):
    """``enum fp_parse_result`` in ``fp_matcher.h``: why a record is refused."""

    OK = 0
    BAD_MAGIC = 1
    BAD_VERSION = 2
    BAD_LENGTH = 3
    NO_VIEW = 4
    TOO_MANY_MINUTIAE = 5
    MINUTIA_OUTSIDE = 6
    BAD_FIELD = 7
    BAD_IMAGE_SIZE = 8
    BAD_RESOLUTION = 9
    BAD_EXTENDED_DATA = 10


class MinutiaType(IntEnum):
    """The two type bits of a minutia."""

    OTHER = 0
    RIDGE_ENDING = 1
    BIFURCATION = 2


class RecordError(ValueError):
    """A record (or a record to be written) the format does not allow."""

    def __init__(self, result: ParseResult, detail: str) -> None:
        super().__init__(f"{result.name}: {detail}")
        self.result = result


@dataclass(frozen=True)
class Minutia:
    x: int
    y: int
    #: Units of 360/256 degrees, counter-clockwise from the +x axis (image y points down).
    angle: int
    type: MinutiaType = MinutiaType.RIDGE_ENDING
    #: 0..100; 0 = not reported.
    quality: int = 0


@dataclass(frozen=True)
class FingerView:
    minutiae: tuple[Minutia, ...]
    finger_position: int = 0
    view_number: int = 0
    impression_type: int = 0
    quality: int = 0
    #: The extended-data items, raw (their 2-byte block length is implied).
    extended_data: bytes = b""


@dataclass(frozen=True)
class FingerRecord:
    width: int
    height: int
    views: tuple[FingerView, ...]
    x_resolution: int = RESOLUTION_500_PPI
    y_resolution: int = RESOLUTION_500_PPI
    capture_equipment: int = 0
    reserved: int = field(default=0, repr=False)


def _check_extended_data(items: bytes) -> None:
    offset = 0
    while offset < len(items):
        if len(items) - offset < EXT_ITEM_HEADER.size:
            raise RecordError(ParseResult.BAD_EXTENDED_DATA, f"a partial item header at {offset}")
        _, size = EXT_ITEM_HEADER.unpack_from(items, offset)
        if size < EXT_ITEM_HEADER.size or size > len(items) - offset:
            raise RecordError(ParseResult.BAD_EXTENDED_DATA,
                              f"an item of {size} bytes at {offset} in a block of {len(items)}")
        offset += size


def _check_minutia(m: Minutia, width: int, height: int) -> None:
    if not 0 <= m.type <= 2 or not 0 <= m.quality <= MAX_QUALITY or not 0 <= m.angle <= 255:
        raise RecordError(ParseResult.BAD_FIELD, f"minutia {m}")
    if not (0 <= m.x < width and 0 <= m.y < height):
        raise RecordError(ParseResult.MINUTIA_OUTSIDE, f"minutia at ({m.x}, {m.y}) outside {width}x{height}")


def _check_view_header(view: FingerView) -> None:
    if not 0 <= view.finger_position <= MAX_FINGER_POSITION or not 0 <= view.quality <= MAX_QUALITY:
        raise RecordError(ParseResult.BAD_FIELD,
                          f"finger position {view.finger_position} or quality {view.quality}")
    if not (0 <= view.view_number <= 15 and 0 <= view.impression_type <= 15):
        raise RecordError(ParseResult.BAD_FIELD, "view number and impression type are 4 bits each")
    if len(view.minutiae) > MAX_MINUTIAE:
        raise RecordError(ParseResult.TOO_MANY_MINUTIAE,
                          f"{len(view.minutiae)} minutiae in a view (at most {MAX_MINUTIAE})")


def _check_header(width: int, height: int, x_res: int, y_res: int, view_count: int,
                  reserved: int = 0, equipment: int = 0) -> None:
    if reserved != 0 or not 0 <= equipment <= 0xFFFF or view_count > 255:
        raise RecordError(ParseResult.BAD_FIELD, "reserved header byte, capture equipment or view count")
    if not (0 < width <= 0xFFFF and 0 < height <= 0xFFFF):
        raise RecordError(ParseResult.BAD_IMAGE_SIZE, f"image {width}x{height}")
    if not (0 < x_res <= 0xFFFF and 0 < y_res <= 0xFFFF):
        raise RecordError(ParseResult.BAD_RESOLUTION, f"resolution {x_res}x{y_res} px/cm")
    if view_count == 0:
        raise RecordError(ParseResult.NO_VIEW, "a record needs at least one finger view")


def encode(record: FingerRecord) -> bytes:
    """The record's bytes; :class:`RecordError` for anything :func:`decode` refuses."""
    _check_header(record.width, record.height, record.x_resolution, record.y_resolution,
                  len(record.views), record.reserved, record.capture_equipment)
    body = bytearray()
    for view in record.views:
        _check_view_header(view)
        body += VIEW_HEADER.pack(view.finger_position, view.view_number << 4 | view.impression_type,
                                 view.quality, len(view.minutiae))
        for m in view.minutiae:
            _check_minutia(m, record.width, record.height)
            if m.x > MAX_COORDINATE or m.y > MAX_COORDINATE:
                raise RecordError(ParseResult.MINUTIA_OUTSIDE, "coordinates are 14 bits")
            body += MINUTIA.pack(int(m.type) << 14 | m.x, m.y, m.angle, m.quality)
        _check_extended_data(view.extended_data)
        if len(view.extended_data) > 0xFFFF:
            raise RecordError(ParseResult.BAD_EXTENDED_DATA, "an extended-data block is at most 65535 bytes")
        body += EXT_LENGTH.pack(len(view.extended_data)) + view.extended_data
    total = HEADER.size + len(body)
    header = HEADER.pack(MAGIC, VERSION, total, record.capture_equipment, record.width, record.height,
                         record.x_resolution, record.y_resolution, len(record.views), 0)
    return header + bytes(body)


def _need(data: bytes, offset: int, size: int, what: str) -> None:
    if len(data) - offset < size:
        raise RecordError(ParseResult.BAD_LENGTH, f"the record ends inside {what} (offset {offset})")


def _decode_view(data: bytes, offset: int, width: int, height: int) -> tuple[FingerView, int]:
    _need(data, offset, VIEW_HEADER.size, "a view header")
    position, view_and_impression, quality, count = VIEW_HEADER.unpack_from(data, offset)
    if position > MAX_FINGER_POSITION or quality > MAX_QUALITY:
        raise RecordError(ParseResult.BAD_FIELD, f"finger position {position} or quality {quality}")
    offset += VIEW_HEADER.size
    _need(data, offset, count * MINUTIA.size, f"{count} minutiae")
    minutiae = []
    for index in range(count):
        type_x, reserved_y, angle, minutia_quality = MINUTIA.unpack_from(data, offset + index * MINUTIA.size)
        if type_x >> 14 == 3 or reserved_y >> 14 != 0 or minutia_quality > MAX_QUALITY:
            raise RecordError(ParseResult.BAD_FIELD, f"minutia {index}: reserved type or bits, or quality")
        minutia = Minutia(type_x & MAX_COORDINATE, reserved_y, angle, MinutiaType(type_x >> 14), minutia_quality)
        _check_minutia(minutia, width, height)
        minutiae.append(minutia)
    offset += count * MINUTIA.size
    _need(data, offset, EXT_LENGTH.size, "an extended-data length")
    (ext_size,) = EXT_LENGTH.unpack_from(data, offset)
    offset += EXT_LENGTH.size
    if ext_size > len(data) - offset:
        raise RecordError(ParseResult.BAD_EXTENDED_DATA, f"an extended-data block of {ext_size} bytes overruns")
    extended = bytes(data[offset:offset + ext_size])
    _check_extended_data(extended)
    view = FingerView(tuple(minutiae), position, view_and_impression >> 4, view_and_impression & 15,
                      quality, extended)
    return view, offset + ext_size


def decode(data: bytes) -> FingerRecord:
    """Every view of a whole record (exactly ``len(data)`` bytes); :class:`RecordError` if malformed."""
    data = bytes(data)
    _need(data, 0, 4, "the format identifier")
    if data[:4] != MAGIC:
        raise RecordError(ParseResult.BAD_MAGIC, f"format identifier {data[:4]!r}")
    _need(data, 4, 4, "the version")
    if data[4:8] != VERSION:
        raise RecordError(ParseResult.BAD_VERSION, f"version {data[4:8]!r} (only ' 20' is read)")
    _need(data, 8, HEADER.size - 8, "the record header")
    (_, _, total, equipment, width, height, x_res, y_res, view_count, reserved) = HEADER.unpack_from(data)
    if total != len(data):
        raise RecordError(ParseResult.BAD_LENGTH, f"the length field says {total}, the record is {len(data)}")
    _check_header(width, height, x_res, y_res, view_count, reserved)
    views = []
    offset = HEADER.size
    for _ in range(view_count):
        view, offset = _decode_view(data, offset, width, height)
        views.append(view)
    if offset != len(data):
        raise RecordError(ParseResult.BAD_LENGTH, f"{len(data) - offset} bytes after the last view")
    return FingerRecord(width, height, tuple(views), x_res, y_res, equipment)

"""Drive the storage test TA (tests/tas/storage_test): one GP storage call per invoke."""

from __future__ import annotations

import struct
import uuid
from pathlib import Path

from normal_world import Operation, TeeError, TempMemref, Value
from tee.abi.results import TeeResult

REPO = Path(__file__).resolve().parents[2]
TA_DIRS = (REPO / "tests" / "tas" / "storage_test", REPO / "tests" / "tas" / "storage_test2")
TA1 = uuid.UUID("4a0c5f9e-2d1b-4e7a-9c33-6b218e5011d7")
TA2 = uuid.UUID("4a0c5f9e-2d1b-4e7a-9c33-6b218e5011d8")

PRIVATE, PRIVATE_REE, PRIVATE_RPMB = 0x1, 0x80000000, 0x80000100
READ, WRITE, WRITE_META, SHARE_READ, SHARE_WRITE, OVERWRITE = 0x1, 0x2, 0x4, 0x10, 0x20, 0x400
ALL = READ | WRITE | WRITE_META
SEEK_SET, SEEK_CUR, SEEK_END = 0, 1, 2
TYPE_AES, TYPE_GENERIC_SECRET, TYPE_DATA = 0xA0000010, 0xA0000000, 0xA00000BF
ATTR_SECRET_VALUE = 0xC0000000
HANDLE_PERSISTENT, HANDLE_INITIALIZED = 0x10000, 0x20000
(CREATE, OPEN, READ_CMD, WRITE_CMD, SEEK, TRUNCATE, RENAME, CLOSE, CLOSE_DELETE, INFO, ENUM_ALLOC,
 ENUM_FREE, ENUM_RESET, ENUM_START, ENUM_NEXT, KEY, GET_ATTR, AES_ECB, CREATE_CLOSED) = range(19)
OK = TeeResult.SUCCESS


class StorageTa:
    """A session to a storage test TA; methods return (result, outputs...)."""

    def __init__(self, board, ta: uuid.UUID = TA1) -> None:
        self.board = board
        self.context = board.context()
        self.session = self.context.open_session(ta)

    def close(self) -> None:
        try:
            self.session.close()
        finally:
            self.context.close()

    def _invoke(self, cmd: int, *params) -> tuple[int, Operation]:
        op = Operation(*params)
        try:
            self.session.invoke(cmd, op)
        except TeeError as error:
            if error.result == TeeResult.ERROR_TARGET_DEAD:
                raise
            return error.result, op
        return TeeResult.SUCCESS, op

    # -- objects ---------------------------------------------------------------------
    def create(self, object_id: bytes, data: bytes = b"", flags: int = ALL, storage: int = PRIVATE,
               attributes: int = 0) -> tuple[int, int]:
        result, op = self._invoke(CREATE, Value.input(storage, flags), TempMemref.input(object_id),
                                  TempMemref.input(data), Value.inout(attributes))
        return result, op.params[3].a

    def create_closed(self, object_id: bytes, flags: int = ALL, storage: int = PRIVATE) -> int:
        return self._invoke(CREATE_CLOSED, Value.input(storage, flags), TempMemref.input(object_id))[0]

    def open(self, object_id: bytes, flags: int = ALL, storage: int = PRIVATE) -> tuple[int, int]:
        result, op = self._invoke(OPEN, Value.input(storage, flags), TempMemref.input(object_id),
                                  Value.input(0), Value.output())
        return result, op.params[3].a

    def read(self, handle: int, size: int = 4096) -> tuple[int, bytes]:
        buf = bytearray(size)
        result, op = self._invoke(READ_CMD, Value.input(handle), TempMemref.output(buf))
        return result, bytes(buf[:op.params[1].size]) if result == OK else b""

    def write(self, handle: int, data: bytes) -> int:
        return self._invoke(WRITE_CMD, Value.input(handle), TempMemref.input(data))[0]

    def seek(self, handle: int, offset: int, whence: int = SEEK_SET) -> int:
        return self._invoke(SEEK, Value.input(handle, whence), Value.input(offset & 0xFFFFFFFF))[0]

    def truncate(self, handle: int, size: int) -> int:
        return self._invoke(TRUNCATE, Value.input(handle, size))[0]

    def rename(self, handle: int, new_id: bytes) -> int:
        return self._invoke(RENAME, Value.input(handle), TempMemref.input(new_id))[0]

    def close_object(self, handle: int) -> int:
        return self._invoke(CLOSE, Value.input(handle))[0]

    def close_delete(self, handle: int) -> int:
        return self._invoke(CLOSE_DELETE, Value.input(handle))[0]

    def info(self, handle: int) -> tuple[int, dict]:
        buf = bytearray(28)
        result, _ = self._invoke(INFO, Value.input(handle), TempMemref.output(buf))
        names = ("type", "size", "max_size", "usage", "data_size", "position", "flags")
        return result, dict(zip(names, struct.unpack("<7I", buf)))

    # -- enumerators ------------------------------------------------------------------
    def enum_alloc(self) -> tuple[int, int]:
        result, op = self._invoke(ENUM_ALLOC, Value.output())
        return result, op.params[0].a

    def enum_free(self, handle: int) -> int:
        return self._invoke(ENUM_FREE, Value.input(handle))[0]

    def enum_reset(self, handle: int) -> int:
        return self._invoke(ENUM_RESET, Value.input(handle))[0]

    def enum_start(self, handle: int, storage: int = PRIVATE) -> int:
        return self._invoke(ENUM_START, Value.input(handle, storage))[0]

    def enum_next(self, handle: int) -> tuple[int, dict | None, bytes]:
        info, name = bytearray(28), bytearray(64)
        result, op = self._invoke(ENUM_NEXT, Value.input(handle), TempMemref.output(info),
                                  TempMemref.output(name))
        if result != OK:
            return result, None, b""
        names = ("type", "size", "max_size", "usage", "data_size", "position", "flags")
        return result, dict(zip(names, struct.unpack("<7I", info))), bytes(name[:op.params[2].size])

    def list_ids(self, storage: int = PRIVATE) -> list[bytes]:
        result, handle = self.enum_alloc()
        assert result == OK
        ids = []
        if self.enum_start(handle, storage) == OK:
            while True:
                result, _, object_id = self.enum_next(handle)
                if result != OK:
                    assert result == TeeResult.ERROR_ITEM_NOT_FOUND
                    break
                ids.append(object_id)
        self.enum_free(handle)
        return ids

    # -- keys -------------------------------------------------------------------------
    def key(self, object_type: int, bits: int, value: bytes = b"") -> int:
        result, op = self._invoke(KEY, Value.input(object_type, bits), TempMemref.input(value),
                                  Value.input(0), Value.output())
        assert result == OK, hex(result)
        return op.params[3].a

    def get_attr(self, handle: int, attribute_id: int) -> tuple[int, bytes]:
        buf = bytearray(512)
        result, op = self._invoke(GET_ATTR, Value.input(handle, attribute_id), TempMemref.output(buf))
        return result, bytes(buf[:op.params[1].size]) if result == OK else b""

    def aes_ecb(self, handle: int, block: bytes) -> tuple[int, bytes]:
        out = bytearray(16)
        result, _ = self._invoke(AES_ECB, Value.input(handle), TempMemref.input(block),
                                 TempMemref.output(out))
        return result, bytes(out)

    # -- convenience --------------------------------------------------------------------
    def read_object(self, object_id: bytes, storage: int = PRIVATE) -> tuple[int, bytes]:
        """Open, read everything, close: (result of the first failing step, data)."""
        result, handle = self.open(object_id, READ, storage)
        if result != OK:
            return result, b""
        result, data = self.read(handle, 1 << 16)
        self.close_object(handle)
        return result, data

    def put_object(self, object_id: bytes, data: bytes, storage: int = PRIVATE) -> None:
        result, handle = self.create(object_id, data, ALL | OVERWRITE, storage)
        assert result == OK, hex(result)
        self.close_object(handle)

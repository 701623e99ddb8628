"""Drive the GP API test TA (tests/tas/gp_test): one GP Internal Core API call per
invoke, arguments serialised as ``include/gp_test_ta.h`` describes.

:class:`GpTa` has one method per GP function, returning the TEE_Result and the
outputs; a panic surfaces as ``TeeError(TEE_ERROR_TARGET_DEAD)`` from the
invoke (see :func:`expect_panic`). Helpers on top (:meth:`GpTa.key`,
:meth:`GpTa.operation`, :meth:`GpTa.cipher`, ...) make known-answer tests one
line each.
"""

from __future__ import annotations

import re
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Iterable, Sequence

import pytest

from normal_world import Operation, TeeError, TempMemref, Value
from tee.abi.gp_crypto import ATTR_FLAG_VALUE, Attribute, Mode, ObjectType, Usage
from tee.abi.results import ErrorOrigin, TeeResult

TA_DIR = Path(__file__).resolve().parents[1] / "tas" / "gp_test"
GP_TEST_UUID = uuid.UUID("b7dff342-8ad0-4617-ab4f-f2e5a06ff12d")
CMD_CALL = 0x100


def _header_numbers(prefix: str) -> dict[str, int]:
    text = (TA_DIR / "include" / "gp_test_ta.h").read_text()
    return {m.group(1): int(m.group(2), 0)
            for m in re.finditer(rf"#define\s+{prefix}(\w+)\s+(\d+)", text)}


FN = SimpleNamespace(**_header_numbers("GPT_FN_"))
MEM = SimpleNamespace(**_header_numbers("GPT_MEM_"))
SCRATCH_SIZE = 4096
_BUF_DATA, _BUF_NULL, _BUF_RAW = 0, 1, 2


@dataclass(frozen=True)
class Raw:
    """A raw address for a buffer argument (misuse tests)."""

    address: int
    length: int = 0


NULL = None


@dataclass(frozen=True)
class Attr:
    id: int
    data: bytes = b""
    a: int = 0
    b: int = 0

    @classmethod
    def ref(cls, attribute_id: int, data: bytes) -> "Attr":
        return cls(attribute_id, data=data)

    @classmethod
    def value(cls, attribute_id: int, a: int, b: int = 0) -> "Attr":
        return cls(attribute_id, a=a, b=b)


class Request:
    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.out_capacity = 0

    def u32(self, value: int) -> "Request":
        self._parts.append(struct.pack("<I", value & 0xFFFFFFFF))
        return self

    def u64(self, value: int) -> "Request":
        self._parts.append(struct.pack("<Q", value & 0xFFFFFFFFFFFFFFFF))
        return self

    def inbuf(self, data: bytes | Raw | None) -> "Request":
        if data is None:
            return self.u32(_BUF_NULL).u64(0)
        if isinstance(data, Raw):
            return self.u32(_BUF_RAW).u64(data.length).u64(data.address)
        self.u32(_BUF_DATA).u64(len(data))
        self._parts.append(bytes(data))
        return self

    def null_with_length(self, length: int) -> "Request":
        return self.u32(_BUF_NULL).u64(length)

    def outbuf(self, capacity: int | Raw | None) -> "Request":
        if capacity is None:
            return self.u32(_BUF_NULL).u64(0)
        if isinstance(capacity, Raw):
            return self.u32(_BUF_RAW).u64(capacity.length).u64(capacity.address)
        self.out_capacity += capacity
        return self.u32(_BUF_DATA).u64(capacity)

    def attrs(self, attrs: Sequence[Attr]) -> "Request":
        self.u32(len(attrs))
        for attr in attrs:
            self.u32(attr.id)
            if attr.id & ATTR_FLAG_VALUE:
                self.u32(attr.a).u32(attr.b)
            else:
                self.inbuf(attr.data)
        return self

    def bytes(self) -> bytes:
        return b"".join(self._parts)


class Response:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def _take(self, n: int) -> bytes:
        chunk = self._data[self._pos:self._pos + n]
        assert len(chunk) == n, "response shorter than expected"
        self._pos += n
        return chunk

    def u32(self) -> int:
        return struct.unpack("<I", self._take(4))[0]

    def u64(self) -> int:
        return struct.unpack("<Q", self._take(8))[0]

    def blob(self) -> bytes:
        return self._take(self.u64())

    def output(self) -> tuple[int, bytes]:
        """(length the function reported, bytes it produced when it succeeded)."""
        length = self.u64()
        return length, self.blob()

    def raw(self, n: int) -> bytes:
        return self._take(n)


@dataclass(frozen=True)
class ObjectInfo:
    type: int
    size: int
    max_size: int
    usage: int
    data_size: int
    data_position: int
    flags: int


@dataclass(frozen=True)
class OperationInfo:
    algorithm: int
    op_class: int
    mode: int
    digest_length: int
    max_key_size: int
    key_size: int
    required_usage: int
    handle_state: int


def expect_panic(call, *args, **kwargs) -> TeeError:  # noqa: ANN001
    """Run ``call``: the TA must die (TEE_ERROR_TARGET_DEAD from the TEE)."""
    with pytest.raises(TeeError) as caught:
        call(*args, **kwargs)
    assert caught.value.result == TeeResult.ERROR_TARGET_DEAD, caught.value
    assert caught.value.origin == ErrorOrigin.TEE
    return caught.value


class GpTa:
    def __init__(self, session, board, marker: str = "") -> None:  # noqa: ANN001
        self.session = session
        self.board = board
        self._marker = marker

    @classmethod
    def open(cls, context, board, name: str) -> "GpTa":  # noqa: ANN001
        """A new instance of the test TA; its part of the secure log starts at a marker."""
        marker = f"--- gp test: {name} ({uuid.uuid4()}) ---"
        board.device.kernel.log.emit(marker)
        return cls(context.open_session(GP_TEST_UUID), board, marker)

    def close(self) -> None:
        self.session.close()
        self.session.context.close()

    def reopen(self) -> None:
        """A new instance of the TA (after a panic killed this one), same device."""
        context = self.session.context
        self.session.close()
        self.session = context.open_session(GP_TEST_UUID)

    def log(self) -> list[str]:
        """The secure log since this TA was opened."""
        lines = self.board.device.secure_log
        start = lines.index(self._marker) + 1 if self._marker in lines else 0
        return lines[start:]

    # -- transport --------------------------------------------------------------------
    def call(self, fn: int, req: Request | None = None) -> tuple[int, Response]:
        req = req or Request()
        payload = req.bytes()
        response = bytearray(req.out_capacity * 2 + 4096)
        op = Operation(Value.input(fn), TempMemref.input(payload),
                       TempMemref.output(response), Value.output())
        self.session.invoke(CMD_CALL, op)
        written = op.params[3].b
        return op.params[3].a, Response(bytes(response[:written]))

    def panicked(self) -> bool:
        return any("TA panicked" in line for line in self.log())

    # -- objects ----------------------------------------------------------------------
    def allocate_transient_object(self, object_type: int, max_size: int) -> tuple[int, int]:
        res, out = self.call(FN.ALLOCATE_TRANSIENT_OBJECT, Request().u32(object_type).u32(max_size))
        return res, out.u64()

    def free_transient_object(self, handle: int) -> None:
        self.call(FN.FREE_TRANSIENT_OBJECT, Request().u64(handle))

    def reset_transient_object(self, handle: int) -> None:
        self.call(FN.RESET_TRANSIENT_OBJECT, Request().u64(handle))

    def close_object(self, handle: int) -> None:
        self.call(FN.CLOSE_OBJECT, Request().u64(handle))

    def populate(self, handle: int, attrs: Sequence[Attr]) -> int:
        return self.call(FN.POPULATE_TRANSIENT_OBJECT, Request().u64(handle).attrs(attrs))[0]

    def _info(self, out: Response) -> ObjectInfo:
        return ObjectInfo(out.u32(), out.u32(), out.u32(), out.u32(), out.u64(), out.u64(), out.u32())

    def object_info(self, handle: int) -> tuple[int, ObjectInfo]:
        res, out = self.call(FN.GET_OBJECT_INFO1, Request().u64(handle))
        return res, self._info(out)

    def object_info_deprecated(self, handle: int) -> ObjectInfo:
        return self._info(self.call(FN.GET_OBJECT_INFO, Request().u64(handle))[1])

    def restrict_usage(self, handle: int, usage: int) -> int:
        return self.call(FN.RESTRICT_OBJECT_USAGE1, Request().u64(handle).u32(usage))[0]

    def restrict_usage_deprecated(self, handle: int, usage: int) -> None:
        self.call(FN.RESTRICT_OBJECT_USAGE, Request().u64(handle).u32(usage))

    def buffer_attribute(self, handle: int, attribute_id: int,
                         capacity: int | Raw | None = 1024) -> tuple[int, int, bytes]:
        res, out = self.call(FN.GET_OBJECT_BUFFER_ATTRIBUTE,
                             Request().u64(handle).u32(attribute_id).outbuf(capacity))
        length, data = out.output()
        return res, length, data

    def value_attribute(self, handle: int, attribute_id: int) -> tuple[int, int, int]:
        res, out = self.call(FN.GET_OBJECT_VALUE_ATTRIBUTE, Request().u64(handle).u32(attribute_id))
        return res, out.u32(), out.u32()

    def copy_attributes(self, dst: int, src: int) -> int:
        return self.call(FN.COPY_OBJECT_ATTRIBUTES1, Request().u64(dst).u64(src))[0]

    def copy_attributes_deprecated(self, dst: int, src: int) -> None:
        self.call(FN.COPY_OBJECT_ATTRIBUTES, Request().u64(dst).u64(src))

    def generate_key(self, handle: int, size: int, params: Sequence[Attr] = ()) -> int:
        return self.call(FN.GENERATE_KEY, Request().u64(handle).u32(size).attrs(params))[0]

    def init_ref_attribute(self, attribute_id: int) -> int:
        return self.call(FN.INIT_REF_ATTRIBUTE, Request().u32(attribute_id))[1].u32()

    def init_value_attribute(self, attribute_id: int) -> int:
        return self.call(FN.INIT_VALUE_ATTRIBUTE, Request().u32(attribute_id))[1].u32()

    # -- operations -------------------------------------------------------------------
    def allocate_operation(self, algorithm: int, mode: int, max_key_size: int) -> tuple[int, int]:
        res, out = self.call(FN.ALLOCATE_OPERATION,
                             Request().u32(algorithm).u32(mode).u32(max_key_size))
        return res, out.u64()

    def free_operation(self, op: int) -> None:
        self.call(FN.FREE_OPERATION, Request().u64(op))

    def operation_info(self, op: int) -> OperationInfo:
        out = self.call(FN.GET_OPERATION_INFO, Request().u64(op))[1]
        return OperationInfo(*(out.u32() for _ in range(8)))

    def operation_info_multiple(self, op: int, size: int) -> tuple[int, int, bytes]:
        res, out = self.call(FN.GET_OPERATION_INFO_MULTIPLE, Request().u64(op).outbuf(size))
        length, data = out.output()
        return res, length, data

    def reset_operation(self, op: int) -> None:
        self.call(FN.RESET_OPERATION, Request().u64(op))

    def set_key(self, op: int, key: int) -> int:
        return self.call(FN.SET_OPERATION_KEY, Request().u64(op).u64(key))[0]

    def set_key2(self, op: int, key1: int, key2: int) -> int:
        return self.call(FN.SET_OPERATION_KEY2, Request().u64(op).u64(key1).u64(key2))[0]

    def copy_operation(self, dst: int, src: int) -> None:
        self.call(FN.COPY_OPERATION, Request().u64(dst).u64(src))

    def _stream(self, fn: int, op: int, data: bytes | Raw | None, capacity: int | Raw | None,
                null_len: bool = False) -> tuple[int, int, bytes]:
        res, out = self.call(fn, Request().u64(op).inbuf(data).outbuf(capacity).u32(null_len))
        length, produced = out.output()
        return res, length, produced

    def digest_update(self, op: int, data: bytes | Raw | None) -> None:
        self.call(FN.DIGEST_UPDATE, Request().u64(op).inbuf(data))

    def digest_final(self, op: int, data: bytes | Raw | None = b"",
                     capacity: int | Raw | None = 64) -> tuple[int, int, bytes]:
        return self._stream(FN.DIGEST_DO_FINAL, op, data, capacity)

    def digest_extract(self, op: int, capacity: int) -> tuple[int, int, bytes]:
        res, out = self.call(FN.DIGEST_EXTRACT, Request().u64(op).outbuf(capacity))
        length, data = out.output()
        return res, length, data

    def cipher_init(self, op: int, iv: bytes | Raw | None = None) -> None:
        self.call(FN.CIPHER_INIT, Request().u64(op).inbuf(iv))

    def cipher_update(self, op: int, data: bytes | Raw | None,
                      capacity: int | Raw | None = None) -> tuple[int, int, bytes]:
        cap = len(data) + 32 if capacity is None and isinstance(data, bytes) else capacity
        return self._stream(FN.CIPHER_UPDATE, op, data, cap)

    def cipher_final(self, op: int, data: bytes | Raw | None = b"",
                     capacity: int | Raw | None = None, null_len: bool = False) -> tuple[int, int, bytes]:
        cap = len(data) + 32 if capacity is None and isinstance(data, bytes) else capacity
        return self._stream(FN.CIPHER_DO_FINAL, op, data, cap, null_len)

    def mac_init(self, op: int, iv: bytes | None = None) -> None:
        self.call(FN.MAC_INIT, Request().u64(op).inbuf(iv))

    def mac_update(self, op: int, data: bytes | Raw | None) -> None:
        self.call(FN.MAC_UPDATE, Request().u64(op).inbuf(data))

    def mac_compute_final(self, op: int, data: bytes | Raw | None = b"",
                          capacity: int | Raw | None = 64) -> tuple[int, int, bytes]:
        return self._stream(FN.MAC_COMPUTE_FINAL, op, data, capacity)

    def mac_compare_final(self, op: int, data: bytes, mac: bytes) -> int:
        return self.call(FN.MAC_COMPARE_FINAL, Request().u64(op).inbuf(data).inbuf(mac))[0]

    def ae_init(self, op: int, nonce: bytes | None, tag_bits: int, aad_len: int = 0,
                payload_len: int = 0) -> int:
        return self.call(FN.AE_INIT, Request().u64(op).inbuf(nonce).u32(tag_bits)
                         .u64(aad_len).u64(payload_len))[0]

    def ae_update_aad(self, op: int, aad: bytes | Raw | None) -> None:
        self.call(FN.AE_UPDATE_AAD, Request().u64(op).inbuf(aad))

    def ae_update(self, op: int, data: bytes, capacity: int | None = None) -> tuple[int, int, bytes]:
        return self._stream(FN.AE_UPDATE, op, data, len(data) if capacity is None else capacity)

    def ae_encrypt_final(self, op: int, data: bytes, capacity: int | None = None,
                         tag_capacity: int = 16) -> tuple[int, bytes, int, bytes]:
        res, out = self.call(FN.AE_ENCRYPT_FINAL, Request().u64(op).inbuf(data).outbuf(
            len(data) if capacity is None else capacity).outbuf(tag_capacity))
        _, ct = out.output()
        tag_len, tag = out.output()
        return res, ct, tag_len, tag

    def ae_decrypt_final(self, op: int, data: bytes, tag: bytes | None,
                         capacity: int | None = None) -> tuple[int, int, bytes]:
        res, out = self.call(FN.AE_DECRYPT_FINAL, Request().u64(op).inbuf(data).outbuf(
            len(data) if capacity is None else capacity).inbuf(tag))
        length, pt = out.output()
        return res, length, pt

    def _asymmetric(self, fn: int, op: int, params: Sequence[Attr], data: bytes | Raw | None,
                    capacity: int | Raw | None) -> tuple[int, int, bytes]:
        res, out = self.call(fn, Request().u64(op).attrs(params).inbuf(data).outbuf(capacity))
        length, produced = out.output()
        return res, length, produced

    def asymmetric_encrypt(self, op: int, data: bytes, params: Sequence[Attr] = (),
                           capacity: int | Raw | None = 1024) -> tuple[int, int, bytes]:
        return self._asymmetric(FN.ASYMMETRIC_ENCRYPT, op, params, data, capacity)

    def asymmetric_decrypt(self, op: int, data: bytes, params: Sequence[Attr] = (),
                           capacity: int | Raw | None = 1024) -> tuple[int, int, bytes]:
        return self._asymmetric(FN.ASYMMETRIC_DECRYPT, op, params, data, capacity)

    def sign_digest(self, op: int, digest: bytes | Raw | None, params: Sequence[Attr] = (),
                    capacity: int | Raw | None = 1024) -> tuple[int, int, bytes]:
        return self._asymmetric(FN.ASYMMETRIC_SIGN_DIGEST, op, params, digest, capacity)

    def verify_digest(self, op: int, digest: bytes, signature: bytes,
                      params: Sequence[Attr] = ()) -> int:
        return self.call(FN.ASYMMETRIC_VERIFY_DIGEST, Request().u64(op).attrs(params)
                         .inbuf(digest).inbuf(signature))[0]

    def derive_key(self, op: int, params: Sequence[Attr], derived: int) -> None:
        self.call(FN.DERIVE_KEY, Request().u64(op).attrs(params).u64(derived))

    def generate_random(self, length: int) -> bytes:
        return self.call(FN.GENERATE_RANDOM, Request().outbuf(length))[1].output()[1]

    def is_algorithm_supported(self, algorithm: int, element: int = 0) -> int:
        return self.call(FN.IS_ALGORITHM_SUPPORTED, Request().u32(algorithm).u32(element))[0]

    # -- properties -------------------------------------------------------------------
    @staticmethod
    def _name(name: str | None) -> bytes | None:
        return None if name is None else name.encode() + b"\0"

    def prop_string(self, prop_set: int, name: str | None,
                    capacity: int | None = 256) -> tuple[int, int, bytes]:
        res, out = self.call(FN.GET_PROPERTY_AS_STRING, Request().u64(prop_set)
                             .inbuf(self._name(name)).outbuf(capacity))
        length, data = out.output()
        return res, length, data

    def prop_bool(self, prop_set: int, name: str | None) -> tuple[int, bool]:
        res, out = self.call(FN.GET_PROPERTY_AS_BOOL, Request().u64(prop_set).inbuf(self._name(name)))
        return res, bool(out.u32())

    def prop_u32(self, prop_set: int, name: str | None) -> tuple[int, int]:
        res, out = self.call(FN.GET_PROPERTY_AS_U32, Request().u64(prop_set).inbuf(self._name(name)))
        return res, out.u32()

    def prop_u64(self, prop_set: int, name: str | None) -> tuple[int, int]:
        res, out = self.call(FN.GET_PROPERTY_AS_U64, Request().u64(prop_set).inbuf(self._name(name)))
        return res, out.u64()

    def prop_binary(self, prop_set: int, name: str | None,
                    capacity: int | None = 256) -> tuple[int, int, bytes]:
        res, out = self.call(FN.GET_PROPERTY_AS_BINARY_BLOCK, Request().u64(prop_set)
                             .inbuf(self._name(name)).outbuf(capacity))
        length, data = out.output()
        return res, length, data

    def prop_uuid(self, prop_set: int, name: str | None) -> tuple[int, uuid.UUID]:
        res, out = self.call(FN.GET_PROPERTY_AS_UUID, Request().u64(prop_set).inbuf(self._name(name)))
        return res, tee_uuid_to_uuid(out.raw(16))

    def prop_identity(self, prop_set: int, name: str | None) -> tuple[int, int, uuid.UUID]:
        res, out = self.call(FN.GET_PROPERTY_AS_IDENTITY,
                             Request().u64(prop_set).inbuf(self._name(name)))
        login = out.u32()
        return res, login, tee_uuid_to_uuid(out.raw(16))

    def allocate_enumerator(self) -> tuple[int, int]:
        res, out = self.call(FN.ALLOCATE_PROPERTY_ENUMERATOR, Request().u64(0))
        return res, out.u64()

    def free_enumerator(self, handle: int) -> None:
        self.call(FN.FREE_PROPERTY_ENUMERATOR, Request().u64(handle))

    def start_enumerator(self, handle: int, prop_set: int) -> None:
        self.call(FN.START_PROPERTY_ENUMERATOR, Request().u64(handle).u64(prop_set))

    def reset_enumerator(self, handle: int) -> None:
        self.call(FN.RESET_PROPERTY_ENUMERATOR, Request().u64(handle))

    def property_name(self, handle: int, capacity: int | None = 128) -> tuple[int, int, bytes]:
        res, out = self.call(FN.GET_PROPERTY_NAME, Request().u64(handle).outbuf(capacity))
        length, data = out.output()
        return res, length, data

    def next_property(self, handle: int) -> int:
        return self.call(FN.GET_NEXT_PROPERTY, Request().u64(handle))[0]

    # -- memory -----------------------------------------------------------------------
    def check_access(self, flags: int, target: int, size: int, address: int = 0) -> int:
        req = Request().u32(flags).u32(target).u64(size)
        if target == MEM.RAW:
            req.u64(address)
        return self.call(FN.CHECK_MEMORY_ACCESS_RIGHTS, req)[0]

    def set_instance_data(self, value: int) -> None:
        self.call(FN.SET_INSTANCE_DATA, Request().u64(value))

    def get_instance_data(self) -> tuple[bool, int]:
        out = self.call(FN.GET_INSTANCE_DATA)[1]
        return bool(out.u64()), out.u64()

    def malloc(self, size: int, hint: int) -> tuple[bool, bool]:
        out = self.call(FN.MALLOC, Request().u64(size).u32(hint))[1]
        return bool(out.u32()), bool(out.u32())

    def raw_syscall(self, number: int, args: Sequence[int | tuple[str, int]],
                    scratch: bytes = b"") -> tuple[int, bytes]:
        """svc #0 with raw arguments: an int, ("scratch", offset) for an address
        inside a 4 KiB scratch area initialised with ``scratch``, or ("rodata",
        offset) for read-only memory. Returns x0 and the scratch area afterwards."""
        req = Request().u32(number).inbuf(scratch)
        padded = list(args) + [0] * (8 - len(args))
        for arg in padded:
            if isinstance(arg, tuple):
                req.u32({"scratch": 1, "rodata": 2}[arg[0]]).u64(arg[1])
            else:
                req.u32(0).u64(arg)
        req.out_capacity = SCRATCH_SIZE
        out = self.call(FN.RAW_SYSCALL, req)[1]
        return out.u64(), out.raw(SCRATCH_SIZE)

    # -- helpers ----------------------------------------------------------------------
    def key(self, object_type: int, attrs: Sequence[Attr], max_size: int | None = None,
            size: int | None = None) -> int:
        """A populated transient key object (asserting every step succeeds)."""
        if max_size is None:
            max_size = size if size is not None else _size_from(object_type, attrs)
        res, handle = self.allocate_transient_object(object_type, max_size)
        assert res == TeeResult.SUCCESS, f"allocate {ObjectType(object_type).name}: {res:#x}"
        res = self.populate(handle, attrs)
        assert res == TeeResult.SUCCESS, f"populate: {res:#x}"
        return handle

    def secret_key(self, object_type: int, secret: bytes,
                   attribute: int = Attribute.SECRET_VALUE, max_size: int | None = None) -> int:
        return self.key(object_type, [Attr.ref(attribute, secret)],
                        max_size if max_size is not None else max(len(secret) * 8, 8))

    def operation(self, algorithm: int, mode: int, max_key_size: int, key: int | None = None,
                  key2: int | None = None) -> int:
        res, op = self.allocate_operation(algorithm, mode, max_key_size)
        assert res == TeeResult.SUCCESS, f"allocate operation {algorithm:#x}: {res:#x}"
        if key2 is not None:
            assert self.set_key2(op, key, key2) == TeeResult.SUCCESS
        elif key is not None:
            assert self.set_key(op, key) == TeeResult.SUCCESS
        return op

    def cipher(self, op: int, iv: bytes | None, data: bytes, chunks: Iterable[int] = ()) -> bytes:
        """CipherInit, then CipherUpdate with each chunk size, then DoFinal with the rest."""
        self.cipher_init(op, iv)
        out, pos = b"", 0
        for size in chunks:
            res, _, produced = self.cipher_update(op, data[pos:pos + size])
            assert res == TeeResult.SUCCESS, f"CipherUpdate: {res:#x}"
            out += produced
            pos += size
        res, _, produced = self.cipher_final(op, data[pos:])
        assert res == TeeResult.SUCCESS, f"CipherDoFinal: {res:#x}"
        return out + produced


def tee_uuid_to_uuid(raw: bytes) -> uuid.UUID:
    time_low, time_mid, time_hi, rest = struct.unpack("<IHH8s", raw)
    return uuid.UUID(bytes=struct.pack(">IHH8s", time_low, time_mid, time_hi, rest))


def _size_from(object_type: int, attrs: Sequence[Attr]) -> int:
    if object_type in (ObjectType.RSA_KEYPAIR, ObjectType.RSA_PUBLIC_KEY):
        modulus = next(a.data for a in attrs if a.id == Attribute.RSA_MODULUS)
        return int.from_bytes(modulus, "big").bit_length()
    curve = next((a.a for a in attrs if a.id == Attribute.ECC_CURVE), None)
    if curve is not None:
        return {1: 192, 2: 224, 3: 256, 4: 384, 5: 521}[curve]
    if "25519" in ObjectType(object_type).name:
        return 256
    return max(len(attrs[0].data) * 8, 8)


__all__ = ["Attr", "FN", "GpTa", "GP_TEST_UUID", "MEM", "NULL", "Raw", "Request", "Response",
           "expect_panic", "Mode", "Usage"]

"""Property syscalls (GET_PROPERTY, GET_PROPERTY_NAME_TO_INDEX) and
CHECK_ACCESS_RIGHTS.

The kernel serves the properties only it knows, as OP-TEE's ``tee_svc.c`` does:
the client's identity (``gpd.client.*``), the TA's UUID (``gpd.ta.appID``) and
the TEE implementation's (``gpd.tee.*``). libutee serves the TA's own
``ta_props`` (from ``user_ta_header_defines.h``) and the API version before
asking the kernel, and enumerates user-space properties first. Values are
encoded as ``enum user_ta_prop_type`` says: BOOL and U32 as a u32, U64 as a
u64, UUID as a TEE_UUID, IDENTITY as a TEE_Identity, STRING with its NUL.
"""

from __future__ import annotations

import hashlib
import struct
import uuid as uuid_mod
import weakref
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Callable

from tee.abi.gp_crypto import MemoryAccess, PropertyType as P, PropSet
from tee.abi.results import TeeResult
from tee.abi.syscalls import Syscall
from tee.emu import Perm
from tee.kernel.services import SecureRng
from tee.kernel.syscalls import SyscallContext, syscall

U32 = struct.Struct("<I")
#: Longest property name GET_PROPERTY_NAME_TO_INDEX reads.
MAX_NAME_LENGTH = 256
#: gpd.tee.systemTime.protectionLevel: the TEE's own clock (OP-TEE's value for a
#: secure timer); gpd.tee.TAPersistentTime.protectionLevel: REE-backed (OP-TEE's 100).
SYSTEM_TIME_PROTECTION = 1000
TA_PERSISTENT_TIME_PROTECTION = 100

try:
    TEESIM_VERSION = version("teesim")
except PackageNotFoundError:  # pragma: no cover - running from an unpacked tree
    TEESIM_VERSION = "0.0.0"


def tee_uuid(value: uuid_mod.UUID) -> bytes:
    """A UUID laid out as TEE_UUID (three little-endian fields, then 8 bytes)."""
    time_low, time_mid, time_hi, rest = struct.unpack(">IHH8s", value.bytes)
    return struct.pack("<IHH8s", time_low, time_mid, time_hi, rest)


_DIE_IDS: "weakref.WeakKeyDictionary[SecureRng, bytes]" = weakref.WeakKeyDictionary()


def device_id(ctx: SyscallContext) -> uuid_mod.UUID:
    """gpd.tee.deviceID: stable for the life of a device. A device has no fuses here,
    so its "die ID" is drawn once from its RNG (a seeded device gets the same one
    each boot); the UUID is derived from it as OP-TEE does: SHA-256 over
    "OPTEE" + die ID, made an RFC 4122 version-5 UUID."""
    die_id = _DIE_IDS.get(ctx.rng)
    if die_id is None:
        die_id = _DIE_IDS[ctx.rng] = ctx.rng.generate(16)
    digest = bytearray(hashlib.sha256(b"OPTEE" + die_id).digest()[:16])
    # OP-TEE patches the TEE_UUID fields: version 5 in timeHiAndVersion, the RFC
    # 4122 variant in clockSeqAndNode[0]; in big-endian UUID bytes that is:
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    return uuid_mod.UUID(bytes=bytes(digest))


@dataclass(frozen=True)
class Property:
    name: str
    type: P
    value: Callable[[SyscallContext], bytes]


def _u32(value: int) -> Callable[[SyscallContext], bytes]:
    return lambda ctx: U32.pack(value)


def _string(value: str) -> Callable[[SyscallContext], bytes]:
    return lambda ctx: value.encode() + b"\0"


def _client_identity(ctx: SyscallContext) -> bytes:
    client = ctx.session.client
    return U32.pack(int(client.login)) + tee_uuid(client.uuid)


PROPERTY_SETS: dict[int, tuple[Property, ...]] = {
    PropSet.CURRENT_CLIENT: (
        Property("gpd.client.identity", P.IDENTITY, _client_identity),
        Property("gpd.client.endian", P.U32, _u32(0)),
    ),
    PropSet.CURRENT_TA: (
        Property("gpd.ta.appID", P.UUID, lambda ctx: tee_uuid(ctx.session.ta_uuid)),
    ),
    PropSet.TEE_IMPLEMENTATION: (
        Property("gpd.tee.apiversion", P.STRING, _string("1.3.1")),
        Property("gpd.tee.description", P.STRING, _string("teesim")),
        Property("gpd.tee.deviceID", P.UUID, lambda ctx: tee_uuid(device_id(ctx))),
        Property("gpd.tee.systemTime.protectionLevel", P.U32, _u32(SYSTEM_TIME_PROTECTION)),
        Property("gpd.tee.TAPersistentTime.protectionLevel", P.U32,
                 _u32(TA_PERSISTENT_TIME_PROTECTION)),
        Property("gpd.tee.cryptography.ecc", P.BOOL, _u32(1)),
        Property("gpd.tee.cryptography.nist", P.BOOL, _u32(1)),
        # Storage roots are anchored in (simulated) RPMB: TEE-controlled hardware, level 1000.
        Property("gpd.tee.trustedStorage.antiRollback.protectionLevel", P.U32, _u32(1000)),
        Property("gpd.tee.trustedStorage.rollbackDetection.protectionLevel", P.U32, _u32(1000)),
        Property("gpd.tee.trustedos.implementation.version", P.STRING, _string(TEESIM_VERSION)),
        Property("gpd.tee.trustedos.implementation.binaryversion", P.U32, _u32(0)),
        Property("gpd.tee.trustedos.manufacturer", P.STRING, _string("teesim")),
        Property("gpd.tee.firmware.implementation.version", P.STRING, _string(TEESIM_VERSION)),
        Property("gpd.tee.firmware.implementation.binaryversion", P.U32, _u32(0)),
        Property("gpd.tee.firmware.manufacturer", P.STRING, _string("teesim")),
    ),
}


def _read_u32(ctx: SyscallContext, va: int) -> int:
    return U32.unpack(ctx.user.copy_from_user(va, U32.size))[0]


def _put(ctx: SyscallContext, buf: int, len_va: int, data: bytes) -> int:
    """OP-TEE's convention: always report the size; SHORT_BUFFER if it does not fit."""
    capacity = _read_u32(ctx, len_va)
    if capacity < len(data):
        ctx.user.copy_to_user(len_va, U32.pack(len(data)))
        return TeeResult.ERROR_SHORT_BUFFER
    ctx.user.copy_to_user(buf, data)
    ctx.user.copy_to_user(len_va, U32.pack(len(data)))
    return TeeResult.SUCCESS


@syscall(Syscall.GET_PROPERTY)
def sys_get_property(ctx: SyscallContext, prop_set: int, index: int, name: int, name_len_va: int,
                     buf: int, buf_len_va: int, prop_type_va: int) -> int:
    props = PROPERTY_SETS.get(prop_set, ())
    if index >= len(props):
        return TeeResult.ERROR_ITEM_NOT_FOUND
    prop = props[index]
    if prop_type_va:
        ctx.user.copy_to_user(prop_type_va, U32.pack(prop.type))
    result: int = TeeResult.SUCCESS
    if buf and buf_len_va:
        result = _put(ctx, buf, buf_len_va, prop.value(ctx))
        if result != TeeResult.SUCCESS:
            return result
    if name and name_len_va:
        result = _put(ctx, name, name_len_va, prop.name.encode() + b"\0")
    return result


@syscall(Syscall.GET_PROPERTY_NAME_TO_INDEX)
def sys_get_property_name_to_index(ctx: SyscallContext, prop_set: int, name: int, name_len: int,
                                   index_va: int) -> int:
    props = PROPERTY_SETS.get(prop_set)
    if props is None:
        return TeeResult.ERROR_ITEM_NOT_FOUND
    if not name or not name_len:
        return TeeResult.ERROR_BAD_PARAMETERS
    if name_len > MAX_NAME_LENGTH:
        return TeeResult.ERROR_ITEM_NOT_FOUND  # no property has such a long name
    # OP-TEE terminates the copy at name_len - 1, whatever the TA put there
    wanted = ctx.user.copy_from_user(name, name_len)[:name_len - 1].split(b"\0")[0]
    for number, prop in enumerate(props):
        if prop.name.encode() == wanted:
            ctx.user.copy_to_user(index_va, U32.pack(number))
            return TeeResult.SUCCESS
    return TeeResult.ERROR_ITEM_NOT_FOUND


# ------------------------------------------------------------------- access rights
#: The flags as plain ints: this check runs once per TEE_CipherUpdate (libutee
#: checks the output), and IntFlag arithmetic costs microseconds per operation.
_READ, _WRITE, _ANY_OWNER = int(MemoryAccess.READ), int(MemoryAccess.WRITE), int(MemoryAccess.ANY_OWNER)
_SECURE, _NONSECURE = int(MemoryAccess.SECURE), int(MemoryAccess.NONSECURE)
#: The permission each READ/WRITE combination asks for.
_NEED = {0: Perm.NONE, _READ: Perm.READ, _WRITE: Perm.WRITE, _READ | _WRITE: Perm.READ | Perm.WRITE}


@syscall(Syscall.CHECK_ACCESS_RIGHTS)
def sys_check_access_rights(ctx: SyscallContext, flags: int, buf: int, length: int) -> int:
    """OP-TEE's vm_check_access_rights: every byte mapped with the rights asked for;
    without ANY_OWNER the range must be the TA's own memory (not a memref the
    client shares); SECURE / NONSECURE ask what kind of memory it is: the TA's
    own memory and secure media buffers (SDP memrefs) are secure, other
    memrefs non-secure shared memory."""
    if flags & _SECURE and flags & _NONSECURE:
        return TeeResult.ERROR_ACCESS_DENIED
    if not ctx.user.has_access(buf, length, _NEED[flags & (_READ | _WRITE)]):
        return TeeResult.ERROR_ACCESS_DENIED
    touched = ctx.user.overlapping(buf, buf + length) if length else []
    shared = any(m.is_param for m in touched)  # client memory: not the TA's
    if shared and not flags & _ANY_OWNER:
        return TeeResult.ERROR_ACCESS_DENIED
    if flags & _SECURE and any(m.is_param and not m.sdp for m in touched):
        return TeeResult.ERROR_ACCESS_DENIED  # non-secure shared memory
    if flags & _NONSECURE and any(not m.is_param or m.sdp for m in touched):
        return TeeResult.ERROR_ACCESS_DENIED
    return TeeResult.SUCCESS

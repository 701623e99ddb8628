"""Transient object syscalls (CRYP_OBJ_*), and the user-memory helpers the crypto
syscalls share.

Arguments follow OP-TEE's ``syscall_cryp_obj_*``: handles are 32-bit values the
kernel hands out, ``struct utee_attribute`` arrays carry attributes, sizes come
and go through ``uint64_t *``. A bad handle, state or attribute set is answered
with OP-TEE's result code, which libutee turns into TEE_Panic where GP
requires it; no handler lets a Python exception out except
:class:`~tee.kernel.user_memory.UserAccessError` (TEE_ERROR_ACCESS_DENIED).
"""

from __future__ import annotations

import functools
import struct
from typing import Callable

from cryptography.exceptions import UnsupportedAlgorithm

from tee.abi.gp_crypto import attribute_is_public, attribute_is_value, Usage
from tee.abi.registers import U32_MASK
from tee.abi.results import TeeResult
from tee.abi.syscalls import Syscall
from tee.emu import Perm
from tee.kernel.crypto import CryptoError
from tee.kernel.crypto.context import CryptoContext
from tee.kernel.crypto.objects import CryptoObject, UserAttribute
from tee.kernel.syscalls import SyscallContext, syscall
from tee.kernel.user_memory import UserAccessError

UTEE_ATTRIBUTE = struct.Struct("<QQI4x")       # a, b, attribute_id (24 bytes)
UTEE_OBJECT_INFO = struct.Struct("<7I")        # type, size, max, usage, data size/pos, flags
U64 = struct.Struct("<Q")
U32 = struct.Struct("<I")
#: Attributes one call may pass; far more than any algorithm needs.
MAX_ATTRIBUTES = 64


def crypto_handler(handler: Callable[..., int]) -> Callable[..., int]:
    """Turn a :class:`CryptoError` into its GP result code (and an algorithm
    combination OpenSSL lacks, should one slip through, into NOT_SUPPORTED)."""
    @functools.wraps(handler)
    def wrapper(*args: int) -> int:
        try:
            return handler(*args)
        except CryptoError as error:
            return error.result
        except UnsupportedAlgorithm:
            return TeeResult.ERROR_NOT_SUPPORTED
    return wrapper


def crypto(ctx: SyscallContext) -> CryptoContext:
    context = ctx.instance.resource(CryptoContext)
    if context.memory is not ctx.instance.memory:  # first use: charge this instance
        context.memory = ctx.instance.memory
    return context


def read_u64(ctx: SyscallContext, va: int) -> int:
    return U64.unpack(ctx.user.copy_from_user(va, U64.size))[0]


def write_u64(ctx: SyscallContext, va: int, value: int) -> None:
    ctx.user.copy_to_user(va, U64.pack(value))


def write_u32(ctx: SyscallContext, va: int, value: int) -> None:
    ctx.user.copy_to_user(va, U32.pack(value & U32_MASK))


def require_writable(ctx: SyscallContext, va: int, size: int) -> None:
    if not ctx.user.has_access(va, size, Perm.WRITE):
        raise UserAccessError(f"TA range {va:#x}+{size:#x} is not writable")


def require_readable(ctx: SyscallContext, va: int, size: int) -> None:
    if not ctx.user.has_access(va, size, Perm.READ):
        raise UserAccessError(f"TA range {va:#x}+{size:#x} is not readable")


def read_input(ctx: SyscallContext, va: int, size: int) -> bytes:
    """A TA input buffer; NULL with a nonzero size is BAD_PARAMETERS (as OP-TEE)."""
    if va == 0 and size:
        raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "NULL buffer with a size")
    return ctx.user.copy_from_user(va, size)


def read_attributes(ctx: SyscallContext, va: int, count: int) -> list[UserAttribute]:
    if count > MAX_ATTRIBUTES:
        raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, f"{count} attributes")
    raw = ctx.user.copy_from_user(va, count * UTEE_ATTRIBUTE.size)
    attrs = []
    for a, b, attribute_id in UTEE_ATTRIBUTE.iter_unpack(raw):
        if attribute_is_value(attribute_id):
            attrs.append(UserAttribute(attribute_id, a=a & U32_MASK, b=b & U32_MASK))
        else:
            attrs.append(UserAttribute(attribute_id, read_input(ctx, a, b)))
    return attrs


def put_output(ctx: SyscallContext, dst: int, dst_len_va: int, data: bytes) -> int:
    """Write ``data`` to a ``(buffer, uint64_t *len)`` output pair: SHORT_BUFFER (with
    the needed size) if it does not fit."""
    capacity = read_u64(ctx, dst_len_va)
    if capacity < len(data) or (dst == 0 and data):
        write_u64(ctx, dst_len_va, len(data))
        return TeeResult.ERROR_SHORT_BUFFER
    ctx.user.copy_to_user(dst, data)
    write_u64(ctx, dst_len_va, len(data))
    return TeeResult.SUCCESS


# ------------------------------------------------------------------------- syscalls
@syscall(Syscall.CRYP_OBJ_GET_INFO)
@crypto_handler
def sys_obj_get_info(ctx: SyscallContext, obj: int, info: int) -> int:
    found = crypto(ctx).object(obj)
    ctx.user.copy_to_user(info, UTEE_OBJECT_INFO.pack(*found.info()))
    return TeeResult.SUCCESS


@syscall(Syscall.CRYP_OBJ_RESTRICT_USAGE)
@crypto_handler
def sys_obj_restrict_usage(ctx: SyscallContext, obj: int, usage: int) -> int:
    found = crypto(ctx).object(obj)
    found.usage &= usage & U32_MASK
    return TeeResult.SUCCESS


@syscall(Syscall.CRYP_OBJ_GET_ATTR)
@crypto_handler
def sys_obj_get_attr(ctx: SyscallContext, obj: int, attribute_id: int, buffer: int,
                     size_va: int) -> int:
    found = crypto(ctx).objects.get(obj)
    if found is None:
        return TeeResult.ERROR_ITEM_NOT_FOUND
    if not found.initialized:
        return TeeResult.ERROR_BAD_PARAMETERS
    attribute_id &= U32_MASK
    if not attribute_is_public(attribute_id) and not found.usage & Usage.EXTRACTABLE:
        return TeeResult.ERROR_BAD_PARAMETERS
    data = found.get_attribute(attribute_id)
    if not data:
        write_u64(ctx, size_va, 0)
        return TeeResult.SUCCESS
    return put_output(ctx, buffer, size_va, data)


@syscall(Syscall.CRYP_OBJ_ALLOC)
@crypto_handler
def sys_obj_alloc(ctx: SyscallContext, object_type: int, max_size: int, obj_va: int) -> int:
    require_writable(ctx, obj_va, U32.size)
    obj = CryptoObject.allocate(object_type & U32_MASK, max_size)
    write_u32(ctx, obj_va, crypto(ctx).add_object(obj))
    return TeeResult.SUCCESS


@syscall(Syscall.CRYP_OBJ_CLOSE)
@crypto_handler
def sys_obj_close(ctx: SyscallContext, obj: int) -> int:
    found = crypto(ctx).object(obj)
    if found.busy:  # an operation's own key object: the TA never had this handle
        return TeeResult.ERROR_ITEM_NOT_FOUND
    crypto(ctx).remove_object(obj)
    return TeeResult.SUCCESS


@syscall(Syscall.CRYP_OBJ_RESET)
@crypto_handler
def sys_obj_reset(ctx: SyscallContext, obj: int) -> int:
    found = crypto(ctx).object(obj)
    if found.persistent:
        return TeeResult.ERROR_BAD_PARAMETERS
    found.reset()
    return TeeResult.SUCCESS


@syscall(Syscall.CRYP_OBJ_POPULATE)
@crypto_handler
def sys_obj_populate(ctx: SyscallContext, obj: int, attrs_va: int, count: int) -> int:
    found = crypto(ctx).object(obj)
    found.populate(read_attributes(ctx, attrs_va, count))
    return TeeResult.SUCCESS


@syscall(Syscall.CRYP_OBJ_COPY)
@crypto_handler
def sys_obj_copy(ctx: SyscallContext, dst: int, src: int) -> int:
    objects = crypto(ctx)
    objects.object(dst).copy_from(objects.object(src))
    return TeeResult.SUCCESS


@syscall(Syscall.CRYP_OBJ_GENERATE_KEY)
@crypto_handler
def sys_obj_generate_key(ctx: SyscallContext, obj: int, key_size: int, params_va: int,
                         count: int) -> int:
    found = crypto(ctx).object(obj)
    found.generate(key_size, read_attributes(ctx, params_va, count), ctx.rng.generate)
    return TeeResult.SUCCESS

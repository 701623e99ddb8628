"""Persistent object syscalls (STORAGE_*, 41-53), with OP-TEE's numbers and arguments.

A persistent object handle is a :class:`~tee.kernel.storage.store.PersistentObject`
in the instance's object table, so it shares the handle space of transient
objects and works with CRYP_OBJ_GET_INFO, CRYP_OBJ_CLOSE, GET_ATTR and as an
operation key. Enumerators have their own per-instance table. Every handler
answers with a GP result: storage failures become CORRUPT_OBJECT,
STORAGE_NOT_AVAILABLE, ITEM_NOT_FOUND, ..., misuse becomes BAD_PARAMETERS (which
libutee turns into a panic where GP requires one), and an unexpected exception
is logged and answered with TEE_ERROR_GENERIC, never let out.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable

from tee.abi.gp_crypto import HandleFlag
from tee.abi.registers import U32_MASK
from tee.abi.results import TeeResult
from tee.abi.syscalls import Syscall
from tee.kernel.crypto import CryptoError
from tee.kernel.storage import StorageError
from tee.kernel.storage.store import (CREATE_FLAGS, MAX_DATA_SIZE, MAX_ID_LEN, OPEN_FLAGS, OVERWRITE,
                                      READ, SHARE_READ, SHARE_WRITE, WRITE, WRITE_META,
                                      PersistentObject, StorageManager, namespace)
from tee.kernel.svc.objects import (UTEE_OBJECT_INFO, crypto, put_output, read_u64, require_writable,
                                    write_u32, write_u64)
from tee.kernel.syscalls import SyscallContext, TaPanic, syscall
from tee.kernel.user_memory import UserAccessError

TEE_DATA_MAX_POSITION = 0xFFFFFFFF
SEEK_SET, SEEK_CUR, SEEK_END = 0, 1, 2
MAX_ENUMERATORS = 64


def storage_handler(handler: Callable[..., int]) -> Callable[..., int]:
    @functools.wraps(handler)
    def wrapper(ctx: SyscallContext, *args: int) -> int:
        try:
            with manager(ctx).exclusive():
                return handler(ctx, *args)
        except StorageError as error:
            ctx.log.core("D", f"storage: {error}")
            return error.result
        except CryptoError as error:
            return error.result
        except (UserAccessError, TaPanic):
            raise
        except Exception as error:  # noqa: BLE001 - never let a Python exception out of a syscall
            ctx.log.core("E", f"storage failure in {handler.__name__}: {error!r}")
            return TeeResult.ERROR_GENERIC
    return wrapper


def manager(ctx: SyscallContext) -> StorageManager:
    storage = ctx.storage
    if storage is None:
        raise StorageError(TeeResult.ERROR_STORAGE_NOT_AVAILABLE, "no secure storage on this device")
    return storage


def ta_uuid(ctx: SyscallContext):
    return ctx.session.ta_uuid


def persistent(ctx: SyscallContext, handle: int) -> PersistentObject:
    found = crypto(ctx).objects.get(handle & U32_MASK)
    if not isinstance(found, PersistentObject):
        raise StorageError(TeeResult.ERROR_BAD_PARAMETERS, f"{handle:#x} is no persistent object")
    return found


def read_object_id(ctx: SyscallContext, va: int, length: int) -> bytes:
    if length > MAX_ID_LEN:
        raise StorageError(TeeResult.ERROR_BAD_PARAMETERS, f"object id of {length} bytes")
    if va == 0 and length:
        raise StorageError(TeeResult.ERROR_BAD_PARAMETERS, "NULL object id")
    return ctx.user.copy_from_user(va, length)


def storage_of(storage_id: int) -> int:
    found = namespace(storage_id)
    if found is None:
        raise StorageError(TeeResult.ERROR_ITEM_NOT_FOUND, f"no storage {storage_id:#x}")
    return found


def check_access(existing: int, wanted: int) -> None:
    """GP's sharing rules between an open handle and a new one (OP-TEE's tee_pobj_check_access)."""
    conflict = (existing & WRITE_META or wanted & WRITE_META
                or (existing & READ and not wanted & SHARE_READ)
                or (existing & WRITE and not wanted & SHARE_WRITE)
                or (wanted & READ and not existing & SHARE_READ)
                or (wanted & WRITE and not existing & SHARE_WRITE))
    if conflict:
        raise StorageError(TeeResult.ERROR_ACCESS_CONFLICT, "object is open with incompatible flags")


def new_handle(ctx: SyscallContext, obj: PersistentObject, obj_va: int) -> None:
    try:
        handle = crypto(ctx).add_object(obj)  # OUT_OF_MEMORY: the TA's budget is full
    except CryptoError:
        manager(ctx).forget(obj)
        raise
    write_u32(ctx, obj_va, handle)


# ------------------------------------------------------------------------- syscalls
@syscall(Syscall.STORAGE_OBJ_OPEN)
@storage_handler
def sys_obj_open(ctx: SyscallContext, storage_id: int, id_va: int, id_len: int, flags: int,
                 obj_va: int) -> int:
    store, ta = manager(ctx), ta_uuid(ctx)
    storage = storage_of(storage_id)
    if flags & ~OPEN_FLAGS:
        return TeeResult.ERROR_BAD_PARAMETERS
    object_id = read_object_id(ctx, id_va, id_len)
    require_writable(ctx, obj_va, 4)
    for other in store.handles_on(ta, storage, object_id):
        check_access(other.data_flags, flags)
    content = store.load(ta, storage, object_id)
    new_handle(ctx, store.handle(ta, storage, object_id, content, flags, ctx.instance), obj_va)
    return TeeResult.SUCCESS


@syscall(Syscall.STORAGE_OBJ_CREATE)
@storage_handler
def sys_obj_create(ctx: SyscallContext, storage_id: int, id_va: int, id_len: int, flags: int,
                   attr: int, data_va: int, data_len: int, obj_va: int) -> int:
    store, ta = manager(ctx), ta_uuid(ctx)
    storage = storage_of(storage_id)
    if flags & ~CREATE_FLAGS:
        return TeeResult.ERROR_BAD_PARAMETERS
    object_id = read_object_id(ctx, id_va, id_len)
    key = None
    if attr:
        key = crypto(ctx).objects.get(attr & U32_MASK)
        if key is None or not key.initialized or key.busy:
            return TeeResult.ERROR_BAD_PARAMETERS
    if data_len > MAX_DATA_SIZE:
        return TeeResult.ERROR_STORAGE_NO_SPACE
    if data_va == 0 and data_len:
        return TeeResult.ERROR_BAD_PARAMETERS
    data = ctx.user.copy_from_user(data_va, data_len)
    if obj_va:
        require_writable(ctx, obj_va, 4)
    if store.entry(ta, storage, object_id) is not None:
        if not flags & OVERWRITE or store.handles_on(ta, storage, object_id):
            return TeeResult.ERROR_ACCESS_CONFLICT
    content = store.content_of(key, data)
    store.store(ta, storage, object_id, content)
    if obj_va:
        new_handle(ctx, store.handle(ta, storage, object_id, content, flags, ctx.instance), obj_va)
    return TeeResult.SUCCESS


@syscall(Syscall.STORAGE_OBJ_DEL)
@storage_handler
def sys_obj_del(ctx: SyscallContext, obj: int) -> int:
    found = persistent(ctx, obj)
    if not found.data_flags & WRITE_META:
        return TeeResult.ERROR_ACCESS_CONFLICT
    manager(ctx).delete(found.ta, found.storage, found.object_id)
    manager(ctx).forget(found)
    crypto(ctx).remove_object(obj & U32_MASK)
    return TeeResult.SUCCESS


@syscall(Syscall.STORAGE_OBJ_RENAME)
@storage_handler
def sys_obj_rename(ctx: SyscallContext, obj: int, id_va: int, id_len: int) -> int:
    found = persistent(ctx, obj)
    if not found.data_flags & WRITE_META:
        return TeeResult.ERROR_BAD_STATE  # as OP-TEE: libutee panics
    new_id = read_object_id(ctx, id_va, id_len)
    store = manager(ctx)
    if new_id == found.object_id:
        return TeeResult.SUCCESS
    if store.entry(found.ta, found.storage, new_id) is not None:
        return TeeResult.ERROR_ACCESS_CONFLICT
    content = store.load(found.ta, found.storage, found.object_id)
    store.store(found.ta, found.storage, new_id, content, replaces=found.object_id)
    found.object_id = new_id
    return TeeResult.SUCCESS


# -- enumerators ----------------------------------------------------------------------------
@dataclass
class Enumerator:
    storage: int | None = None
    ids: list[bytes] = field(default_factory=list)


@dataclass
class EnumTable:
    enums: dict[int, Enumerator] = field(default_factory=dict)
    next_handle: int = 0x1000_0000  # a different range than object handles

    def get(self, handle: int) -> Enumerator:
        found = self.enums.get(handle & U32_MASK)
        if found is None:
            raise StorageError(TeeResult.ERROR_BAD_PARAMETERS, f"no enumerator {handle:#x}")
        return found

    def close(self) -> None:
        self.enums.clear()


def enums(ctx: SyscallContext) -> EnumTable:
    return ctx.instance.resource(EnumTable)


@syscall(Syscall.STORAGE_ENUM_ALLOC)
@storage_handler
def sys_enum_alloc(ctx: SyscallContext, enum_va: int) -> int:
    table = enums(ctx)
    require_writable(ctx, enum_va, 4)
    if len(table.enums) >= MAX_ENUMERATORS:
        return TeeResult.ERROR_OUT_OF_MEMORY
    handle, table.next_handle = table.next_handle, table.next_handle + 1
    table.enums[handle] = Enumerator()
    write_u32(ctx, enum_va, handle)
    return TeeResult.SUCCESS


@syscall(Syscall.STORAGE_ENUM_FREE)
@storage_handler
def sys_enum_free(ctx: SyscallContext, handle: int) -> int:
    enums(ctx).get(handle)
    del enums(ctx).enums[handle & U32_MASK]
    return TeeResult.SUCCESS


@syscall(Syscall.STORAGE_ENUM_RESET)
@storage_handler
def sys_enum_reset(ctx: SyscallContext, handle: int) -> int:
    found = enums(ctx).get(handle)
    found.storage, found.ids = None, []
    return TeeResult.SUCCESS


@syscall(Syscall.STORAGE_ENUM_START)
@storage_handler
def sys_enum_start(ctx: SyscallContext, handle: int, storage_id: int) -> int:
    found = enums(ctx).get(handle)
    found.storage, found.ids = None, []
    storage = storage_of(storage_id)
    ids = manager(ctx).ids(ta_uuid(ctx), storage)
    if not ids:
        return TeeResult.ERROR_ITEM_NOT_FOUND
    found.storage, found.ids = storage, ids
    return TeeResult.SUCCESS


@syscall(Syscall.STORAGE_ENUM_NEXT)
@storage_handler
def sys_enum_next(ctx: SyscallContext, handle: int, info_va: int, id_va: int, len_va: int) -> int:
    found = enums(ctx).get(handle)
    require_writable(ctx, info_va, UTEE_OBJECT_INFO.size)
    read_u64(ctx, len_va)
    store = manager(ctx)
    while found.storage is not None and found.ids:
        object_id = found.ids[0]
        if store.entry(ta_uuid(ctx), found.storage, object_id) is None:
            found.ids.pop(0)  # deleted since the enumeration started
            continue
        if read_u64(ctx, len_va) < len(object_id):
            write_u64(ctx, len_va, len(object_id))
            return TeeResult.ERROR_SHORT_BUFFER
        content = store.load(ta_uuid(ctx), found.storage, object_id)
        found.ids.pop(0)
        flags = HandleFlag.PERSISTENT | HandleFlag.INITIALIZED
        ctx.user.copy_to_user(info_va, UTEE_OBJECT_INFO.pack(
            content.type, content.size, content.max_size, content.usage & U32_MASK,
            len(content.data), 0, flags))
        return put_output(ctx, id_va, len_va, object_id)
    return TeeResult.ERROR_ITEM_NOT_FOUND


# -- data streams ----------------------------------------------------------------------------
@syscall(Syscall.STORAGE_OBJ_READ)
@storage_handler
def sys_obj_read(ctx: SyscallContext, obj: int, data_va: int, length: int, count_va: int) -> int:
    found = persistent(ctx, obj)
    if not found.data_flags & READ:
        return TeeResult.ERROR_ACCESS_CONFLICT
    require_writable(ctx, data_va, length)
    require_writable(ctx, count_va, 8)
    data = manager(ctx).load(found.ta, found.storage, found.object_id).data
    chunk = data[found.position:found.position + length] if found.position < len(data) else b""
    ctx.user.copy_to_user(data_va, chunk)
    found.position += len(chunk)
    write_u64(ctx, count_va, len(chunk))
    return TeeResult.SUCCESS


def _rewrite(ctx: SyscallContext, found: PersistentObject, change: Callable[[bytes], bytes]) -> None:
    store = manager(ctx)
    content = store.load(found.ta, found.storage, found.object_id)
    content.data = change(content.data)
    if len(content.data) > MAX_DATA_SIZE:
        raise StorageError(TeeResult.ERROR_STORAGE_NO_SPACE, "object too large")
    store.store(found.ta, found.storage, found.object_id, content)


@syscall(Syscall.STORAGE_OBJ_WRITE)
@storage_handler
def sys_obj_write(ctx: SyscallContext, obj: int, data_va: int, length: int) -> int:
    found = persistent(ctx, obj)
    if not found.data_flags & WRITE:
        return TeeResult.ERROR_ACCESS_CONFLICT
    if found.position + length > TEE_DATA_MAX_POSITION:
        return TeeResult.ERROR_OVERFLOW
    if found.position + length > MAX_DATA_SIZE:
        return TeeResult.ERROR_STORAGE_NO_SPACE
    if data_va == 0 and length:
        return TeeResult.ERROR_BAD_PARAMETERS
    new = ctx.user.copy_from_user(data_va, length)
    position = found.position

    def change(data: bytes) -> bytes:
        data = data.ljust(position, b"\0")
        return data[:position] + new + data[position + len(new):]

    if length:
        _rewrite(ctx, found, change)
    found.position += length
    return TeeResult.SUCCESS


@syscall(Syscall.STORAGE_OBJ_TRUNC)
@storage_handler
def sys_obj_trunc(ctx: SyscallContext, obj: int, length: int) -> int:
    found = persistent(ctx, obj)
    if not found.data_flags & WRITE:
        return TeeResult.ERROR_ACCESS_CONFLICT
    if length > MAX_DATA_SIZE:
        return TeeResult.ERROR_STORAGE_NO_SPACE
    _rewrite(ctx, found, lambda data: data[:length].ljust(length, b"\0"))
    return TeeResult.SUCCESS


@syscall(Syscall.STORAGE_OBJ_SEEK)
@storage_handler
def sys_obj_seek(ctx: SyscallContext, obj: int, offset: int, whence: int) -> int:
    found = persistent(ctx, obj)
    offset &= U32_MASK
    if offset & 0x8000_0000:
        offset -= 1 << 32
    if whence == SEEK_SET:
        base = 0
    elif whence == SEEK_CUR:
        base = found.position
    elif whence == SEEK_END:
        entry = manager(ctx).entry(found.ta, found.storage, found.object_id)
        if entry is None:
            return TeeResult.ERROR_CORRUPT_OBJECT
        base = entry.data_size
    else:
        return TeeResult.ERROR_BAD_PARAMETERS
    position = max(base + offset, 0)
    if position > TEE_DATA_MAX_POSITION:
        return TeeResult.ERROR_OVERFLOW
    found.position = position
    return TeeResult.SUCCESS

"""The storage manager: per-TA directories and object files in the normal world's
file system, each directory anchored in RPMB.

Files (all AES-256-GCM under the TA's storage key, 12-byte random nonce):

* object file ``HMAC(name key, "obj" | generation)[:16]`` in hex, where the
  generation is the counter of the commit that wrote it (a commit writes at
  most one object file): ``"TSO1" | nonce | ciphertext+tag`` of the object
  (type, sizes, usage, attributes, data); AAD = ``"TSO1"`` | TA UUID | storage |
  object id | generation.
* directory file ``HMAC(name key, "dir" | counter)[:16]`` in hex: ``"TSD1" |
  nonce | ciphertext+tag`` of (counter, entries: storage, object id, file name,
  file SHA-256, file size, generation, data size), then the files this commit
  superseded (garbage); AAD = ``"TSD1"`` | TA UUID | counter.
* RPMB anchor slot per TA: (counter, size, SHA-256) of the current directory file.
* ``TEE_STORAGE_PRIVATE_RPMB`` objects: the same sealed bytes, in free blocks of
  the TA's RPMB region; their entry's file field is ``rpmb<first><count>``.

An update writes the new object file(s) and the new directory file (counter+1)
under new names, then rewrites the TA's anchor slot in RPMB: that one
authenticated write is the commit point. Only after it are the superseded files
removed. A power cut before it leaves the old directory (and every old file)
current; after it, the new. Files of an interrupted update carry the names of
counter+1, which the next commit overwrites; files superseded by a commit are
removed after it, or when its directory is next loaded.

The directory of a TA is cached in secure memory after it was first read and
verified in a boot; object files are read and verified on every access.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import struct
import uuid as uuid_mod
import weakref
from dataclasses import dataclass, field
from typing import Any, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tee.abi.gp_crypto import USAGE_DEFAULT, HandleFlag, ObjectType
from tee.abi.registers import U32_MASK, U32_MAX
from tee.abi.results import TeeResult
from tee.kernel.crypto.objects import TYPES, CryptoObject, TypeSpec
from tee.kernel.rpc import RpcClient, RpcError
from tee.kernel.storage import StorageError, corrupt
from tee.kernel.storage.fs_client import FileMissing, FsClient
from tee.kernel.storage.keys import KeyHierarchy
from tee.kernel.storage.payload import PayloadCache
from tee.kernel.storage.rpmb import BLOCK_SIZE, Anchor, AnchorTable, FloorTable, RpmbClient, TableArea

STORAGE_PRIVATE, STORAGE_PRIVATE_REE, STORAGE_PRIVATE_RPMB = 0x1, 0x80000000, 0x80000100
#: TEE_OBJECT_ID_MAX_LEN
MAX_ID_LEN = 64
#: Largest data stream of one object (ours; GP allows up to TEE_DATA_MAX_POSITION).
MAX_DATA_SIZE = 1024 * 1024
MAX_FILE_SIZE = MAX_DATA_SIZE + 64 * 1024
MAX_OBJECTS_PER_TA = 1024

READ, WRITE, WRITE_META, SHARE_READ, SHARE_WRITE, OVERWRITE = 0x1, 0x2, 0x4, 0x10, 0x20, 0x400
OPEN_FLAGS = READ | WRITE | WRITE_META | SHARE_READ | SHARE_WRITE
CREATE_FLAGS = OPEN_FLAGS | OVERWRITE

DATA_SPEC = TypeSpec(ObjectType.DATA, 1, 0, 0, ())
_OBJ_MAGIC, _DIR_MAGIC = b"TSO1", b"TSD1"
_NONCE = 12
_DIR_HEAD = struct.Struct("<QI")
_ENTRY_HEAD = struct.Struct("<IB")
_ENTRY_TAIL = struct.Struct("<32s32sIQI")  # file name, digest, file size, generation, data size
_OBJ_HEAD = struct.Struct("<5I")  # type, max size, size, usage, attribute count


_IN_RPMB = "rpmb"


def rpmb_location(file: str) -> tuple[int, int] | None:
    """(first block, block count) of an object kept in RPMB; None for an REE FS file."""
    if not file.startswith(_IN_RPMB):
        return None
    try:
        return int(file[4:18]), int(file[18:32])
    except ValueError:
        raise corrupt("bad RPMB location") from None


def namespace(storage_id: int) -> int | None:
    """The backend a storage id names (TEE_STORAGE_PRIVATE is the REE FS, as in OP-TEE)."""
    storage_id &= U32_MASK
    if storage_id in (STORAGE_PRIVATE, STORAGE_PRIVATE_REE):
        return STORAGE_PRIVATE_REE
    if storage_id == STORAGE_PRIVATE_RPMB:
        return STORAGE_PRIVATE_RPMB
    return None


@dataclass(frozen=True)
class Entry:
    file: str
    digest: bytes
    size: int
    generation: int
    data_size: int


@dataclass
class Directory:
    counter: int
    entries: dict[tuple[int, bytes], Entry] = field(default_factory=dict)
    #: Files the commit of this directory superseded: removed after the commit and,
    #: should power fail first, when the directory is next loaded.
    garbage: list[str] = field(default_factory=list)


@dataclass
class Content:
    """A persistent object's plaintext."""

    type: int
    max_size: int
    size: int
    usage: int
    attrs: dict[int, Any]
    data: bytes


@dataclass(eq=False)
class PersistentObject(CryptoObject):
    """A handle on a persistent object: the object's key attributes (read when it was
    opened) plus the handle's own access flags and data position. It lives in the
    instance's object table beside transient objects."""

    manager: "StorageManager | None" = None
    ta: uuid_mod.UUID = field(kw_only=True)  # always given (StorageManager.handle)
    storage: int = 0
    object_id: bytes = b""
    data_flags: int = 0
    position: int = 0
    #: weakref to the TA instance holding the handle: a dead instance holds nothing open.
    owner: Any = None

    @property
    def alive(self) -> bool:
        instance = self.owner() if self.owner is not None else None
        return instance is not None and not getattr(instance, "dead", False)

    def info(self) -> tuple[int, int, int, int, int, int, int]:
        data_size = 0
        if self.manager is not None and self.ta is not None:
            # no RPC here (CRYP_OBJ_GET_INFO does not take the storage): the cached directory
            entry = self.manager.cached_entry(self.ta, self.storage, self.object_id)
            data_size = entry.data_size if entry is not None else 0
        return (self.type, self.size, self.max_size, self.usage & U32_MASK, data_size,
                min(self.position, U32_MAX), self.flags)


# -- codecs ---------------------------------------------------------------------------
def _encode_content(content: Content) -> bytes:
    parts = [_OBJ_HEAD.pack(content.type, content.max_size, content.size, content.usage & U32_MASK,
                            len(content.attrs))]
    for attribute_id, value in sorted(content.attrs.items()):
        if isinstance(value, tuple):
            parts.append(struct.pack("<IBII", attribute_id, 1, value[0], value[1]))
        else:
            parts.append(struct.pack("<IBI", attribute_id, 0, len(value)) + bytes(value))
    parts.append(struct.pack("<I", len(content.data)) + content.data)
    return b"".join(parts)


def _decode_content(raw: bytes) -> Content:
    try:
        kind, max_size, size, usage, count = _OBJ_HEAD.unpack_from(raw)
        offset = _OBJ_HEAD.size
        attrs: dict[int, Any] = {}
        for _ in range(count):
            attribute_id, is_value = struct.unpack_from("<IB", raw, offset)
            offset += 5
            if is_value:
                attrs[attribute_id] = struct.unpack_from("<II", raw, offset)
                offset += 8
            else:
                (length,) = struct.unpack_from("<I", raw, offset)
                attrs[attribute_id] = raw[offset + 4:offset + 4 + length]
                offset += 4 + length
        (length,) = struct.unpack_from("<I", raw, offset)
        data = raw[offset + 4:offset + 4 + length]
        if len(data) != length or offset + 4 + length != len(raw):
            raise struct.error("length mismatch")
    except struct.error:
        raise corrupt("object plaintext malformed") from None
    return Content(kind, max_size, size, usage, attrs, data)


class StorageManager:
    def __init__(self, huk: bytes, rpc: RpcClient) -> None:
        self.keys = KeyHierarchy(huk)
        #: One payload buffer per storage request (see :meth:`exclusive`).
        self.payloads = PayloadCache(rpc)
        self.fs = FsClient(rpc, self.payloads)
        self.rpmb = RpmbClient(rpc, self.keys.rpmb_key, self.payloads)
        #: The RPMB table (anchors and TA version floors), bound to the write counter.
        self.table = TableArea(self.rpmb, self.keys.anchor_key)
        self.anchors = AnchorTable(self.table)
        self.floors = FloorTable(self.table)
        self.rpc = rpc
        self._dirs: dict[uuid_mod.UUID, Directory] = {}
        self._aeads: dict[uuid_mod.UUID, AESGCM] = {}  # per TA, under its storage key
        #: TAs whose first commit after their directory was loaded is done: that
        #: commit removed or overwrote any object file an interrupted earlier one left.
        self._swept: set[uuid_mod.UUID] = set()
        self._open: list[weakref.ref[PersistentObject]] = []
        self._holder: object | None = None

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """One storage request at a time. A secure thread suspended in RPC in the
        middle of a commit keeps the storage; another thread that wants it gives
        the core back to the normal world (a foreign interrupt) until it is free."""
        me = self.rpc.threads.current
        if self._holder is me:
            yield
            return
        while self._holder is not None:
            self.rpc.foreign_interrupt()
        self._holder = me
        try:
            with self.payloads.held():
                yield
        finally:
            self._holder = None

    # -- errors -----------------------------------------------------------------------
    @contextlib.contextmanager
    def _io(self, what: str) -> Iterator[None]:
        try:
            yield
        except FileMissing:
            raise corrupt(f"{what}: file missing") from None
        except RpcError as error:
            result = error.result if error.result in (
                TeeResult.ERROR_CORRUPT_OBJECT, TeeResult.ERROR_STORAGE_NO_SPACE) \
                else TeeResult.ERROR_STORAGE_NOT_AVAILABLE
            raise StorageError(result, f"{what}: {error}") from None

    # -- open handles -------------------------------------------------------------------
    def register(self, obj: PersistentObject) -> None:
        self._open = [ref for ref in self._open if ref() is not None]
        self._open.append(weakref.ref(obj))

    def handles_on(self, ta: uuid_mod.UUID, storage: int, object_id: bytes) -> list[PersistentObject]:
        found = []
        for ref in self._open:
            obj = ref()
            if (obj is not None and obj.alive and obj.ta == ta and obj.storage == storage
                    and obj.object_id == object_id):
                found.append(obj)
        return found

    def forget(self, obj: PersistentObject) -> None:
        self._open = [ref for ref in self._open if ref() is not None and ref() is not obj]

    # -- directory ------------------------------------------------------------------------
    def _file_name(self, ta: uuid_mod.UUID, kind: bytes, counter: int) -> str:
        return hmac.new(self.keys.name_key(ta), kind + counter.to_bytes(8, "little"),
                        hashlib.sha256).digest()[:16].hex()

    def _dir_name(self, ta: uuid_mod.UUID, counter: int) -> str:
        return self._file_name(ta, b"dir", counter)

    def _object_name(self, ta: uuid_mod.UUID, generation: int) -> str:
        """One object file per commit at most: named after the commit's counter."""
        return self._file_name(ta, b"obj", generation)

    def cached_entry(self, ta: uuid_mod.UUID, storage: int, object_id: bytes) -> Entry | None:
        directory = self._dirs.get(ta)
        return directory.entries.get((storage, object_id)) if directory else None

    def directory(self, ta: uuid_mod.UUID) -> Directory:
        cached = self._dirs.get(ta)
        if cached is not None:
            return cached
        with self._io("RPMB anchor"):
            anchor = self.anchors.get(ta)
        if anchor is None:
            directory = Directory(0)
        else:
            with self._io("directory"):
                raw = self.fs.read_file(self._dir_name(ta, anchor.counter), anchor.size)
            if len(raw) != anchor.size or not hmac.compare_digest(hashlib.sha256(raw).digest(), anchor.digest):
                raise corrupt("directory file does not match its RPMB anchor")
            directory = self._decode_dir(ta, raw, anchor.counter)
        self._dirs[ta] = directory
        self._swept.discard(ta)
        self._collect(directory.garbage)
        return directory

    def _collect(self, names: list[str]) -> None:
        for name in names:
            with contextlib.suppress(RpcError, FileMissing):
                self.fs.remove(name)

    def _aead(self, ta: uuid_mod.UUID) -> AESGCM:
        aead = self._aeads.get(ta)
        if aead is None:
            aead = self._aeads[ta] = AESGCM(self.keys.ta_key(ta))
        return aead

    def _seal(self, ta: uuid_mod.UUID, magic: bytes, aad: bytes, plaintext: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return magic + nonce + self._aead(ta).encrypt(nonce, plaintext, magic + aad)

    def _open_sealed(self, ta: uuid_mod.UUID, magic: bytes, aad: bytes, raw: bytes) -> bytes:
        if len(raw) < 4 + _NONCE + 16 or raw[:4] != magic:
            raise corrupt("not a sealed file")
        try:
            return self._aead(ta).decrypt(raw[4:4 + _NONCE], raw[4 + _NONCE:], magic + aad)
        except InvalidTag:
            raise corrupt("authentication failed") from None

    def _encode_dir(self, ta: uuid_mod.UUID, directory: Directory) -> bytes:
        parts = [_DIR_HEAD.pack(directory.counter, len(directory.entries))]
        for (storage, object_id), entry in sorted(directory.entries.items()):
            parts.append(_ENTRY_HEAD.pack(storage, len(object_id)) + object_id + _ENTRY_TAIL.pack(
                entry.file.encode(), entry.digest, entry.size, entry.generation, entry.data_size))
        parts.append(struct.pack("<I", len(directory.garbage)))
        parts.extend(name.encode() for name in directory.garbage)
        return self._seal(ta, _DIR_MAGIC, ta.bytes + directory.counter.to_bytes(8, "little"), b"".join(parts))

    def _decode_dir(self, ta: uuid_mod.UUID, raw: bytes, counter: int) -> Directory:
        plain = self._open_sealed(ta, _DIR_MAGIC, ta.bytes + counter.to_bytes(8, "little"), raw)
        try:
            stored_counter, count = _DIR_HEAD.unpack_from(plain)
            offset = _DIR_HEAD.size
            directory = Directory(stored_counter)
            for _ in range(count):
                storage, length = _ENTRY_HEAD.unpack_from(plain, offset)
                offset += _ENTRY_HEAD.size
                object_id = plain[offset:offset + length]
                offset += length
                name, digest, size, generation, data_size = _ENTRY_TAIL.unpack_from(plain, offset)
                offset += _ENTRY_TAIL.size
                directory.entries[(storage, object_id)] = Entry(name.decode(), digest, size, generation,
                                                                data_size)
            (count,) = struct.unpack_from("<I", plain, offset)
            offset += 4
            for _ in range(count):
                directory.garbage.append(plain[offset:offset + 32].decode())
                offset += 32
            if offset != len(plain) or any(len(name) != 32 for name in directory.garbage):
                raise struct.error("trailing bytes")
        except (struct.error, UnicodeDecodeError):
            raise corrupt("directory malformed") from None
        if stored_counter != counter:
            raise corrupt("directory counter mismatch")
        return directory

    # -- objects --------------------------------------------------------------------------
    @staticmethod
    def _object_aad(ta: uuid_mod.UUID, storage: int, object_id: bytes, generation: int) -> bytes:
        return ta.bytes + struct.pack("<IB", storage, len(object_id)) + object_id + generation.to_bytes(8, "little")

    def entry(self, ta: uuid_mod.UUID, storage: int, object_id: bytes) -> Entry | None:
        return self.directory(ta).entries.get((storage, object_id))

    def ids(self, ta: uuid_mod.UUID, storage: int) -> list[bytes]:
        return sorted(oid for (s, oid) in self.directory(ta).entries if s == storage)

    def load(self, ta: uuid_mod.UUID, storage: int, object_id: bytes) -> Content:
        entry = self.entry(ta, storage, object_id)
        if entry is None:
            raise StorageError(TeeResult.ERROR_ITEM_NOT_FOUND, "no such object")
        location = rpmb_location(entry.file)
        with self._io("object"):
            if location is None:
                raw = self.fs.read_file(entry.file, entry.size)
            else:
                raw = b"".join(self.rpmb.read(*location))[:entry.size]
        if len(raw) != entry.size or not hmac.compare_digest(hashlib.sha256(raw).digest(), entry.digest):
            raise corrupt("object file does not match its directory entry")
        plain = self._open_sealed(ta, _OBJ_MAGIC, self._object_aad(ta, storage, object_id, entry.generation), raw)
        return _decode_content(plain)

    def store(self, ta: uuid_mod.UUID, storage: int, object_id: bytes, content: Content,
              replaces: bytes | None = None) -> None:
        """Write ``content`` as the object ``object_id``, atomically; ``replaces``:
        the object's old id (rename), which disappears in the same commit."""
        directory = self.directory(ta)
        entries = dict(directory.entries)
        obsolete = [e.file for e in (entries.pop((storage, object_id), None),
                                     entries.pop((storage, replaces), None) if replaces is not None else None)
                    if e is not None and rpmb_location(e.file) is None]
        if len(entries) >= MAX_OBJECTS_PER_TA:
            raise StorageError(TeeResult.ERROR_STORAGE_NO_SPACE, "too many objects")
        generation = directory.counter + 1
        raw = self._seal(ta, _OBJ_MAGIC, self._object_aad(ta, storage, object_id, generation),
                         _encode_content(content))
        files: list[tuple[str, bytes]] = []
        if storage == STORAGE_PRIVATE_RPMB:
            name = self._write_rpmb_object(ta, directory, raw)
        else:
            name = self._object_name(ta, generation)
            files.append((name, raw))
        entries[(storage, object_id)] = Entry(name, hashlib.sha256(raw).digest(), len(raw), generation,
                                              len(content.data))
        self._commit(ta, directory, entries, files, obsolete)

    def _write_rpmb_object(self, ta: uuid_mod.UUID, directory: Directory, raw: bytes) -> str:
        """Put a sealed object into free blocks of the TA's RPMB region: blocks no
        entry of the committed directory uses (the old version stays intact until
        the commit), followed by the write's trailer block. Returns the entry's
        file field naming the object's blocks."""
        count = -(-len(raw) // BLOCK_SIZE)
        taken = count + 1  # and the trailer
        with self._io("RPMB object"):
            region = self.anchors.region(ta)
            used: set[int] = set()
            for entry in directory.entries.values():
                location = rpmb_location(entry.file)
                if location is not None:
                    used.update(range(location[0], location[0] + location[1] + 1))
            start = next((b for b in region if b + taken <= region.stop
                          and not used.intersection(range(b, b + taken))), None)
            if start is None:
                raise StorageError(TeeResult.ERROR_STORAGE_NO_SPACE, "TA's RPMB region full")
            self.table.write_data(start, raw)
        return f"{_IN_RPMB}{start:014d}{count:014d}"

    def delete(self, ta: uuid_mod.UUID, storage: int, object_id: bytes) -> None:
        directory = self.directory(ta)
        entries = dict(directory.entries)
        old = entries.pop((storage, object_id), None)
        if old is None:
            raise StorageError(TeeResult.ERROR_ITEM_NOT_FOUND, "no such object")
        self._commit(ta, directory, entries, [], [old.file] if rpmb_location(old.file) is None else [])

    def _commit(self, ta: uuid_mod.UUID, old: Directory, entries: dict[tuple[int, bytes], Entry],
                files: list[tuple[str, bytes]], obsolete: list[str]) -> None:
        garbage = obsolete + ([self._dir_name(ta, old.counter)] if old.counter else [])
        if not files and ta not in self._swept:
            # An interrupted attempt at this counter (the directory was loaded at
            # old.counter since) may have left its object file. Only the first
            # commit after a load can meet one: later ones use counters no attempt reached.
            garbage.append(self._object_name(ta, old.counter + 1))
        new = Directory(old.counter + 1, entries, garbage)
        raw = self._encode_dir(ta, new)
        try:
            with self._io("commit"):
                for name, data in files:
                    self.fs.write_file(name, data)
                self.fs.write_file(self._dir_name(ta, new.counter), raw)
                self.anchors.put(ta, Anchor(new.counter, len(raw), hashlib.sha256(raw).digest()))
        except BaseException:
            self._dirs.pop(ta, None)  # learn the truth from RPMB next time
            raise
        self._dirs[ta] = new
        self._swept.add(ta)
        # Committed: the superseded files are garbage now (best effort; the
        # directory remembers them for its next load should this not finish).
        self._collect(garbage)

    # -- building handles -------------------------------------------------------------------
    @staticmethod
    def content_of(key: CryptoObject | None, data: bytes) -> Content:
        if key is None:
            return Content(ObjectType.DATA, 0, 0, USAGE_DEFAULT, {}, data)
        return Content(key.type, key.max_size, key.size, key.usage, dict(key.attrs), data)

    def handle(self, ta: uuid_mod.UUID, storage: int, object_id: bytes, content: Content,
               data_flags: int, owner: object) -> PersistentObject:
        spec = DATA_SPEC if content.type == ObjectType.DATA else TYPES.get(content.type)
        if spec is None:
            raise corrupt(f"object of unknown type {content.type:#x}")
        obj = PersistentObject(spec.type, spec, content.max_size, content.size, content.usage,
                               HandleFlag.PERSISTENT | HandleFlag.INITIALIZED | (data_flags & OPEN_FLAGS),
                               dict(content.attrs), manager=self, ta=ta, storage=storage,
                               object_id=object_id, data_flags=data_flags & OPEN_FLAGS,
                               owner=weakref.ref(owner))
        self.register(obj)
        return obj

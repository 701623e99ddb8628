"""The secure world's side of RPC FS (OP-TEE's tee_fs_rpc.c): whole-file reads and
writes of the normal world's file store, their data in one shared buffer per
storage request (:mod:`tee.kernel.storage.payload`). The storage uses OPEN,
CREATE, CLOSE, READ, WRITE and REMOVE (every update writes new files under new
names, so it needs no RENAME or TRUNCATE; the supplicant serves all eleven
sub-commands).

Sub-commands (:class:`~tee.abi.optee_rpc.FsCmd`) keep OP-TEE's values; payloads are simplified: value[0] =
(sub-command, fd or flag, offset or length), memref[1] = name or data,
value[2] or memref[2] = fd out or the second name. Every reply is checked
(sizes no larger than asked, handles within range); anything wrong raises
:class:`~tee.kernel.rpc.RpcError`.
"""

from __future__ import annotations

from tee.abi import optee_msg as msg
from tee.abi.optee_rpc import FsCmd, RpcCmd
from tee.abi.results import TeeResult
from tee.kernel.rpc import RpcClient, RpcError, SharedBuffer
from tee.kernel.storage.payload import PayloadCache
from tee.platform.memory import World

V_IN, V_OUT = msg.AttrType.VALUE_INPUT, msg.AttrType.VALUE_OUTPUT
M_IN, M_OUT = msg.AttrType.TMEM_INPUT, msg.AttrType.TMEM_OUTPUT


class FileMissing(Exception):
    """The normal world says the file does not exist."""


class FsClient:
    def __init__(self, rpc: RpcClient, payloads: PayloadCache | None = None) -> None:
        self.rpc = rpc
        self.payloads = payloads or PayloadCache(rpc)

    def _call(self, params: tuple[msg.MsgParam, ...]) -> msg.MsgArg:
        reply = self.rpc.command(RpcCmd.FS, params)
        if reply.ret == TeeResult.ERROR_ITEM_NOT_FOUND:
            raise FileMissing()
        if reply.ret != TeeResult.SUCCESS:
            raise RpcError(f"RPC FS {params[0].a} failed with {reply.ret:#x}",
                           TeeResult.ERROR_STORAGE_NOT_AVAILABLE)
        return reply

    def _put(self, buffer: SharedBuffer, data: bytes) -> None:
        self.rpc.memory.write(buffer.phys, data, World.NORMAL)

    def _name(self, buffer: SharedBuffer, name: str, offset: int = 0) -> msg.MsgParam:
        raw = name.encode() + b"\0"
        self.rpc.memory.write(buffer.phys + offset, raw, World.NORMAL)
        return msg.MsgParam.tmem(M_IN, buffer.phys + offset, len(raw), buffer.cookie)

    def _open(self, buffer: SharedBuffer, name: str, sub: FsCmd) -> int:
        reply = self._call((msg.MsgParam.value(V_IN, sub), self._name(buffer, name),
                            msg.MsgParam.value(V_OUT)))
        return reply.params[2].a

    def _close(self, fd: int) -> None:
        self._call((msg.MsgParam.value(V_IN, FsCmd.CLOSE, fd),))

    def read_file(self, name: str, max_size: int) -> bytes:
        """The whole file; RpcError if it is longer than ``max_size``."""
        with self.payloads.payload(max(max_size + 1, 256)) as buffer:
            fd = self._open(buffer, name, FsCmd.OPEN)
            try:
                reply = self._call((msg.MsgParam.value(V_IN, FsCmd.READ, fd, 0),
                                    msg.MsgParam.tmem(M_OUT, buffer.phys, max_size + 1, buffer.cookie)))
                size = reply.params[1].b
                if size > max_size:
                    raise RpcError(f"file {name} is larger than expected", TeeResult.ERROR_CORRUPT_OBJECT)
                return self.rpc.memory.read(buffer.phys, size, World.NORMAL)
            finally:
                self._close(fd)

    def write_file(self, name: str, data: bytes) -> None:
        """Create (or empty) the file and write ``data`` into it."""
        with self.payloads.payload(max(len(data), 256)) as buffer:
            fd = self._open(buffer, name, FsCmd.CREATE)
            try:
                self._put(buffer, data)
                self._call((msg.MsgParam.value(V_IN, FsCmd.WRITE, fd, 0),
                            msg.MsgParam.tmem(M_IN, buffer.phys, len(data), buffer.cookie)))
            finally:
                self._close(fd)

    def remove(self, name: str) -> None:
        with self.payloads.payload(256) as buffer:
            try:
                self._call((msg.MsgParam.value(V_IN, FsCmd.REMOVE), self._name(buffer, name)))
            except FileMissing:
                pass

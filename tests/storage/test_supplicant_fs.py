"""The supplicant's RPC FS and RPMB handlers, driven with raw messages as the
secure world sends them: every OP-TEE sub-command, and malformed requests
answered with errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from normal_world.ree_fs import ReeFileStore
from board.emmc import RpmbPartition
from normal_world.supplicant import Supplicant
from tee.abi import optee_msg as msg
from tee.abi.optee_rpc import RpcCmd
from tee.abi.results import TeeResult as R

V_IN, V_OUT = msg.AttrType.VALUE_INPUT, msg.AttrType.VALUE_OUTPUT
M_IN, M_OUT = msg.AttrType.TMEM_INPUT, msg.AttrType.TMEM_OUTPUT


class Memory:
    def __init__(self) -> None:
        self.data = bytearray(8192)

    def read(self, addr: int, size: int) -> bytes:
        return bytes(self.data[addr:addr + size])

    def write(self, addr: int, data: bytes) -> None:
        self.data[addr:addr + len(data)] = data


@pytest.fixture
def fs(tmp_path: Path):
    supplicant = Supplicant(tmp_path / "tas", ReeFileStore(tmp_path / "fs"), RpmbPartition(tmp_path / "rpmb.img"))
    memory = Memory()

    def call(*params: msg.MsgParam) -> msg.MsgArg:
        return supplicant.fs(msg.MsgArg(RpcCmd.FS, params=params), memory.read, memory.write)

    def name(addr: int, text: str) -> msg.MsgParam:
        raw = text.encode() + b"\0"
        memory.write(addr, raw)
        return msg.MsgParam.tmem(M_IN, addr, len(raw))

    return call, name, memory, tmp_path / "fs"


def test_every_sub_command(fs) -> None:
    call, name, memory, root = fs
    reply = call(msg.MsgParam.value(V_IN, 1), name(0, "a"), msg.MsgParam.value(V_OUT))   # CREATE
    assert reply.ret == R.SUCCESS
    fd = reply.params[2].a
    memory.write(1000, b"hello world")
    assert call(msg.MsgParam.value(V_IN, 4, fd, 0), msg.MsgParam.tmem(M_IN, 1000, 11)).ret == R.SUCCESS  # WRITE
    assert call(msg.MsgParam.value(V_IN, 5, fd, 5)).ret == R.SUCCESS                        # TRUNCATE
    reply = call(msg.MsgParam.value(V_IN, 3, fd, 1), msg.MsgParam.tmem(M_OUT, 2000, 100))   # READ
    assert reply.ret == R.SUCCESS and reply.params[1].b == 4 and memory.read(2000, 4) == b"ello"
    assert call(msg.MsgParam.value(V_IN, 2, fd)).ret == R.SUCCESS                           # CLOSE
    assert call(msg.MsgParam.value(V_IN, 2, fd)).ret == R.ERROR_BAD_PARAMETERS              # closed twice
    reply = call(msg.MsgParam.value(V_IN, 0), name(0, "a"), msg.MsgParam.value(V_OUT))      # OPEN
    assert reply.ret == R.SUCCESS
    assert call(msg.MsgParam.value(V_IN, 7, 0), name(0, "a"), name(100, "b")).ret == R.SUCCESS  # RENAME
    assert (root / "b").read_bytes() == b"hello"
    call(msg.MsgParam.value(V_IN, 1), name(0, "c"), msg.MsgParam.value(V_OUT))
    assert call(msg.MsgParam.value(V_IN, 7, 0), name(0, "b"), name(100, "c")).ret == R.ERROR_ACCESS_CONFLICT
    reply = call(msg.MsgParam.value(V_IN, 8), name(0, "."), msg.MsgParam.value(V_OUT))      # OPENDIR
    handle = reply.params[2].a
    names = []
    while True:
        reply = call(msg.MsgParam.value(V_IN, 10, handle), msg.MsgParam.tmem(M_OUT, 3000, 64))  # READDIR
        if reply.ret == R.ERROR_ITEM_NOT_FOUND:
            break
        names.append(memory.read(3000, reply.params[1].b).rstrip(b"\0").decode())
    assert names == ["b", "c"]
    assert call(msg.MsgParam.value(V_IN, 9, handle)).ret == R.SUCCESS                      # CLOSEDIR
    assert call(msg.MsgParam.value(V_IN, 6), name(0, "b")).ret == R.SUCCESS                 # REMOVE
    assert call(msg.MsgParam.value(V_IN, 6), name(0, "b")).ret == R.ERROR_ITEM_NOT_FOUND
    assert call(msg.MsgParam.value(V_IN, 0), name(0, "b"), msg.MsgParam.value(V_OUT)).ret == R.ERROR_ITEM_NOT_FOUND


def test_malformed_requests(fs) -> None:
    call, name, memory, root = fs
    assert call(msg.MsgParam.value(V_IN, 42)).ret == R.ERROR_NOT_SUPPORTED
    assert call(msg.MsgParam.value(V_IN, 1), name(0, "../escape"), msg.MsgParam.value(V_OUT)).ret == \
        R.ERROR_BAD_PARAMETERS
    assert not (root.parent / "escape").exists()
    assert call(msg.MsgParam.value(V_IN, 1), msg.MsgParam.value(V_IN), msg.MsgParam.value(V_OUT)).ret == \
        R.ERROR_BAD_PARAMETERS                                       # a name that is no memref
    assert call(msg.MsgParam.value(V_IN, 1)).ret == R.ERROR_BAD_PARAMETERS   # params missing
    assert call(msg.MsgParam.value(V_IN, 3, 77, 0), msg.MsgParam.tmem(M_OUT, 0, 16)).ret == \
        R.ERROR_BAD_PARAMETERS                                       # no such fd
    assert call(msg.MsgParam.value(V_IN, 4, 1, 0), msg.MsgParam.tmem(M_IN, 0, 1 << 30)).ret == \
        R.ERROR_BAD_PARAMETERS                                       # absurd transfer


def test_rpmb_request_checks(tmp_path: Path) -> None:
    supplicant = Supplicant(tmp_path, None, RpmbPartition(tmp_path / "rpmb.img"))
    memory = Memory()

    def call(*params: msg.MsgParam) -> int:
        return supplicant.rpmb_request(msg.MsgArg(RpcCmd.RPMB, params=params), memory.read, memory.write).ret

    assert call(msg.MsgParam.tmem(M_IN, 0, 6)) == R.ERROR_BAD_PARAMETERS
    assert call(msg.MsgParam.tmem(M_IN, 0, 6), msg.MsgParam.tmem(M_OUT, 512, 512)) == R.ERROR_BAD_PARAMETERS
    assert Supplicant(tmp_path).fs(msg.MsgArg(RpcCmd.FS, params=(msg.MsgParam.value(V_IN, 0),)),
                                   memory.read, memory.write).ret == R.ERROR_NOT_SUPPORTED

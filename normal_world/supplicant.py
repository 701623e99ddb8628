"""tee-supplicant: the normal-world daemon that serves the secure world's RPC commands.

It owns the normal world's TA store (``<uuid>.ta`` files, OP-TEE's
``/lib/optee_armtz``), the REE file system for secure storage (RPC FS,
:mod:`normal_world.ree_fs`), the path to the board's eMMC RPMB partition (RPC
RPMB: it carries the secure world's frames there and the answers back) and its
plugins (RPC SUPP_PLUGIN, which TAs reach with ``tee_invoke_supp_plugin``
through the System PTA): Python callables registered by UUID with
:meth:`Supplicant.register_plugin`.
Everything it returns is untrusted by the secure world, which checks it.
"""

from __future__ import annotations

import uuid as uuid_mod
from pathlib import Path
from typing import Callable, Protocol

from tee.abi import optee_msg as msg
from tee.abi.optee_rpc import SUPP_PLUGIN_INVOKE, FsCmd, plugin_uuid
from tee.abi.registers import U32_MASK
from tee.abi.results import TeeResult
from normal_world.ree_fs import FsError, ReeFileStore

Read = Callable[[int, int], bytes]
Write = Callable[[int, bytes], None]
#: Longest bulk transfer the supplicant serves in one RPC.
MAX_TRANSFER = 4 * 1024 * 1024

#: Refuse absurd files before reading them into memory.
MAX_TA_FILE_SIZE = 64 * 1024 * 1024

#: A supplicant plugin: ``handler(cmd, sub_cmd, data) -> (result, output)``.
#: ``output`` goes back into the TA's buffer, so it may be at most ``len(data)``
#: bytes long; a longer one is answered TEE_ERROR_SHORT_BUFFER.
PluginHandler = Callable[[int, int, bytes], tuple[int, bytes]]


class RpmbPart(Protocol):
    """The eMMC's RPMB partition, as the supplicant reaches it (an ioctl on Linux)."""

    def serve(self, request: bytes, response_size: int) -> bytes | None:
        """Frames in (``struct rpmb_req`` and its frames), response frames out; None: malformed."""


class Supplicant:
    """``ta_store`` None: no TAs to serve; ``ree_fs``/``rpmb`` None: no such storage."""

    def __init__(self, ta_store: Path | str | None = None, ree_fs: ReeFileStore | None = None,
                 rpmb: RpmbPart | None = None) -> None:
        self.ta_store = Path(ta_store) if ta_store is not None else None
        self.ree_fs = ree_fs
        self.rpmb = rpmb
        self._plugins: dict[uuid_mod.UUID, PluginHandler] = {}

    def register_plugin(self, uuid: uuid_mod.UUID, handler: PluginHandler) -> None:
        """Serve SUPP_PLUGIN calls to ``uuid`` with ``handler`` (replacing any before)."""
        self._plugins[uuid] = handler

    def unregister_plugin(self, uuid: uuid_mod.UUID) -> None:
        self._plugins.pop(uuid, None)

    def find_ta(self, uuid: uuid_mod.UUID) -> bytes | None:
        if self.ta_store is None:
            return None
        path = self.ta_store / f"{uuid}.ta"
        try:
            if path.stat().st_size > MAX_TA_FILE_SIZE:
                return None
            return path.read_bytes()
        except OSError:
            return None

    def load_ta(self, arg: msg.MsgArg, write: Callable[[int, bytes], None]) -> msg.MsgArg:
        """LOAD_TA: value[0] = UUID octets; memref[1] = where the image goes (NULL: size query)."""
        if len(arg.params) != 2 or not arg.params[1].type.is_tmem:
            return _result(arg, TeeResult.ERROR_BAD_PARAMETERS)
        image = self.find_ta(msg.uuid_from_value(arg.params[0].a, arg.params[0].b))
        if image is None:
            return _result(arg, TeeResult.ERROR_ITEM_NOT_FOUND)
        out = arg.params[1]
        if out.a and out.b >= len(image):
            write(out.a, image)
        sized = arg.params[:1] + (msg.MsgParam(out.type, out.a, len(image), out.c),)
        return msg.MsgArg(arg.cmd, params=sized, ret=TeeResult.SUCCESS)

    # -- RPC FS (OP-TEE's tee_supp_fs.c sub-commands) ---------------------------------
    def fs(self, arg: msg.MsgArg, read: Read, write: Write) -> msg.MsgArg:
        if self.ree_fs is None or not arg.params or not arg.params[0].type.is_value:
            return _result(arg, TeeResult.ERROR_NOT_SUPPORTED)
        try:
            return self._fs(arg, read, write)
        except FileNotFoundError:
            return _result(arg, TeeResult.ERROR_ITEM_NOT_FOUND)
        except FileExistsError:
            return _result(arg, TeeResult.ERROR_ACCESS_CONFLICT)
        except (FsError, ValueError, UnicodeDecodeError, IndexError):
            return _result(arg, TeeResult.ERROR_BAD_PARAMETERS)
        except OSError:
            return _result(arg, TeeResult.ERROR_STORAGE_NOT_AVAILABLE)

    def _fs(self, arg: msg.MsgArg, read: Read, write: Write) -> msg.MsgArg:
        fs, params = self.ree_fs, list(arg.params)
        assert fs is not None
        op, b, c = params[0].a, params[0].b, params[0].c

        def name(index: int) -> str:
            p = params[index]
            if not p.type.is_tmem or p.b > 256:
                raise FsError("bad name param")
            return read(p.a, p.b).split(b"\0", 1)[0].decode()

        def buffer(index: int) -> msg.MsgParam:
            p = params[index]
            if not p.type.is_tmem or p.b > MAX_TRANSFER:
                raise FsError("bad buffer param")
            return p

        if op in (FsCmd.OPEN, FsCmd.CREATE, FsCmd.OPENDIR):
            if op == FsCmd.OPENDIR:
                handle = fs.opendir()
            else:
                handle = (fs.open if op == FsCmd.OPEN else fs.create)(name(1))
            params[2] = msg.MsgParam.value(msg.AttrType.VALUE_OUTPUT, handle)
        elif op == FsCmd.CLOSE:
            fs.close(b)
        elif op == FsCmd.READ:
            out = buffer(1)
            data = fs.read(b, c, out.b)
            write(out.a, data)
            params[1] = msg.MsgParam(out.type, out.a, len(data), out.c)
        elif op == FsCmd.WRITE:
            data_param = buffer(1)
            fs.write(b, c, read(data_param.a, data_param.b))
        elif op == FsCmd.TRUNCATE:
            fs.truncate(b, c)
        elif op == FsCmd.REMOVE:
            fs.remove(name(1))
        elif op == FsCmd.RENAME:
            fs.rename(name(1), name(2), bool(b))
        elif op == FsCmd.CLOSEDIR:
            fs.closedir(b)
        elif op == FsCmd.READDIR:
            out = buffer(1)
            entry = fs.readdir(b)
            if entry is None:
                return _result(arg, TeeResult.ERROR_ITEM_NOT_FOUND)
            raw = entry.encode() + b"\0"
            if len(raw) > out.b:
                params[1] = msg.MsgParam(out.type, out.a, len(raw), out.c)
                return msg.MsgArg(arg.cmd, params=tuple(params), ret=TeeResult.ERROR_SHORT_BUFFER)
            write(out.a, raw)
            params[1] = msg.MsgParam(out.type, out.a, len(raw), out.c)
        else:
            return _result(arg, TeeResult.ERROR_NOT_SUPPORTED)
        return msg.MsgArg(arg.cmd, params=tuple(params), ret=TeeResult.SUCCESS)

    # -- RPC RPMB: memref[0] = struct rpmb_req + frames, memref[1] = response frames ---------
    def rpmb_request(self, arg: msg.MsgArg, read: Read, write: Write) -> msg.MsgArg:
        if self.rpmb is None:
            return _result(arg, TeeResult.ERROR_NOT_SUPPORTED)
        if (len(arg.params) != 2 or not arg.params[0].type.is_tmem or not arg.params[1].type.is_tmem
                or arg.params[0].b > MAX_TRANSFER or arg.params[1].b > MAX_TRANSFER):
            return _result(arg, TeeResult.ERROR_BAD_PARAMETERS)
        request, response = arg.params
        answer = self.rpmb.serve(read(request.a, request.b), response.b)
        if answer is None:
            return _result(arg, TeeResult.ERROR_BAD_PARAMETERS)
        write(response.a, answer)
        return msg.MsgArg(arg.cmd, params=arg.params, ret=TeeResult.SUCCESS)


    # -- RPC SUPP_PLUGIN: the plugin UUID in four words, cmd, sub_cmd, memref[3] = data -----------
    def supp_plugin(self, arg: msg.MsgArg, read: Read, write: Write) -> msg.MsgArg:
        params = arg.params
        if (len(params) != 4 or not all(p.type.is_value for p in params[:3])
                or not params[3].type.is_tmem or params[3].b > MAX_TRANSFER):
            return _result(arg, TeeResult.ERROR_BAD_PARAMETERS)
        if params[0].a != SUPP_PLUGIN_INVOKE:
            return _result(arg, TeeResult.ERROR_NOT_SUPPORTED)
        words = (params[0].b, params[0].c, params[1].a, params[1].b)
        plugin = plugin_uuid(words)
        handler = self._plugins.get(plugin)
        if handler is None:
            return _result(arg, TeeResult.ERROR_ITEM_NOT_FOUND)  # as tee-supplicant answers
        buffer = params[3]
        data = read(buffer.a, buffer.b) if buffer.b else b""
        try:
            result, output = handler(params[1].c & U32_MASK, params[2].a & U32_MASK, data)
        except Exception:  # noqa: BLE001 - a broken plugin must not take the supplicant down
            return _result(arg, TeeResult.ERROR_GENERIC)
        if result != TeeResult.SUCCESS:
            return _result(arg, result & U32_MASK)  # the output goes back only with success
        if len(output) > buffer.b:
            return _result(arg, TeeResult.ERROR_SHORT_BUFFER)
        if output:
            write(buffer.a, bytes(output))
        replied = (*params[:2], params[2]._replace(b=len(output)), buffer)
        return msg.MsgArg(arg.cmd, params=replied, ret=TeeResult.SUCCESS)


def _result(arg: msg.MsgArg, result: int) -> msg.MsgArg:
    return msg.MsgArg(arg.cmd, params=arg.params, ret=result)

"""tee-supplicant: the normal-world daemon that serves the secure world's RPC commands.

It owns the normal world's TA store (``<uuid>.ta`` files, OP-TEE's
``/lib/optee_armtz``) and, later, the REE file system and the RPMB device.
Everything it returns is untrusted by the secure world, which checks it.
"""

from __future__ import annotations

import uuid as uuid_mod
from pathlib import Path
from typing import Callable

from tee.abi import optee_msg as msg
from tee.abi.results import TeeResult

#: Refuse absurd files before reading them into memory.
MAX_TA_FILE_SIZE = 64 * 1024 * 1024


class Supplicant:
    def __init__(self, ta_store: Path | str) -> None:
        self.ta_store = Path(ta_store)

    def find_ta(self, uuid: uuid_mod.UUID) -> bytes | None:
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


def _result(arg: msg.MsgArg, result: TeeResult) -> msg.MsgArg:
    return msg.MsgArg(arg.cmd, params=arg.params, ret=result)

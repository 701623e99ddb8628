"""teesim for applications: the GlobalPlatform TEE Client API, with a
:class:`Context` that boots its own embedded board when given no channel.

    from teesim import Context, Operation, Value
    with Context() as ctx, ctx.open_session(HELLO_UUID) as session: ...

``normal_world`` holds the client API itself, which needs a channel; this
package sits above the board (:mod:`board`) and so may build one.
"""

from __future__ import annotations

from pathlib import Path

from tee.abi.results import ErrorOrigin, Login, ParamType, TeeResult
from tee.device import DeviceConfig
from normal_world import client
from normal_world.channel import Channel
from normal_world.client import (MEM_INPUT, MEM_OUTPUT, Operation, RegisteredMemref, Session,
                                 SharedMemory, TempMemref, TeeError, Value)
from normal_world.driver import OpteeDriver
from board import Board


class Context(client.Context):
    """TEEC_Context. With a ``channel`` or ``driver``: as :class:`normal_world.Context`.
    Without: a new embedded board (``self.board``) over ``ta_store`` (default:
    ``$TEESIM_TA_STORE``, else ``build/ta_store`` under the current directory), whose
    persistent state (fuses, RPMB, secure-storage files) lives in ``state_dir``
    (default: a temporary directory)."""

    board: Board | None = None

    def __init__(self, channel: Channel | None = None, *, driver: OpteeDriver | None = None,
                 ta_store: Path | str | None = None, state_dir: Path | str | None = None,
                 config: DeviceConfig | None = None, call_timeout: float | None = None) -> None:
        if channel is None and driver is None:
            self.board = Board(ta_store, config, state_dir, call_timeout=call_timeout)
            driver = self.board.driver
        super().__init__(channel, driver=driver)


__all__ = ["MEM_INPUT", "MEM_OUTPUT", "Board", "Context", "ErrorOrigin", "Login", "Operation",
           "ParamType", "RegisteredMemref", "Session", "SharedMemory", "TeeError", "TeeResult",
           "TempMemref", "Value"]

"""How long one fuzz input may keep a TA waiting (TEE_Wait), in virtual time.

Fuzz boards run on virtual time: a TA's TEE_Wait moves the board's clock
instead of sleeping, so a wait costs microseconds and a campaign runs the same
on any machine. A wait that would never end (TEE_TIMEOUT_INFINITE with
cancellation masked, or a TA waiting in a loop) would still never end: the
budget gives up the call once one input has waited longer than it, as a client
pressing Ctrl-C would, and the harness goes on with the next input.
"""

from __future__ import annotations

import time

from board import Board
from normal_world.driver import CallAbandoned

#: Virtual seconds one input may wait in all. An hour: more than any TA's
#: legitimate wait, and at most sixty RPCs (the driver sleeps a minute at most).
WAIT_BUDGET_SECONDS = 3600.0


class WaitBudget:
    """Installed as the board driver's sleep; :meth:`refill` before each input."""

    def __init__(self, board: Board, seconds: float = WAIT_BUDGET_SECONDS) -> None:
        """On a board of real time (not made by fuzz_board) waits really sleep."""
        self.board = board
        self._virtual = board.device.kernel.clock.virtual
        self.seconds = seconds
        self.left = seconds
        #: Calls given up because their input waited too long.
        self.abandoned = 0
        board.driver.sleep = self

    def refill(self) -> None:
        self.left = self.seconds

    def __call__(self, seconds: float) -> None:
        if seconds > self.left:
            self.left = 0.0
            self.abandoned += 1
            raise CallAbandoned(f"the input kept a TA waiting over {self.seconds:g} s (virtual)")
        self.left -= seconds
        if self._virtual:
            self.board.advance_clock(seconds)
        else:
            time.sleep(seconds)

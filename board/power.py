"""The board's power supply, as a test hook: cut power between two storage writes.

Both storage parts of the board (the normal world's disk under the REE file
store and the eMMC's RPMB partition) report every mutating step to one switch
before making it, so a test can stop the board between any two of them. The
secure side never sees the switch.
"""

from __future__ import annotations


class PowerCut(BaseException):
    """Power was cut at a write step (test hook). A BaseException, so no layer of
    the simulated device catches it: the board just stops."""


class PowerSwitch:
    """Test hook: ``cut_after(n)`` lets ``n`` more write steps happen, then cuts power
    before the next one. ``steps`` counts the write steps seen since ``cut_after``."""

    def __init__(self) -> None:
        self.steps = 0
        self._budget: int | None = None
        self.off = False

    def cut_after(self, steps: int | None) -> None:
        self._budget = steps
        self.steps = 0

    def write_step(self, what: str) -> None:
        if self.off:
            raise PowerCut("the device is off")
        if self._budget is not None and self.steps >= self._budget:
            self.off = True
            raise PowerCut(f"power cut before write step {self.steps + 1} ({what})")
        self.steps += 1

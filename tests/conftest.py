"""Shared fixtures: real TAs compiled once per test run, fresh boards per test."""

from __future__ import annotations

import uuid
import weakref
from pathlib import Path

import pytest

from tee.device import DeviceConfig
from board import Board
from tee.kernel.kernel import KernelConfig, SecureKernel
from tee.kernel.ta_manager import TaManagerConfig
from tee.tools.ta_build import build_ta
from normal_world import Context

REPO = Path(__file__).resolve().parents[1]
HELLO_DIR = REPO / "trusted_apps" / "hello"
MISBEHAVE_DIR = REPO / "tests" / "tas" / "misbehave"
RPC_TEST_DIR = REPO / "tests" / "tas" / "rpc_test"
RELAY_DIR = REPO / "tests" / "tas" / "relay"
PTA_TEST_DIR = REPO / "tests" / "tas" / "pta_test"
HELLO_UUID = uuid.UUID("f7fc2b6c-f247-4f1b-92ef-233d76b78653")
MISBEHAVE_UUID = uuid.UUID("b31d747b-0910-4c04-85a7-55f122a7c578")
RPC_TEST_UUID = uuid.UUID("5ff3f475-1563-446d-80ad-00d4458aab04")
RELAY_UUID = uuid.UUID("042e386a-59dc-411e-829b-d2e1f7ccb8e4")
PTA_TEST_UUID = uuid.UUID("8c6f2d1a-3b7e-4f0a-9d21-5e4c7b9a1f03")
#: The same TA code built under another UUID (-DPTA_TEST_SECOND).
PTA_TEST_SECOND_UUID = uuid.UUID("6d1e0c55-2a4b-4e8f-a310-7b92c45d01e6")
#: Small enough that an endless loop ends a test quickly, large enough for any honest command.
TEST_INSTRUCTION_BUDGET = 20_000_000


# Every secure kernel the suite boots, so that each test can be failed when any
# of them met an internal error during it (whatever the test itself checks).
_KERNELS: "weakref.WeakSet[SecureKernel]" = weakref.WeakSet()
_boot = SecureKernel.__init__


def _boot_and_remember(self: SecureKernel, *args: object, **kwargs: object) -> None:
    _boot(self, *args, **kwargs)  # type: ignore[arg-type]
    _KERNELS.add(self)


SecureKernel.__init__ = _boot_and_remember  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _fail_on_internal_errors():
    """No test may leave the secure side with a new internal error (a Python
    exception caught at a vector: a bug, whatever the test meant to provoke)."""
    before = {kernel: kernel.internal_errors.count for kernel in list(_KERNELS)}
    yield
    moved = [kernel for kernel in list(_KERNELS)
             if kernel.internal_errors.count != before.get(kernel, 0)]
    before.clear()
    assert not moved, "internal errors in the secure world:\n" + "\n".join(
        f"{error.where}: {error.summary}\n{error.traceback}"
        for kernel in moved for error in kernel.internal_errors.recent)


@pytest.fixture(scope="session")
def ta_store() -> Path:
    out = REPO / "build" / "test-ta-store"
    for ta_dir in (HELLO_DIR, MISBEHAVE_DIR, RPC_TEST_DIR, RELAY_DIR):
        build_ta(ta_dir, out)
    build_ta(PTA_TEST_DIR, out)
    build_ta(PTA_TEST_DIR, out, extra_cflags=("-DPTA_TEST_SECOND",))
    return out


def budgeted_config(tas: TaManagerConfig | None = None, **kernel_options: object) -> DeviceConfig:
    """The secure side's config for tests: by default with an instruction budget, so a
    runaway TA ends."""
    tas = tas or TaManagerConfig(instruction_budget=TEST_INSTRUCTION_BUDGET)
    return DeviceConfig(kernel=KernelConfig(tas=tas, **kernel_options))


def make_board(ta_store: Path, tas: TaManagerConfig | None = None, **kernel_options: object) -> Board:
    """A board for tests, its secure side configured by :func:`budgeted_config`."""
    return Board(ta_store, budgeted_config(tas, **kernel_options))


@pytest.fixture
def board(ta_store: Path) -> Board:
    return make_board(ta_store)


@pytest.fixture
def ctx(board: Board) -> Context:
    return board.context()


@pytest.fixture
def no_internal_errors(board: Board):
    """Fails the test if the secure side hit an unexpected Python exception
    (every test is checked so by ``_fail_on_internal_errors``; this names it)."""
    yield
    assert board.device.internal_errors.count == 0

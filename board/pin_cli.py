"""``teesim pin enroll|verify|delete``: the PIN TA from the command line.

Each invocation boots the board kept in a state directory (fuses, RPMB image,
REE files), so enrolments and failure counts survive between invocations. Like
Android's ``gatekeeperd``, the normal world keeps each user's password handle:
the CLI stores it in ``<state-dir>/gatekeeper/<uid>.handle`` (not secret: it is
signed inside the TEE). Every invocation is a new boot, so a throttling wait
restarts in full each time (docs/pin.md); ``--advance-clock`` moves the
simulated secure clock forward after boot, as the board's test hook does.

Exit status: 0 OK; 1 wrong PIN (or no such enrolment); 2 bad usage, a missing
handle or unbuilt TA; 3 throttled (the message gives the remaining wait);
4 a TEE failure. Every outcome is one line, never a traceback.
"""

from __future__ import annotations

import getpass
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from normal_world import TeeError
from normal_world.gatekeeper import HANDLE_SIZE, PIN_TA_UUID, Gatekeeper, Status
from board.board import Board

#: Where the CLI keeps the board's state unless told otherwise (under the current directory).
DEFAULT_STATE_DIR = Path("build") / "state"
#: The normal world's handle store inside the state directory (gatekeeperd's /data/misc/gatekeeper).
HANDLE_DIR = "gatekeeper"

EXIT_OK = 0
EXIT_WRONG_PIN = 1
EXIT_USAGE = 2
EXIT_THROTTLED = 3
EXIT_TEE_FAILURE = 4


class PinUsageError(Exception):
    """Bad input: reported in one line with exit status 2."""


@dataclass(frozen=True)
class Outcome:
    exit_status: int
    message: str


def handle_path(state_dir: Path, uid: int) -> Path:
    return state_dir / HANDLE_DIR / f"{uid}.handle"


def load_handle(state_dir: Path, uid: int) -> bytes | None:
    path = handle_path(state_dir, uid)
    try:
        handle = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise PinUsageError(f"{path}: {error.strerror}") from None
    if len(handle) != HANDLE_SIZE:
        raise PinUsageError(f"{path}: not a password handle ({len(handle)} bytes, not {HANDLE_SIZE})")
    return handle


def store_handle(state_dir: Path, uid: int, handle: bytes) -> None:
    """Written whole or not at all (a new file renamed over the old one)."""
    path = handle_path(state_dir, uid)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(handle)
    os.replace(partial, path)


def forget_handles(state_dir: Path, uid: int | None) -> None:
    paths = [handle_path(state_dir, uid)] if uid is not None else \
        sorted((state_dir / HANDLE_DIR).glob("*.handle"))
    for path in paths:
        path.unlink(missing_ok=True)


def read_pin(given: str | None, prompt: str) -> bytes:
    """``given`` (from --pin/--new-pin) or typed at a getpass prompt; never empty."""
    if given is None:
        try:
            with warnings.catch_warnings():  # stdin not a terminal: read it, echo and all
                warnings.simplefilter("ignore", getpass.GetPassWarning)
                given = getpass.getpass(prompt)
        except (EOFError, KeyboardInterrupt):
            raise PinUsageError("no PIN given") from None
    if not given:
        raise PinUsageError("the PIN is empty")
    return given.encode()


def wait_text(timeout_ms: int) -> str:
    seconds = timeout_ms / 1000
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _throttled(timeout_ms: int) -> Outcome:
    return Outcome(EXIT_THROTTLED, f"throttled: try again in {wait_text(timeout_ms)} "
                                   f"({timeout_ms} ms; each invocation is a new boot, "
                                   "which restarts the wait)")


def enroll(gk: Gatekeeper, state_dir: Path, uid: int, pin: str | None, new_pin: str | None) -> Outcome:
    """A trusted re-enrolment (the current PIN needed, the SID kept) when a handle is
    stored for ``uid``; otherwise an untrusted one (a new SID)."""
    current_handle = load_handle(state_dir, uid)
    current_pin = read_pin(pin, "current PIN: ") if current_handle is not None else None
    new = read_pin(new_pin, "new PIN: ")
    response = gk.enroll(uid, current_handle, current_pin, new)
    if response.status == Status.ERROR_RETRY:
        return _throttled(response.timeout_ms)
    if response.status != Status.OK:
        return Outcome(EXIT_WRONG_PIN, "wrong PIN: the current PIN did not verify; nothing changed")
    store_handle(state_dir, uid, response.handle)
    kind = "re-enrolled (SID kept)" if current_handle is not None else "enrolled"
    return Outcome(EXIT_OK, f"OK: uid {uid} {kind}, secure user id {response.secure_user_id:#018x}")


def verify(gk: Gatekeeper, state_dir: Path, uid: int, pin: str | None, challenge: int) -> Outcome:
    handle = load_handle(state_dir, uid)
    if handle is None:
        raise PinUsageError(f"no PIN enrolled for uid {uid} in {state_dir}; run 'teesim pin enroll'")
    response = gk.verify(uid, challenge, handle, read_pin(pin, "PIN: "))
    if response.status == Status.ERROR_RETRY:
        return _throttled(response.timeout_ms)
    if response.status != Status.OK:
        return Outcome(EXIT_WRONG_PIN, "wrong PIN")
    return Outcome(EXIT_OK, f"OK: auth token {response.token.hex()}")


def delete(gk: Gatekeeper, state_dir: Path, uid: int | None) -> Outcome:
    if uid is None:
        gk.delete_all_users()
    else:
        gk.delete_user(uid)
    forget_handles(state_dir, uid)
    return Outcome(EXIT_OK, "OK: every user deleted" if uid is None else f"OK: uid {uid} deleted")


def run(action: str, *, ta_store: Path, state_dir: Path, uid: int | None, pin: str | None = None,
        new_pin: str | None = None, challenge: int = 0, advance_clock_s: float = 0.0) -> Outcome:
    """Boot the board in ``state_dir`` and do ``action`` (enroll, verify, delete)."""
    if not (ta_store / f"{PIN_TA_UUID}.ta").exists():
        raise PinUsageError(f"the PIN TA is not built in {ta_store}; run 'make tas'")
    if state_dir.exists() and not state_dir.is_dir():
        raise PinUsageError(f"{state_dir}: not a directory")
    board = Board(ta_store, state_dir=state_dir)
    if advance_clock_s:
        board.advance_clock(advance_clock_s)
    try:
        with Gatekeeper(board.context()) as gk:
            if action == "enroll":
                assert uid is not None
                return enroll(gk, state_dir, uid, pin, new_pin)
            if action == "verify":
                assert uid is not None
                return verify(gk, state_dir, uid, pin, challenge)
            return delete(gk, state_dir, uid)
    except TeeError as error:
        return Outcome(EXIT_TEE_FAILURE, f"TEE failure: {error}")

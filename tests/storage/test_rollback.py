"""Rollback across reboots. Each test plays an attacker who controls the normal
world's files (the TA store, the REE FS) and, where stated, edits the block data
of the eMMC's image (chip surgery that leaves its key and write counter alone).

* TA images: the highest ta_version ever loaded per UUID (the version floor)
  lives in the RPMB table, so a reboot does not reopen the door to old images.
* Secure storage: every write to the partition carries the write counter it is
  made at, so old table blocks put back under a moved-on counter are noticed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from board import Board
from board.emmc import FRAME_SIZE, REQ_WRITE, RPMB_REQ, parse
from board.power import PowerCut
from normal_world import Context, ErrorOrigin, Operation, TeeError, Value
from normal_world.driver import OpteeDriver
from normal_world.supplicant import Supplicant
from tee.abi.results import TeeResult as R
from tee.device import DeviceConfig
from tee.kernel.kernel import KernelConfig
from tee.kernel.ta_manager import TaManagerConfig
from tee.tools.sign import load_signing_key, sign_ta
from tests.conftest import HELLO_UUID, TEST_INSTRUCTION_BUDGET
from tests.storage.storage_ta import OK, PRIVATE_RPMB

#: The eMMC image: magic 8 | key programmed 1 | key 32 | write counter 4, then the blocks.
IMAGE_HEAD = 45
#: Blocks the secure world keeps its anchors (and now version floors) in, in either layout.
TABLE_AREA = 18


# -- TA version floor --------------------------------------------------------------------
@pytest.fixture(scope="module")
def signed_hello(ta_store: Path):
    elf = (ta_store / f"{HELLO_UUID}.elf").read_bytes()
    key = load_signing_key()
    return lambda version: sign_ta(elf, key, HELLO_UUID, version)


def hello_board(store: Path, state_dir: Path) -> Board:
    tas = TaManagerConfig(instruction_budget=TEST_INSTRUCTION_BUDGET)
    return Board(store, DeviceConfig(kernel=KernelConfig(tas=tas)), state_dir=state_dir)


def offer(store: Path, image: bytes) -> None:
    store.mkdir(exist_ok=True)
    (store / f"{HELLO_UUID}.ta").write_bytes(image)


def hello_runs(board: Board) -> bool:
    """Opens a session to hello and uses it; False if the TEE refuses to load it
    with TEE_ERROR_SECURITY (the TA never ran)."""
    log = board.device
    before = len(log.secure_log)
    try:
        with board.context().open_session(HELLO_UUID) as session:
            return session.invoke(0, Operation(Value.inout(41))).params[0].a == 42
    except TeeError as error:
        assert (error.result, error.origin) == (R.ERROR_SECURITY, ErrorOrigin.TEE), error
        assert not any("Hello World!" in line for line in log.secure_log[before:])
        return False


def test_version_floor_survives_reboot(tmp_path: Path, signed_hello) -> None:
    store, state = tmp_path / "store", tmp_path / "state"
    offer(store, signed_hello(2))
    board = hello_board(store, state)
    assert hello_runs(board)
    offer(store, signed_hello(1))
    board = board.reboot()
    assert not hello_runs(board)
    assert "version 1 is a rollback (version 2 was loaded before)" in board.device.secure_log[-1]
    # a new Board on the same state is the same board
    assert not hello_runs(hello_board(store, state))
    offer(store, signed_hello(2))
    assert hello_runs(hello_board(store, state))


def test_power_cut_while_the_floor_is_recorded(tmp_path: Path, signed_hello) -> None:
    """A brand-new board loads version 2: the RPMB key is programmed and the floor
    written before the TA runs. Power is cut before each of those steps in turn:
    after the reboot the floor is the old (none) or the new one, and version 2 ran
    only if its floor had been committed."""
    store, fresh, work = tmp_path / "store", tmp_path / "fresh", tmp_path / "state"
    hello_board(store, fresh)  # fuses burnt, nothing else
    outcomes = []
    for cut in range(16):
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(fresh, work)
        offer(store, signed_hello(2))
        board = hello_board(store, work)
        board.power.cut_after(cut)
        try:
            assert hello_runs(board)
            was_cut = False
        except PowerCut:
            was_cut = True
        ran = any("Hello World!" in line for line in board.device.secure_log)
        offer(store, signed_hello(1))
        floor_committed = not hello_runs(hello_board(store, work))
        assert floor_committed or not ran, f"cut {cut}: version 2 ran, its floor was lost"
        outcomes.append(floor_committed)
        if not was_cut:
            break
    else:
        pytest.fail("the load never completed")
    assert outcomes[0] is False and outcomes[-1] is True and len(outcomes) >= 3
    assert outcomes == sorted(outcomes)  # once committed it stays committed


# -- storage: the anchor table bound to the write counter ---------------------------------
def partition_blocks(board) -> bytes:
    return board.rpmb_image.read_bytes()[IMAGE_HEAD:]


def put_back_blocks(board, old: bytes, blocks: range) -> None:
    """Chip surgery: old block data into the image, its key and counter as they are now."""
    image = bytearray(board.rpmb_image.read_bytes())
    start, end = IMAGE_HEAD + blocks.start * 256, IMAGE_HEAD + blocks.stop * 256
    image[start:end] = old[blocks.start * 256:blocks.stop * 256]
    board.rpmb_image.write_bytes(image)


def put_back_files(board, snapshot: Path) -> None:
    shutil.rmtree(board.ree_fs)
    shutil.copytree(snapshot, board.ree_fs)


def test_old_partition_blocks_and_old_files_are_a_detected_rollback(board, tmp_path: Path) -> None:
    ta = board.ta()
    ta.put_object(b"victim", b"balance: 100")
    old_blocks, old_files = partition_blocks(board), tmp_path / "files"
    shutil.copytree(board.ree_fs, old_files)
    ta.put_object(b"victim", b"balance: 0")
    ta.put_object(b"other", b"written later")
    board.power_off()
    put_back_blocks(board, old_blocks, range(len(old_blocks) // 256))
    put_back_files(board, old_files)
    board.reboot()
    # the table no longer holds the last write: neither the anchors nor the version
    # floors kept beside them are trusted, and no TA is loaded
    assert board.load_refused() == R.ERROR_SECURITY
    assert "RPMB table rolled back" in board.booted.device.secure_log[-1]


def unfinished_rpmb_commit(board, ta) -> None:
    """Overwrite "victim" in RPMB while the normal world refuses every write to the
    table: the object write lands, the anchor write that would commit it does not."""
    emmc = board.booted.rpmb
    real = emmc.serve

    def drop_table_writes(request: bytes, size: int):
        first = parse(request[RPMB_REQ.size:RPMB_REQ.size + FRAME_SIZE])
        if first["kind"] == REQ_WRITE and first["address"] < TABLE_AREA:
            return None  # refused by the supplicant
        return real(request, size)

    emmc.serve = drop_table_writes
    result, _ = ta.create(b"victim", b"balance: -50", 0x7 | 0x400, PRIVATE_RPMB)
    assert result == R.ERROR_STORAGE_NOT_AVAILABLE
    emmc.serve = real


def test_old_table_blocks_behind_an_unfinished_rpmb_commit(board, tmp_path: Path) -> None:
    """The last write is an RPMB object write whose commit never finished (the
    normal world dropped the anchor write that should follow it): its trailer names
    the table it was made on, not the old one put back."""
    ta = board.ta()
    ta.put_object(b"victim", b"balance: 100", PRIVATE_RPMB)
    old_blocks, old_files = partition_blocks(board), tmp_path / "files"
    shutil.copytree(board.ree_fs, old_files)
    ta.put_object(b"victim", b"balance: 0", PRIVATE_RPMB)
    unfinished_rpmb_commit(board, ta)
    board.power_off()
    put_back_blocks(board, old_blocks, range(TABLE_AREA))
    put_back_files(board, old_files)
    board.reboot()
    assert board.load_refused() == R.ERROR_SECURITY
    assert "RPMB table rolled back" in board.booted.device.secure_log[-1]


def test_unfinished_rpmb_commit_alone_is_no_rollback(board) -> None:
    """The same unfinished commit without an attack: the board boots, the old value stays."""
    ta = board.ta()
    ta.put_object(b"victim", b"balance: 100", PRIVATE_RPMB)
    unfinished_rpmb_commit(board, ta)
    board.reboot()
    assert board.ta().read_object(b"victim", PRIVATE_RPMB) == (OK, b"balance: 100")


def test_restoring_the_whole_state_directory_is_an_undetectable_rollback(board, tmp_path: Path) -> None:
    """The limit: a copy of the whole board (fuses, eMMC with its counter, files) is
    a board in an earlier state. Nothing on it can tell (docs/secure-storage.md)."""
    ta = board.ta()
    ta.put_object(b"victim", b"balance: 100")
    board.power_off()
    whole = tmp_path / "whole"
    shutil.copytree(board.state_dir, whole)
    board.reboot()
    board.ta().put_object(b"victim", b"balance: 0")
    board.power_off()
    shutil.rmtree(board.state_dir)
    shutil.copytree(whole, board.state_dir)
    board.reboot()
    assert board.ta().read_object(b"victim") == (OK, b"balance: 100")


def test_a_normal_world_without_rpmb_loads_nothing(tmp_path: Path, signed_hello) -> None:
    """No floor can be read: the load is refused, not waved through."""
    store = tmp_path / "store"
    offer(store, signed_hello(0))
    board = hello_board(store, tmp_path / "state")
    no_emmc = OpteeDriver(board.channel, supplicant=Supplicant(store, board.ree_fs))
    with pytest.raises(TeeError) as caught:
        Context(driver=no_emmc).open_session(HELLO_UUID)
    assert (caught.value.result, caught.value.origin) == (R.ERROR_STORAGE_NOT_AVAILABLE, ErrorOrigin.TEE)
    assert "cannot read the version floor" in board.device.secure_log[-1]
    assert hello_runs(board)  # the same board with its eMMC wired


def test_volatile_floor_is_forgotten_at_reboot(tmp_path: Path, signed_hello) -> None:
    """persistent_version_floor=False (a board whose normal world has no RPMB):
    rollback is refused within a boot only, and no RPMB is needed."""
    store, state = tmp_path / "store", tmp_path / "state"
    tas = TaManagerConfig(instruction_budget=TEST_INSTRUCTION_BUDGET, persistent_version_floor=False)
    config = DeviceConfig(kernel=KernelConfig(tas=tas))
    offer(store, signed_hello(2))
    board = Board(store, config, state_dir=state)
    assert hello_runs(board)
    assert not (state / "rpmb.img").exists()
    offer(store, signed_hello(1))
    assert not hello_runs(board)
    assert hello_runs(board.reboot())

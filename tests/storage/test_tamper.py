"""Attacks by the normal world on what it stores: the REE FS files and the RPMB
partition. Each one must end in TEE_ERROR_CORRUPT_OBJECT (or ITEM_NOT_FOUND /
STORAGE_NOT_AVAILABLE where that is the honest answer), never in wrong data.
The tests edit the state directory's files directly, as an attacker with the
disk would."""

from __future__ import annotations

import shutil
from pathlib import Path

from tee.abi.results import TeeResult as R
from board.emmc import FRAME_SIZE, RPMB_REQ, parse
from tee.kernel.storage.rpmb import region_start
from tests.storage.storage_ta import OK, TA2

SECRET = b"TOP-SECRET-0123456789-abcdefghij"


def sealed(board, magic: bytes) -> list[Path]:
    return sorted(p for p in board.ree_fs.iterdir() if p.read_bytes()[:4] == magic)


def object_file(board) -> Path:
    files = sealed(board, b"TSO1")
    assert len(files) == 1, files
    return files[0]


def single_object_board(board, data: bytes = SECRET):
    board.ta().put_object(b"victim", data)
    return object_file(board)


def expect_corrupt(board, object_id: bytes = b"victim", reboot: bool = True, ta=None) -> None:
    if reboot:
        board.reboot()
    session = board.ta(ta) if ta else board.ta()
    result, data = session.read_object(object_id)
    assert result == R.ERROR_CORRUPT_OBJECT, (hex(result), data)


def test_secret_never_in_clear_in_normal_world_files(board) -> None:
    ta = board.ta()
    key = ta.key(0xA0000000, 256, SECRET)  # a generic secret key holding the same bytes
    result, h = ta.create(b"key-and-data", SECRET * 3, attributes=key)
    assert result == OK
    assert ta.write(h, SECRET) == OK
    ta.close_object(h)
    files = [p for p in board.ree_fs.iterdir()] + [board.rpmb_image]
    assert len(files) >= 3
    for path in files:
        raw = path.read_bytes()
        assert SECRET not in raw and SECRET[:16] not in raw, path
    # the file names reveal nothing either: no object id in them
    assert all(b"key-and-data" not in p.name.encode() for p in files)


def test_flipped_bit_in_object_file(board) -> None:
    path = single_object_board(board)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(raw)
    expect_corrupt(board, reboot=False)
    expect_corrupt(board)


def test_truncated_object_file(board) -> None:
    path = single_object_board(board)
    path.write_bytes(path.read_bytes()[:-1])
    expect_corrupt(board)


def test_deleted_object_file(board) -> None:
    path = single_object_board(board)
    path.unlink()
    expect_corrupt(board)


def test_objects_swapped_within_a_ta(board) -> None:
    ta = board.ta()
    ta.put_object(b"a", b"object a")
    before = set(sealed(board, b"TSO1"))
    ta.put_object(b"b", b"object b")
    [file_b] = set(sealed(board, b"TSO1")) - before
    [file_a] = before
    raw_a, raw_b = file_a.read_bytes(), file_b.read_bytes()
    file_a.write_bytes(raw_b)
    file_b.write_bytes(raw_a)
    expect_corrupt(board, b"a")
    expect_corrupt(board, b"b", reboot=False)


def test_object_swapped_between_tas(board) -> None:
    board.ta().put_object(b"victim", b"TA1 data")
    mine = object_file(board)
    board.ta(TA2).put_object(b"victim", b"TA2 data")
    [theirs] = set(sealed(board, b"TSO1")) - {mine}
    mine.write_bytes(theirs.read_bytes())
    expect_corrupt(board)
    assert board.ta(TA2).read_object(b"victim") == (OK, b"TA2 data")
    # and the other TA's directory file cannot stand in for ours either
    dirs = sealed(board, b"TSD1")
    assert len(dirs) == 2
    dirs[0].write_bytes(dirs[1].read_bytes())
    board.reboot()
    results = {board.ta().read_object(b"victim")[0], board.ta(TA2).read_object(b"victim")[0]}
    assert R.ERROR_CORRUPT_OBJECT in results and results <= {R.ERROR_CORRUPT_OBJECT, OK}


def test_older_object_version_replayed(board) -> None:
    ta = board.ta()
    ta.put_object(b"victim", b"version 1")
    old = object_file(board).read_bytes()
    ta.put_object(b"victim", b"version 2")
    object_file(board).write_bytes(old)
    expect_corrupt(board, reboot=False)
    expect_corrupt(board)


def test_older_consistent_file_set_replayed(board, tmp_path: Path) -> None:
    """Roll back every REE file (directory and objects) to an earlier consistent
    snapshot: the RPMB anchor still names the newer directory."""
    ta = board.ta()
    ta.put_object(b"victim", b"balance: 100")
    snapshot = tmp_path / "snapshot"
    shutil.copytree(board.ree_fs, snapshot)
    ta.put_object(b"victim", b"balance: 0")
    board.power_off()
    shutil.rmtree(board.ree_fs)
    shutil.copytree(snapshot, board.ree_fs)
    board.reboot()
    result, data = board.ta().read_object(b"victim")
    assert result == R.ERROR_CORRUPT_OBJECT, (hex(result), data)


def test_directory_file_flipped_or_deleted(board) -> None:
    single_object_board(board)
    [directory] = sealed(board, b"TSD1")
    raw = bytearray(directory.read_bytes())
    raw[-1] ^= 0x80
    directory.write_bytes(raw)
    expect_corrupt(board)
    directory.unlink()
    expect_corrupt(board)
    board.reboot()
    ta = board.ta()
    result, enumerator = ta.enum_alloc()
    assert result == OK
    assert ta.enum_start(enumerator) == R.ERROR_CORRUPT_OBJECT  # enumeration meets it too


def test_all_files_deleted(board) -> None:
    single_object_board(board)
    for path in board.ree_fs.iterdir():
        path.unlink()
    expect_corrupt(board)


def test_rpmb_anchor_edited_in_the_image(board) -> None:
    single_object_board(board)
    board.power_off()
    image = bytearray(board.rpmb_image.read_bytes())
    # the anchor table starts at block 0, after the image header (8 + 1 + 32 + 4 bytes)
    image[45 + 20] ^= 0x01  # a byte of the first slot's counter
    board.rpmb_image.write_bytes(image)
    board.reboot()
    # the table is no longer what the last write left: nothing in it is trusted,
    # the version floors neither, so no TA loads
    assert board.load_refused() == R.ERROR_SECURITY
    assert "RPMB table rolled back" in board.booted.device.secure_log[-1]


def test_rpmb_chip_with_another_key(board) -> None:
    """An eMMC whose key is not ours (swapped chip): its frames do not verify."""
    single_object_board(board)
    board.power_off()
    image = bytearray(board.rpmb_image.read_bytes())
    image[9:41] = bytes(32)
    board.rpmb_image.write_bytes(image)
    board.reboot()
    assert board.load_refused() == R.ERROR_STORAGE_NOT_AVAILABLE  # no trusted version floor


def test_replayed_rpmb_read_response(board) -> None:
    """The normal world records the partition's answers and replays them later:
    the nonce gives it away."""
    single_object_board(board)
    board.reboot()
    device = board.booted
    recorded: list[bytes] = []
    real = device.rpmb.serve

    def record(request: bytes, size: int):
        answer = real(request, size)
        recorded.append(answer)
        return answer

    device.rpmb.serve = record
    assert board.ta().read_object(b"victim") == (OK, SECRET)
    board.reboot()
    replay = iter(recorded)
    board.booted.rpmb.serve = lambda request, size: next(replay)
    assert board.load_refused() == R.ERROR_STORAGE_NOT_AVAILABLE  # the version floor read fails


def test_forged_rpmb_write_confirmation(board) -> None:
    """The normal world drops a write and claims success: the forged answer does
    not verify, the update is not committed, the old data stays."""
    ta = board.ta()
    ta.put_object(b"victim", b"old")
    device = board.booted
    real = device.rpmb.serve

    def drop_writes(request: bytes, size: int):
        first = parse(request[RPMB_REQ.size:RPMB_REQ.size + FRAME_SIZE])
        if first["kind"] == 3:
            reply = bytearray(FRAME_SIZE)
            reply[500:504] = (first["counter"] + 1).to_bytes(4, "big")
            reply[510:512] = (0x300).to_bytes(2, "big")
            return bytes(reply)
        return real(request, size)

    device.rpmb.serve = drop_writes
    result, _ = ta.create(b"victim", b"new", 0x7 | 0x400)
    assert result == R.ERROR_STORAGE_NOT_AVAILABLE
    device.rpmb.serve = real
    assert board.ta().read_object(b"victim") == (OK, b"old")
    board.reboot()
    assert board.ta().read_object(b"victim") == (OK, b"old")


def test_hostile_fs_replies_are_errors_not_crashes(board) -> None:
    """A supplicant that answers reads with more bytes than asked, or garbage."""
    ta = board.ta()
    ta.put_object(b"victim", b"data")
    store = board.booted.ree_fs
    real_read = store.read
    store.read = lambda fd, offset, size: b"\xff" * size
    assert ta.read_object(b"victim")[0] == R.ERROR_CORRUPT_OBJECT
    store.read = lambda fd, offset, size: b""
    assert ta.read_object(b"victim")[0] == R.ERROR_CORRUPT_OBJECT
    store.read = real_read
    assert ta.read_object(b"victim") == (OK, b"data")


def test_rpmb_object_block_edited_in_the_image(board) -> None:
    """The eMMC serves what its storage holds under a valid MAC: the directory's
    hash of the object catches the edit."""
    board.ta().put_object(b"victim", SECRET, 0x80000100)
    board.power_off()
    image = bytearray(board.rpmb_image.read_bytes())
    assert SECRET not in image
    image[45 + region_start(0) * 256 + 40] ^= 0x04   # first block of the first TA's RPMB region
    board.rpmb_image.write_bytes(image)
    board.reboot()
    result, data = board.ta().read_object(b"victim", 0x80000100)
    assert result == R.ERROR_CORRUPT_OBJECT and data == b""

"""GP persistent objects through the storage test TA: create/open/read/write/seek/
truncate/rename/delete, sharing rules, enumeration, keys, storage ids, isolation."""

from __future__ import annotations

import pytest

from normal_world import TeeError
from tee.abi.results import TeeResult as R
from tests.storage.storage_ta import (ALL, ATTR_SECRET_VALUE, HANDLE_INITIALIZED, HANDLE_PERSISTENT, OK,
                                      OVERWRITE, PRIVATE, PRIVATE_REE, PRIVATE_RPMB, READ, SEEK_CUR,
                                      SEEK_END, SEEK_SET, SHARE_READ, SHARE_WRITE, TA2, TYPE_AES,
                                      TYPE_DATA, TYPE_GENERIC_SECRET, WRITE, WRITE_META)


def test_create_read_back_and_info(board) -> None:
    ta = board.ta()
    result, handle = ta.create(b"greeting", b"hello, storage")
    assert result == OK and handle
    result, info = ta.info(handle)
    assert result == OK
    assert info["type"] == TYPE_DATA and info["data_size"] == 14 and info["position"] == 0
    assert info["flags"] == HANDLE_PERSISTENT | HANDLE_INITIALIZED | ALL
    assert ta.read(handle, 5) == (OK, b"hello")
    assert ta.read(handle) == (OK, b", storage")
    assert ta.read(handle) == (OK, b"")  # at the end
    assert ta.close_object(handle) == OK
    assert ta.read_object(b"greeting") == (OK, b"hello, storage")


def test_open_missing_and_bad_storage(board) -> None:
    ta = board.ta()
    assert ta.open(b"nothing")[0] == R.ERROR_ITEM_NOT_FOUND
    assert ta.create(b"x", storage=0x1234)[0] == R.ERROR_ITEM_NOT_FOUND
    assert ta.open(b"x", storage=0x1234)[0] == R.ERROR_ITEM_NOT_FOUND


def test_write_seek_truncate(board) -> None:
    ta = board.ta()
    _, h = ta.create(b"stream", b"0123456789")
    assert ta.seek(h, 4) == OK
    assert ta.write(h, b"abc") == OK
    assert ta.info(h)[1]["position"] == 7
    assert ta.seek(h, -2, SEEK_END) == OK
    assert ta.read(h) == (OK, b"89")
    assert ta.seek(h, 3, SEEK_END) == OK          # past the end: writing fills with zeros
    assert ta.write(h, b"Z") == OK
    assert ta.seek(h, -100, SEEK_CUR) == OK       # before the start: position 0
    assert ta.read(h) == (OK, b"0123abc789\0\0\0Z")
    assert ta.truncate(h, 4) == OK
    assert ta.info(h)[1]["data_size"] == 4
    assert ta.truncate(h, 6) == OK                # growing pads with zeros
    assert ta.seek(h, 0, SEEK_SET) == OK
    assert ta.read(h) == (OK, b"0123\0\0")
    ta.close_object(h)
    assert ta.read_object(b"stream") == (OK, b"0123\0\0")


def test_create_existing_conflicts_unless_overwrite(board) -> None:
    ta = board.ta()
    _, h = ta.create(b"obj", b"first")
    ta.close_object(h)
    assert ta.create(b"obj", b"second")[0] == R.ERROR_ACCESS_CONFLICT
    assert ta.read_object(b"obj") == (OK, b"first")
    result, h = ta.create(b"obj", b"second", ALL | OVERWRITE)
    assert result == OK
    # OVERWRITE while the object is open elsewhere is still a conflict
    assert ta.create(b"obj", b"third", ALL | OVERWRITE)[0] == R.ERROR_ACCESS_CONFLICT
    ta.close_object(h)
    assert ta.read_object(b"obj") == (OK, b"second")


def test_create_with_null_handle_pointer(board) -> None:
    ta = board.ta()
    assert ta.create_closed(b"closed") == OK
    result, h = ta.open(b"closed")
    assert result == OK  # no handle stayed open
    assert ta.info(h)[1]["data_size"] == 0


@pytest.mark.parametrize("first, second, ok", [
    (READ, READ, False),
    (READ | SHARE_READ, READ | SHARE_READ, True),
    (READ | SHARE_READ, READ, False),                     # the new one does not share
    (READ | SHARE_READ, WRITE | SHARE_READ, False),       # the first does not share writing
    (READ | SHARE_READ | SHARE_WRITE, WRITE | SHARE_READ | SHARE_WRITE, True),
    (WRITE_META | SHARE_READ | SHARE_WRITE, READ | SHARE_READ | SHARE_WRITE, False),  # meta is exclusive
    (READ | SHARE_READ | SHARE_WRITE, WRITE_META | SHARE_READ | SHARE_WRITE, False),
])
def test_sharing_rules(board, first: int, second: int, ok: bool) -> None:
    ta = board.ta()
    assert ta.create_closed(b"shared") == OK
    result, h1 = ta.open(b"shared", first)
    assert result == OK
    result, h2 = ta.open(b"shared", second)
    assert (result == OK) == ok, hex(result)
    if not ok:
        assert result == R.ERROR_ACCESS_CONFLICT and h2 == 0
    # closing the first handle lifts the conflict
    ta.close_object(h1)
    if ok:
        ta.close_object(h2)
    result, h3 = ta.open(b"shared", second)
    assert result == OK


def test_conflict_across_sessions_of_one_ta(board) -> None:
    a, b = board.ta(), board.ta()
    assert a.create_closed(b"x") == OK
    result, h = a.open(b"x", READ)
    assert result == OK
    assert b.open(b"x", READ | SHARE_READ)[0] == R.ERROR_ACCESS_CONFLICT
    a.close_object(h)
    assert b.open(b"x", READ)[0] == OK


def test_shared_writers_see_each_other(board) -> None:
    ta = board.ta()
    flags = READ | WRITE | SHARE_READ | SHARE_WRITE
    ta.create_closed(b"s")
    _, w = ta.open(b"s", flags)
    _, r = ta.open(b"s", flags)
    assert ta.write(w, b"written by w") == OK
    assert ta.read(r) == (OK, b"written by w")


def test_rename(board) -> None:
    ta = board.ta()
    _, h = ta.create(b"old-name", b"payload")
    assert ta.rename(h, b"new-name") == OK
    assert ta.read(h) == (OK, b"payload")
    ta.close_object(h)
    assert ta.open(b"old-name")[0] == R.ERROR_ITEM_NOT_FOUND
    assert ta.read_object(b"new-name") == (OK, b"payload")
    assert ta.list_ids() == [b"new-name"]


def test_rename_over_an_existing_id_conflicts(board) -> None:
    ta = board.ta()
    ta.put_object(b"a", b"AAA")
    ta.put_object(b"b", b"BBB")
    _, h = ta.open(b"a")
    assert ta.rename(h, b"b") == R.ERROR_ACCESS_CONFLICT
    ta.close_object(h)
    assert ta.read_object(b"a") == (OK, b"AAA")
    assert ta.read_object(b"b") == (OK, b"BBB")


def test_close_and_delete(board) -> None:
    ta = board.ta()
    ta.put_object(b"doomed", b"bye")
    _, h = ta.open(b"doomed")
    assert ta.close_delete(h) == OK
    assert ta.open(b"doomed")[0] == R.ERROR_ITEM_NOT_FOUND
    assert ta.list_ids() == []
    assert ta.create(b"doomed", b"again")[0] == OK  # the id is free again


def test_missing_access_rights_panic(board) -> None:
    ta = board.ta()
    ta.put_object(b"ro", b"data")
    for action in (lambda h: ta.write(h, b"x"), lambda h: ta.truncate(h, 0),
                   lambda h: ta.rename(h, b"y"), lambda h: ta.close_delete(h)):
        _, h = ta.open(b"ro", READ)
        with pytest.raises(TeeError) as error:
            action(h)
        assert error.value.result == R.ERROR_TARGET_DEAD
        ta = board.ta()
    _, h = ta.open(b"ro", WRITE)
    with pytest.raises(TeeError):
        ta.read(h)
    assert board.ta().read_object(b"ro") == (OK, b"data")


def test_object_ids_up_to_64_bytes(board) -> None:
    ta = board.ta()
    long_id = bytes(range(64))
    assert ta.create(long_id, b"max")[0] == OK
    assert ta.list_ids() == [long_id]
    with pytest.raises(TeeError) as error:  # 65 bytes: GP says panic
        ta.create(bytes(65), b"too long")
    assert error.value.result == R.ERROR_TARGET_DEAD


def test_bad_handles_panic(board) -> None:
    ta = board.ta()
    key = ta.key(TYPE_AES, 128)
    with pytest.raises(TeeError):
        ta.read(key)  # a transient object is no data stream
    with pytest.raises(TeeError):
        board.ta().write(0x7777, b"x")


def test_enumeration(board) -> None:
    ta = board.ta()
    assert ta.list_ids() == []
    for name in (b"one", b"two", b"three"):
        ta.put_object(name, name * 2)
    result, e = ta.enum_alloc()
    assert result == OK
    assert ta.enum_next(e)[0] == R.ERROR_ITEM_NOT_FOUND  # not started
    assert ta.enum_start(e, PRIVATE) == OK
    seen = {}
    while True:
        result, info, object_id = ta.enum_next(e)
        if result != OK:
            break
        seen[object_id] = info
    assert result == R.ERROR_ITEM_NOT_FOUND
    assert set(seen) == {b"one", b"two", b"three"}
    assert seen[b"three"]["data_size"] == 10 and seen[b"three"]["type"] == TYPE_DATA
    ta.enum_reset(e)
    assert ta.enum_next(e)[0] == R.ERROR_ITEM_NOT_FOUND
    assert ta.enum_start(e, PRIVATE_REE) == OK  # TEE_STORAGE_PRIVATE is the REE FS
    assert ta.enum_next(e)[0] == OK
    assert ta.enum_start(e, PRIVATE_RPMB) == R.ERROR_ITEM_NOT_FOUND
    assert ta.enum_free(e) == OK


def test_storage_ids_are_separate_namespaces(board) -> None:
    ta = board.ta()
    ta.put_object(b"id", b"in ree", PRIVATE_REE)
    ta.put_object(b"id", b"in rpmb", PRIVATE_RPMB)
    assert ta.read_object(b"id", PRIVATE) == (OK, b"in ree")
    assert ta.read_object(b"id", PRIVATE_RPMB) == (OK, b"in rpmb")
    assert ta.list_ids(PRIVATE_RPMB) == [b"id"]


def test_persistent_key_object(board) -> None:
    ta = board.ta()
    secret = bytes(range(16))
    key = ta.key(TYPE_AES, 128, secret)
    result, h = ta.create(b"aes-key", b"and some data", attributes=key)
    assert result == OK
    info = ta.info(h)[1]
    assert (info["type"], info["size"], info["max_size"]) == (TYPE_AES, 128, 128)
    assert info["data_size"] == 13
    ta.close_object(h)
    board.reboot()
    ta = board.ta()
    result, h = ta.open(b"aes-key", READ)
    assert result == OK
    assert ta.get_attr(h, ATTR_SECRET_VALUE) == (OK, secret)
    # the persistent key works in an operation: AES-ECB of a zero block under 00..0f
    assert ta.aes_ecb(h, bytes(16)) == (OK, bytes.fromhex("c6a13b37878f5b826f4f8162a1c8d879"))
    assert ta.read(h) == (OK, b"and some data")


def test_generic_secret_key_object(board) -> None:
    ta = board.ta()
    key = ta.key(TYPE_GENERIC_SECRET, 256)
    _, generated = ta.get_attr(key, ATTR_SECRET_VALUE)
    assert len(generated) == 32
    result, h = ta.create(b"mac-key", attributes=key)
    assert result == OK
    ta.close_object(h)
    _, h = ta.open(b"mac-key", READ)
    assert ta.get_attr(h, ATTR_SECRET_VALUE) == (OK, generated)


def test_data_survives_reboot(board) -> None:
    ta = board.ta()
    for i in range(5):
        ta.put_object(b"obj%d" % i, b"value %d" % i)
    _, h = ta.open(b"obj3")
    ta.close_delete(h)
    board.reboot()
    ta = board.ta()
    assert sorted(ta.list_ids()) == [b"obj0", b"obj1", b"obj2", b"obj4"]
    assert ta.read_object(b"obj4") == (OK, b"value 4")


def test_other_ta_can_neither_open_nor_enumerate(board) -> None:
    mine, other = board.ta(), board.ta(TA2)
    mine.put_object(b"private", b"mine only")
    assert other.open(b"private")[0] == R.ERROR_ITEM_NOT_FOUND
    assert other.list_ids() == []
    other.put_object(b"private", b"the other's")
    assert mine.read_object(b"private") == (OK, b"mine only")
    assert other.read_object(b"private") == (OK, b"the other's")
    board.reboot()
    assert board.ta(TA2).list_ids() == [b"private"]
    assert board.ta().read_object(b"private") == (OK, b"mine only")


def test_largest_object_and_beyond(board) -> None:
    ta = board.ta()
    big = bytes(range(256)) * 4096  # 1 MiB, the per-object limit
    result, h = ta.create(b"big", big[:1000])
    assert result == OK
    assert ta.seek(h, 0, SEEK_END) == OK
    assert ta.write(h, big[1000:]) == OK
    assert ta.info(h)[1]["data_size"] == len(big)
    assert ta.write(h, b"x") == R.ERROR_STORAGE_NO_SPACE
    assert ta.truncate(h, len(big) + 1) == R.ERROR_STORAGE_NO_SPACE
    assert ta.seek(h, -16, SEEK_END) == OK
    assert ta.read(h) == (OK, big[-16:])


def test_rpmb_objects_live_in_the_rpmb_partition(board) -> None:
    ta = board.ta()
    ta.put_object(b"in-ree", b"x")
    before = {p.name for p in board.ree_fs.iterdir() if p.read_bytes()[:4] == b"TSO1"}
    image_before = board.rpmb_image.read_bytes()
    ta.put_object(b"in-rpmb", b"kept inside the eMMC", PRIVATE_RPMB)
    after = {p.name for p in board.ree_fs.iterdir() if p.read_bytes()[:4] == b"TSO1"}
    assert after == before                       # no new object file in the REE FS
    assert board.rpmb_image.read_bytes()[45 + 16 * 256:] != image_before[45 + 16 * 256:]
    board.reboot()
    assert board.ta().read_object(b"in-rpmb", PRIVATE_RPMB) == (OK, b"kept inside the eMMC")


def test_rpmb_region_full(board) -> None:
    """Each TA owns 32 RPMB blocks (8 KiB); a new version needs room beside the old."""
    ta = board.ta()
    result, h = ta.create(b"big", bytes(5000), storage=PRIVATE_RPMB)
    assert result == OK
    assert ta.write(h, b"more") == R.ERROR_STORAGE_NO_SPACE  # old 5 KB + new 5 KB > 8 KiB
    ta.close_object(h)
    assert ta.read_object(b"big", PRIVATE_RPMB) == (OK, bytes(5000))
    assert ta.create(b"small", b"fits", storage=PRIVATE_RPMB)[0] == OK
    _, h = ta.open(b"big", storage=PRIVATE_RPMB)
    assert ta.truncate(h, 100) == OK                         # a small new version fits beside
    assert ta.read(h) == (OK, bytes(100))
    assert ta.close_delete(h) == OK                          # deleting frees the blocks
    assert ta.create(b"big2", bytes(5000), storage=PRIVATE_RPMB)[0] == OK
    assert board.ta(TA2).create(b"other", bytes(5000), storage=PRIVATE_RPMB)[0] == OK  # its own region

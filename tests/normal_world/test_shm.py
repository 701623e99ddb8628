from normal_world.shm import ShmExhausted, ShmPool

import pytest


def test_alloc_free_coalesces_back_to_one_block() -> None:
    pool = ShmPool(0x4000_0000, 4096)
    blocks = [pool.alloc(100) for _ in range(10)]
    assert len({b.phys for b in blocks}) == 10
    for block in blocks[::2] + blocks[1::2]:
        pool.free(block)
    assert pool.bytes_in_use == 0
    assert pool.alloc(4096).phys == 0x4000_0000  # one free block again


def test_exhaustion_is_an_error() -> None:
    pool = ShmPool(0x4000_0000, 256)
    pool.alloc(200)
    with pytest.raises(ShmExhausted):
        pool.alloc(100)

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


def test_aligned_allocation_keeps_the_gap_free() -> None:
    pool = ShmPool(0x4000_0000, 3 * 4096)
    small = pool.alloc(100)
    page = pool.alloc(4096, align=4096)
    assert page.phys % 4096 == 0 and page.phys >= small.phys + 100
    gap = pool.alloc(64)  # fits in the gap between the small block and the page
    assert small.phys < gap.phys < page.phys
    for block in (small, page, gap):
        pool.free(block)
    assert pool.bytes_in_use == 0
    assert pool.alloc(3 * 4096).phys == 0x4000_0000


def test_contexts_on_two_channels_to_one_device_never_share_memory(board) -> None:
    """Two channels to one device once meant two drivers handing out the same shared
    memory: one client's messages and buffers overwrote another's (a storage test
    lost committed updates that way)."""
    from normal_world import Context, EmbeddedChannel

    first = Context(EmbeddedChannel(board.device))
    second = Context(EmbeddedChannel(board.device))
    mine, theirs = first.allocate_shared_memory(4096), second.allocate_shared_memory(4096)
    mine.write(b"A" * 4096)
    theirs.write(b"B" * 4096)
    assert mine.read() == b"A" * 4096 and theirs.read() == b"B" * 4096

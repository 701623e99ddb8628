"""Non-secure payload buffers for the storage's RPCs (FS and RPMB), kept for a
whole storage request.

Each RPC FS or RPMB exchange needs non-secure shared memory for its data. Asking
the normal world for a fresh buffer each time costs an SHM_ALLOC and an SHM_FREE
RPC (four world switches) per exchange, and one commit makes several exchanges.
Like OP-TEE's per-thread RPC shm cache (``thread_rpc_shm_cache_alloc``), the
buffer taken inside :meth:`PayloadCache.held` is reused by every later exchange
of the same storage request (grown when one needs more) and freed when the
request ends. Outside such a scope each exchange gets and frees its own buffer.

Only ciphertext, file names and RPMB frames pass through these buffers, all of
which the normal world sees anyway.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from tee.kernel.rpc import RpcClient, RpcError, SharedBuffer


#: The smallest buffer kept: a commit's directory file and RPMB frames fit without regrowing.
KEPT_MIN_SIZE = 4096


class PayloadCache:
    def __init__(self, rpc: RpcClient) -> None:
        self.rpc = rpc
        self._depth = 0
        self._kept: SharedBuffer | None = None

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """A storage request: its exchanges share one buffer, freed at the end."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if not self._depth:
                self._release()

    def _release(self) -> None:
        kept, self._kept = self._kept, None
        if kept is not None:
            # best effort, as OP-TEE's thread_rpc_free: the buffer is the normal world's to lose
            with contextlib.suppress(RpcError):
                self.rpc.free_payload(kept)

    @contextlib.contextmanager
    def payload(self, size: int) -> Iterator[SharedBuffer]:
        """A buffer of at least ``size`` bytes for one exchange."""
        if not self._depth:
            buffer = self.rpc.alloc_payload(size)
            try:
                yield buffer
            finally:
                self.rpc.free_payload(buffer)
            return
        if self._kept is None or self._kept.size < size:
            self._release()
            self._kept = self.rpc.alloc_payload(max(size, KEPT_MIN_SIZE))
        yield self._kept

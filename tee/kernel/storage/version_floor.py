"""The TA version floors (rollback protection of signed TA images) kept in the
RPMB table, for :class:`tee.kernel.ta_manager.TaManager`.

Called while a secure thread loads a TA (RPC available). Anything that keeps
the floor from being read or recorded reliably fails the load: a table that
cannot be trusted (replayed, damaged) is TEE_ERROR_SECURITY, an eMMC that does
not answer properly is its storage error. Never a silent pass.
"""

from __future__ import annotations

import contextlib
import uuid as uuid_mod
from typing import Iterator

from tee.abi.results import TeeResult
from tee.kernel.rpc import RpcError
from tee.kernel.storage import StorageError
from tee.kernel.storage.store import StorageManager
from tee.kernel.ta_manager import TaLoadError


class RpmbVersionFloor:
    """:class:`tee.kernel.ta_manager.VersionFloor` over the storage manager's RPMB table
    (which caches the verified table for the rest of the boot)."""

    def __init__(self, storage: StorageManager) -> None:
        self.storage = storage

    @contextlib.contextmanager
    def _rpmb(self, uuid: uuid_mod.UUID, what: str) -> Iterator[None]:
        try:
            with self.storage.exclusive():  # the RPMB client is shared with storage commits
                yield
        except StorageError as error:
            result = (TeeResult.ERROR_SECURITY if error.result == TeeResult.ERROR_CORRUPT_OBJECT
                      else error.result)
            raise TaLoadError(result, f"TA {uuid}: cannot {what} the version floor: {error}") from None
        except RpcError as error:
            raise TaLoadError(TeeResult.ERROR_STORAGE_NOT_AVAILABLE,
                              f"TA {uuid}: cannot {what} the version floor: {error}") from None

    def floor(self, uuid: uuid_mod.UUID) -> int:
        with self._rpmb(uuid, "read"):
            return self.storage.floors.get(uuid)

    def raise_to(self, uuid: uuid_mod.UUID, version: int) -> None:
        with self._rpmb(uuid, "record"):
            self.storage.floors.raise_to(uuid, version)

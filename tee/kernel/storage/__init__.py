"""Secure storage: GP persistent objects kept encrypted in the normal world's file
system (RPC FS), their per-TA directories anchored in the eMMC RPMB partition
(RPC RPMB). See docs/secure-storage.md."""

from tee.abi.results import TeeResult


class StorageError(Exception):
    """A storage request fails with a GP result code."""

    def __init__(self, result: int, message: str = "") -> None:
        super().__init__(message or f"storage error {result:#x}")
        self.result = result


def corrupt(message: str) -> StorageError:
    return StorageError(TeeResult.ERROR_CORRUPT_OBJECT, message)

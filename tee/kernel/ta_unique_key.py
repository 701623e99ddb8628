"""TA-unique keys (the System PTA's DERIVE_TA_UNIQUE_KEY): HUK subkeys bound to a TA.

Only a subkey of the hardware unique key is kept here, so a pseudo-TA holding
this object cannot reach the HUK or the storage keys derived from it.
"""

from __future__ import annotations

import uuid as uuid_mod

from tee.kernel.storage.keys import hkdf


class TaUniqueKeys:
    def __init__(self, huk: bytes) -> None:
        self._base = hkdf(huk, b"teesim ta unique key")

    def derive(self, ta: uuid_mod.UUID, extra: bytes, size: int) -> bytes:
        """``size`` bytes unique to ``ta`` and ``extra`` (the UUID has a fixed
        length, so no two (ta, extra) pairs give the same HKDF info)."""
        return hkdf(self._base, ta.bytes + extra, size)

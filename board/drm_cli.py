"""``teesim drm info|play|unwrap``: the DRM TA from the command line.

Each invocation boots the board kept in a state directory, so the device key the
TA makes on first use (in secure storage) is the same from one invocation to the
next.

- ``info``: the device id and a SHA-256 fingerprint of the device public key
  (``--pem FILE`` writes the public key for a license server);
- ``play``: the DRM scenario of ``make demo`` (board/drm_demo.py);
- ``unwrap``: deliver a KEK (RSA-OAEP under the device key, as a license server
  would) and unwrap an RFC 3394 (KW) or RFC 5649 (``--padded``, KWP) blob in the
  TA; prints the check value (SHA-256 of the key data) the TA reports.

Exit status: 0 OK; 1 the TA refused (the DRM error is named); 2 bad usage or an
unbuilt TA; 4 another TEE failure. Every outcome is one line, never a traceback.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from board.board import Board
from board.drm_demo import drm_scenario
from normal_world import TeeError
from normal_world.drm.cdm import Cdm, drm_error, public_key
from normal_world.drm.license_server import OAEP
from tee.abi.drm import DRM_TA_UUID, WrapMode

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_TEE_FAILURE = 4


class DrmUsageError(Exception):
    """Bad input: reported in one line with exit status 2."""


@dataclass(frozen=True)
class Outcome:
    exit_status: int
    message: str


def parse_hex(name: str, text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise DrmUsageError(f"{name}: not hexadecimal") from None


def info(cdm: Cdm, pem: Path | None) -> Outcome:
    device = cdm.device_info()
    key = public_key(device)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if pem is not None:
        try:
            pem.write_bytes(key.public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo))
        except OSError as error:
            raise DrmUsageError(f"{pem}: {error.strerror}") from None
    return Outcome(EXIT_OK, f"device id {device.device_id.hex()}, RSA-{key.key_size} public key "
                            f"SHA-256 {hashlib.sha256(der).hexdigest()}")


def unwrap(cdm: Cdm, kek: bytes, wrapped: bytes, padded: bool) -> Outcome:
    if len(kek) not in (16, 24, 32):
        raise DrmUsageError(f"--kek: an AES key is 16, 24 or 32 bytes, not {len(kek)}")
    session = cdm.open_session()
    session.load_kek(public_key(cdm.device_info()).encrypt(kek, OAEP))
    mode = WrapMode.KWP if padded else WrapMode.KW
    check = session.unwrap_key(mode, os.urandom(16), wrapped)
    return Outcome(EXIT_OK, f"{mode.name} unwrap checked out; a 16-byte content key installed; "
                            f"check value {check.hex()}")


def run(action: str, *, ta_store: Path, state_dir: Path, pem: Path | None = None,
        kek: str = "", wrapped: str = "", padded: bool = False) -> Outcome:
    if not (ta_store / f"{DRM_TA_UUID}.ta").exists():
        raise DrmUsageError(f"the DRM TA is not built in {ta_store}; run 'make tas'")
    if state_dir.exists() and not state_dir.is_dir():
        raise DrmUsageError(f"{state_dir}: not a directory")
    key_bytes, blob = parse_hex("--kek", kek), parse_hex("--wrapped", wrapped)
    board = Board(ta_store, state_dir=state_dir)
    try:
        if action == "play":
            status = drm_scenario(board)
            return Outcome(status, "every sample decrypted to its digest" if status == 0
                           else "a sample did not decrypt to its digest")
        with Cdm(board.context()) as cdm:
            if action == "info":
                return info(cdm, pem)
            return unwrap(cdm, key_bytes, blob, padded)
    except TeeError as error:
        refusal = drm_error(error)
        if refusal is not None:
            return Outcome(EXIT_REFUSED, f"refused by the TA: {refusal.name}")
        return Outcome(EXIT_TEE_FAILURE, f"TEE failure: {error}")

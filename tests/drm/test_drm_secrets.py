"""What the normal world can see after a full DRM scenario (provisioning, a license
with a session key, decrypts of both schemes, a KEK and a key-wrapped content key):
no content key, session key, derived key, KEK or part of the device private key,
anywhere in non-secure DRAM or in the normal world's files (the REE files, where
the device key is stored sealed). The RPMB image and fuses are the hardware's: not
scanned."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from board import Board
from board.board import REE_FS_DIR
from normal_world.drm.cdm import Cdm, public_key
from normal_world.drm.license_server import OAEP, KeyGrant, build_response, derive_keys
from normal_world.drm.packager import encrypt_cbcs, encrypt_cenc, video_like_map
from tee.abi.drm import DRM_TA_UUID, KeyControl, LicenseRequest, WrapMode
from tee.abi.gp_crypto import Attribute, ObjectType
from tee.kernel.crypto.context import CryptoContext
from tests.drm.conftest import boot


def device_private_parts(board: Board) -> list[bytes]:
    """d, p and q of the device key, read from the TA instance's kernel objects (the
    test's view into the secure side; no normal-world path reaches them)."""
    instance = board.device.kernel.tas._single_instances[DRM_TA_UUID]
    keys = [obj for obj in instance.resource(CryptoContext).objects.values()
            if obj.type == ObjectType.RSA_KEYPAIR]
    assert keys, "the device key is loaded in the TA"
    return [bytes(keys[0].attrs[a]) for a in
            (Attribute.RSA_PRIVATE_EXPONENT, Attribute.RSA_PRIME1, Attribute.RSA_PRIME2)]


def nonsecure_dram(board: Board) -> bytes:
    layout = board.device.memory.layout
    return board.device.nonsecure_memory.read(layout.nonsecure_base, layout.nonsecure_size)


def normal_world_files(state: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in (state / REE_FS_DIR).rglob("*") if path.is_file()}


def full_session(board: Board) -> list[bytes]:
    """Every secret the scenario puts in the TA."""
    cdm = Cdm(board.context())
    info = cdm.device_info()
    device = public_key(info)
    secure, clear = (KeyGrant(os.urandom(16), os.urandom(16), 600,
                              KeyControl.ALLOW_DECRYPT | KeyControl.NONCE_ENABLED | extra)
                     for extra in (KeyControl.DATA_PATH_SECURE, KeyControl(0)))
    session = cdm.open_session()
    message = session.build_request(session.generate_nonce(), b"film", [secure.key_id, clear.key_id])
    request = LicenseRequest.parse(message)
    session_key = os.urandom(16)
    session.load_license(build_response(request, device, [secure, clear], session_key))
    derived = derive_keys(session_key, request.body())

    session.select_key(clear.key_id)
    sample = os.urandom(64 * 1024)
    for enc in (encrypt_cenc(clear.key, os.urandom(8), sample, video_like_map(len(sample))),
                encrypt_cbcs(clear.key, os.urandom(16), sample, video_like_map(len(sample)))):
        assert session.decrypt(enc.data, scheme=enc.scheme, iv=enc.iv, subsamples=enc.subsamples,
                               pattern=enc.pattern).plaintext == sample

    kek, wrapped_key = os.urandom(32), os.urandom(16)
    session.load_kek(device.encrypt(kek, OAEP))
    session.unwrap_key(WrapMode.KW, os.urandom(16), aes_key_wrap(kek, wrapped_key))
    return [secure.key, clear.key, session_key, derived.mac_server, derived.enc, kek, wrapped_key]


def test_no_drm_secret_in_normal_world_memory_or_files(drm_ta_store: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    board = boot(drm_ta_store, state)
    secrets = full_session(board)
    board = boot(drm_ta_store, state)  # a second boot loads the stored device key
    secrets += full_session(board)
    secrets += device_private_parts(board)

    dram = nonsecure_dram(board)
    files = normal_world_files(state)
    assert files, "the scan sees the REE files (the sealed device key among them)"
    for secret in secrets:
        assert dram.find(secret) == -1, (secret.hex(), hex(dram.find(secret)))
        for path, content in files.items():
            assert content.find(secret) == -1, (secret.hex(), path)


def test_the_scan_finds_a_key_left_in_nonsecure_dram(drm_ta_store: Path, tmp_path: Path) -> None:
    """The check above can fail: a key the normal world wrote and kept is found."""
    board = boot(drm_ta_store, tmp_path / "state")
    key = os.urandom(16)
    kept = board.driver.register_shm(4096)
    board.device.nonsecure_memory.write(kept.block.phys + 100, key)
    assert key in nonsecure_dram(board)

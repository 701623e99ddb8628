"""DRM_CMD_DECRYPT_BATCH: several samples in one call (OEMCrypto's DecryptCENC
shape), checked against the same by-the-letter references as single samples;
every refusal, including the attacks, leaves the output untouched."""

from __future__ import annotations

import hashlib
import os

from board import Board
from normal_world.client import RegisteredMemref, SecureMemref, TempMemref
from normal_world.drm.cdm import Cdm
from normal_world.drm.license_server import LicenseServer
from normal_world.drm.packager import encrypt_cbcs, encrypt_cenc, video_like_map
from tee.abi.drm import MAX_BATCH, MAX_BATCH_SIZE, DrmError, KeyControl, Scheme, Subsample
from tee.abi.results import TeeResult
from tests.drm.conftest import grant, license_session, refusal
from tests.drm.test_decrypt import ALLOW, cbcs_reference, cenc_reference


def _selected(cdm: Cdm, server: LicenseServer, control: int = ALLOW):
    g = grant(control)
    session = license_session(cdm, server, [g]).session
    session.select_key(g.key_id)
    return session, g.key


def test_a_batch_decrypts_each_sample_into_its_place(cdm: Cdm, server: LicenseServer) -> None:
    session, key = _selected(cdm, server)
    other, other_key = _selected(cdm, server)  # a second DRM session, its own key
    plains = [os.urandom(n) for n in (1000, 4096, 333)]
    iv8, iv16 = os.urandom(8), os.urandom(16)
    cenc_map = [Subsample(5, 13), Subsample(7, 29), Subsample(0, 0), Subsample(3, 943)]
    encrypted = [encrypt_cenc(key, iv8, plains[0], cenc_map),
                 encrypt_cbcs(other_key, iv16, plains[1], video_like_map(4096)),
                 encrypt_cenc(key, iv8, plains[2])]
    source = b"".join(e.data for e in encrypted)
    # Outputs in another order than the inputs, with a gap before the last.
    out_at = [5000, 0, 6100]
    samples = [session.batch_sample(0, 1000, out_at[0], scheme=Scheme.CENC, iv=iv8, subsamples=cenc_map),
               other.batch_sample(1000, 4096, out_at[1], scheme=Scheme.CBCS, iv=iv16,
                                  subsamples=encrypted[1].subsamples, pattern=encrypted[1].pattern),
               session.batch_sample(5096, 333, out_at[2], scheme=Scheme.CENC, iv=iv8)]
    output = bytearray(7000)
    target = TempMemref.output(output)
    session.decrypt_batch(TempMemref.input(source), target, samples)
    assert output[5000:6000] == cenc_reference(key, iv8 + bytes(8), encrypted[0].data, cenc_map) == plains[0]
    assert cbcs_reference(other_key, iv16, plains[1], list(encrypted[1].subsamples),
                          *encrypted[1].pattern) == encrypted[1].data
    assert output[0:4096] == plains[1]
    assert output[6100:6433] == plains[2]
    assert output[6000:6100] == bytes(100) and output[6433:] == bytes(567)
    assert target.size == 6433  # the end of the furthest output


def test_a_batch_from_registered_memory_into_secure_buffers(drm_board: Board, cdm: Cdm,
                                                            server: LicenseServer) -> None:
    """The player's shape: the demuxer's samples in registered shared memory, an L1
    key, the frames in a secure buffer only the video sink reads."""
    session, key = _selected(cdm, server, ALLOW | KeyControl.DATA_PATH_SECURE)
    ctx = drm_board.context()
    plains = [os.urandom(20_000) for _ in range(3)]
    ivs = [os.urandom(8) for _ in plains]
    encrypted = [encrypt_cenc(key, iv, p, video_like_map(len(p))) for iv, p in zip(ivs, plains)]
    shm = ctx.allocate_shared_memory(60_000)
    shm.write(b"".join(e.data for e in encrypted))
    frames = ctx.allocate_secure_buffer(60_000)
    session.decrypt_batch(RegisteredMemref.input(shm), SecureMemref.output(frames),
                          [session.batch_sample(20_000 * i, 20_000, 20_000 * i, scheme=Scheme.CENC,
                                                iv=ivs[i], subsamples=encrypted[i].subsamples)
                           for i in range(3)])
    drm_board.video_sink.present(frames, 0, 60_000)
    assert drm_board.video_sink.digests()[-1] == hashlib.sha256(b"".join(plains)).hexdigest()


def test_a_batch_with_one_bad_sample_writes_nothing(cdm: Cdm, server: LicenseServer) -> None:
    session, key = _selected(cdm, server)
    plain = os.urandom(256)
    good = session.batch_sample(0, 256, 0, scheme=Scheme.CENC, iv=bytes(8))
    source = TempMemref.input(encrypt_cenc(key, bytes(8), plain).data)
    cases = [
        ([good, session.batch_sample(0, 256, 256, scheme=Scheme.CENC, iv=bytes(8),
                                     subsamples=[Subsample(10, 200)])], DrmError.SUBSAMPLE_MISMATCH),
        ([good, session.batch_sample(100, 256, 256, scheme=Scheme.CENC, iv=bytes(8))],
         DrmError.SUBSAMPLE_MISMATCH),  # the input range runs past the input memref
        ([good] * (MAX_BATCH + 1), DrmError.BATCH_TOO_LARGE),
        ([], DrmError.BAD_DESCRIPTOR),
        ([good, session.batch_sample(0, 256, 300, scheme=Scheme.CENC, iv=bytes(8))],
         TeeResult.ERROR_SHORT_BUFFER),
    ]
    for samples, expected in cases:
        output = bytearray(512)
        assert refusal(session.decrypt_batch, source, TempMemref.output(output), samples) == expected
        assert output == bytes(512)


def test_a_batch_descriptor_larger_than_the_bound_is_refused(cdm: Cdm, server: LicenseServer) -> None:
    session, _key = _selected(cdm, server)
    many = [Subsample(0, 1)] * 200  # 16 + 28 + 6 * 200 bytes a sample
    samples = [session.batch_sample(0, 200, 0, scheme=Scheme.CENC, iv=bytes(8), subsamples=many)] * 4
    output = bytearray(200)
    assert refusal(session.decrypt_batch, TempMemref.input(bytes(200)), TempMemref.output(output),
                   samples) == DrmError.BATCH_TOO_LARGE
    assert output == bytes(200)
    assert 4 * (16 + 28 + 6 * 200) > MAX_BATCH_SIZE


def test_attack_a_secure_path_key_in_a_batch_cannot_decrypt_into_normal_memory(
        cdm: Cdm, server: LicenseServer) -> None:
    """An L3 sample first, then an L1 sample aimed at normal-world memory: the batch is
    refused before either is decrypted, so no plaintext of the L1 key leaks."""
    l3, l3_key = _selected(cdm, server)
    l1, l1_key = _selected(cdm, server, ALLOW | KeyControl.DATA_PATH_SECURE)
    plain = os.urandom(512)
    source = encrypt_cenc(l3_key, bytes(8), plain).data + encrypt_cenc(l1_key, bytes(8), plain).data
    output = bytearray(1024)
    assert refusal(l3.decrypt_batch, TempMemref.input(source), TempMemref.output(output),
                   [l3.batch_sample(0, 512, 0, scheme=Scheme.CENC, iv=bytes(8)),
                    l1.batch_sample(512, 512, 512, scheme=Scheme.CENC, iv=bytes(8))]) == \
        DrmError.SECURE_BUFFER_REQUIRED
    assert output == bytes(1024)


def test_attack_another_clients_drm_session_cannot_be_named_in_a_batch(
        drm_board: Board, cdm: Cdm, server: LicenseServer) -> None:
    victim, key = _selected(cdm, server)
    intruder = Cdm(drm_board.context()).open_session()
    plain = os.urandom(64)
    output = bytearray(64)
    stolen = victim.batch_sample(0, 64, 0, scheme=Scheme.CENC, iv=bytes(8))  # the victim's session id
    assert refusal(intruder.decrypt_batch, TempMemref.input(encrypt_cenc(key, bytes(8), plain).data),
                   TempMemref.output(output), [stolen]) == DrmError.INVALID_SESSION
    assert output == bytes(64)

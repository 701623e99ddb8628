"""Row 5c: `cenc` decryption of 1 MiB samples through the DRM TA, as a player runs it.

A license server licenses two content keys (one demanding the secure data path,
one not); the CDM client selects each once in its own DRM session; the demuxer
has written each encrypted sample into registered shared memory; every timed
call is one ``DrmSession.decrypt`` of a whole sample, into a secure media buffer
(L1) or into registered shared memory (L3). The baseline is `cryptography`'s
AES-128-CTR over the same 1 MiB, in the same run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from board import Board
from normal_world import MEM_INPUT, MEM_OUTPUT, Context, RegisteredMemref, SecureMemref
from normal_world.drm.cdm import Cdm, DrmSession, public_key
from normal_world.drm.license_server import KeyGrant, LicenseServer
from normal_world.drm.packager import EncryptedSample, encrypt_cenc, video_like_map
from tee.abi.drm import KeyControl, Scheme, Subsample

from bench.ta import REPO

SAMPLE_BYTES = 1024 * 1024
#: Samples per DRM_CMD_DECRYPT_BATCH call in row 5c-batch.
BATCH_SAMPLES = 8
#: A realistic single-range map: a small clear header (a NAL header and slice
#: header), then one protected range to the end of the sample.
CLEAR_HEADER = 32
DRM_DIR = REPO / "trusted_apps" / "drm"
L3_CONTROL = KeyControl.ALLOW_DECRYPT | KeyControl.NONCE_ENABLED
L1_CONTROL = L3_CONTROL | KeyControl.DATA_PATH_SECURE


def build_drm_ta(store: os.PathLike[str]) -> None:
    from tee.tools.ta_build import build_ta
    build_ta(DRM_DIR, store)


def _licensed_session(cdm: Cdm, server: LicenseServer, grant: KeyGrant) -> DrmSession:
    server.add_key(grant)
    session = cdm.open_session()
    request = session.build_request(session.generate_nonce(), b"bench-content", [grant.key_id])
    session.load_license(server.issue(request))
    session.select_key(grant.key_id)
    return session


@dataclass
class DrmDecryptCase:
    """One timed shape: a sample map and an output kind."""

    name: str
    call: Callable[[], object]
    check: Callable[[], bool]  # the output equals the plaintext


@dataclass
class DrmBench:
    board: Board
    plaintext: bytes
    single: EncryptedSample  # what the baseline decrypts too
    cases: list[DrmDecryptCase]
    batch: DrmDecryptCase  # BATCH_SAMPLES single-range samples, L1, in one call
    #: cryptography's AES-128-CTR over the batch's own samples (its baseline: the
    #: same BATCH_SAMPLES MiB, which do not stay in cache as one MiB does)
    batch_baseline: Callable[[], object]
    close: Callable[[], None]


def single_range_map(size: int = SAMPLE_BYTES) -> tuple[Subsample, ...]:
    return (Subsample(CLEAR_HEADER, size - CLEAR_HEADER),)


def setup(board: Board) -> DrmBench:
    """License both keys and place both samples; nothing here is timed."""
    ctx: Context = board.context()
    cdm = Cdm(ctx)
    server = LicenseServer()
    info = cdm.device_info()
    server.provision(info.device_id, public_key(info))
    l1_grant = KeyGrant(os.urandom(16), os.urandom(16), 0, L1_CONTROL)
    l3_grant = KeyGrant(os.urandom(16), os.urandom(16), 0, L3_CONTROL)
    l1 = _licensed_session(cdm, server, l1_grant)
    l3 = _licensed_session(cdm, server, l3_grant)
    plaintext = os.urandom(SAMPLE_BYTES)
    iv = os.urandom(8)
    secure = ctx.allocate_secure_buffer(SAMPLE_BYTES)
    clear_out = ctx.allocate_shared_memory(SAMPLE_BYTES, MEM_OUTPUT)
    shared = [secure.release, clear_out.release]
    cases: list[DrmDecryptCase] = []
    single = encrypt_cenc(l1_grant.key, iv, plaintext, single_range_map())
    for map_name, subsamples in (("single", single_range_map()),
                                 ("subsamples", video_like_map(SAMPLE_BYTES))):
        for level, session, key in (("L1", l1, l1_grant.key), ("L3", l3, l3_grant.key)):
            encrypted = encrypt_cenc(key, iv, plaintext, subsamples)
            sample = ctx.allocate_shared_memory(SAMPLE_BYTES, MEM_INPUT)
            sample.write(encrypted.data)  # the demuxer's write, before any call
            shared.append(sample.release)
            source = RegisteredMemref.input(sample)
            output = SecureMemref.output(secure) if level == "L1" else RegisteredMemref.output(clear_out)
            cases.append(DrmDecryptCase(
                f"{map_name} {level}", _decrypt_call(session, source, output, encrypted),
                _secure_check(board, secure, plaintext) if level == "L1"
                else (lambda: clear_out.read() == plaintext)))

    batch, batch_baseline = _batch_case(board, ctx, l1, l1_grant.key, shared)

    def close() -> None:
        for session in (l1, l3):
            session.close()
        cdm.close()
        for release in shared:
            release()
    return DrmBench(board, plaintext, single, cases, batch, batch_baseline, close)


def _batch_case(board: Board, ctx: Context, session: DrmSession, key: bytes,
                shared: list[Callable[[], None]]) -> tuple[DrmDecryptCase, Callable[[], object]]:
    """BATCH_SAMPLES different 1 MiB samples back to back in one registered buffer
    (as a demuxer fills it), decrypted by one DECRYPT_BATCH into one secure buffer."""
    total = BATCH_SAMPLES * SAMPLE_BYTES
    plaintext = os.urandom(total)
    ivs = [os.urandom(8) for _ in range(BATCH_SAMPLES)]
    source = ctx.allocate_shared_memory(total, MEM_INPUT)
    encrypted = b"".join(encrypt_cenc(key, iv, plaintext[i * SAMPLE_BYTES:(i + 1) * SAMPLE_BYTES],
                                      single_range_map()).data for i, iv in enumerate(ivs))
    source.write(encrypted)
    frames = ctx.allocate_secure_buffer(total)
    shared += [source.release, frames.release]
    samples = [session.batch_sample(i * SAMPLE_BYTES, SAMPLE_BYTES, i * SAMPLE_BYTES,
                                    scheme=Scheme.CENC, iv=iv, subsamples=single_range_map())
               for i, iv in enumerate(ivs)]
    input_ref, output_ref = RegisteredMemref.input(source), SecureMemref.output(frames)

    def call() -> object:
        session.decrypt_batch(input_ref, output_ref, samples)
        return None

    data = memoryview(bytearray(encrypted))

    def baseline() -> object:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        for i, iv in enumerate(ivs):
            Cipher(algorithms.AES(key), modes.CTR(iv + bytes(8))).encryptor().update(
                data[i * SAMPLE_BYTES:(i + 1) * SAMPLE_BYTES])
        return None
    return (DrmDecryptCase(f"batch of {BATCH_SAMPLES} L1", call, _secure_check(board, frames, plaintext)),
            baseline)


def _decrypt_call(session: DrmSession, source: RegisteredMemref, output: RegisteredMemref | SecureMemref,
                  encrypted: EncryptedSample) -> Callable[[], object]:
    def call() -> object:
        return session.decrypt(source, scheme=encrypted.scheme, iv=encrypted.iv,
                               subsamples=encrypted.subsamples, output=output)
    return call


def _secure_check(board: Board, secure: object, plaintext: bytes) -> Callable[[], bool]:
    import hashlib
    expected = hashlib.sha256(plaintext).hexdigest()

    def check() -> bool:
        # The normal world cannot read the frame: the secure video sink checks it.
        board.video_sink.present(secure)  # type: ignore[arg-type]
        return board.video_sink.digests()[-1] == expected
    return check

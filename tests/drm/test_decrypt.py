"""Sample decryption in the TA against CENC vectors made here independently of the
packager and the TA (keystreams from AES-ECB over explicit counter blocks, CBC
chains over explicit pattern blocks), and every refusal of DRM_CMD_DECRYPT."""

from __future__ import annotations

import hashlib
import os

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from board import Board
from normal_world.client import RegisteredMemref, TempMemref
from normal_world.drm.cdm import Cdm
from normal_world.drm.license_server import LicenseServer
from normal_world.drm.packager import encrypt_cbcs, encrypt_cenc, video_like_map
from tee.abi.drm import MAX_SUBSAMPLES, DrmError, KeyControl, Scheme, Subsample
from tee.abi.results import TeeResult
from tests.drm.conftest import grant, license_session, refusal

ALLOW = KeyControl.ALLOW_DECRYPT | KeyControl.NONCE_ENABLED


def ecb(key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def cenc_reference(key: bytes, iv16: bytes, sample: bytes, subsamples: list[Subsample]) -> bytes:
    """CENC by the letter: counter block i = IV high half || (IV low + i) mod 2^64,
    one keystream over the protected bytes, clear bytes copied."""
    high, low = iv16[:8], int.from_bytes(iv16[8:], "big")
    protected = sum(s.protected for s in subsamples)
    stream = b"".join(ecb(key, high + ((low + i) % (1 << 64)).to_bytes(8, "big"))
                      for i in range((protected + 15) // 16))
    out, at, used = bytearray(), 0, 0
    for s in subsamples:
        out += sample[at:at + s.clear]
        at += s.clear
        out += bytes(a ^ b for a, b in zip(sample[at:at + s.protected], stream[used:used + s.protected]))
        at += s.protected
        used += s.protected
    return bytes(out)


def cbcs_reference(key: bytes, iv: bytes, sample: bytes, subsamples: list[Subsample],
                   crypt: int, skip: int) -> bytes:
    """cbcs by the letter, block by block: per protected range the chain starts at the
    IV; block k is encrypted when k mod (crypt+skip) < crypt; a partial block stays."""
    out, at = bytearray(), 0
    for s in subsamples:
        out += sample[at:at + s.clear]
        at += s.clear
        chain = iv
        for k in range(s.protected // 16):
            block = sample[at + 16 * k:at + 16 * k + 16]
            if k % (crypt + skip) < crypt:
                block = ecb(key, bytes(a ^ b for a, b in zip(block, chain)))
                chain = block
            out += block
        out += sample[at + s.protected // 16 * 16:at + s.protected]
        at += s.protected
    return bytes(out)


@pytest.fixture
def licensed(cdm: Cdm, server: LicenseServer):
    g = grant(ALLOW)
    result = license_session(cdm, server, [g])
    result.session.select_key(g.key_id)
    return result.session, g.key


# Maps with clear-only, protected-only, mid-block boundaries and empty entries
CENC_MAPS = [
    [Subsample(0, 1000)],
    [Subsample(5, 13), Subsample(7, 29), Subsample(0, 0), Subsample(100, 0), Subsample(3, 50)],
    [Subsample(16, 16), Subsample(1, 1), Subsample(31, 33)],
]


@pytest.mark.parametrize("subsamples", CENC_MAPS)
def test_cenc_matches_independent_vector(licensed, subsamples: list[Subsample]) -> None:
    session, key = licensed
    iv = os.urandom(8)
    plain = os.urandom(sum(s.clear + s.protected for s in subsamples))
    encrypted = cenc_reference(key, iv + bytes(8), plain, subsamples)
    assert encrypt_cenc(key, iv, plain, tuple(subsamples)).data == encrypted  # the packager agrees
    decrypted = session.decrypt(encrypted, scheme=Scheme.CENC, iv=iv, subsamples=subsamples, digest=True)
    assert decrypted.plaintext == plain
    assert decrypted.digest == hashlib.sha256(plain).digest()


def test_cenc_counter_wraps_in_its_low_64_bits_only(licensed) -> None:
    session, key = licensed
    iv = bytes.fromhex("0123456789abcdef fffffffffffffffd".replace(" ", ""))
    subsamples = [Subsample(3, 21), Subsample(2, 40), Subsample(0, 70)]  # wrap inside the 2nd range
    plain = os.urandom(136)
    encrypted = cenc_reference(key, iv, plain, subsamples)
    # A full 128-bit counter would carry into the high half: a different stream
    carried = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor().update(bytes(131))
    assert carried[48:64] != ecb(key, iv[:8] + bytes(8))
    assert encrypt_cenc(key, iv, plain, tuple(subsamples)).data == encrypted
    assert session.decrypt(encrypted, scheme=Scheme.CENC, iv=iv, subsamples=subsamples).plaintext == plain


@pytest.mark.parametrize("pattern", [(1, 9), (0, 0), (5, 5), (2, 0)])
def test_cbcs_matches_independent_vector(licensed, pattern: tuple[int, int]) -> None:
    session, key = licensed
    iv = os.urandom(16)
    # Partial trailing blocks, ranges shorter than a pattern, a range of one partial block
    subsamples = [Subsample(10, 170), Subsample(0, 35), Subsample(4, 7), Subsample(1, 16 * 23 + 9)]
    plain = os.urandom(sum(s.clear + s.protected for s in subsamples))
    crypt, skip = pattern
    encrypted = cbcs_reference(key, iv, plain, subsamples, crypt or 1, skip)
    assert encrypt_cbcs(key, iv, plain, tuple(subsamples), pattern).data == encrypted
    assert encrypted[-9:] == plain[-9:]  # the trailing partial block stays clear
    assert session.decrypt(encrypted, scheme=Scheme.CBCS, iv=iv, subsamples=subsamples,
                           pattern=pattern).plaintext == plain


@pytest.mark.parametrize("pattern, protected", [((1, 9), 200_007), ((15, 1), 40_001), ((3, 7), 70_000)])
def test_cbcs_ranges_longer_than_the_tas_gather_buffer(licensed, pattern: tuple[int, int],
                                                       protected: int) -> None:
    """The TA decrypts a pattern's crypt blocks 16 KiB at a time: ranges with more
    crypt bytes than that (and runs that do not divide it) still chain correctly."""
    session, key = licensed
    iv = os.urandom(16)
    subsamples = [Subsample(100, protected), Subsample(3, 20_000)]
    plain = os.urandom(100 + protected + 3 + 20_000)
    encrypted = cbcs_reference(key, iv, plain, subsamples, *pattern)
    assert session.decrypt(encrypted, scheme=Scheme.CBCS, iv=iv, subsamples=subsamples,
                           pattern=pattern).plaintext == plain


def test_whole_sample_without_map(licensed) -> None:
    session, key = licensed
    plain = os.urandom(333)
    for enc in (encrypt_cenc(key, os.urandom(8), plain), encrypt_cbcs(key, os.urandom(16), plain)):
        assert session.decrypt(enc.data, scheme=enc.scheme, iv=enc.iv,
                               pattern=enc.pattern).plaintext == plain


def test_large_sample_through_registered_shared_memory(drm_board: Board, licensed) -> None:
    session, key = licensed
    plain = os.urandom(1 << 20)
    enc = encrypt_cenc(key, os.urandom(8), plain, video_like_map(len(plain)))
    ctx = drm_board.context()
    source = ctx.allocate_shared_memory(len(plain))
    target = ctx.allocate_shared_memory(len(plain))
    source.write(enc.data)
    result = session.decrypt(RegisteredMemref.input(source), scheme=Scheme.CENC, iv=enc.iv,
                             subsamples=enc.subsamples, output=RegisteredMemref.output(target),
                             digest=True)
    assert result.plaintext is None and result.digest == hashlib.sha256(plain).digest()
    assert target.read() == plain


def test_subsample_map_that_does_not_add_up_is_refused(licensed) -> None:
    session, key = licensed
    sample = bytes(100)
    for subsamples in ([Subsample(10, 89)], [Subsample(10, 91)], [Subsample(50, 50), Subsample(1, 0)]):
        assert refusal(session.decrypt, sample, scheme=Scheme.CENC, iv=bytes(8),
                       subsamples=subsamples) == DrmError.SUBSAMPLE_MISMATCH


def test_subsample_count_is_bounded(licensed) -> None:
    session, _ = licensed
    subsamples = [Subsample(1, 0)] * (MAX_SUBSAMPLES + 1)
    assert refusal(session.decrypt, bytes(MAX_SUBSAMPLES + 1), scheme=Scheme.CENC, iv=bytes(8),
                   subsamples=subsamples) == DrmError.TOO_MANY_SUBSAMPLES


def test_bad_scheme_and_pattern_are_refused(licensed) -> None:
    session, _ = licensed
    sample = bytes(64)
    assert refusal(session.decrypt, sample, scheme=7, iv=bytes(16)) == DrmError.BAD_SCHEME  # type: ignore[arg-type]
    assert refusal(session.decrypt, sample, scheme=Scheme.CENC, iv=bytes(8), pattern=(1, 9)) \
        == DrmError.BAD_PATTERN
    for pattern in ((16, 0), (1, 16), (0, 3)):
        assert refusal(session.decrypt, sample, scheme=Scheme.CBCS, iv=bytes(16), pattern=pattern) \
            == DrmError.BAD_PATTERN


def test_output_smaller_than_the_sample_is_short_buffer(licensed) -> None:
    session, _ = licensed
    output = TempMemref.output(10)
    assert refusal(session.decrypt, bytes(64), scheme=Scheme.CENC, iv=bytes(8), output=output) \
        == TeeResult.ERROR_SHORT_BUFFER
    assert output.size == 64


def test_no_key_selected_and_unknown_key_are_refused(cdm: Cdm) -> None:
    session = cdm.open_session()
    assert refusal(session.decrypt, bytes(16), scheme=Scheme.CENC, iv=bytes(8)) == DrmError.NO_KEY_SELECTED
    assert refusal(session.select_key, bytes(16)) == DrmError.NO_SUCH_KEY


def test_key_without_allow_decrypt_is_refused(cdm: Cdm, server: LicenseServer) -> None:
    g = grant(KeyControl.NONCE_ENABLED | KeyControl.ALLOW_ENCRYPT)
    session = license_session(cdm, server, [g]).session
    session.select_key(g.key_id)
    enc = encrypt_cenc(g.key, bytes(8), b"x" * 32)
    assert refusal(session.decrypt, enc.data, scheme=Scheme.CENC, iv=bytes(8)) == DrmError.KEY_NOT_ALLOWED


def test_each_sample_uses_the_key_selected_at_its_time(cdm: Cdm, server: LicenseServer) -> None:
    """The TA keeps its decrypt operation between samples: switching keys back and
    forth, and between schemes, must still decrypt each sample with the key then
    selected (a stale operation would return garbage)."""
    grants = [grant(ALLOW), grant(ALLOW)]
    session = license_session(cdm, server, grants).session
    plain = os.urandom(5000)
    for g in (grants[0], grants[1], grants[0], grants[1]):
        session.select_key(g.key_id)
        for enc in (encrypt_cenc(g.key, os.urandom(8), plain, video_like_map(len(plain))),
                    encrypt_cbcs(g.key, os.urandom(16), plain, video_like_map(len(plain)))):
            assert session.decrypt(enc.data, scheme=enc.scheme, iv=enc.iv, subsamples=enc.subsamples,
                                   pattern=enc.pattern).plaintext == plain


def test_key_expires_after_its_duration(drm_board: Board, cdm: Cdm, server: LicenseServer) -> None:
    g = grant(ALLOW, duration_s=60)
    session = license_session(cdm, server, [g]).session
    session.select_key(g.key_id)
    plain = os.urandom(48)
    enc = encrypt_cenc(g.key, bytes(8), plain)
    drm_board.advance_clock(55)
    assert session.decrypt(enc.data, scheme=Scheme.CENC, iv=bytes(8)).plaintext == plain
    drm_board.advance_clock(6)
    assert refusal(session.decrypt, enc.data, scheme=Scheme.CENC, iv=bytes(8)) == DrmError.KEY_EXPIRED


def test_secure_path_key_refuses_a_normal_world_buffer(drm_board: Board, cdm: Cdm,
                                                       server: LicenseServer) -> None:
    g = grant(ALLOW | KeyControl.DATA_PATH_SECURE)
    session = license_session(cdm, server, [g]).session
    session.select_key(g.key_id)
    plain = os.urandom(4096)
    enc = encrypt_cenc(g.key, bytes(8), plain)
    output = bytearray(4096)
    assert refusal(session.decrypt, enc.data, scheme=Scheme.CENC, iv=bytes(8),
                   output=TempMemref.output(output), digest=True) == DrmError.SECURE_BUFFER_REQUIRED
    assert output == bytes(4096)
    shm = drm_board.context().allocate_shared_memory(4096)
    assert refusal(session.decrypt, enc.data, scheme=Scheme.CENC, iv=bytes(8),
                   output=RegisteredMemref.output(shm)) == DrmError.SECURE_BUFFER_REQUIRED
    assert shm.read() == bytes(4096)


def test_secure_path_key_decrypts_into_a_secure_buffer(drm_board: Board, cdm: Cdm,
                                                       server: LicenseServer) -> None:
    """L1: the frame lands in a secure media buffer; the normal world gets its digest,
    cannot read the buffer, and the secure video sink shows exactly that frame."""
    from normal_world.client import SecureMemref
    from tee.platform.memory import AccessError
    g = grant(ALLOW | KeyControl.DATA_PATH_SECURE)
    session = license_session(cdm, server, [g]).session
    session.select_key(g.key_id)
    plain = os.urandom(50_000)
    enc = encrypt_cbcs(g.key, os.urandom(16), plain, video_like_map(len(plain)))
    frame = drm_board.context().allocate_secure_buffer(len(plain))
    result = session.decrypt(enc.data, scheme=Scheme.CBCS, iv=enc.iv, subsamples=enc.subsamples,
                             pattern=enc.pattern, output=SecureMemref.output(frame), digest=True)
    assert result.plaintext is None and result.digest == hashlib.sha256(plain).digest()
    with pytest.raises(AccessError):
        drm_board.device.nonsecure_memory.read(frame.phys, 16)
    drm_board.video_sink.present(frame, 0, len(plain))
    assert drm_board.video_sink.digests()[-1] == hashlib.sha256(plain).hexdigest()


def test_a_null_memref_with_a_size_is_refused_and_the_ta_lives_on(drm_board: Board, licensed) -> None:
    """Regression (found by `fuzz ta`): DECRYPT or DECRYPT_BATCH with a NULL
    descriptor memref of 16-1024 bytes made the TA copy from address 0 and die,
    ending every client's sessions. Every command now refuses a NULL memref with a size."""
    from normal_world import Operation, TeeError
    from tee.abi.drm import DRM_TA_UUID, DrmCmd
    from tee.abi.results import ErrorOrigin, ParamType
    session, key = licensed
    with drm_board.context().open_session(DRM_TA_UUID) as attacker:
        for command, memrefs in (
                (DrmCmd.DECRYPT, (TempMemref(ParamType.MEMREF_INPUT, None, 64), TempMemref.input(b"x"),
                                  TempMemref(ParamType.MEMREF_OUTPUT, None, 0))),
                (DrmCmd.DECRYPT, (TempMemref.input(bytes(64)), TempMemref.input(bytes(16)),
                                  TempMemref(ParamType.MEMREF_OUTPUT, None, 16))),
                (DrmCmd.DECRYPT_BATCH, (TempMemref(ParamType.MEMREF_INPUT, None, 16), TempMemref.input(b""),
                                        TempMemref.output(0)))):
            with pytest.raises(TeeError) as refused:
                attacker.invoke(command, Operation(*memrefs))
            assert (refused.value.result, refused.value.origin) == (TeeResult.ERROR_BAD_PARAMETERS,
                                                                    ErrorOrigin.TRUSTED_APP)
    plaintext = os.urandom(64)  # the TA lives on, the other client's session still licensed
    encrypted = encrypt_cenc(key, bytes(8), plaintext, ())
    assert session.decrypt(encrypted.data, scheme=Scheme.CENC, iv=bytes(8)).plaintext == plaintext

"""The DRM scenario of ``make demo`` (and ``teesim drm play``): a license server and
a packager on the normal-world side, the DRM TA on the secure side. A short stream
is encrypted with ``cenc`` and ``cbcs``, licensed through the Widevine-style flow,
decrypted in the TEE and checked against digests of the original samples; a key
demanding the secure data path is refused a normal-world buffer, then decrypts
into a secure media buffer that only the board's secure video sink reads."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

from board.board import Board
from normal_world import SecureMemref, TeeError
from normal_world.drm.cdm import Cdm, DrmSession, drm_error, public_key
from normal_world.drm.license_server import KeyGrant, LicenseServer
from normal_world.drm.packager import EncryptedSample, encrypt_cbcs, encrypt_cenc, video_like_map
from tee.abi.drm import DRM_TA_UUID, KeyControl, LicenseRequest, Scheme

SAMPLE_SIZES = (6000, 9000, 4500)
#: Key duration in the demo's license: an hour of TEE time.
DURATION_S = 3600


def _say(text: str) -> None:
    print(f"\n== {text}")


def package(key: bytes, scheme: Scheme) -> list[tuple[EncryptedSample, bytes]]:
    """A short stream: each sample with a video-like subsample map, and its digest."""
    stream = []
    for size in SAMPLE_SIZES:
        plain = os.urandom(size)
        subsamples = video_like_map(size, clear_header=37, chunk=1500)
        if scheme == Scheme.CENC:
            enc = encrypt_cenc(key, os.urandom(8), plain, subsamples)
        else:
            enc = encrypt_cbcs(key, os.urandom(16), plain, subsamples, (1, 9))
        stream.append((enc, hashlib.sha256(plain).digest()))
    return stream


def drm_scenario(board: Board, say: Callable[[str], None] = _say) -> int:
    """0 when every sample decrypts to its digest and the secure-path key is refused."""
    if not (board.ta_store / f"{DRM_TA_UUID}.ta").exists():
        print(f"\n(the DRM scenario is skipped: the DRM TA is not built in {board.ta_store}; run 'make tas')")
        return 0
    ok = True
    with Cdm(board.context()) as cdm:
        say(f"DRM TA {DRM_TA_UUID}: provision the device (RSA-2048 key made in the TEE)")
        info = cdm.device_info()
        server = LicenseServer()
        server.provision(info.device_id, public_key(info))
        print(f"   device id {info.device_id.hex()[:32]}..., public key registered with the license server")

        allow = KeyControl.ALLOW_DECRYPT | KeyControl.NONCE_ENABLED
        grants = {scheme: KeyGrant(os.urandom(16), os.urandom(16), DURATION_S, allow)
                  for scheme in Scheme}
        secure = KeyGrant(os.urandom(16), os.urandom(16), DURATION_S, allow | KeyControl.DATA_PATH_SECURE)
        for g in (*grants.values(), secure):
            server.add_key(g)
        streams = {scheme: package(grants[scheme].key, scheme) for scheme in Scheme}
        print(f"   packager: {len(SAMPLE_SIZES)} samples each with cenc and cbcs 1:9, "
              "video-like subsample maps")

        say("License: nonce, a request signed by the device key, the server's response")
        session = cdm.open_session()
        nonce = session.generate_nonce()
        message = session.build_request(nonce, b"demo-title",
                                        [g.key_id for g in (*grants.values(), secure)])
        request = LicenseRequest.parse(message)
        response = server.issue(message)
        session.load_license(response)
        print(f"   nonce {nonce:#010x}; request {len(message)} bytes ({len(request.key_ids)} key ids); "
              f"license {len(response)} bytes: HMAC checked, 3 keys unwrapped inside the TEE")

        for scheme, stream in streams.items():
            say(f"Decrypt the {scheme.name.lower()} stream in the TEE and check digests")
            session.select_key(grants[scheme].key_id)
            for index, (enc, expected) in enumerate(stream):
                out = session.decrypt(enc.data, scheme=scheme, iv=enc.iv, subsamples=enc.subsamples,
                                      pattern=enc.pattern, digest=True)
                matches = out.digest == expected and out.plaintext is not None \
                    and hashlib.sha256(out.plaintext).digest() == expected
                ok = ok and matches
                print(f"   sample {index}: {len(enc.data)} bytes, {len(enc.subsamples)} subsamples, "
                      f"digest {'matches' if matches else 'DIFFERS'}")

        say("A key whose control block demands the secure data path, into a normal-world buffer")
        session.select_key(secure.key_id)
        enc, expected = package(secure.key, Scheme.CENC)[0]
        try:
            session.decrypt(enc.data, scheme=Scheme.CENC, iv=enc.iv, subsamples=enc.subsamples, digest=True)
            print("   UNEXPECTED: the plaintext went to the normal world")
            ok = False
        except TeeError as error:
            refusal = drm_error(error)
            print(f"   refused: {refusal.name if refusal else error}; no plaintext left the TEE")
            ok = ok and refusal is not None
        ok = _secure_path(board, session, enc, expected, say) and ok
        session.close()
    return 0 if ok else 1


def _secure_path(board: Board, session: DrmSession, enc: EncryptedSample, expected: bytes,
                 say: Callable[[str], None]) -> bool:
    """The selected secure-path key decrypts ``enc`` into a secure media buffer; the
    normal world gets the digest, the video sink shows the frame."""
    say("The same key into a secure media buffer (the secure data path), shown by the video sink")
    frame = board.context().allocate_secure_buffer(len(enc.data))
    out = session.decrypt(enc.data, scheme=enc.scheme, iv=enc.iv, subsamples=enc.subsamples,
                          pattern=enc.pattern, output=SecureMemref.output(frame), digest=True)
    assert out.digest is not None
    number = board.video_sink.present(frame, 0, len(enc.data))
    shown = board.video_sink.digests()[-1]
    matches = out.digest == expected and shown == expected.hex()
    print(f"   the normal world holds a handle and the digest {out.digest.hex()[:16]}..., no plaintext")
    print(f"   video sink frame {number}: digest {'matches' if matches else 'DIFFERS'} (the sample's and the TA's)")
    return matches

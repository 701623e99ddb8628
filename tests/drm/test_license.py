"""The Widevine-style license flow through the CDM and the reference server: the
device key provisioned once and kept, signed requests, and every check LOAD_LICENSE
makes, each played as the attack or mistake it stops."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from board import Board
from normal_world.drm.cdm import Cdm, public_key
from normal_world.drm.license_server import (OAEP, PSS, KeyGrant, LicenseError, LicenseServer,
                                             build_response)
from tee.abi.drm import (MAX_KEYS, MAX_SESSIONS_PER_CLIENT, NONCE_RATE_LIMIT, DrmError, KeyControl,
                         LicenseRequest, LicenseResponse, Scheme)
from tee.abi.results import TeeResult
from tests.drm.conftest import boot, grant, license_session, refusal

CENC_IV = bytes(8)


def requested(cdm: Cdm, grants: list[KeyGrant], content_id: bytes = b"title"):
    session = cdm.open_session()
    nonce = session.generate_nonce()
    message = session.build_request(nonce, content_id, [g.key_id for g in grants])
    return session, LicenseRequest.parse(message)


def test_device_key_is_made_once_and_kept_across_reboots(drm_ta_store: Path, tmp_path: Path) -> None:
    first = Cdm(boot(drm_ta_store, tmp_path / "state").context()).device_info()
    again = Cdm(boot(drm_ta_store, tmp_path / "state").context()).device_info()
    other = Cdm(boot(drm_ta_store, tmp_path / "other").context()).device_info()
    assert first == again
    assert first.device_id != other.device_id and first.modulus != other.modulus
    assert public_key(first).key_size == 2048 and first.exponent == 65537


def test_request_is_signed_by_the_device_key_over_what_the_client_asked(cdm: Cdm) -> None:
    info = cdm.device_info()
    kid = os.urandom(16)
    session, request = requested(cdm, [KeyGrant(kid, os.urandom(16))], b"movie-42")
    assert (request.device_id, request.content_id, request.key_ids) == (info.device_id, b"movie-42", (kid,))
    public_key(info).verify(request.signature, request.body(), PSS, hashes.SHA256())


def test_server_refuses_a_request_altered_in_transit(cdm: Cdm, server: LicenseServer) -> None:
    kid = os.urandom(16)
    server.add_key(KeyGrant(kid, os.urandom(16)))
    session, request = requested(cdm, [KeyGrant(kid, b"")])
    forged = replace(request, content_id=b"another title")
    with pytest.raises(LicenseError, match="signature"):
        server.issue(forged.to_bytes())


def test_licensed_key_decrypts(cdm: Cdm, server: LicenseServer) -> None:
    from normal_world.drm.packager import encrypt_cenc
    g = grant()
    licensed = license_session(cdm, server, [g])
    licensed.session.select_key(g.key_id)
    sample = os.urandom(1000)
    enc = encrypt_cenc(g.key, CENC_IV, sample)
    assert licensed.session.decrypt(enc.data, scheme=Scheme.CENC, iv=CENC_IV).plaintext == sample


def test_bad_hmac_is_refused_and_no_key_is_installed(cdm: Cdm, server: LicenseServer) -> None:
    g = grant()
    session, request = requested(cdm, [g])
    response = bytearray(build_response(request, server.devices[request.device_id], [g]))
    response[-1] ^= 1
    assert refusal(session.load_license, bytes(response)) == DrmError.SIGNATURE_FAILURE
    assert refusal(session.select_key, g.key_id) == DrmError.NO_SUCH_KEY
    response[-1] ^= 1  # the refusal spent nothing: the genuine license still loads
    session.load_license(bytes(response))
    session.select_key(g.key_id)


def test_a_key_object_altered_after_signing_is_refused_before_use(cdm: Cdm, server: LicenseServer) -> None:
    g = grant()
    session, request = requested(cdm, [g])
    response = bytearray(build_response(request, server.devices[request.device_id], [g]))
    response[8 + 256 + 40] ^= 0x80  # inside the first key's encrypted key data
    assert refusal(session.load_license, bytes(response)) == DrmError.SIGNATURE_FAILURE


def test_a_license_for_another_request_fails_the_mac(cdm: Cdm, server: LicenseServer) -> None:
    """The MAC key is derived over the request: a license made for one request (here
    one the attacker built with other content) does not load against another."""
    g = grant()
    session, request = requested(cdm, [g])
    other = replace(request, content_id=b"other")
    response = build_response(other, server.devices[request.device_id], [g])
    assert refusal(session.load_license, response) == DrmError.SIGNATURE_FAILURE


def test_wrong_nonce_in_key_control_is_refused(cdm: Cdm, server: LicenseServer) -> None:
    g = grant()
    session, request = requested(cdm, [g])
    wrong = replace(g, nonce=request.nonce ^ 0x5A5A5A5A)
    response = build_response(request, server.devices[request.device_id], [wrong])
    assert refusal(session.load_license, response) == DrmError.INVALID_NONCE
    assert refusal(session.select_key, g.key_id) == DrmError.NO_SUCH_KEY


def test_a_license_without_nonce_checking_loads_whatever_its_nonce(cdm: Cdm, server: LicenseServer) -> None:
    g = grant(control=KeyControl.ALLOW_DECRYPT)
    session, request = requested(cdm, [g])
    offline = replace(g, nonce=12345)
    session.load_license(build_response(request, server.devices[request.device_id], [offline]))
    session.select_key(g.key_id)


def test_nonce_reuse_is_refused(cdm: Cdm, server: LicenseServer) -> None:
    """A nonce is spent by the license it was requested for: it cannot be requested
    with again, and a replayed license does not load a second time."""
    g = grant()
    server.add_key(g)
    session = cdm.open_session()
    nonce = session.generate_nonce()
    message = session.build_request(nonce, b"t", [g.key_id])
    response = server.issue(message)
    session.load_license(response)
    assert refusal(session.build_request, nonce, b"t", [g.key_id]) == DrmError.INVALID_NONCE
    assert refusal(session.load_license, response) == DrmError.NO_REQUEST
    # A fresh request, answered with the old license's nonce in the control block
    fresh = LicenseRequest.parse(session.build_request(session.generate_nonce(), b"t", []))
    stale = build_response(fresh, server.devices[fresh.device_id], [replace(grant(), nonce=nonce)])
    assert refusal(session.load_license, stale) == DrmError.INVALID_NONCE


def test_a_nonce_from_another_session_is_refused(cdm: Cdm) -> None:
    first, second = cdm.open_session(), cdm.open_session()
    nonce = first.generate_nonce()
    assert refusal(second.build_request, nonce, b"t", []) == DrmError.INVALID_NONCE


def test_bad_key_control_magic_is_refused(cdm: Cdm, server: LicenseServer) -> None:
    g = grant()
    session, request = requested(cdm, [g])
    response = build_response(request, server.devices[request.device_id], [replace(g, magic=b"kc09")])
    assert refusal(session.load_license, response) == DrmError.BAD_KEY_CONTROL


def test_session_key_not_wrapped_for_this_device_is_refused(cdm: Cdm, server: LicenseServer) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa
    g = grant()
    session, request = requested(cdm, [g])
    stranger = rsa.generate_private_key(65537, 2048).public_key()
    assert refusal(session.load_license, build_response(request, stranger, [g])) \
        == DrmError.SESSION_KEY_INVALID
    # and a session key of the wrong size, properly wrapped
    device = server.devices[request.device_id]
    good = LicenseResponse.parse(build_response(request, device, [g]))
    long_key = replace(good, enc_session_key=device.encrypt(bytes(32), OAEP))
    assert refusal(session.load_license, long_key.to_bytes()) == DrmError.SESSION_KEY_INVALID


def test_load_before_any_request_is_refused(cdm: Cdm, server: LicenseServer) -> None:
    g = grant()
    _, request = requested(cdm, [g])
    fresh = cdm.open_session()
    assert refusal(fresh.load_license, build_response(request, server.devices[request.device_id], [g])) \
        == DrmError.NO_REQUEST


def test_malformed_and_oversized_licenses_are_refused(cdm: Cdm, server: LicenseServer) -> None:
    g = grant()
    session, request = requested(cdm, [g])
    response = build_response(request, server.devices[request.device_id], [g])
    assert refusal(session.load_license, response[:-1]) == DrmError.MALFORMED_LICENSE
    assert refusal(session.load_license, b"XXXX" + response[4:]) == DrmError.MALFORMED_LICENSE
    assert refusal(session.load_license, bytes(5000)) == DrmError.LICENSE_TOO_LARGE
    session.load_license(response)  # none of that changed anything


def test_duplicate_key_ids_are_refused(cdm: Cdm, server: LicenseServer) -> None:
    g = grant()
    session, request = requested(cdm, [g])
    response = build_response(request, server.devices[request.device_id], [g, g])
    assert refusal(session.load_license, response) == DrmError.DUPLICATE_KEY_ID


def test_keys_per_session_are_bounded(cdm: Cdm, server: LicenseServer) -> None:
    session, request = requested(cdm, [])
    grants = [grant() for _ in range(MAX_KEYS)]
    session.load_license(build_response(request, server.devices[request.device_id], grants))
    more = LicenseRequest.parse(session.build_request(session.generate_nonce(), b"t", []))
    response = build_response(more, server.devices[more.device_id], [grant()])
    assert refusal(session.load_license, response) == DrmError.TOO_MANY_KEYS


def test_request_size_is_bounded(cdm: Cdm) -> None:
    session = cdm.open_session()
    nonce = session.generate_nonce()
    assert refusal(session.build_request, nonce, bytes(257), []) == DrmError.REQUEST_TOO_LARGE
    assert refusal(session.build_request, nonce, b"t", [bytes(16)] * (MAX_KEYS + 1)) \
        == DrmError.REQUEST_TOO_LARGE


def test_sessions_are_bounded_per_client_and_in_total(drm_board: Board) -> None:
    clients = [Cdm(drm_board.context()) for _ in range(5)]
    first = clients[0]
    opened = [first.open_session() for _ in range(MAX_SESSIONS_PER_CLIENT)]
    assert refusal(first.open_session) == DrmError.TOO_MANY_SESSIONS
    opened[0].close()
    first.open_session()
    for client in clients[1:4]:
        for _ in range(MAX_SESSIONS_PER_CLIENT):
            client.open_session()
    assert refusal(clients[4].open_session) == DrmError.TOO_MANY_SESSIONS  # 16 in the TA
    clients[1].close()  # its sessions go with it
    clients[4].open_session()


def test_a_client_cannot_use_another_clients_session(drm_board: Board, server: LicenseServer,
                                                     cdm: Cdm) -> None:
    g = grant()
    licensed = license_session(cdm, server, [g])
    thief = Cdm(drm_board.context())
    from normal_world.drm.cdm import DrmSession
    stolen = DrmSession(thief._session, licensed.session.id)
    assert refusal(stolen.select_key, g.key_id) == DrmError.INVALID_SESSION
    assert refusal(stolen.generate_nonce) == DrmError.INVALID_SESSION


def test_more_than_20_nonces_a_second_are_refused(drm_board: Board, cdm: Cdm) -> None:
    session = cdm.open_session()
    other = Cdm(drm_board.context()).open_session()  # the limit is the TA's, not a session's
    for i in range(NONCE_RATE_LIMIT):
        (session if i % 2 else other).generate_nonce()
    assert refusal(session.generate_nonce) == DrmError.NONCE_FLOOD
    assert refusal(other.generate_nonce) == DrmError.NONCE_FLOOD
    drm_board.advance_clock(1.001)
    session.generate_nonce()


def test_reopening_sessions_does_not_reset_the_nonce_limit(drm_board: Board) -> None:
    """An attacker closing every session (the TA instance's last) and opening new
    ones still gets only 20 nonces a second: the instance is kept alive."""
    for _ in range(NONCE_RATE_LIMIT):
        with Cdm(drm_board.context()) as client:
            client.open_session().generate_nonce()
    with Cdm(drm_board.context()) as client:
        assert refusal(client.open_session().generate_nonce) == DrmError.NONCE_FLOOD


def test_closed_session_is_gone(cdm: Cdm) -> None:
    session = cdm.open_session()
    session.close()
    assert refusal(session.generate_nonce) == DrmError.INVALID_SESSION
    assert refusal(session.close) == DrmError.INVALID_SESSION


def test_wrong_parameter_types_are_bad_parameters(cdm: Cdm) -> None:
    from normal_world.client import Operation, Value
    from tee.abi.drm import DrmCmd
    assert refusal(cdm._session.invoke, DrmCmd.OPEN_SESSION, Operation(Value.input(1))) \
        == TeeResult.ERROR_BAD_PARAMETERS
    assert refusal(cdm._session.invoke, 99, Operation()) == TeeResult.ERROR_NOT_SUPPORTED

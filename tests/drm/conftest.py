"""Fixtures for the DRM TA tests: the TA built into the test TA store once, boards
with their own state directory, a provisioned license server, and a session
holding a license for known content keys."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from board import Board
from normal_world import TeeError
from normal_world.drm.cdm import Cdm, DrmSession, drm_error, public_key
from normal_world.drm.license_server import KeyGrant, LicenseServer
from tee.abi.drm import DrmError, KeyControl
from tee.tools.ta_build import build_ta
from tests.conftest import REPO, budgeted_config

DRM_DIR = REPO / "trusted_apps" / "drm"


@pytest.fixture(scope="session")
def drm_ta_store(ta_store: Path) -> Path:
    build_ta(DRM_DIR, ta_store)
    return ta_store


def boot(ta_store: Path, state_dir: Path) -> Board:
    return Board(ta_store, budgeted_config(), state_dir=state_dir)


@pytest.fixture
def drm_board(drm_ta_store: Path, tmp_path: Path) -> Board:
    return boot(drm_ta_store, tmp_path / "state")


@pytest.fixture
def cdm(drm_board: Board) -> Cdm:
    return Cdm(drm_board.context())


@pytest.fixture
def server(cdm: Cdm) -> LicenseServer:
    info = cdm.device_info()
    server = LicenseServer()
    server.provision(info.device_id, public_key(info))
    return server


def refusal(call, *args, **kwargs) -> DrmError | int:
    """The DRM error (or other TEE result) a call is refused with."""
    with pytest.raises(TeeError) as caught:
        call(*args, **kwargs)
    return drm_error(caught.value) or caught.value.result


@dataclass
class Licensed:
    """A DRM session with a license loaded for ``keys`` (key id -> key)."""

    session: DrmSession
    keys: dict[bytes, bytes]


def license_session(cdm: Cdm, server: LicenseServer, grants: list[KeyGrant]) -> Licensed:
    for grant in grants:
        server.add_key(grant)
    session = cdm.open_session()
    nonce = session.generate_nonce()
    request = session.build_request(nonce, b"content-1", [g.key_id for g in grants])
    session.load_license(server.issue(request))
    return Licensed(session, {g.key_id: g.key for g in grants})


def grant(control: int = KeyControl.ALLOW_DECRYPT | KeyControl.NONCE_ENABLED,
          duration_s: int = 0) -> KeyGrant:
    return KeyGrant(os.urandom(16), os.urandom(16), duration_s, control)

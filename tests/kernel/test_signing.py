"""Signed TA images: only what the trusted key signed, for that UUID, at no older
version, ever runs. Each attack test plays someone who controls the TA store."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid as uuid_mod
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normal_world import ErrorOrigin, Operation, TeeError, TeeResult, Value
from tee.abi.signed_header import (SHDR, Bootstrap, Shdr, ShdrAlgo, ShdrImgType, SignedImage,
                                   decode_signed_image, digest_input)
from tee.device import DeviceConfig
from board import Board
from tee.kernel.kernel import KernelConfig
from tee.kernel.ta_manager import TaManagerConfig
from tee.kernel.ta_verify import DEV_PUBLIC_KEY_PATH, TaSignatureError, load_trusted_key, verify_ta
from tee.tools.sign import SigningError, load_signing_key, sign_ta
from tests.conftest import HELLO_DIR, HELLO_UUID, TEST_INSTRUCTION_BUDGET

REPO = Path(__file__).resolve().parents[2]
OTHER_UUID = uuid_mod.UUID("11111111-2222-3333-4444-555555555555")
PSS = ShdrAlgo.RSASSA_PKCS1_PSS_MGF1_SHA256
PKCS1 = ShdrAlgo.RSASSA_PKCS1_V1_5_SHA256


@pytest.fixture(scope="module")
def hello_elf(ta_store: Path) -> bytes:
    return (ta_store / f"{HELLO_UUID}.elf").read_bytes()


@pytest.fixture(scope="module")
def dev_key() -> rsa.RSAPrivateKey:
    return load_signing_key()


@pytest.fixture(scope="module")
def rogue_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def device_with(store: Path, images: dict[uuid_mod.UUID, bytes], **tas_options: object) -> Board:
    store.mkdir(exist_ok=True)
    for ta_uuid, image in images.items():
        (store / f"{ta_uuid}.ta").write_bytes(image)
    tas = TaManagerConfig(instruction_budget=TEST_INSTRUCTION_BUDGET, **tas_options)  # type: ignore[arg-type]
    return Board(store, DeviceConfig(kernel=KernelConfig(tas=tas)))


def hello_answers(board: Board) -> bool:
    with board.context().open_session(HELLO_UUID) as session:
        return session.invoke(0, Operation(Value.inout(41))).params[0].a == 42


def assert_refused(board: Board, ta_uuid: uuid_mod.UUID, reason: str,
                   result: TeeResult = TeeResult.ERROR_SECURITY) -> None:
    """Opening ``ta_uuid`` fails with ``result`` from the TEE, the TA never ran, and the
    secure console says why in exactly one E/TC line."""
    before = len(board.device.secure_log)
    with pytest.raises(TeeError) as caught:
        board.context().open_session(ta_uuid)
    assert (caught.value.result, caught.value.origin) == (result, ErrorOrigin.TEE)
    new_lines = board.device.secure_log[before:]
    assert len(new_lines) == 1, new_lines  # no TA output ("I/TA: Hello World!"), no dump
    assert new_lines[0].startswith("E/TC:") and reason in new_lines[0], new_lines[0]


# -- what the build produces ----------------------------------------------------------
def test_built_ta_is_a_bootstrap_image_signed_with_the_dev_key(ta_store: Path, hello_elf: bytes) -> None:
    raw = (ta_store / f"{HELLO_UUID}.ta").read_bytes()
    magic, img_type, img_size, algo, hash_size, sig_size = SHDR.unpack_from(raw)
    assert (magic, img_type, img_size, algo, hash_size, sig_size) == (
        0x4F545348, 1, len(hello_elf), 0x70414930, 32, 256)
    assert raw[:4] == b"HSTO"
    boot = raw[20 + 32 + 256:20 + 32 + 256 + 20]
    assert boot == HELLO_UUID.bytes + (0).to_bytes(4, "little")
    assert raw[-len(hello_elf):] == hello_elf
    # Recompute the digest from the format's definition and check the signature
    # with cryptography directly, independently of the kernel's verifier.
    digest = hashlib.sha256(raw[:20] + boot + hello_elf).digest()
    assert raw[20:52] == digest
    public = serialization.load_pem_public_key(DEV_PUBLIC_KEY_PATH.read_bytes())
    public.verify(raw[52:52 + 256], digest,  # type: ignore[union-attr]
                  padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                  utils.Prehashed(hashes.SHA256()))


def test_dev_keys_say_they_are_for_development_only() -> None:
    for name in ("dev_ta_key.pem", "dev_ta_key.pub.pem", "README.md"):
        assert "DEVELOPMENT-ONLY" in (REPO / "trusted_apps" / "sdk" / "keys" / name).read_text()


@pytest.mark.parametrize("algo, img_type", [(PSS, ShdrImgType.BOOTSTRAP_TA),
                                            (PKCS1, ShdrImgType.BOOTSTRAP_TA),
                                            (PSS, ShdrImgType.TA)],
                         ids=["pss", "pkcs1v15", "legacy-shdr-ta"])
def test_correctly_signed_images_run(tmp_path: Path, hello_elf: bytes, dev_key: rsa.RSAPrivateKey,
                                     algo: ShdrAlgo, img_type: ShdrImgType) -> None:
    image = sign_ta(hello_elf, dev_key, HELLO_UUID, 1, algo=algo, img_type=img_type)
    assert hello_answers(device_with(tmp_path / "store", {HELLO_UUID: image}))


# -- attacks --------------------------------------------------------------------------
def test_unsigned_elf_is_refused(tmp_path: Path, hello_elf: bytes) -> None:
    board = device_with(tmp_path / "store", {HELLO_UUID: hello_elf})
    assert_refused(board, HELLO_UUID, "no signed header")


#: One bit flipped in each field of the signed image (offsets into a 2048-bit bootstrap image).
FLIPS = {"magic": 0, "img_type": 4, "img_size": 8, "algo": 12, "hash_size": 16, "sig_size": 18,
         "hash": 20 + 7, "signature": 52 + 100, "bootstrap uuid": 308 + 3,
         "ta_version": 308 + 16, "ELF header": 328 + 1, "ELF middle": None, "ELF last byte": -1}


@pytest.mark.parametrize("field", list(FLIPS))
def test_any_flipped_bit_is_refused(tmp_path: Path, ta_store: Path, hello_elf: bytes,
                                    field: str) -> None:
    raw = bytearray((ta_store / f"{HELLO_UUID}.ta").read_bytes())
    where = FLIPS[field]
    raw[len(raw) // 2 if where is None else where] ^= 0x01
    board = device_with(tmp_path / "store", {HELLO_UUID: bytes(raw)})
    assert_refused(board, HELLO_UUID, "signature check failed")
    (tmp_path / "store" / f"{HELLO_UUID}.ta").write_bytes((ta_store / f"{HELLO_UUID}.ta").read_bytes())
    assert hello_answers(board)  # the refusal changed nothing: the genuine image still loads


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_byte_of_a_signed_image_can_change(ta_store: Path, data: st.DataObject) -> None:
    raw = bytearray((ta_store / f"{HELLO_UUID}.ta").read_bytes())
    # Half the draws land in the headers (the first 400 bytes), where parsing happens.
    where = data.draw(st.one_of(st.integers(0, 400), st.integers(0, len(raw) - 1)))
    raw[where] ^= data.draw(st.integers(1, 255))
    key = load_trusted_key(None)
    with pytest.raises(TaSignatureError):
        verify_ta(bytes(raw), HELLO_UUID, key)


def test_image_signed_with_another_key_is_refused(tmp_path: Path, hello_elf: bytes,
                                                  rogue_key: rsa.RSAPrivateKey) -> None:
    board = device_with(tmp_path / "store", {HELLO_UUID: sign_ta(hello_elf, rogue_key, HELLO_UUID)})
    assert_refused(board, HELLO_UUID, "does not verify with the trusted key")


def test_image_signed_for_another_uuid_is_refused(tmp_path: Path, hello_elf: bytes,
                                                  dev_key: rsa.RSAPrivateKey) -> None:
    # The genuine hello image, planted where another TA is looked for.
    board = device_with(tmp_path / "store", {OTHER_UUID: sign_ta(hello_elf, dev_key, HELLO_UUID)})
    assert_refused(board, OTHER_UUID, f"signed for TA {HELLO_UUID}")


def test_signed_uuid_that_is_not_the_elfs_own_is_refused(tmp_path: Path, hello_elf: bytes,
                                                         dev_key: rsa.RSAPrivateKey) -> None:
    # Signed for OTHER_UUID, but the ELF inside is hello (its ta_head says so).
    board = device_with(tmp_path / "store", {OTHER_UUID: sign_ta(hello_elf, dev_key, OTHER_UUID)})
    assert_refused(board, OTHER_UUID, f"declares UUID {HELLO_UUID}")


def test_device_with_a_short_key_runs_nothing(tmp_path: Path, hello_elf: bytes) -> None:
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    # The signing tool refuses the key, so the attacker forges the image by hand.
    shdr = Shdr(ShdrImgType.BOOTSTRAP_TA, len(hello_elf), PSS, 32, 128)
    boot = Bootstrap(HELLO_UUID, 0)
    digest = hashlib.sha256(digest_input(shdr, boot, hello_elf)).digest()
    sig = short.sign(digest, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                     utils.Prehashed(hashes.SHA256()))
    image = SignedImage(shdr, digest, sig, boot, hello_elf).encode()
    board = device_with(tmp_path / "store", {HELLO_UUID: image}, ta_public_key=public_pem(short))
    assert_refused(board, HELLO_UUID, "trusted key has 1024 bits")


def test_signing_tool_refuses_short_keys(tmp_path: Path) -> None:
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    path = tmp_path / "short.pem"
    path.write_bytes(short.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))
    with pytest.raises(SigningError, match="1024-bit key"):
        load_signing_key(path)


@pytest.mark.parametrize("algo, reason", [
    (0x70002830, "weak hash SHA-1"),       # TEE_ALG_RSASSA_PKCS1_V1_5_SHA1
    (0x70212930, "weak hash SHA-1"),       # TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA1
    (0x70001830, "weak hash MD5"),         # TEE_ALG_RSASSA_PKCS1_V1_5_MD5
    (0x70006830, "only RSA with SHA-256"),  # TEE_ALG_RSASSA_PKCS1_V1_5_SHA512
    (0x70004041, "only RSA with SHA-256"),  # TEE_ALG_ECDSA_SHA256
    (0, "only RSA with SHA-256"),
])
def test_weak_or_unknown_algorithm_is_refused(tmp_path: Path, hello_elf: bytes,
                                              dev_key: rsa.RSAPrivateKey, algo: int, reason: str) -> None:
    # A real signature by the trusted key: only the algorithm field is unacceptable.
    shdr = Shdr(ShdrImgType.BOOTSTRAP_TA, len(hello_elf), algo, 32, 256)
    boot = Bootstrap(HELLO_UUID, 0)
    digest = hashlib.sha256(digest_input(shdr, boot, hello_elf)).digest()
    sig = dev_key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    board = device_with(tmp_path / "store",
                         {HELLO_UUID: SignedImage(shdr, digest, sig, boot, hello_elf).encode()})
    assert_refused(board, HELLO_UUID, reason)


@pytest.mark.parametrize("img_type", [ShdrImgType.ENCRYPTED_TA, ShdrImgType.SUBKEY, 7])
def test_unsupported_image_types_are_refused(tmp_path: Path, ta_store: Path, img_type: int) -> None:
    raw = bytearray((ta_store / f"{HELLO_UUID}.ta").read_bytes())
    raw[4:8] = int(img_type).to_bytes(4, "little")
    board = device_with(tmp_path / "store", {HELLO_UUID: bytes(raw)})
    assert_refused(board, HELLO_UUID, "is not supported")


@pytest.mark.parametrize("change", ["truncated", "trailing byte"])
def test_image_of_the_wrong_length_is_refused(tmp_path: Path, ta_store: Path, change: str) -> None:
    raw = (ta_store / f"{HELLO_UUID}.ta").read_bytes()
    raw = raw[:-1] if change == "truncated" else raw + b"\0"
    board = device_with(tmp_path / "store", {HELLO_UUID: raw})
    assert_refused(board, HELLO_UUID, "header sizes add up to")


def test_rollback_to_an_older_version_is_refused(tmp_path: Path, hello_elf: bytes,
                                                 dev_key: rsa.RSAPrivateKey) -> None:
    store = tmp_path / "store"
    board = device_with(store, {HELLO_UUID: sign_ta(hello_elf, dev_key, HELLO_UUID, 2)})
    assert hello_answers(board)

    def install(image: bytes) -> None:
        (store / f"{HELLO_UUID}.ta").write_bytes(image)

    install(sign_ta(hello_elf, dev_key, HELLO_UUID, 1))
    assert_refused(board, HELLO_UUID, "version 1 is a rollback (version 2 was loaded before)")
    install(sign_ta(hello_elf, dev_key, HELLO_UUID, img_type=ShdrImgType.TA))  # legacy: version 0
    assert_refused(board, HELLO_UUID, "version 0 is a rollback")
    install(sign_ta(hello_elf, dev_key, HELLO_UUID, 2))
    assert hello_answers(board)  # the same version again is fine
    install(sign_ta(hello_elf, dev_key, HELLO_UUID, 3))
    assert hello_answers(board)
    install(sign_ta(hello_elf, dev_key, HELLO_UUID, 2))
    assert_refused(board, HELLO_UUID, "version 2 is a rollback (version 3 was loaded before)")


def test_refused_image_does_not_raise_the_version_floor(tmp_path: Path, hello_elf: bytes,
                                                        dev_key: rsa.RSAPrivateKey,
                                                        rogue_key: rsa.RSAPrivateKey) -> None:
    store = tmp_path / "store"
    board = device_with(store, {HELLO_UUID: sign_ta(hello_elf, rogue_key, HELLO_UUID, 9)})
    assert_refused(board, HELLO_UUID, "does not verify")
    (store / f"{HELLO_UUID}.ta").write_bytes(sign_ta(hello_elf, dev_key, HELLO_UUID, 1))
    assert hello_answers(board)


# -- the device's trusted key ---------------------------------------------------------
def test_device_trusts_only_its_configured_key(tmp_path: Path, hello_elf: bytes,
                                               dev_key: rsa.RSAPrivateKey,
                                               rogue_key: rsa.RSAPrivateKey) -> None:
    store = tmp_path / "store"
    own_key = rogue_key  # this device's vendor key
    board = device_with(store, {HELLO_UUID: sign_ta(hello_elf, dev_key, HELLO_UUID)},
                         ta_public_key=public_pem(own_key))
    assert_refused(board, HELLO_UUID, "does not verify")  # dev-signed TAs do not run here
    (store / f"{HELLO_UUID}.ta").write_bytes(sign_ta(hello_elf, own_key, HELLO_UUID))
    assert hello_answers(board)


@pytest.mark.parametrize("pem", [b"", b"not a key",
                                 b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"])
def test_unusable_trusted_key_is_a_clear_configuration_error(tmp_path: Path, pem: bytes) -> None:
    with pytest.raises(ValueError, match="ta_public_key"):
        device_with(tmp_path / "store", {}, ta_public_key=pem)


def test_trusted_key_must_be_rsa(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec
    pem = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(ValueError, match="must be an RSA key"):
        device_with(tmp_path / "store", {}, ta_public_key=pem)


# -- the command line -----------------------------------------------------------------
def teesim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tee.tools.cli", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=300)


def write_key(path: Path, key: rsa.RSAPrivateKey) -> Path:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


def test_sign_command_signs_an_elf_with_its_ta_head_uuid(tmp_path: Path, ta_store: Path,
                                                         dev_key: rsa.RSAPrivateKey) -> None:
    store = tmp_path / "store"
    store.mkdir()
    out = store / f"{HELLO_UUID}.ta"
    result = teesim("sign", "--in", str(ta_store / f"{HELLO_UUID}.elf"), "--out", str(out),
                    "--ta-version", "7", "--algo", "TEE_ALG_RSASSA_PKCS1_V1_5_SHA256")
    assert result.returncode == 0, result.stderr
    image = decode_signed_image(out.read_bytes())
    assert image.bootstrap == Bootstrap(HELLO_UUID, 7) and image.shdr.algo == PKCS1
    assert hello_answers(device_with(store, {}))


def test_sign_command_refuses_a_uuid_the_elf_does_not_have(tmp_path: Path, ta_store: Path) -> None:
    out = tmp_path / "x.ta"
    result = teesim("sign", "--in", str(ta_store / f"{HELLO_UUID}.elf"), "--out", str(out),
                    "--uuid", str(OTHER_UUID))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"ta_head says {HELLO_UUID}" in result.stderr and not out.exists()


@pytest.mark.parametrize("problem, message", [
    ("missing key", "cannot read key"), ("short key", "1024-bit key"),
    ("not an ELF", "malformed TA ELF"), ("bad version", "-1 is not a 32-bit unsigned number")])
def test_sign_command_reports_bad_input_in_one_line(tmp_path: Path, ta_store: Path, problem: str,
                                                    message: str) -> None:
    elf = ta_store / f"{HELLO_UUID}.elf"
    args = ["sign", "--in", str(elf), "--out", str(tmp_path / "x.ta")]
    if problem == "missing key":
        args += ["--key", str(tmp_path / "nope.pem")]
    elif problem == "short key":
        args += ["--key", str(write_key(tmp_path / "short.pem",
                                        rsa.generate_private_key(public_exponent=65537, key_size=1024)))]
    elif problem == "not an ELF":
        args[2] = str(DEV_PUBLIC_KEY_PATH)
    else:
        args += ["--ta-version", "-1"]
    result = teesim(*args)
    assert result.returncode in (1, 2) and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("teesim sign")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert not (tmp_path / "x.ta").exists()


def test_build_signs_with_the_given_key_and_version(tmp_path: Path,
                                                    rogue_key: rsa.RSAPrivateKey) -> None:
    key = write_key(tmp_path / "vendor.pem", rogue_key)
    store = tmp_path / "store"
    result = teesim("build", str(HELLO_DIR), "--out", str(store), "--key", str(key), "--ta-version", "3")
    assert result.returncode == 0, result.stderr
    raw = (store / f"{HELLO_UUID}.ta").read_bytes()
    assert decode_signed_image(raw).bootstrap == Bootstrap(HELLO_UUID, 3)
    assert (store / f"{HELLO_UUID}.elf").read_bytes() == decode_signed_image(raw).img
    assert verify_ta(raw, HELLO_UUID, rogue_key.public_key()).ta_version == 3
    assert hello_answers(device_with(store, {}, ta_public_key=public_pem(rogue_key)))
    assert_refused(device_with(store, {}), HELLO_UUID, "does not verify")  # not the dev key

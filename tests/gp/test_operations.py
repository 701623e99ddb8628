"""Generic operation functions through the test TA: what TEE_AllocateOperation
accepts, TEE_GetOperationInfo(Multiple), reset, free and copy rules,
TEE_IsAlgorithmSupported against the kernel's algorithm table, random numbers."""

from __future__ import annotations

import pytest

from tee.abi.gp_crypto import Algorithm as A
from tee.abi.gp_crypto import EccCurve, HandleFlag, Mode, ObjectType, OperationClass as C
from tee.abi.gp_crypto import OperationState, Usage, operation_class
from tee.abi.results import TeeResult
from tee.kernel.crypto.algorithms import ALGORITHMS
from tee.kernel.crypto.objects import TYPES
from tests.gp.gp_ta import GpTa, expect_panic

_TIED = {A.ECDSA_SHA1: EccCurve.NIST_P192, A.ECDSA_SHA224: EccCurve.NIST_P224,
         A.ECDSA_SHA256: EccCurve.NIST_P256, A.ECDSA_SHA384: EccCurve.NIST_P384,
         A.ECDSA_SHA512: EccCurve.NIST_P521, A.OPTEE_ECDSA_P192: EccCurve.NIST_P192,
         A.OPTEE_ECDSA_P224: EccCurve.NIST_P224, A.OPTEE_ECDSA_P256: EccCurve.NIST_P256,
         A.OPTEE_ECDSA_P384: EccCurve.NIST_P384, A.OPTEE_ECDSA_P521: EccCurve.NIST_P521,
         A.OPTEE_ECDH_P192: EccCurve.NIST_P192, A.OPTEE_ECDH_P224: EccCurve.NIST_P224,
         A.OPTEE_ECDH_P256: EccCurve.NIST_P256, A.OPTEE_ECDH_P384: EccCurve.NIST_P384,
         A.OPTEE_ECDH_P521: EccCurve.NIST_P521, A.ECDH_DERIVE_SHARED_SECRET: EccCurve.NIST_P256,
         A.ED25519: EccCurve.CURVE_25519, A.X25519: EccCurve.CURVE_25519}
_CURVE_BITS = {EccCurve.NIST_P192: 192, EccCurve.NIST_P224: 224, EccCurve.NIST_P256: 256,
               EccCurve.NIST_P384: 384, EccCurve.NIST_P521: 521, EccCurve.CURVE_25519: 256}
#: Every distinct algorithm ID (aliases share a value)
ALL = sorted({int(a) for a in A})


def _element(algorithm: int) -> int:
    return _TIED.get(algorithm, EccCurve.NONE)


def _max_key_size(algorithm: int) -> int:
    """A maxKeySize the algorithm's key type allows (its largest; the tied curve's)."""
    if algorithm in _TIED:
        return _CURVE_BITS[_TIED[algorithm]]
    info = ALGORITHMS[algorithm]
    key_types = set().union(*info.key_types.values()) if info.key_types else set()
    if not key_types:
        return 0
    largest = min(TYPES[t].max_size for t in key_types)
    return 2 * largest if info.two_keys else largest


def test_is_algorithm_supported_matches_the_kernel(gp: GpTa) -> None:
    """libutee answers from its own table; it must say exactly what the kernel does."""
    for algorithm in ALL:
        expected = TeeResult.SUCCESS if algorithm in ALGORITHMS else TeeResult.ERROR_NOT_SUPPORTED
        assert gp.is_algorithm_supported(algorithm, _element(algorithm)) == expected, hex(algorithm)


def test_is_algorithm_supported_checks_the_element(gp: GpTa) -> None:
    assert gp.is_algorithm_supported(A.AES_GCM, EccCurve.NIST_P256) == TeeResult.ERROR_NOT_SUPPORTED
    assert gp.is_algorithm_supported(A.ECDSA_SHA256, EccCurve.NIST_P384) == \
        TeeResult.ERROR_NOT_SUPPORTED
    assert gp.is_algorithm_supported(A.X25519, EccCurve.NONE) == TeeResult.ERROR_NOT_SUPPORTED
    for curve in (EccCurve.NIST_P192, EccCurve.NIST_P521):
        assert gp.is_algorithm_supported(A.ECDH_DERIVE_SHARED_SECRET, curve) == TeeResult.SUCCESS


def test_every_supported_algorithm_allocates(gp: GpTa) -> None:
    for algorithm, info in sorted(ALGORITHMS.items()):
        mode = min(info.modes)
        res, op = gp.allocate_operation(algorithm, mode, _max_key_size(algorithm))
        assert res == TeeResult.SUCCESS, hex(algorithm)
        got = gp.operation_info(op)
        assert (got.algorithm, got.op_class, got.mode) == (algorithm, info.op_class, mode)
        assert got.op_class == operation_class(algorithm)
        gp.free_operation(op)


@pytest.mark.parametrize("algorithm, mode, size, digest, usage", [
    (A.HMAC_SHA384, Mode.MAC, 1024, 48, Usage.MAC),
    (A.AES_CMAC, Mode.MAC, 256, 16, Usage.MAC),
    (A.DES3_CBC_MAC_NOPAD, Mode.MAC, 192, 8, Usage.MAC),
    (A.AES_CTR, Mode.DECRYPT, 128, 0, Usage.DECRYPT),
    (A.RSASSA_PKCS1_PSS_MGF1_SHA256, Mode.VERIFY, 2048, 32, Usage.VERIFY),
    (A.RSAES_PKCS1_OAEP_MGF1_SHA1, Mode.DECRYPT, 1024, 0, Usage.DECRYPT),
    (A.RSA_NOPAD, Mode.ENCRYPT, 1024, 0, Usage.ENCRYPT | Usage.VERIFY),
    (A.ECDSA_SHA384, Mode.SIGN, 384, 48, Usage.SIGN),
    (A.X25519, Mode.DERIVE, 256, 0, Usage.DERIVE),
])
def test_operation_info(gp: GpTa, algorithm: int, mode: Mode, size: int, digest: int,
                        usage: int) -> None:
    res, op = gp.allocate_operation(algorithm, mode, size)
    assert res == TeeResult.SUCCESS
    info = gp.operation_info(op)
    assert (info.digest_length, info.max_key_size, info.key_size) == (digest, size, 0)
    assert (info.required_usage, info.handle_state) == (usage, 0)
    res, length, raw = gp.operation_info_multiple(op, 40)
    words = [int.from_bytes(raw[i:i + 4], "little") for i in range(0, 40, 4)]
    assert res == TeeResult.SUCCESS
    assert words[:8] == [algorithm, operation_class(algorithm), mode, digest, size, 0,
                         OperationState.INITIAL, 1]
    assert words[8:] == [0, usage]  # no key yet
    assert gp.operation_info_multiple(op, 32)[0] == TeeResult.ERROR_SHORT_BUFFER


def test_key_size_and_flags_follow_the_key(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.AES, bytes(24), max_size=256)
    op = gp.operation(A.AES_GCM, Mode.ENCRYPT, 256, key)
    info = gp.operation_info(op)
    assert (info.key_size, info.handle_state) == (192, HandleFlag.KEY_SET)
    gp.ae_init(op, bytes(12), 104)
    info = gp.operation_info(op)
    assert info.handle_state == HandleFlag.KEY_SET | HandleFlag.INITIALIZED
    assert info.digest_length == 13  # the tag length AEInit chose


def test_operation_info_multiple_with_less_than_the_header_panics(gp: GpTa) -> None:
    op = gp.operation(A.SHA256, Mode.DIGEST, 0)
    expect_panic(gp.operation_info_multiple, op, 16)


def test_reset_without_a_key_panics(gp: GpTa) -> None:
    res, op = gp.allocate_operation(A.AES_CBC_NOPAD, Mode.ENCRYPT, 128)
    expect_panic(gp.reset_operation, op)


def test_reset_returns_to_initial(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.AES, bytes(16))
    op = gp.operation(A.AES_CTR, Mode.ENCRYPT, 128, key)
    gp.cipher_init(op, bytes(16))
    gp.reset_operation(op)
    assert gp.operation_info(op).handle_state == HandleFlag.KEY_SET
    expect_panic(gp.cipher_update, op, b"after reset")


def test_copy_between_different_algorithms_panics(gp: GpTa) -> None:
    expect_panic(gp.copy_operation, gp.operation(A.SHA256, Mode.DIGEST, 0),
                 gp.operation(A.SHA1, Mode.DIGEST, 0))


def test_copy_into_a_smaller_operation_panics(gp: GpTa) -> None:
    big = gp.operation(A.AES_CBC_NOPAD, Mode.ENCRYPT, 256, gp.secret_key(ObjectType.AES, bytes(32)))
    small = gp.operation(A.AES_CBC_NOPAD, Mode.ENCRYPT, 128)
    expect_panic(gp.copy_operation, small, big)


def test_free_null_operation_is_a_no_op(gp: GpTa) -> None:
    gp.free_operation(0)
    assert not gp.panicked()


def test_freed_operation_handles_are_refused(gp: GpTa) -> None:
    op = gp.operation(A.SHA256, Mode.DIGEST, 0)
    gp.free_operation(op)
    # the struct is gone from the TA heap; whatever libutee finds there, the kernel
    # no longer knows the state, so the call ends the TA rather than hashing
    expect_panic(gp.digest_update, op, b"use after free")


def test_unsupported_algorithms_and_modes(gp: GpTa) -> None:
    for algorithm, mode, size in ((A.DSA_SHA1, Mode.SIGN, 1024), (A.SM2_PKE, Mode.ENCRYPT, 256),
                                  (A.ED448, Mode.SIGN, 448), (A.HMAC_SHA256, Mode.DIGEST, 256),
                                  (A.RSAES_PKCS1_V1_5, Mode.SIGN, 1024),
                                  (A.X25519, Mode.DERIVE, 255), (0x12345678, Mode.ENCRYPT, 128)):
        assert gp.allocate_operation(algorithm, mode, size)[0] == TeeResult.ERROR_NOT_SUPPORTED


def test_generate_random(gp: GpTa) -> None:
    first, second = gp.generate_random(64), gp.generate_random(64)
    assert len(first) == 64 and first != second and first != bytes(64)
    assert gp.generate_random(0) == b""


def test_operation_classes_of_extension_ids() -> None:
    assert operation_class(A.DES3_CMAC) == C.MAC
    assert operation_class(A.RSASSA_PKCS1_V1_5) == C.ASYMMETRIC_SIGNATURE
    assert operation_class(A.AES_GCM) == C.AE

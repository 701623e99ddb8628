"""Transient objects and attributes through the test TA: allocation limits,
populate, attribute access and protection, usage restriction, reset, copy,
key generation, and GP's panics for each kind of misuse."""

from __future__ import annotations

import pytest

from tee.abi.gp_crypto import USAGE_DEFAULT, Attribute, EccCurve, HandleFlag, ObjectType, Usage
from tee.abi.results import TeeResult
from tests.gp.gp_ta import Attr, GpTa, expect_panic

#: (type, a maximum size GP allows for it, one it does not)
SIZES = [
    (ObjectType.AES, 256, 100), (ObjectType.DES, 64, 56), (ObjectType.DES3, 192, 64),
    (ObjectType.HMAC_SHA1, 512, 72), (ObjectType.HMAC_SHA256, 1024, 1032),
    (ObjectType.GENERIC_SECRET, 4096, 4104), (ObjectType.RSA_KEYPAIR, 4096, 8192),
    (ObjectType.RSA_PUBLIC_KEY, 1025, 128), (ObjectType.ECDSA_KEYPAIR, 521, 160),
    (ObjectType.ECDH_PUBLIC_KEY, 384, 522), (ObjectType.ED25519_KEYPAIR, 256, 255),
    (ObjectType.X25519_PUBLIC_KEY, 256, 512), (ObjectType.HKDF_IKM, 256, 4),
    (ObjectType.PBKDF2_PASSWORD, 64, 4097),
]


@pytest.mark.parametrize("object_type, good, bad", SIZES, ids=[s[0].name for s in SIZES])
def test_allocation_checks_the_maximum_size(gp: GpTa, object_type, good: int, bad: int) -> None:
    res, handle = gp.allocate_transient_object(object_type, good)
    assert res == TeeResult.SUCCESS and handle != 0
    res, info = gp.object_info(handle)
    assert info == type(info)(object_type, 0, good, USAGE_DEFAULT, 0, 0, 0)
    assert gp.allocate_transient_object(object_type, bad) == (TeeResult.ERROR_NOT_SUPPORTED, 0)


@pytest.mark.parametrize("object_type", [ObjectType.DATA, ObjectType.DSA_KEYPAIR,
                                         ObjectType.SM4, ObjectType.ED448_KEYPAIR, 0x12345678])
def test_unsupported_types(gp: GpTa, object_type: int) -> None:
    assert gp.allocate_transient_object(object_type, 256)[0] == TeeResult.ERROR_NOT_SUPPORTED


def test_populate_and_read_back(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.AES, bytes(range(24)), max_size=256)
    res, info = gp.object_info(key)
    assert (info.size, info.max_size, info.flags) == (192, 256, HandleFlag.INITIALIZED)
    assert gp.buffer_attribute(key, Attribute.SECRET_VALUE) == (TeeResult.SUCCESS, 24, bytes(range(24)))
    # SHORT_BUFFER tells the size and writes nothing
    assert gp.buffer_attribute(key, Attribute.SECRET_VALUE, 8)[:2] == (TeeResult.ERROR_SHORT_BUFFER, 24)
    assert gp.buffer_attribute(key, Attribute.RSA_MODULUS)[0] == TeeResult.ERROR_ITEM_NOT_FOUND


def test_value_attributes(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.ECDH_KEYPAIR, 256)
    gp.generate_key(key, 256, [Attr.value(Attribute.ECC_CURVE, EccCurve.NIST_P256)])
    # OP-TEE keeps only value a: b reads back as 0
    assert gp.value_attribute(key, Attribute.ECC_CURVE) == (TeeResult.SUCCESS, EccCurve.NIST_P256, 0)
    expect_panic(gp.buffer_attribute, key, Attribute.ECC_CURVE)  # a value via the buffer getter


def test_buffer_attribute_via_the_value_getter_panics(gp: GpTa) -> None:
    expect_panic(gp.value_attribute, gp.secret_key(ObjectType.AES, bytes(16)), Attribute.SECRET_VALUE)


def test_protected_attributes_need_extractable(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.HMAC_SHA256, bytes(32))
    assert gp.restrict_usage(key, Usage.MAC | Usage.EXTRACTABLE) == TeeResult.SUCCESS
    assert gp.object_info(key)[1].usage == Usage.MAC | Usage.EXTRACTABLE
    assert gp.buffer_attribute(key, Attribute.SECRET_VALUE)[0] == TeeResult.SUCCESS
    gp.restrict_usage(key, Usage.MAC)
    expect_panic(gp.buffer_attribute, key, Attribute.SECRET_VALUE)


def test_restrict_usage_only_removes_bits(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.AES, bytes(16))
    gp.restrict_usage(key, Usage.ENCRYPT | Usage.DECRYPT)
    gp.restrict_usage(key, Usage.ENCRYPT | Usage.MAC)
    assert gp.object_info(key)[1].usage == Usage.ENCRYPT
    gp.restrict_usage_deprecated(key, 0)
    assert gp.object_info_deprecated(key).usage == 0


def test_reset_makes_the_object_new_again(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.AES, bytes(16))
    gp.restrict_usage(key, Usage.ENCRYPT)
    gp.reset_transient_object(key)
    info = gp.object_info(key)[1]
    assert (info.size, info.usage, info.flags) == (0, USAGE_DEFAULT, 0)
    assert gp.populate(key, [Attr.ref(Attribute.SECRET_VALUE, bytes(16))]) == TeeResult.SUCCESS


def test_populate_twice_panics(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.AES, bytes(16))
    expect_panic(gp.populate, key, [Attr.ref(Attribute.SECRET_VALUE, bytes(16))])


def test_populate_with_a_key_too_large_for_the_object_panics(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.AES, 128)
    expect_panic(gp.populate, key, [Attr.ref(Attribute.SECRET_VALUE, bytes(32))])
    assert gp.panicked()


def test_populate_without_a_required_attribute_panics(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.RSA_KEYPAIR, 1024)
    expect_panic(gp.populate, key, [Attr.ref(Attribute.RSA_MODULUS, b"\xc1" * 128),
                                     Attr.ref(Attribute.RSA_PUBLIC_EXPONENT, b"\x01\x00\x01")])


def test_populate_with_a_foreign_attribute_panics(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.AES, 128)
    expect_panic(gp.populate, key, [Attr.ref(Attribute.SECRET_VALUE, bytes(16)),
                                     Attr.ref(Attribute.RSA_MODULUS, bytes(16))])


def test_populate_with_half_the_crt_values_panics(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.RSA_KEYPAIR, 1024)
    expect_panic(gp.populate, key, [Attr.ref(Attribute.RSA_MODULUS, b"\xc1" * 128),
                                     Attr.ref(Attribute.RSA_PUBLIC_EXPONENT, b"\x01\x00\x01"),
                                     Attr.ref(Attribute.RSA_PRIVATE_EXPONENT, b"\x07" * 128),
                                     Attr.ref(Attribute.RSA_PRIME1, b"\x0b" * 64)])


def test_an_aes_key_of_no_aes_size_is_bad_parameters(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.AES, 256)
    assert gp.populate(key, [Attr.ref(Attribute.SECRET_VALUE, bytes(20))]) == \
        TeeResult.ERROR_BAD_PARAMETERS
    assert gp.object_info(key)[1].flags == 0


def test_bad_handles_panic(gp: GpTa) -> None:
    expect_panic(gp.object_info, 0xDEAD)
    gp.reopen()
    expect_panic(gp.populate, 0, [Attr.ref(Attribute.SECRET_VALUE, bytes(16))])


def test_freed_object_is_gone(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.AES, bytes(16))
    gp.free_transient_object(key)
    expect_panic(gp.object_info, key)


def test_null_handles_are_ignored(gp: GpTa) -> None:
    gp.free_transient_object(0)
    gp.close_object(0)
    gp.reset_transient_object(0)
    assert not gp.panicked()


def test_copy_extracts_the_public_half(gp: GpTa) -> None:
    res, pair = gp.allocate_transient_object(ObjectType.ECDSA_KEYPAIR, 384)
    gp.generate_key(pair, 384, [Attr.value(Attribute.ECC_CURVE, EccCurve.NIST_P384)])
    res, public = gp.allocate_transient_object(ObjectType.ECDSA_PUBLIC_KEY, 384)
    assert gp.copy_attributes(public, pair) == TeeResult.SUCCESS
    assert gp.object_info(public)[1].size == 384
    for attr in (Attribute.ECC_PUBLIC_VALUE_X, Attribute.ECC_PUBLIC_VALUE_Y):
        assert gp.buffer_attribute(public, attr)[2] == gp.buffer_attribute(pair, attr)[2]
    assert gp.buffer_attribute(public, Attribute.ECC_PRIVATE_VALUE)[0] == \
        TeeResult.ERROR_ITEM_NOT_FOUND


def test_copy_keeps_usage(gp: GpTa) -> None:
    src = gp.secret_key(ObjectType.AES, bytes(range(16)))
    gp.restrict_usage(src, Usage.ENCRYPT | Usage.EXTRACTABLE)
    res, dst = gp.allocate_transient_object(ObjectType.AES, 256)
    gp.copy_attributes_deprecated(dst, src)
    info = gp.object_info(dst)[1]
    assert (info.usage, info.size) == (Usage.ENCRYPT | Usage.EXTRACTABLE, 128)
    assert gp.buffer_attribute(dst, Attribute.SECRET_VALUE)[2] == bytes(range(16))


@pytest.mark.parametrize("case", ["public-to-keypair", "into-initialized", "from-uninitialized",
                                  "too-large", "other-type"])
def test_copy_misuse_panics(gp: GpTa, case: str) -> None:
    src = gp.secret_key(ObjectType.AES, bytes(32), max_size=256)
    dst = gp.allocate_transient_object(ObjectType.AES, 256)[1]
    if case == "public-to-keypair":
        res, pair = gp.allocate_transient_object(ObjectType.X25519_KEYPAIR, 256)
        gp.generate_key(pair, 256)
        src = gp.allocate_transient_object(ObjectType.X25519_PUBLIC_KEY, 256)[1]
        gp.copy_attributes(src, pair)
        dst = gp.allocate_transient_object(ObjectType.X25519_KEYPAIR, 256)[1]
    elif case == "into-initialized":
        dst = gp.secret_key(ObjectType.AES, bytes(16), max_size=256)
    elif case == "from-uninitialized":
        src = gp.allocate_transient_object(ObjectType.AES, 256)[1]
    elif case == "too-large":
        dst = gp.allocate_transient_object(ObjectType.AES, 128)[1]
    else:
        dst = gp.allocate_transient_object(ObjectType.HMAC_SHA256, 256)[1]
    expect_panic(gp.copy_attributes, dst, src)


@pytest.mark.parametrize("object_type, size", [
    (ObjectType.AES, 128), (ObjectType.AES, 256), (ObjectType.DES3, 192), (ObjectType.DES, 64),
    (ObjectType.HMAC_SHA512, 384), (ObjectType.GENERIC_SECRET, 8), (ObjectType.ED25519_KEYPAIR, 256),
])
def test_generate_key(gp: GpTa, object_type: int, size: int) -> None:
    res, key = gp.allocate_transient_object(object_type, size)
    assert gp.generate_key(key, size) == TeeResult.SUCCESS
    info = gp.object_info(key)[1]
    assert (info.size, info.flags) == (size, HandleFlag.INITIALIZED)
    if object_type != ObjectType.ED25519_KEYPAIR:
        first = gp.buffer_attribute(key, Attribute.SECRET_VALUE)[2]
        assert len(first) == size // 8
        gp.reset_transient_object(key)
        gp.generate_key(key, size)
        assert gp.buffer_attribute(key, Attribute.SECRET_VALUE)[2] != first or size == 8


def test_generate_rsa_with_an_exponent(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.RSA_KEYPAIR, 1024)
    assert gp.generate_key(key, 1024, [Attr.ref(Attribute.RSA_PUBLIC_EXPONENT, b"\x01\x00\x01")]) == \
        TeeResult.SUCCESS
    for attr in (Attribute.RSA_PRIME1, Attribute.RSA_COEFFICIENT, Attribute.RSA_PRIVATE_EXPONENT):
        assert gp.buffer_attribute(key, attr)[0] == TeeResult.SUCCESS
    res, other = gp.allocate_transient_object(ObjectType.RSA_KEYPAIR, 1024)
    # an even exponent is not an RSA exponent: GP's BAD_PARAMETERS
    assert gp.generate_key(other, 1024, [Attr.ref(Attribute.RSA_PUBLIC_EXPONENT, b"\x01\x00\x02")]) == \
        TeeResult.ERROR_BAD_PARAMETERS


@pytest.mark.parametrize("case", ["larger-than-object", "unsupported-size", "initialized",
                                  "missing-curve", "public-key-type"])
def test_generate_key_misuse_panics(gp: GpTa, case: str) -> None:
    if case == "larger-than-object":
        key = gp.allocate_transient_object(ObjectType.AES, 128)[1]
        expect_panic(gp.generate_key, key, 256)
    elif case == "unsupported-size":
        key = gp.allocate_transient_object(ObjectType.AES, 256)[1]
        expect_panic(gp.generate_key, key, 160)
    elif case == "initialized":
        expect_panic(gp.generate_key, gp.secret_key(ObjectType.AES, bytes(16)), 128)
    elif case == "missing-curve":
        key = gp.allocate_transient_object(ObjectType.ECDSA_KEYPAIR, 256)[1]
        expect_panic(gp.generate_key, key, 256)
    else:
        key = gp.allocate_transient_object(ObjectType.RSA_PUBLIC_KEY, 1024)[1]
        expect_panic(gp.generate_key, key, 1024)


def test_init_attribute_checks_the_value_flag(gp: GpTa) -> None:
    assert gp.init_ref_attribute(Attribute.SECRET_VALUE) == Attribute.SECRET_VALUE
    assert gp.init_value_attribute(Attribute.ECC_CURVE) == Attribute.ECC_CURVE
    expect_panic(gp.init_ref_attribute, Attribute.ECC_CURVE)
    gp.reopen()
    expect_panic(gp.init_value_attribute, Attribute.RSA_MODULUS)


def test_seeded_devices_generate_the_same_secret(gp_ta_store) -> None:
    
    from tests.conftest import make_board

    def draw() -> bytes:
        board = make_board(gp_ta_store, rng_seed=b"gp-keys")
        ta = GpTa.open(board.context(), board, "seeded")
        key = ta.allocate_transient_object(ObjectType.HMAC_SHA256, 256)[1]
        ta.generate_key(key, 256)
        secret = ta.buffer_attribute(key, Attribute.SECRET_VALUE)[2]
        ta.close()
        return secret

    assert draw() == draw()

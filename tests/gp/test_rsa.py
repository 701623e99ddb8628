"""RSA through the test TA: PKCS#1 v1.5 signatures (deterministic: RSA's PKCS#1
v2.1 test vectors and NIST CAVP SigGen15 signed here and compared), PSS and
v1.5 verification with NIST CAVP SigVer pass/fail vectors, RSAES-OAEP and
PKCS#1 v1.5 decryption known answers, RSA_NOPAD, and, where randomness makes
known answers impossible (PSS salts, OAEP seeds), cross-checks with
``cryptography`` in both directions."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from tee.abi.gp_crypto import Algorithm as A
from tee.abi.gp_crypto import Attribute, Mode, ObjectType, Usage
from tee.abi.results import TeeResult
from tests.gp.gp_ta import Attr, GpTa, expect_panic
from tests.gp.vectors import every, hx, pkcs1_examples, records

HASHES = {"SHA1": (hashlib.sha1, hashes.SHA1), "SHA224": (hashlib.sha224, hashes.SHA224),
          "SHA256": (hashlib.sha256, hashes.SHA256), "SHA384": (hashlib.sha384, hashes.SHA384),
          "SHA512": (hashlib.sha512, hashes.SHA512)}
PKCS1_V15 = {"SHA1": A.RSASSA_PKCS1_V1_5_SHA1, "SHA224": A.RSASSA_PKCS1_V1_5_SHA224,
             "SHA256": A.RSASSA_PKCS1_V1_5_SHA256, "SHA384": A.RSASSA_PKCS1_V1_5_SHA384,
             "SHA512": A.RSASSA_PKCS1_V1_5_SHA512}
PSS = {"SHA1": A.RSASSA_PKCS1_PSS_MGF1_SHA1, "SHA224": A.RSASSA_PKCS1_PSS_MGF1_SHA224,
       "SHA256": A.RSASSA_PKCS1_PSS_MGF1_SHA256, "SHA384": A.RSASSA_PKCS1_PSS_MGF1_SHA384,
       "SHA512": A.RSASSA_PKCS1_PSS_MGF1_SHA512}
OAEP = {"SHA1": A.RSAES_PKCS1_OAEP_MGF1_SHA1, "SHA224": A.RSAES_PKCS1_OAEP_MGF1_SHA224,
        "SHA256": A.RSAES_PKCS1_OAEP_MGF1_SHA256, "SHA384": A.RSAES_PKCS1_OAEP_MGF1_SHA384,
        "SHA512": A.RSAES_PKCS1_OAEP_MGF1_SHA512}


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def keypair_attrs(n: bytes, e: bytes, d: bytes, crt: dict[str, bytes] | None = None) -> list[Attr]:
    attrs = [Attr.ref(Attribute.RSA_MODULUS, n), Attr.ref(Attribute.RSA_PUBLIC_EXPONENT, e),
             Attr.ref(Attribute.RSA_PRIVATE_EXPONENT, d)]
    if crt:
        attrs += [Attr.ref(Attribute.RSA_PRIME1, crt["p"]), Attr.ref(Attribute.RSA_PRIME2, crt["q"]),
                  Attr.ref(Attribute.RSA_EXPONENT1, crt["dp"]),
                  Attr.ref(Attribute.RSA_EXPONENT2, crt["dq"]),
                  Attr.ref(Attribute.RSA_COEFFICIENT, crt["qinv"])]
    return attrs


def private_key(gp: GpTa, key: rsa.RSAPrivateKey) -> int:
    numbers = key.private_numbers()
    public = numbers.public_numbers
    crt = {"p": _int_bytes(numbers.p), "q": _int_bytes(numbers.q), "dp": _int_bytes(numbers.dmp1),
           "dq": _int_bytes(numbers.dmq1), "qinv": _int_bytes(numbers.iqmp)}
    return gp.key(ObjectType.RSA_KEYPAIR, keypair_attrs(_int_bytes(public.n), _int_bytes(public.e),
                                                        _int_bytes(numbers.d), crt))


def public_key(gp: GpTa, key: rsa.RSAPublicKey) -> int:
    numbers = key.public_numbers()
    return gp.key(ObjectType.RSA_PUBLIC_KEY, [Attr.ref(Attribute.RSA_MODULUS, _int_bytes(numbers.n)),
                                              Attr.ref(Attribute.RSA_PUBLIC_EXPONENT,
                                                       _int_bytes(numbers.e))])


@pytest.fixture(scope="module")
def rsa2048() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


# ------------------------------------------------------------------ known answers
def test_pkcs1_v15_sign_pkcs1_vectors_with_odd_key_sizes(gp: GpTa) -> None:
    """RSA's PKCS#1 v1.5 signature vectors (SHA-1): 1024- to 1031-bit, 1536- and
    2048-bit keys; v1.5 signatures are deterministic, so signing reproduces them."""
    keys = pkcs1_examples("asymmetric/RSA/pkcs1v15sign-vectors.txt")
    assert len(keys) == 15
    for key, examples in keys:
        bits = int.from_bytes(key["n"], "big").bit_length()
        handle = gp.key(ObjectType.RSA_KEYPAIR, keypair_attrs(key["n"], key["e"], key["d"], key))
        signer = gp.operation(A.RSASSA_PKCS1_V1_5_SHA1, Mode.SIGN, bits, handle)
        verifier = gp.operation(A.RSASSA_PKCS1_V1_5_SHA1, Mode.VERIFY, bits, handle)
        for example in examples[:2]:
            digest = hashlib.sha1(example["msg"]).digest()
            res, length, signature = gp.sign_digest(signer, digest)
            assert res == TeeResult.SUCCESS and signature == example["sig"], bits
            assert gp.verify_digest(verifier, digest, example["sig"]) == TeeResult.SUCCESS
        for op in (signer, verifier):
            gp.free_operation(op)
        gp.free_transient_object(handle)


def test_pkcs1_v15_sign_cavp_siggen15(gp: GpTa) -> None:
    """NIST CAVP SigGen15 (FIPS 186-2): SHA-1 to SHA-512 with 1024-, 1536- and
    2048-bit keys given as (n, e, d) only: the CRT values are recovered."""
    vectors = records("asymmetric/RSA/FIPS_186-2/SigGen15_186-2.txt", ("n", "e", "d"))
    # keys up to 2048 bits: recovering p and q of larger ones takes seconds
    picked = [v for i, v in enumerate(vectors) if i % 4 == 0 and len(v["n"]) <= 512]
    keys: dict[str, int] = {}  # one key per modulus size: recovering p and q takes a while
    for vector in picked:
        n, e, d = hx(vector["n"]), hx(vector["e"]), hx(vector["d"])
        bits = int.from_bytes(n, "big").bit_length()
        if vector["n"] not in keys:
            keys[vector["n"]] = gp.key(ObjectType.RSA_KEYPAIR, keypair_attrs(n, e, d))
        op = gp.operation(PKCS1_V15[vector["shaalg"]], Mode.SIGN, bits, keys[vector["n"]])
        digest = HASHES[vector["shaalg"]][0](hx(vector["msg"])).digest()
        res, _, signature = gp.sign_digest(op, digest)
        assert res == TeeResult.SUCCESS and signature == hx(vector["s"]), vector["shaalg"]
        gp.free_operation(op)
    assert len(keys) == 3 and {v["shaalg"] for v in picked} == set(HASHES)


@pytest.mark.parametrize("name, table, salted", [
    ("SigVer15_186-3.rsp", PKCS1_V15, False), ("SigVerPSS_186-3.rsp", PSS, True)])
def test_verify_cavp_sigver_pass_and_fail(gp: GpTa, name: str, table: dict, salted: bool) -> None:
    vectors = every(records(f"asymmetric/RSA/FIPS_186-2/{name}", ("n", "p", "q")), 5)
    outcomes = {"P": 0, "F": 0}
    for vector in vectors:
        n, e = hx(vector["n"]), hx(vector["e"])
        bits = int.from_bytes(n, "big").bit_length()
        verdict = vector["result"][0]
        res, handle = gp.allocate_transient_object(ObjectType.RSA_PUBLIC_KEY, bits)
        res = gp.populate(handle, [Attr.ref(Attribute.RSA_MODULUS, n),
                                   Attr.ref(Attribute.RSA_PUBLIC_EXPONENT, e)])
        if res == TeeResult.ERROR_BAD_PARAMETERS:  # a corrupted public exponent
            assert verdict == "F"
            outcomes["F"] += 1
            continue
        op = gp.operation(table[vector["shaalg"]], Mode.VERIFY, bits, handle)
        params = [Attr.value(Attribute.RSA_PSS_SALT_LENGTH, len(hx(vector["saltval"])))] \
            if salted else []
        digest = HASHES[vector["shaalg"]][0](hx(vector["msg"])).digest()
        res = gp.verify_digest(op, digest, hx(vector["s"]), params)
        assert res == (TeeResult.SUCCESS if verdict == "P" else TeeResult.ERROR_SIGNATURE_INVALID)
        outcomes[verdict] += 1
        gp.free_operation(op)
        gp.free_transient_object(handle)
    assert outcomes["P"] > 5 and outcomes["F"] > 5


def test_pss_verify_pkcs1_vectors(gp: GpTa) -> None:
    keys = pkcs1_examples("asymmetric/RSA/pkcs-1v2-1d2-vec/pss-vect.txt")
    for key, examples in keys[::3]:
        bits = int.from_bytes(key["n"], "big").bit_length()
        handle = gp.key(ObjectType.RSA_PUBLIC_KEY, [Attr.ref(Attribute.RSA_MODULUS, key["n"]),
                                                    Attr.ref(Attribute.RSA_PUBLIC_EXPONENT, key["e"])])
        op = gp.operation(A.RSASSA_PKCS1_PSS_MGF1_SHA1, Mode.VERIFY, bits, handle)
        for example in examples:
            digest = hashlib.sha1(example["msg"]).digest()
            params = [Attr.value(Attribute.RSA_PSS_SALT_LENGTH, len(example["salt"]))]
            assert gp.verify_digest(op, digest, example["sig"], params) == TeeResult.SUCCESS
            bad = bytes([example["sig"][0] ^ 0x40]) + example["sig"][1:]
            assert gp.verify_digest(op, digest, bad, params) == TeeResult.ERROR_SIGNATURE_INVALID
        gp.free_operation(op)


@pytest.mark.parametrize("name, algorithm, mgf", [
    ("pkcs-1v2-1d2-vec/oaep-vect.txt", A.RSAES_PKCS1_OAEP_MGF1_SHA1, None),
    ("oaep-custom/oaep-sha224-sha224.txt", A.RSAES_PKCS1_OAEP_MGF1_SHA224, None),
    ("oaep-custom/oaep-sha256-sha256.txt", A.RSAES_PKCS1_OAEP_MGF1_SHA256, None),
    ("oaep-custom/oaep-sha384-sha384.txt", A.RSAES_PKCS1_OAEP_MGF1_SHA384, None),
    ("oaep-custom/oaep-sha512-sha512.txt", A.RSAES_PKCS1_OAEP_MGF1_SHA512, None),
    # MGF1 over SHA-1 with SHA-256 for the label: GP v1.3.1's TEE_ATTR_RSA_OAEP_MGF_HASH
    ("oaep-custom/oaep-sha1-sha256.txt", A.RSAES_PKCS1_OAEP_MGF1_SHA256, A.SHA1),
    ("pkcs1v15crypt-vectors.txt", A.RSAES_PKCS1_V1_5, None),
], ids=["sha1", "sha224", "sha256", "sha384", "sha512", "sha256-mgf1-sha1", "pkcs1-v1.5"])
def test_decrypt_known_answers(gp: GpTa, name: str, algorithm: int, mgf: int | None) -> None:
    keys = pkcs1_examples(f"asymmetric/RSA/{name}")
    params = [Attr.ref(Attribute.RSA_OAEP_MGF_HASH, mgf.to_bytes(4, "little"))] if mgf else []
    checked = 0
    for key, examples in keys[::3]:
        bits = int.from_bytes(key["n"], "big").bit_length()
        handle = gp.key(ObjectType.RSA_KEYPAIR, keypair_attrs(key["n"], key["e"], key["d"], key))
        op = gp.operation(algorithm, Mode.DECRYPT, bits, handle)
        for example in examples[:3]:
            res, length, plain = gp.asymmetric_decrypt(op, example["ct"], params)
            assert res == TeeResult.SUCCESS and plain == example["msg"]
            checked += 1
        gp.free_operation(op)
        gp.free_transient_object(handle)
    assert checked >= 9


# ------------------------------------------------------------------ cross-checks
@pytest.mark.parametrize("hash_name", list(HASHES))
def test_pss_and_v15_cross_verify_with_cryptography(gp: GpTa, rsa2048, hash_name: str) -> None:
    hash_fn, hash_cls = HASHES[hash_name]
    digest = hash_fn(b"message for " + hash_name.encode()).digest()
    keypair = private_key(gp, rsa2048)
    public = rsa2048.public_key()
    for table, pad in ((PSS, padding.PSS(padding.MGF1(hash_cls()), hash_cls.digest_size)),
                       (PKCS1_V15, padding.PKCS1v15())):
        signer = gp.operation(table[hash_name], Mode.SIGN, 2048, keypair)
        res, length, signature = gp.sign_digest(signer, digest)
        assert res == TeeResult.SUCCESS and length == 256
        public.verify(signature, digest, pad, utils.Prehashed(hash_cls()))  # TEE -> cryptography
        theirs = rsa2048.sign(digest, pad, utils.Prehashed(hash_cls()))
        verifier = gp.operation(table[hash_name], Mode.VERIFY, 2048, public_key(gp, public))
        assert gp.verify_digest(verifier, digest, theirs) == TeeResult.SUCCESS
        forged = theirs[:-1] + bytes([theirs[-1] ^ 1])
        assert gp.verify_digest(verifier, digest, forged) == TeeResult.ERROR_SIGNATURE_INVALID


def test_pss_salt_length_parameter(gp: GpTa, rsa2048) -> None:
    digest = hashlib.sha256(b"salty").digest()
    signer = gp.operation(A.RSASSA_PKCS1_PSS_MGF1_SHA256, Mode.SIGN, 2048, private_key(gp, rsa2048))
    signature = gp.sign_digest(signer, digest, [Attr.value(Attribute.RSA_PSS_SALT_LENGTH, 0)])[2]
    # a zero-length salt makes PSS deterministic
    assert signature == gp.sign_digest(signer, digest, [Attr.value(Attribute.RSA_PSS_SALT_LENGTH, 0)])[2]
    rsa2048.public_key().verify(signature, digest, padding.PSS(padding.MGF1(hashes.SHA256()), 0),
                                utils.Prehashed(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        rsa2048.public_key().verify(signature, digest, padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                                    utils.Prehashed(hashes.SHA256()))


@pytest.mark.parametrize("hash_name", ["SHA1", "SHA256", "SHA512"])
def test_oaep_cross_encrypt_with_cryptography(gp: GpTa, rsa2048, hash_name: str) -> None:
    hash_cls = HASHES[hash_name][1]
    label = b"a label"
    pad = padding.OAEP(padding.MGF1(hash_cls()), hash_cls(), label)
    params = [Attr.ref(Attribute.RSA_OAEP_LABEL, label)]
    encrypter = gp.operation(OAEP[hash_name], Mode.ENCRYPT, 2048, public_key(gp, rsa2048.public_key()))
    res, _, cipher = gp.asymmetric_encrypt(encrypter, b"to cryptography", params)
    assert res == TeeResult.SUCCESS and rsa2048.decrypt(cipher, pad) == b"to cryptography"
    decrypter = gp.operation(OAEP[hash_name], Mode.DECRYPT, 2048, private_key(gp, rsa2048))
    theirs = rsa2048.public_key().encrypt(b"from cryptography", pad)
    assert gp.asymmetric_decrypt(decrypter, theirs, params)[2] == b"from cryptography"
    # the wrong label, and a corrupted ciphertext, fail the OAEP check
    assert gp.asymmetric_decrypt(decrypter, theirs)[0] == TeeResult.ERROR_CIPHERTEXT_INVALID
    corrupted = bytes([theirs[0] ^ 0x80]) + theirs[1:]
    assert gp.asymmetric_decrypt(decrypter, corrupted, params)[0] == TeeResult.ERROR_CIPHERTEXT_INVALID


def test_pkcs1_v15_encrypt_and_decrypt(gp: GpTa, rsa2048) -> None:
    encrypter = gp.operation(A.RSAES_PKCS1_V1_5, Mode.ENCRYPT, 2048, public_key(gp, rsa2048.public_key()))
    cipher = gp.asymmetric_encrypt(encrypter, b"v1.5 message")[2]
    assert rsa2048.decrypt(cipher, padding.PKCS1v15()) == b"v1.5 message"
    # a message longer than the key takes: GP's BAD_PARAMETERS, not a panic
    assert gp.asymmetric_encrypt(encrypter, bytes(250))[0] == TeeResult.ERROR_BAD_PARAMETERS


def test_rsa_nopad_is_textbook_rsa(gp: GpTa, rsa2048) -> None:
    numbers = rsa2048.private_numbers()
    n, e, d = numbers.public_numbers.n, numbers.public_numbers.e, numbers.d
    message = (12345678901234567890).to_bytes(256, "big")
    encrypter = gp.operation(A.RSA_NOPAD, Mode.ENCRYPT, 2048, public_key(gp, rsa2048.public_key()))
    cipher = gp.asymmetric_encrypt(encrypter, message)[2]
    assert int.from_bytes(cipher, "big") == pow(12345678901234567890, e, n)
    decrypter = gp.operation(A.RSA_NOPAD, Mode.DECRYPT, 2048, private_key(gp, rsa2048))
    assert gp.asymmetric_decrypt(decrypter, cipher)[2] == message
    assert pow(int.from_bytes(cipher, "big"), d, n) == 12345678901234567890


def test_generated_key_signs_for_cryptography(gp: GpTa) -> None:
    res, handle = gp.allocate_transient_object(ObjectType.RSA_KEYPAIR, 1024)
    assert gp.generate_key(handle, 1024) == TeeResult.SUCCESS
    modulus = gp.buffer_attribute(handle, Attribute.RSA_MODULUS)[2]
    exponent = gp.buffer_attribute(handle, Attribute.RSA_PUBLIC_EXPONENT)[2]
    assert int.from_bytes(modulus, "big").bit_length() == 1024 and exponent == b"\x01\x00\x01"
    public = rsa.RSAPublicNumbers(65537, int.from_bytes(modulus, "big")).public_key()
    digest = hashlib.sha384(b"generated").digest()
    op = gp.operation(A.RSASSA_PKCS1_V1_5_SHA384, Mode.SIGN, 1024, handle)
    public.verify(gp.sign_digest(op, digest)[2], digest, padding.PKCS1v15(),
                  utils.Prehashed(hashes.SHA384()))


# ------------------------------------------------------------------ misuse
def test_sign_with_a_wrong_digest_size_panics(gp: GpTa, rsa2048) -> None:
    op = gp.operation(A.RSASSA_PKCS1_V1_5_SHA256, Mode.SIGN, 2048, private_key(gp, rsa2048))
    expect_panic(gp.sign_digest, op, bytes(20))


def test_short_signature_buffer(gp: GpTa, rsa2048) -> None:
    op = gp.operation(A.RSASSA_PKCS1_V1_5_SHA256, Mode.SIGN, 2048, private_key(gp, rsa2048))
    res, length, _ = gp.sign_digest(op, bytes(32), capacity=100)
    assert (res, length) == (TeeResult.ERROR_SHORT_BUFFER, 256)


def test_verify_on_a_sign_operation_panics(gp: GpTa, rsa2048) -> None:
    op = gp.operation(A.RSASSA_PKCS1_V1_5_SHA256, Mode.SIGN, 2048, private_key(gp, rsa2048))
    expect_panic(gp.verify_digest, op, bytes(32), bytes(256))


def test_sign_without_a_key_panics(gp: GpTa) -> None:
    res, op = gp.allocate_operation(A.RSASSA_PKCS1_V1_5_SHA256, Mode.SIGN, 2048)
    assert res == TeeResult.SUCCESS
    expect_panic(gp.sign_digest, op, bytes(32))


def test_decrypt_with_a_public_key_panics(gp: GpTa, rsa2048) -> None:
    res, op = gp.allocate_operation(A.RSAES_PKCS1_V1_5, Mode.DECRYPT, 2048)
    expect_panic(gp.set_key, op, public_key(gp, rsa2048.public_key()))


def test_sign_key_restricted_to_verify_panics(gp: GpTa, rsa2048) -> None:
    key = private_key(gp, rsa2048)
    gp.restrict_usage(key, Usage.VERIFY)
    res, op = gp.allocate_operation(A.RSASSA_PKCS1_V1_5_SHA256, Mode.SIGN, 2048)
    expect_panic(gp.set_key, op, key)


def test_rsa_key_larger_than_the_operation_panics(gp: GpTa, rsa2048) -> None:
    res, op = gp.allocate_operation(A.RSASSA_PKCS1_V1_5_SHA256, Mode.SIGN, 1024)
    expect_panic(gp.set_key, op, private_key(gp, rsa2048))


def test_inconsistent_rsa_key_is_bad_parameters(gp: GpTa, rsa2048) -> None:
    numbers = rsa2048.private_numbers()
    res, handle = gp.allocate_transient_object(ObjectType.RSA_KEYPAIR, 2048)
    bad_d = _int_bytes(numbers.d + 2)
    attrs = keypair_attrs(_int_bytes(numbers.public_numbers.n), _int_bytes(65537), bad_d)
    assert gp.populate(handle, attrs) == TeeResult.ERROR_BAD_PARAMETERS
    assert gp.object_info(handle)[1].flags == 0  # still uninitialized

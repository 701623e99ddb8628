"""The crypto, object and property syscalls called directly (svc #0 with raw
arguments from the test TA, bypassing libutee): OP-TEE's result codes for bad
handles, states, pointers and sizes, and a fuzzer whose oracle is that no
argument ever makes a handler raise (the kernel logs "internal error" if one
does) or kills the calling TA."""

from __future__ import annotations

import random
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tee.abi.gp_crypto import Algorithm as A
from tee.abi.gp_crypto import Attribute, EccCurve, Mode, ObjectType, PropSet
from tee.abi.results import TeeResult
from tee.abi.syscalls import Syscall as S
from tests.gp.gp_ta import GpTa

U32 = struct.Struct("<I")


def _u32(scratch: bytes, offset: int) -> int:
    return U32.unpack_from(scratch, offset)[0]


def alloc_object(gp: GpTa, object_type: int, size: int) -> int:
    res, scratch = gp.raw_syscall(S.CRYP_OBJ_ALLOC, [object_type, size, ("scratch", 0)])
    assert res == TeeResult.SUCCESS
    return _u32(scratch, 0)


def alloc_state(gp: GpTa, algorithm: int, mode: int, key1: int = 0, key2: int = 0) -> tuple[int, int]:
    res, scratch = gp.raw_syscall(S.CRYP_STATE_ALLOC, [algorithm, mode, key1, key2, ("scratch", 0)])
    return res, _u32(scratch, 0)


def test_hash_update_needs_a_known_initialized_state(gp: GpTa) -> None:
    assert gp.raw_syscall(S.HASH_UPDATE, [0x4242, ("scratch", 0), 16])[0] == \
        TeeResult.ERROR_BAD_PARAMETERS
    res, state = alloc_state(gp, A.SHA256, Mode.DIGEST)
    assert res == TeeResult.SUCCESS
    assert gp.raw_syscall(S.HASH_UPDATE, [state, ("scratch", 0), 16])[0] == TeeResult.ERROR_BAD_STATE
    assert gp.raw_syscall(S.HASH_INIT, [state, 0, 0])[0] == TeeResult.SUCCESS
    assert gp.raw_syscall(S.HASH_UPDATE, [state, ("scratch", 0), 16])[0] == TeeResult.SUCCESS
    # HASH_FINAL with room for 8 bytes: SHORT_BUFFER and the size needed
    res, scratch = gp.raw_syscall(S.HASH_FINAL, [state, 0, 0, ("scratch", 64), ("scratch", 32)],
                                  scratch=bytes(32) + struct.pack("<Q", 8))
    assert res == TeeResult.ERROR_SHORT_BUFFER and struct.unpack_from("<Q", scratch, 32)[0] == 32


def test_a_null_buffer_with_a_length_is_bad_parameters(gp: GpTa) -> None:
    res, state = alloc_state(gp, A.SHA1, Mode.DIGEST)
    gp.raw_syscall(S.HASH_INIT, [state, 0, 0])
    assert gp.raw_syscall(S.HASH_UPDATE, [state, 0, 16])[0] == TeeResult.ERROR_BAD_PARAMETERS


def test_operation_keys_are_owned_by_the_state(gp: GpTa) -> None:
    key = alloc_object(gp, ObjectType.AES, 128)
    res, state = alloc_state(gp, A.AES_CBC_NOPAD, Mode.ENCRYPT, key)
    assert res == TeeResult.SUCCESS
    assert gp.raw_syscall(S.CRYP_OBJ_CLOSE, [key])[0] == TeeResult.ERROR_ITEM_NOT_FOUND
    assert alloc_state(gp, A.AES_CBC_NOPAD, Mode.ENCRYPT, key)[0] == TeeResult.ERROR_BAD_PARAMETERS
    assert gp.raw_syscall(S.CRYP_STATE_FREE, [state])[0] == TeeResult.SUCCESS
    # freeing the state freed its key too
    assert gp.raw_syscall(S.CRYP_OBJ_GET_INFO, [key, ("scratch", 0)])[0] == \
        TeeResult.ERROR_BAD_PARAMETERS


def test_state_alloc_checks_keys_against_the_algorithm(gp: GpTa) -> None:
    hmac_key = alloc_object(gp, ObjectType.HMAC_SHA256, 256)
    aes_key = alloc_object(gp, ObjectType.AES, 128)
    assert alloc_state(gp, A.AES_CBC_NOPAD, Mode.ENCRYPT, hmac_key)[0] == \
        TeeResult.ERROR_BAD_PARAMETERS
    assert alloc_state(gp, A.AES_CBC_NOPAD, Mode.ENCRYPT)[0] == TeeResult.ERROR_BAD_PARAMETERS
    assert alloc_state(gp, A.SHA256, Mode.DIGEST, aes_key)[0] == TeeResult.ERROR_BAD_PARAMETERS
    assert alloc_state(gp, A.AES_XTS, Mode.ENCRYPT, aes_key)[0] == TeeResult.ERROR_BAD_PARAMETERS
    assert alloc_state(gp, A.AES_CBC_NOPAD, Mode.SIGN, aes_key)[0] == TeeResult.ERROR_NOT_SUPPORTED
    assert alloc_state(gp, A.DSA_SHA1, Mode.SIGN, aes_key)[0] == TeeResult.ERROR_NOT_SUPPORTED


def test_bad_pointers_are_access_denied(gp: GpTa) -> None:
    key = alloc_object(gp, ObjectType.AES, 128)
    assert gp.raw_syscall(S.CRYP_OBJ_GET_INFO, [key, 0x10])[0] == TeeResult.ERROR_ACCESS_DENIED
    assert gp.raw_syscall(S.CRYP_OBJ_GET_INFO, [key, ("rodata", 0)])[0] == \
        TeeResult.ERROR_ACCESS_DENIED
    assert gp.raw_syscall(S.CRYP_OBJ_ALLOC, [ObjectType.AES, 128, ("rodata", 0)])[0] == \
        TeeResult.ERROR_ACCESS_DENIED
    # an attribute whose buffer points nowhere
    attr = struct.pack("<QQI4x", 0xDEAD0000, 16, Attribute.SECRET_VALUE)
    assert gp.raw_syscall(S.CRYP_OBJ_POPULATE, [key, ("scratch", 0), 1], scratch=attr)[0] == \
        TeeResult.ERROR_ACCESS_DENIED
    # an attribute array running off the end of the scratch area into unmapped space
    assert gp.raw_syscall(S.CRYP_OBJ_POPULATE, [key, ("scratch", 4090), 1000])[0] == \
        TeeResult.ERROR_BAD_PARAMETERS
    assert gp.raw_syscall(S.CRYP_OBJ_POPULATE, [key, ("scratch", 4090), 40])[0] == \
        TeeResult.ERROR_ACCESS_DENIED
    assert gp.raw_syscall(S.CRYP_OBJ_POPULATE, [key, ("scratch", 0), 2**64 - 1])[0] == \
        TeeResult.ERROR_BAD_PARAMETERS


def test_an_attribute_with_a_null_buffer_and_a_length_is_bad_parameters(gp: GpTa) -> None:
    key = alloc_object(gp, ObjectType.AES, 256)
    attr = struct.pack("<QQI4x", 0, 32, Attribute.SECRET_VALUE)
    assert gp.raw_syscall(S.CRYP_OBJ_POPULATE, [key, ("scratch", 0), 1], scratch=attr)[0] == \
        TeeResult.ERROR_BAD_PARAMETERS
    info = gp.raw_syscall(S.CRYP_OBJ_GET_INFO, [key, ("scratch", 0)])[1]
    assert struct.unpack_from("<7I", info) == (ObjectType.AES, 0, 256, 0xFFFFFFFF, 0, 0, 0)


def test_properties_through_the_syscall(gp: GpTa) -> None:
    name = b"gpd.client.endian\0"
    res, scratch = gp.raw_syscall(S.GET_PROPERTY_NAME_TO_INDEX,
                                  [PropSet.CURRENT_CLIENT, ("scratch", 0), len(name), ("scratch", 64)],
                                  scratch=name)
    assert res == TeeResult.SUCCESS and _u32(scratch, 64) == 1
    assert gp.raw_syscall(S.GET_PROPERTY, [0x1234, 0, 0, 0, 0, 0, 0])[0] == \
        TeeResult.ERROR_ITEM_NOT_FOUND
    assert gp.raw_syscall(S.GET_PROPERTY_NAME_TO_INDEX, [PropSet.CURRENT_TA, 0, 10, 0])[0] == \
        TeeResult.ERROR_BAD_PARAMETERS


# ------------------------------------------------------- subsample maps (teesim extension)
SUBSAMPLE = struct.Struct("<II")
IV, SRC, DST, MAP = 0, 64, 1024, 2048  # scratch offsets of the IV, input, output and map


def _ctr_state(gp: GpTa, key: bytes, algorithm: int = A.AES_CTR) -> int:
    res, state = alloc_state(gp, algorithm, Mode.DECRYPT, gp.secret_key(ObjectType.AES, key))
    assert res == TeeResult.SUCCESS
    return state


def _subsamples(gp: GpTa, state: int, iv: bytes, data: bytes, entries: list[tuple[int, int]],
                size: int | None = None, dst: int | tuple[str, int] = ("scratch", DST),
                count: int | None = None, map_at: int | tuple[str, int] = ("scratch", MAP),
                ) -> tuple[int, bytes]:
    scratch = (iv.ljust(SRC, b"\0") + data).ljust(MAP, b"\0") + b"".join(SUBSAMPLE.pack(*e) for e in entries)
    res, out = gp.raw_syscall(S.CIPHER_SUBSAMPLES,
                              [state, ("scratch", IV), len(iv), ("scratch", SRC), dst,
                               len(data) if size is None else size, map_at,
                               len(entries) if count is None else count],
                              scratch=scratch)
    return res, out[DST:DST + len(data)]


def _cenc(key: bytes, iv: bytes, data: bytes, entries: list[tuple[int, int]]) -> bytes:
    stream = Cipher(algorithms.AES(key), modes.CTR(iv)).decryptor()
    out, offset = bytearray(), 0
    for clear, protected in entries:
        out += data[offset:offset + clear]
        out += stream.update(data[offset + clear:offset + clear + protected])
        offset += clear + protected
    return bytes(out)


def test_a_subsample_map_copies_clear_ranges_and_decrypts_protected_ones_as_one_stream(gp: GpTa) -> None:
    key, data = bytes(range(16)), random.Random(5).randbytes(900)
    state = _ctr_state(gp, key)
    entries = [(10, 100), (0, 33), (7, 0), (50, 600), (100, 0)]
    for iv in (bytes(range(100, 116)), bytes(16)):  # each call starts the keystream at its IV
        res, out = _subsamples(gp, state, iv, data, entries)
        assert res == TeeResult.SUCCESS and out == _cenc(key, iv, data, entries)
    # The operation is left initialised where the stream stopped: an update continues it.
    res, scratch = gp.raw_syscall(S.CIPHER_UPDATE, [state, ("scratch", SRC), 16, ("scratch", DST),
                                                    ("scratch", 4088)],
                                  scratch=bytes(4088) + struct.pack("<Q", 16))
    assert res == TeeResult.SUCCESS
    assert scratch[DST:DST + 16] == Cipher(algorithms.AES(key), modes.CTR(bytes(16))).encryptor().update(
        bytes(733 + 16))[733:]


def test_a_subsample_map_that_does_not_fit_moves_nothing(gp: GpTa) -> None:
    state = _ctr_state(gp, bytes(16))
    data, iv = bytes(range(200)), bytes(16)
    # The map covers less, or more, than the buffer: refused, the output untouched.
    for entries in ([(10, 100)], [(10, 100), (0, 91)]):
        res, out = _subsamples(gp, state, iv, data, entries)
        assert res == TeeResult.ERROR_BAD_PARAMETERS and out == bytes(200)
    # A count past the bound; a map, an output or an IV the TA cannot reach; a bad IV size.
    refusals = [
        (_subsamples(gp, state, iv, data, [(0, 200)], count=2**32), TeeResult.ERROR_BAD_PARAMETERS),
        (_subsamples(gp, state, iv, data, [(0, 200)], map_at=0x10), TeeResult.ERROR_ACCESS_DENIED),
        (_subsamples(gp, state, iv, data, [(0, 200)], dst=("rodata", 0)), TeeResult.ERROR_ACCESS_DENIED),
        (_subsamples(gp, state, iv, data, [(0, 200)], dst=0x10), TeeResult.ERROR_ACCESS_DENIED),
        (_subsamples(gp, state, bytes(12), data, [(0, 200)]), TeeResult.ERROR_BAD_PARAMETERS),
    ]
    for (res, out), expected in refusals:
        assert res == expected and out == bytes(200)
    # None of them initialised the operation: an update still finds it uninitialised.
    assert gp.raw_syscall(S.CIPHER_UPDATE, [state, ("scratch", SRC), 16, ("scratch", DST),
                                            ("scratch", 4088)],
                          scratch=bytes(4088) + struct.pack("<Q", 16))[0] == TeeResult.ERROR_BAD_STATE


def test_a_subsample_map_needs_a_ctr_operation(gp: GpTa) -> None:
    cbc = _ctr_state(gp, bytes(16), A.AES_CBC_NOPAD)
    assert _subsamples(gp, cbc, bytes(16), bytes(32), [(0, 32)])[0] == TeeResult.ERROR_BAD_PARAMETERS
    assert _subsamples(gp, 0x4242, bytes(16), bytes(32), [(0, 32)])[0] == TeeResult.ERROR_BAD_PARAMETERS


# ---------------------------------------------------------------------------- fuzzing
FUZZED = [S.CRYP_STATE_ALLOC, S.CRYP_STATE_COPY, S.CRYP_STATE_FREE, S.HASH_INIT, S.HASH_UPDATE,
          S.HASH_FINAL, S.CIPHER_INIT, S.CIPHER_UPDATE, S.CIPHER_FINAL, S.CRYP_OBJ_GET_INFO,
          S.CRYP_OBJ_RESTRICT_USAGE, S.CRYP_OBJ_GET_ATTR, S.CRYP_OBJ_ALLOC, S.CRYP_OBJ_CLOSE,
          S.CRYP_OBJ_RESET, S.CRYP_OBJ_POPULATE, S.CRYP_OBJ_COPY, S.CRYP_DERIVE_KEY,
          S.AUTHENC_INIT, S.AUTHENC_UPDATE_AAD, S.AUTHENC_UPDATE_PAYLOAD, S.AUTHENC_ENC_FINAL,
          S.AUTHENC_DEC_FINAL, S.ASYMM_OPERATE, S.ASYMM_VERIFY, S.CRYP_OBJ_GENERATE_KEY,
          S.GET_PROPERTY, S.GET_PROPERTY_NAME_TO_INDEX, S.CHECK_ACCESS_RIGHTS]
#: Cheap algorithms and types only: a fuzzer asking for RSA-4096 keys or 2**24
#: PBKDF2 iterations would only make the test slow.
ALGORITHMS = [A.SHA256, A.HMAC_SHA256, A.AES_CMAC, A.AES_CBC_NOPAD, A.AES_CTS, A.AES_XTS,
              A.AES_GCM, A.AES_CCM, A.ECDSA_SHA256, A.ED25519, A.X25519, A.HKDF_SHA256_DERIVE_KEY,
              A.ECDH_DERIVE_SHARED_SECRET]
TYPES = [ObjectType.AES, ObjectType.HMAC_SHA256, ObjectType.GENERIC_SECRET, ObjectType.ECDSA_KEYPAIR,
         ObjectType.ECDH_KEYPAIR, ObjectType.X25519_KEYPAIR, ObjectType.ED25519_KEYPAIR,
         ObjectType.HKDF_IKM]
ATTRS = [Attribute.SECRET_VALUE, Attribute.ECC_CURVE, Attribute.ECC_PUBLIC_VALUE_X,
         Attribute.ED25519_PUBLIC_VALUE, Attribute.X25519_PUBLIC_VALUE, Attribute.HKDF_OKM_LENGTH]


#: The argument shape of each fuzzed call: the fuzzer mostly passes plausible
#: values of the right kind (so calls get past the checks into the engines) and
#: sometimes anything at all.
SHAPES = {
    S.CRYP_STATE_ALLOC: ("alg", "mode", "obj", "zero", "ptr"),
    S.CRYP_STATE_COPY: ("state", "state"), S.CRYP_STATE_FREE: ("state",),
    S.HASH_INIT: ("state", "ptr", "len"), S.HASH_UPDATE: ("state", "ptr", "len"),
    S.HASH_FINAL: ("state", "ptr", "len", "ptr", "lenptr"),
    S.CIPHER_INIT: ("state", "ptr", "len"),
    S.CIPHER_UPDATE: ("state", "ptr", "len", "ptr", "lenptr"),
    S.CIPHER_FINAL: ("state", "ptr", "len", "ptr", "lenptr"),
    S.CRYP_OBJ_GET_INFO: ("obj", "ptr"), S.CRYP_OBJ_RESTRICT_USAGE: ("obj", "value"),
    S.CRYP_OBJ_GET_ATTR: ("obj", "attr", "ptr", "lenptr"),
    S.CRYP_OBJ_ALLOC: ("type", "size", "ptr"), S.CRYP_OBJ_CLOSE: ("obj",),
    S.CRYP_OBJ_RESET: ("obj",), S.CRYP_OBJ_POPULATE: ("obj", "attrs", "count"),
    S.CRYP_OBJ_COPY: ("obj", "obj"), S.CRYP_DERIVE_KEY: ("state", "attrs", "count", "obj"),
    S.AUTHENC_INIT: ("state", "ptr", "len", "len", "len", "len"),
    S.AUTHENC_UPDATE_AAD: ("state", "ptr", "len"),
    S.AUTHENC_UPDATE_PAYLOAD: ("state", "ptr", "len", "ptr", "lenptr"),
    S.AUTHENC_ENC_FINAL: ("state", "ptr", "len", "ptr", "lenptr", "ptr", "lenptr"),
    S.AUTHENC_DEC_FINAL: ("state", "ptr", "len", "ptr", "lenptr", "ptr", "len"),
    S.ASYMM_OPERATE: ("state", "attrs", "count", "ptr", "len", "ptr", "lenptr"),
    S.ASYMM_VERIFY: ("state", "attrs", "count", "ptr", "len", "ptr", "len"),
    S.CRYP_OBJ_GENERATE_KEY: ("obj", "size", "attrs", "count"),
    S.GET_PROPERTY: ("propset", "index", "ptr", "lenptr", "ptr", "lenptr", "ptr"),
    S.GET_PROPERTY_NAME_TO_INDEX: ("propset", "ptr", "len", "ptr"),
    S.CHECK_ACCESS_RIGHTS: ("value", "ptr", "len"),
    S.CIPHER_SUBSAMPLES: ("state", "ptr", "len", "ptr", "ptr", "len", "ptr", "count"),
}
FUZZED = list(SHAPES)
LENGTHS_AT = 1024  # u64 (and u32) lengths for the "lenptr" arguments
ATTRS_AT = 2048    # utee_attribute array for the "attrs" arguments


def _scratch(rng: random.Random) -> bytes:
    """Random data, then plausible lengths, then plausible attributes."""
    out = bytearray(rng.randbytes(LENGTHS_AT)) + bytes(ATTRS_AT - LENGTHS_AT)
    for offset in range(LENGTHS_AT, ATTRS_AT, 8):
        struct.pack_into("<Q", out, offset, rng.choice([0, 4, 8, 16, 32, 64, 100, 512, 2**40]))
    attrs = bytearray()
    for _ in range(8):
        attribute = rng.choice(ATTRS)
        a = rng.choice([0, 3, 16, 32]) if attribute & (1 << 29) else rng.choice([0, 64, 128])
        b = rng.choice([0, 1, 16, 32, 65, 2**40])
        attrs += struct.pack("<QQI4x", a, b, attribute)
    return bytes(out) + bytes(attrs)


def _plausible(kind: str, rng: random.Random, objects: list[int], states: list[int],
               ) -> int | tuple[str, int]:
    if kind == "state":
        return rng.choice(states) if states else 0
    if kind == "obj":
        return rng.choice(objects) if objects else 0
    return {
        "alg": lambda: rng.choice(ALGORITHMS), "mode": lambda: rng.choice(list(Mode)[:7]),
        "zero": lambda: 0, "type": lambda: rng.choice(TYPES),
        "size": lambda: rng.choice([128, 256, 192, 64]), "attr": lambda: rng.choice(ATTRS),
        "value": lambda: rng.choice([0, 1, 3, 7, 0x37, 0xFFFFFFFF]),
        "ptr": lambda: ("scratch", rng.choice([0, 16, 256, 512])),
        "len": lambda: rng.choice([0, 1, 12, 15, 16, 17, 32, 33, 64, 200]),
        "lenptr": lambda: ("scratch", LENGTHS_AT + 8 * rng.randrange(64)),
        "attrs": lambda: ("scratch", ATTRS_AT + 24 * rng.randrange(4)),
        "count": lambda: rng.choice([0, 1, 2, 3]),
        "propset": lambda: rng.choice(list(PropSet)), "index": lambda: rng.randrange(20),
    }[kind]()


def _wild(rng: random.Random, handles: list[int]) -> int | tuple[str, int]:
    roll = rng.random()
    if roll < 0.2 and handles:
        return rng.choice(handles)
    if roll < 0.4:
        return ("scratch", rng.choice([4090, 4095, 4096, 8192]))
    if roll < 0.5:
        return ("rodata", 0)
    return rng.choice([0, 1, 0xFFFFFFFF, 2**32, 2**63, 2**64 - 1, 0x1000, rng.getrandbits(64)])


#: (algorithm, mode, key type, key size, generate-key attributes) of the live states
#: the fuzzer starts from, so that random calls reach the engines, not just the checks.
SETUP = [
    (A.SHA256, Mode.DIGEST, None, 0, b""),
    (A.HMAC_SHA256, Mode.MAC, ObjectType.HMAC_SHA256, 256, b""),
    (A.AES_CMAC, Mode.MAC, ObjectType.AES, 128, b""),
    (A.AES_CBC_NOPAD, Mode.ENCRYPT, ObjectType.AES, 128, b""),
    (A.AES_CTS, Mode.DECRYPT, ObjectType.AES, 256, b""),
    (A.AES_CTR, Mode.DECRYPT, ObjectType.AES, 128, b""),
    (A.AES_GCM, Mode.ENCRYPT, ObjectType.AES, 128, b""),
    (A.AES_CCM, Mode.DECRYPT, ObjectType.AES, 128, b""),
    (A.ECDSA_SHA256, Mode.SIGN, ObjectType.ECDSA_KEYPAIR, 256,
     struct.pack("<QQI4x", EccCurve.NIST_P256, 0, Attribute.ECC_CURVE)),
    (A.ED25519, Mode.VERIFY, ObjectType.ED25519_KEYPAIR, 256, b""),
    (A.X25519, Mode.DERIVE, ObjectType.X25519_KEYPAIR, 256, b""),
    (A.HKDF_SHA256_DERIVE_KEY, Mode.DERIVE, ObjectType.HKDF_IKM, 128, b""),
]
INITS = {Mode.DIGEST: S.HASH_INIT, Mode.MAC: S.HASH_INIT}


def _live_handles(gp: GpTa) -> tuple[list[int], list[int]]:
    """(objects, states) for the fuzzer to start from."""
    objects, states = [], []
    for algorithm, mode, key_type, size, params in SETUP:
        key = 0
        if key_type is not None:
            key = alloc_object(gp, key_type, size)
            res, _ = gp.raw_syscall(S.CRYP_OBJ_GENERATE_KEY, [key, size, ("scratch", 0),
                                                              len(params) // 24], scratch=params)
            assert res == TeeResult.SUCCESS
        res, state = alloc_state(gp, algorithm, mode, key)
        assert res == TeeResult.SUCCESS, hex(algorithm)
        states.append(state)
        objects += [key] if key else []
        if mode in INITS:
            assert gp.raw_syscall(S.HASH_INIT, [state, 0, 0])[0] == TeeResult.SUCCESS
        elif algorithm in (A.AES_CBC_NOPAD, A.AES_CTS, A.AES_CTR):
            assert gp.raw_syscall(S.CIPHER_INIT, [state, ("scratch", 0), 16])[0] == TeeResult.SUCCESS
        elif algorithm in (A.AES_GCM, A.AES_CCM):
            res = gp.raw_syscall(S.AUTHENC_INIT, [state, ("scratch", 0), 12, 16, 16, 64])[0]
            assert res == TeeResult.SUCCESS
    for key_type, size in ((ObjectType.GENERIC_SECRET, 256), (ObjectType.AES, 256)):
        objects.append(alloc_object(gp, key_type, size))  # derivation targets, copy targets
    return objects, states


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzzed_syscalls_never_raise_or_kill(gp: GpTa, seed: int) -> None:
    rng = random.Random(seed)
    objects, states = _live_handles(gp)
    outcomes: dict[int, set[int]] = {}
    # freeing and closing empty the pool of live handles: do them less often
    weights = [0.2 if n in (S.CRYP_STATE_FREE, S.CRYP_OBJ_CLOSE, S.CRYP_OBJ_RESET) else 1.0
               for n in FUZZED]
    for _ in range(600):
        number = rng.choices(FUZZED, weights)[0]
        args = [_wild(rng, objects + states) if rng.random() < 0.08
                else _plausible(kind, rng, objects, states) for kind in SHAPES[number]]
        result, scratch = gp.raw_syscall(number, args, _scratch(rng))  # raises if the TA died
        outcomes.setdefault(number, set()).add(result)
        if result == TeeResult.SUCCESS and args[-1] == ("scratch", 0):
            if number == S.CRYP_OBJ_ALLOC:
                objects.append(_u32(scratch, 0))
            elif number == S.CRYP_STATE_ALLOC:
                states.append(_u32(scratch, 0))
    reached = {S(n).name for n, results in outcomes.items() if TeeResult.SUCCESS in results}
    # past the argument checks into the engines for a good part of the calls
    assert len(reached) >= 12, sorted(set(map(lambda n: n.name, FUZZED)) - reached)
    assert TeeResult.ERROR_ACCESS_DENIED in set().union(*outcomes.values())
    assert not [line for line in gp.log() if "internal error" in line]

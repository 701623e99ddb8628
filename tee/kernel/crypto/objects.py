"""Transient cryptographic objects: types, attributes, populate, copy, generate.

A :class:`CryptoObject` is what a TEE_ObjectHandle names in the kernel. Its
attributes are kept in GlobalPlatform's wire form: secrets and fixed-size
Curve25519 values as bytes, big numbers as minimal big-endian bytes (as
OP-TEE's bignum round trip gives them), value attributes as ``(a, 0)`` (OP-TEE
keeps only ``a``). ``cryptography`` key objects are built from them on first
use and cached until the object changes.

The per-type rules (sizes, which attributes are required, optional as a group,
give the object its size, may be passed to TEE_GenerateKey) follow OP-TEE's
``tee_svc_cryp.c`` and its return codes, which libutee turns into GP's panics
(:func:`check_attributes`: ITEM_NOT_FOUND for a missing, unknown or repeated
attribute; BAD_STATE for a key bigger than the object).

Every attribute is bounded by the object's maximum size before anything is
computed from it (as OP-TEE's bignums are allocated at that size), and an RSA
private key's values by its modulus, so importing a key costs at most a few
modular exponentiations of the largest allowed key (docs/isolation.md, "Crypto and object bounds").
"""

from __future__ import annotations

import enum
import math
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519

from tee.abi.gp_crypto import USAGE_DEFAULT, Attribute as At, HandleFlag
from tee.abi.gp_crypto import ObjectType as T, attribute_is_value
from tee.abi.registers import U32_MASK
from tee.abi.results import TeeResult
from tee.kernel.crypto import CryptoError
from tee.kernel.crypto.algorithms import CURVES


class Kind(enum.Enum):
    SECRET = "secret"   # raw bytes, any length
    BIGNUM = "bignum"   # big-endian unsigned integer
    VALUE = "value"     # (a, b) pair of u32
    RAW32 = "raw32"     # exactly 32 bytes (Ed25519 / X25519)


class F(enum.IntFlag):
    REQUIRED = 1
    OPTIONAL_GROUP = 2
    SIZE_INDICATOR = 4
    GEN_KEY_OPT = 8
    GEN_KEY_REQ = 16


@dataclass(frozen=True)
class AttrSpec:
    id: int
    kind: Kind
    flags: F = F(0)


@dataclass(frozen=True)
class TypeSpec:
    type: T
    quanta: int
    min_size: int
    max_size: int
    attrs: tuple[AttrSpec, ...]
    #: Key sizes a populated or generated key may have (None: any allowed size).
    key_sizes: frozenset[int] | None = None
    #: For a keypair, its public-key type (TEE_CopyObjectAttributes1 may extract it).
    public_type: T | None = None
    #: Size of a key of this type when no attribute gives it.
    fixed_size: int | None = None

    def attr(self, attribute_id: int) -> AttrSpec | None:
        return next((a for a in self.attrs if a.id == attribute_id), None)

    def check_size(self, size: int) -> None:
        """OP-TEE's check_key_size: NOT_SUPPORTED unless min <= size <= max in quanta."""
        if size % self.quanta or not self.min_size <= size <= self.max_size:
            raise CryptoError(TeeResult.ERROR_NOT_SUPPORTED, f"size {size} for {self.type.name}")


def _secret(attr: int = At.SECRET_VALUE) -> tuple[AttrSpec, ...]:
    return (AttrSpec(attr, Kind.SECRET, F.REQUIRED | F.SIZE_INDICATOR),)


_RSA_PUBLIC = (
    AttrSpec(At.RSA_MODULUS, Kind.BIGNUM, F.REQUIRED | F.SIZE_INDICATOR),
    AttrSpec(At.RSA_PUBLIC_EXPONENT, Kind.BIGNUM, F.REQUIRED),
)
_RSA_KEYPAIR = (
    AttrSpec(At.RSA_MODULUS, Kind.BIGNUM, F.REQUIRED | F.SIZE_INDICATOR),
    AttrSpec(At.RSA_PUBLIC_EXPONENT, Kind.BIGNUM, F.REQUIRED | F.GEN_KEY_OPT),
    AttrSpec(At.RSA_PRIVATE_EXPONENT, Kind.BIGNUM, F.REQUIRED),
    AttrSpec(At.RSA_PRIME1, Kind.BIGNUM, F.OPTIONAL_GROUP),
    AttrSpec(At.RSA_PRIME2, Kind.BIGNUM, F.OPTIONAL_GROUP),
    AttrSpec(At.RSA_EXPONENT1, Kind.BIGNUM, F.OPTIONAL_GROUP),
    AttrSpec(At.RSA_EXPONENT2, Kind.BIGNUM, F.OPTIONAL_GROUP),
    AttrSpec(At.RSA_COEFFICIENT, Kind.BIGNUM, F.OPTIONAL_GROUP),
)
_ECC_PUBLIC = (
    AttrSpec(At.ECC_PUBLIC_VALUE_X, Kind.BIGNUM, F.REQUIRED),
    AttrSpec(At.ECC_PUBLIC_VALUE_Y, Kind.BIGNUM, F.REQUIRED),
    AttrSpec(At.ECC_CURVE, Kind.VALUE, F.REQUIRED | F.SIZE_INDICATOR),
)
_ECC_KEYPAIR = (
    AttrSpec(At.ECC_PRIVATE_VALUE, Kind.BIGNUM, F.REQUIRED),
    AttrSpec(At.ECC_PUBLIC_VALUE_X, Kind.BIGNUM, F.REQUIRED),
    AttrSpec(At.ECC_PUBLIC_VALUE_Y, Kind.BIGNUM, F.REQUIRED),
    AttrSpec(At.ECC_CURVE, Kind.VALUE, F.REQUIRED | F.SIZE_INDICATOR | F.GEN_KEY_REQ),
)

TYPES: dict[int, TypeSpec] = {spec.type: spec for spec in (
    TypeSpec(T.AES, 64, 128, 256, _secret(), frozenset({128, 192, 256})),
    TypeSpec(T.DES, 64, 64, 64, _secret(), frozenset({64})),
    TypeSpec(T.DES3, 64, 128, 192, _secret(), frozenset({128, 192})),
    TypeSpec(T.HMAC_MD5, 8, 64, 512, _secret()),
    TypeSpec(T.HMAC_SHA1, 8, 80, 512, _secret()),
    TypeSpec(T.HMAC_SHA224, 8, 112, 512, _secret()),
    TypeSpec(T.HMAC_SHA256, 8, 192, 1024, _secret()),
    TypeSpec(T.HMAC_SHA384, 8, 256, 1024, _secret()),
    TypeSpec(T.HMAC_SHA512, 8, 256, 1024, _secret()),
    TypeSpec(T.HMAC_SHA3_224, 8, 192, 1024, _secret()),
    TypeSpec(T.HMAC_SHA3_256, 8, 256, 1024, _secret()),
    TypeSpec(T.HMAC_SHA3_384, 8, 256, 1024, _secret()),
    TypeSpec(T.HMAC_SHA3_512, 8, 256, 1024, _secret()),
    TypeSpec(T.GENERIC_SECRET, 8, 0, 4096, _secret()),
    TypeSpec(T.HKDF_IKM, 8, 0, 4096, _secret(At.HKDF_IKM)),
    TypeSpec(T.CONCAT_KDF_Z, 8, 0, 4096, _secret(At.CONCAT_KDF_Z)),
    TypeSpec(T.PBKDF2_PASSWORD, 8, 0, 4096, _secret(At.PBKDF2_PASSWORD)),
    TypeSpec(T.RSA_PUBLIC_KEY, 1, 256, 4096, _RSA_PUBLIC),
    TypeSpec(T.RSA_KEYPAIR, 1, 256, 4096, _RSA_KEYPAIR, public_type=T.RSA_PUBLIC_KEY),
    TypeSpec(T.ECDSA_PUBLIC_KEY, 1, 192, 521, _ECC_PUBLIC),
    TypeSpec(T.ECDSA_KEYPAIR, 1, 192, 521, _ECC_KEYPAIR, public_type=T.ECDSA_PUBLIC_KEY),
    TypeSpec(T.ECDH_PUBLIC_KEY, 1, 192, 521, _ECC_PUBLIC),
    TypeSpec(T.ECDH_KEYPAIR, 1, 192, 521, _ECC_KEYPAIR, public_type=T.ECDH_PUBLIC_KEY),
    TypeSpec(T.ED25519_PUBLIC_KEY, 1, 256, 256,
             (AttrSpec(At.ED25519_PUBLIC_VALUE, Kind.RAW32, F.REQUIRED),), fixed_size=256),
    TypeSpec(T.ED25519_KEYPAIR, 1, 256, 256,
             (AttrSpec(At.ED25519_PRIVATE_VALUE, Kind.RAW32, F.REQUIRED),
              AttrSpec(At.ED25519_PUBLIC_VALUE, Kind.RAW32, F.REQUIRED)),
             public_type=T.ED25519_PUBLIC_KEY, fixed_size=256),
    TypeSpec(T.X25519_PUBLIC_KEY, 1, 256, 256,
             (AttrSpec(At.X25519_PUBLIC_VALUE, Kind.RAW32, F.REQUIRED),), fixed_size=256),
    TypeSpec(T.X25519_KEYPAIR, 1, 256, 256,
             (AttrSpec(At.X25519_PRIVATE_VALUE, Kind.RAW32, F.REQUIRED),
              AttrSpec(At.X25519_PUBLIC_VALUE, Kind.RAW32, F.REQUIRED)),
             public_type=T.X25519_PUBLIC_KEY, fixed_size=256),
)}

SECRET_TYPES = frozenset(t for t, s in TYPES.items() if s.attrs[0].kind is Kind.SECRET)
#: Kernel memory one object costs beyond room for its attributes: the object and
#: the ``cryptography`` key built from the attributes.
OBJECT_OVERHEAD = 1024


def _attribute_room(kind: Kind, max_bits: int) -> int:
    """Bytes one attribute may take in an object of ``max_bits``."""
    if kind is Kind.VALUE:
        return 8
    if kind is Kind.RAW32:
        return 32
    return (max_bits + 7) // 8


@dataclass(frozen=True)
class UserAttribute:
    """One attribute as a TA passed it (struct utee_attribute, buffer already copied)."""

    id: int
    data: bytes = b""
    a: int = 0
    b: int = 0

    @property
    def is_value(self) -> bool:
        return attribute_is_value(self.id)


def check_attributes(spec: TypeSpec, attrs: list[UserAttribute], *, generate: bool) -> None:
    """OP-TEE's tee_svc_cryp_check_attr: ITEM_NOT_FOUND for an attribute that is
    unknown for the type (or this use), repeated, or missing although required,
    or for an incomplete optional group."""
    required_flag, optional_flag = (F.GEN_KEY_REQ, F.GEN_KEY_OPT) if generate else \
        (F.REQUIRED, F.OPTIONAL_GROUP)
    required = {a.id for a in spec.attrs if a.flags & required_flag}
    optional = {a.id for a in spec.attrs if not a.flags & required_flag and a.flags & optional_flag}
    seen: set[int] = set()
    for attr in attrs:
        if attr.id not in required | optional or attr.id in seen:
            raise CryptoError(TeeResult.ERROR_ITEM_NOT_FOUND, f"attribute {attr.id:#x}")
        seen.add(attr.id)
    if not required <= seen:
        raise CryptoError(TeeResult.ERROR_ITEM_NOT_FOUND, "required attribute missing")
    if not generate and seen & optional and not optional <= seen:
        raise CryptoError(TeeResult.ERROR_ITEM_NOT_FOUND, "incomplete optional attribute group")


def _int(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _bits(data: bytes) -> int:
    """The bit length of a big-endian number without converting it."""
    stripped = data.lstrip(b"\0")
    return 8 * len(stripped) - 8 + stripped[0].bit_length() if stripped else 0


def _bytes(value: int, length: int | None = None) -> bytes:
    return value.to_bytes(length if length is not None else (value.bit_length() + 7) // 8, "big")


#: Random bases tried to factor an RSA modulus from its exponents. Each try ends
#: the search (a factor, or proof that the exponents do not belong to the modulus)
#: with probability at least 1/2, so a valid key fails with probability 2**-64.
MAX_FACTORING_TRIES = 64


def _check_rsa_exponents(n: int, e: int, d: int) -> None:
    """The cheap checks that bound every later computation by the modulus (ValueError)."""
    if not (n % 2 == 1 and n > 3 and e % 2 == 1 and 1 < e < n and 0 < d < n):
        raise ValueError("RSA modulus or exponents out of range")


def recover_prime_factors(n: int, e: int, d: int) -> tuple[int, int]:
    """p > q from an RSA key without its CRT values (GP allows such keys).

    Unlike ``cryptography``'s rsa_recover_prime_factors, which may try 500 bases
    with a full exponentiation per factor of two in e*d-1 each, each base here
    either factors n or proves the key invalid (a**(e*d-1) != 1) with probability
    at least 1/2, and moduli no base can factor (a prime; a prime power, whose
    prime e*d-1 then shares) are dealt with first: crafted values cost a few
    exponentiations, not minutes.
    The caller has made sure (:func:`_check_rsa_exponents`) e and d are below n.
    """
    k = e * d - 1
    shared = math.gcd(k, n)
    if 1 < shared < n:
        return _ordered_factors(n, shared)
    if shared == n or pow(2, n - 1, n) == 1:  # n divides e*d-1, or n is (probably) prime
        raise ValueError("RSA modulus cannot be factored with these exponents")
    twos = (k & -k).bit_length() - 1
    odd = k >> twos
    for _ in range(MAX_FACTORING_TRIES):
        base = 2 + secrets.randbelow(n - 3)
        if math.gcd(base, n) > 1:  # a lucky base: no power of it is 1
            return _ordered_factors(n, math.gcd(base, n))
        x = pow(base, odd, n)
        if x == 1:
            continue
        for _ in range(twos):
            y = x * x % n
            if y == 1:
                if x == n - 1:
                    break  # only the trivial root: another base
                return _ordered_factors(n, math.gcd(x - 1, n))
            x = y
        else:
            raise ValueError("RSA exponents do not invert each other")
    raise ValueError("RSA modulus not factored")


def _ordered_factors(n: int, factor: int) -> tuple[int, int]:
    return max(factor, n // factor), min(factor, n // factor)


def _check_rsa(n: int, e: int, d: int, p: int, q: int, dmp1: int, dmq1: int, iqmp: int) -> None:
    """The values of an RSA private key belong together (ValueError if not): the
    checks of RSA_check_key short of primality tests, plus a test encryption."""
    _check_rsa_exponents(n, e, d)
    if not (1 < p < n and 1 < q < n and p * q == n):
        raise ValueError("RSA key values are inconsistent")
    if dmp1 != d % (p - 1) or dmq1 != d % (q - 1) or (iqmp * q) % p != 1:
        raise ValueError("RSA CRT values are inconsistent")
    if pow(pow(2, e, n), d, n) != 2:
        raise ValueError("RSA exponents do not invert each other")


def curve_size(curve: int) -> int:
    found = CURVES.get(curve)
    if found is None:
        raise CryptoError(TeeResult.ERROR_NOT_SUPPORTED, f"curve {curve:#x}")
    return found[1]


@dataclass(eq=False)
class CryptoObject:
    type: T
    spec: TypeSpec
    max_size: int
    size: int = 0
    usage: int = USAGE_DEFAULT
    flags: int = 0
    attrs: dict[int, Any] = field(default_factory=dict)
    #: Owned by an operation (TEE_AllocateOperation's key objects): not closable by the TA.
    busy: bool = False
    _keys: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def allocate(cls, object_type: int, max_size: int) -> "CryptoObject":
        spec = TYPES.get(object_type)
        if spec is None:
            raise CryptoError(TeeResult.ERROR_NOT_SUPPORTED, f"object type {object_type:#x}")
        spec.check_size(max_size)
        return cls(spec.type, spec, max_size)

    # -- state ------------------------------------------------------------------------
    @property
    def initialized(self) -> bool:
        return bool(self.flags & HandleFlag.INITIALIZED)

    @property
    def persistent(self) -> bool:
        return bool(self.flags & HandleFlag.PERSISTENT)

    @property
    def kernel_size(self) -> int:
        """Kernel memory the object is charged for its whole life: room for every
        attribute at the object's maximum size (OP-TEE allocates it when the object
        is allocated) and :data:`OBJECT_OVERHEAD`."""
        return OBJECT_OVERHEAD + sum(_attribute_room(a.kind, self.max_size) for a in self.spec.attrs)

    def info(self) -> tuple[int, int, int, int, int, int, int]:
        """struct utee_object_info: type, size, max size, usage, data size, position, flags."""
        return (self.type, self.size, self.max_size, self.usage & U32_MASK, 0, 0, self.flags)

    def reset(self) -> None:
        self.attrs.clear()
        self._keys.clear()
        self.size = 0
        self.usage = USAGE_DEFAULT
        self.flags &= ~HandleFlag.INITIALIZED

    def _require_transient_uninitialized(self, result: TeeResult) -> None:
        if self.persistent or self.initialized:
            raise CryptoError(result, "object is persistent or already initialized")

    # -- attributes -------------------------------------------------------------------
    def _store(self, attrs: list[UserAttribute]) -> int:
        """OP-TEE's tee_svc_cryp_obj_populate_type: store the attributes, return the
        size they give the object (BAD_STATE if bigger than the object allows)."""
        size = 0
        for attr in attrs:
            attr_spec = self.spec.attr(attr.id)
            if attr_spec is None:
                raise CryptoError(TeeResult.ERROR_ITEM_NOT_FOUND, f"attribute {attr.id:#x}")
            if attr_spec.kind is Kind.VALUE:
                self.attrs[attr.id] = (attr.a & U32_MASK, 0)
            elif attr_spec.kind is Kind.BIGNUM:
                value = attr.data.lstrip(b"\0")
                if not attr_spec.flags & F.SIZE_INDICATOR and _bits(value) > self.max_size:
                    # before anything is computed from it (a 64 KiB RSA exponent)
                    raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, f"attribute {attr.id:#x} "
                                      f"exceeds the object's {self.max_size} bits")
                self.attrs[attr.id] = value
            elif attr_spec.kind is Kind.RAW32:
                if len(attr.data) != 32:
                    raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "Curve25519 values are 32 bytes")
                self.attrs[attr.id] = attr.data
            else:
                self.attrs[attr.id] = attr.data
            if attr_spec.flags & F.SIZE_INDICATOR:
                if attr.id == At.ECC_CURVE:
                    size = curve_size(attr.a & U32_MASK)
                elif attr.id == At.RSA_MODULUS:
                    size = _int(attr.data).bit_length()
                else:
                    size = len(attr.data) * 8
                if size > self.max_size:
                    raise CryptoError(TeeResult.ERROR_BAD_STATE, f"key of {size} bits exceeds "
                                      f"the object's {self.max_size}")
        if self.spec.fixed_size is not None:
            size = self.spec.fixed_size
        return size

    def populate(self, attrs: list[UserAttribute]) -> None:
        self._require_transient_uninitialized(TeeResult.ERROR_BAD_PARAMETERS)
        check_attributes(self.spec, attrs, generate=False)
        try:
            self.size = self._store(attrs)
            self._validate()
        except CryptoError:
            self.reset()
            raise
        self.flags |= HandleFlag.INITIALIZED

    def _validate(self) -> None:
        """Reject keys that can never work (TEE_ERROR_BAD_PARAMETERS, GP's "incorrect
        or inconsistent attribute value"), by building them with ``cryptography``."""
        if self.spec.key_sizes is not None and self.size not in self.spec.key_sizes:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, f"{self.size}-bit {self.type.name} key")
        builders = {
            T.RSA_KEYPAIR: self.rsa_private, T.RSA_PUBLIC_KEY: self.rsa_public,
            T.ECDSA_KEYPAIR: self.ec_private, T.ECDH_KEYPAIR: self.ec_private,
            T.ECDSA_PUBLIC_KEY: self.ec_public, T.ECDH_PUBLIC_KEY: self.ec_public,
            T.ED25519_KEYPAIR: self.ed25519_private, T.ED25519_PUBLIC_KEY: self.ed25519_public,
            T.X25519_KEYPAIR: self.x25519_private, T.X25519_PUBLIC_KEY: self.x25519_public,
        }
        builder = builders.get(self.type)
        if builder is not None:
            builder()

    def get_attribute(self, attribute_id: int) -> bytes:
        """The attribute as GET_ATTR returns it (value attributes: a, b as two u32)."""
        if attribute_id not in self.attrs:
            raise CryptoError(TeeResult.ERROR_ITEM_NOT_FOUND, f"attribute {attribute_id:#x}")
        value = self.attrs[attribute_id]
        if isinstance(value, tuple):
            return value[0].to_bytes(4, "little") + value[1].to_bytes(4, "little")
        return value

    def copy_from(self, src: "CryptoObject") -> None:
        """TEE_CopyObjectAttributes1: same type, or a keypair's public half."""
        self._require_transient_uninitialized(TeeResult.ERROR_BAD_PARAMETERS)
        if not src.initialized:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "source object is not initialized")
        if src.type == self.type:
            attrs = dict(src.attrs)
        elif src.spec.public_type == self.type:
            attrs = {a.id: src.attrs[a.id] for a in self.spec.attrs if a.id in src.attrs}
        else:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS,
                              f"cannot copy {src.type.name} into {self.type.name}")
        if src.size > self.max_size:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "source key too large for destination")
        self.attrs = attrs
        # the built keys are immutable: share them (rebuilding an RSA key without
        # its CRT values means factoring the modulus again)
        self._keys = dict(src._keys) if src.type == self.type else {}
        self.size = src.size
        self.usage = src.usage
        self.flags |= HandleFlag.INITIALIZED

    def set_secret(self, data: bytes) -> None:
        """Make this (generic secret) object hold ``data``: the result of a key derivation."""
        if self.type not in SECRET_TYPES:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "derived keys are secrets")
        if len(data) * 8 > self.max_size:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS,
                              f"derived key of {len(data) * 8} bits exceeds the object's "
                              f"{self.max_size}")
        self.attrs = {self.spec.attrs[0].id: bytes(data)}
        self._keys.clear()
        self.size = len(data) * 8
        self.flags |= HandleFlag.INITIALIZED

    # -- generation -------------------------------------------------------------------
    def generate(self, key_size: int, params: list[UserAttribute],
                 random_bytes: Callable[[int], bytes]) -> None:
        """TEE_GenerateKey. Secrets and Curve25519 keys come from ``random_bytes``
        (the device RNG); RSA and NIST-curve keys from ``cryptography``'s generator."""
        self._require_transient_uninitialized(TeeResult.ERROR_BAD_STATE)
        self.spec.check_size(key_size)
        if key_size > self.max_size:
            raise CryptoError(TeeResult.ERROR_BAD_STATE, "key size exceeds the object's maximum")
        if self.spec.key_sizes is not None and key_size not in self.spec.key_sizes:
            raise CryptoError(TeeResult.ERROR_NOT_SUPPORTED, f"{key_size}-bit {self.type.name} key")
        check_attributes(self.spec, params, generate=True)
        generator = {
            T.RSA_KEYPAIR: self._generate_rsa, T.ECDSA_KEYPAIR: self._generate_ec,
            T.ECDH_KEYPAIR: self._generate_ec, T.ED25519_KEYPAIR: self._generate_ed25519,
            T.X25519_KEYPAIR: self._generate_x25519,
        }.get(self.type)
        try:
            if self.type in SECRET_TYPES:
                self.attrs = {self.spec.attrs[0].id: random_bytes(key_size // 8)}
            elif generator is not None:
                generator(key_size, params, random_bytes)
            else:
                raise CryptoError(TeeResult.ERROR_NOT_SUPPORTED,
                                  f"cannot generate a {self.type.name}")
        except CryptoError:
            self.reset()
            raise
        self._keys.clear()
        self.size = key_size
        self.flags |= HandleFlag.INITIALIZED

    def _generate_rsa(self, key_size: int, params: list[UserAttribute], _rng: Callable) -> None:
        exponent = 65537
        for param in params:
            exponent = _int(param.data)
        # NIST SP 800-56B (as OP-TEE checks): odd, 65537 <= e < 2**256.
        if not (exponent & 1 and 65537 <= exponent < 1 << 256):
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "bad RSA public exponent")
        try:
            key = rsa.generate_private_key(exponent, key_size)
        except (ValueError, UnsupportedAlgorithm) as error:
            # cryptography generates only e = 65537 and keys of 1024 bits or more
            raise CryptoError(TeeResult.ERROR_NOT_SUPPORTED, str(error)) from None
        self._set_rsa(key)

    def _set_rsa(self, key: rsa.RSAPrivateKey) -> None:
        numbers = key.private_numbers()
        public = numbers.public_numbers
        self.attrs = {
            At.RSA_MODULUS: _bytes(public.n), At.RSA_PUBLIC_EXPONENT: _bytes(public.e),
            At.RSA_PRIVATE_EXPONENT: _bytes(numbers.d), At.RSA_PRIME1: _bytes(numbers.p),
            At.RSA_PRIME2: _bytes(numbers.q), At.RSA_EXPONENT1: _bytes(numbers.dmp1),
            At.RSA_EXPONENT2: _bytes(numbers.dmq1), At.RSA_COEFFICIENT: _bytes(numbers.iqmp),
        }

    def _generate_ec(self, key_size: int, params: list[UserAttribute], _rng: Callable) -> None:
        curve = params[0].a & U32_MASK
        if curve_size(curve) != key_size:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "key size does not match the curve")
        key = ec.generate_private_key(CURVES[curve][0]())
        numbers = key.private_numbers()
        self.attrs = {
            At.ECC_PRIVATE_VALUE: _bytes(numbers.private_value),
            At.ECC_PUBLIC_VALUE_X: _bytes(numbers.public_numbers.x),
            At.ECC_PUBLIC_VALUE_Y: _bytes(numbers.public_numbers.y),
            At.ECC_CURVE: (curve, 0),
        }

    def _generate_ed25519(self, _size: int, _params: list, random_bytes: Callable) -> None:
        private = random_bytes(32)
        public = ed25519.Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()
        self.attrs = {At.ED25519_PRIVATE_VALUE: private, At.ED25519_PUBLIC_VALUE: public}

    def _generate_x25519(self, _size: int, _params: list, random_bytes: Callable) -> None:
        private = random_bytes(32)
        public = x25519.X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()
        self.attrs = {At.X25519_PRIVATE_VALUE: private, At.X25519_PUBLIC_VALUE: public}

    # -- keys for the engines ---------------------------------------------------------
    def _cached(self, name: str, build: Callable[[], Any]) -> Any:
        if name not in self._keys:
            try:
                self._keys[name] = build()
            except (ValueError, TypeError, UnsupportedAlgorithm) as error:
                raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, f"invalid key: {error}") from None
        return self._keys[name]

    def secret(self) -> bytes:
        return self.attrs[self.spec.attrs[0].id]

    def rsa_public(self) -> rsa.RSAPublicKey:
        def build() -> rsa.RSAPublicKey:
            return rsa.RSAPublicNumbers(_int(self.attrs[At.RSA_PUBLIC_EXPONENT]),
                                        _int(self.attrs[At.RSA_MODULUS])).public_key()
        if self.type == T.RSA_KEYPAIR:
            return self.rsa_private().public_key()
        return self._cached("rsa_public", build)

    def rsa_private(self) -> rsa.RSAPrivateKey:
        def build() -> rsa.RSAPrivateKey:
            n, e = _int(self.attrs[At.RSA_MODULUS]), _int(self.attrs[At.RSA_PUBLIC_EXPONENT])
            d = _int(self.attrs[At.RSA_PRIVATE_EXPONENT])
            _check_rsa_exponents(n, e, d)  # before any work that grows with their size
            if At.RSA_PRIME1 in self.attrs:
                p, q = _int(self.attrs[At.RSA_PRIME1]), _int(self.attrs[At.RSA_PRIME2])
                dmp1, dmq1 = _int(self.attrs[At.RSA_EXPONENT1]), _int(self.attrs[At.RSA_EXPONENT2])
                iqmp = _int(self.attrs[At.RSA_COEFFICIENT])
            else:  # GP allows a key without its CRT values: recover them
                p, q = recover_prime_factors(n, e, d)
                dmp1, dmq1, iqmp = rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q)
            _check_rsa(n, e, d, p, q, dmp1, dmq1, iqmp)
            numbers = rsa.RSAPrivateNumbers(p, q, d, dmp1, dmq1, iqmp, rsa.RSAPublicNumbers(e, n))
            # OpenSSL's full check tests p and q for primality (a second or so per
            # 2048-bit key); _check_rsa has made sure the values belong together.
            return numbers.private_key(unsafe_skip_rsa_key_validation=True)
        return self._cached("rsa_private", build)

    def curve(self) -> int:
        return self.attrs[At.ECC_CURVE][0]

    def ec_public(self) -> ec.EllipticCurvePublicKey:
        def build() -> ec.EllipticCurvePublicKey:
            curve_cls = CURVES[self.curve()][0]
            return ec.EllipticCurvePublicNumbers(_int(self.attrs[At.ECC_PUBLIC_VALUE_X]),
                                                 _int(self.attrs[At.ECC_PUBLIC_VALUE_Y]),
                                                 curve_cls()).public_key()
        if self.type in (T.ECDSA_KEYPAIR, T.ECDH_KEYPAIR):
            return self.ec_private().public_key()
        return self._cached("ec_public", build)

    def ec_private(self) -> ec.EllipticCurvePrivateKey:
        def build() -> ec.EllipticCurvePrivateKey:
            curve_cls = CURVES[self.curve()][0]
            public = ec.EllipticCurvePublicNumbers(_int(self.attrs[At.ECC_PUBLIC_VALUE_X]),
                                                   _int(self.attrs[At.ECC_PUBLIC_VALUE_Y]),
                                                   curve_cls())
            return ec.EllipticCurvePrivateNumbers(_int(self.attrs[At.ECC_PRIVATE_VALUE]),
                                                  public).private_key()
        return self._cached("ec_private", build)

    def ed25519_public(self) -> ed25519.Ed25519PublicKey:
        if self.type == T.ED25519_KEYPAIR:
            return self.ed25519_private().public_key()
        return self._cached("ed25519_public", lambda: ed25519.Ed25519PublicKey.from_public_bytes(
            self.attrs[At.ED25519_PUBLIC_VALUE]))

    def ed25519_private(self) -> ed25519.Ed25519PrivateKey:
        def build() -> ed25519.Ed25519PrivateKey:
            key = ed25519.Ed25519PrivateKey.from_private_bytes(self.attrs[At.ED25519_PRIVATE_VALUE])
            if key.public_key().public_bytes_raw() != self.attrs[At.ED25519_PUBLIC_VALUE]:
                raise ValueError("the public value does not belong to the private value")
            return key
        return self._cached("ed25519_private", build)

    def x25519_public(self) -> x25519.X25519PublicKey:
        if self.type == T.X25519_KEYPAIR:
            return self.x25519_private().public_key()
        return self._cached("x25519_public", lambda: x25519.X25519PublicKey.from_public_bytes(
            self.attrs[At.X25519_PUBLIC_VALUE]))

    def x25519_private(self) -> x25519.X25519PrivateKey:
        def build() -> x25519.X25519PrivateKey:
            key = x25519.X25519PrivateKey.from_private_bytes(self.attrs[At.X25519_PRIVATE_VALUE])
            if key.public_key().public_bytes_raw() != self.attrs[At.X25519_PUBLIC_VALUE]:
                raise ValueError("the public value does not belong to the private value")
            return key
        return self._cached("x25519_private", build)

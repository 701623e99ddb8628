"""A TA that tries to stall or exhaust the single-core secure world through the
crypto and object syscalls (docs/isolation.md, "Crypto and object bounds"): every request whose
work or memory is out of bounds is refused before the kernel starts it, and
what a TA makes the kernel keep is charged to its instance's account.

Refusals are asserted by their GP result (or the panic libutee turns it into),
never by timing. Where the result alone cannot show that the kernel refused
*before* working (a derivation too long for its object was always refused,
after computing it), a tripwire stands in for the ``cryptography`` call the
kernel would make: asked for too much, it records the request and fails at
once instead of computing, so the test sees whether the work was ever started.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tee.abi.gp_crypto import Algorithm as A
from tee.abi.gp_crypto import Attribute, Mode, ObjectType
from tee.abi.results import TeeResult
from board import Board
from tee.kernel.crypto import asymmetric, objects
from tee.kernel.limits import MemoryAccount
from tests.gp.gp_ta import Attr, GpTa, expect_panic

MiB = 1024 * 1024
#: The largest derived key: a 4096-bit generic secret.
LARGEST_SECRET_BITS = 4096


def account_of(ta: GpTa) -> MemoryAccount:
    """The kernel-memory account of the TA instance behind ``ta``'s session."""
    return ta.board.device.kernel.sessions.get(ta.session.id).instance.memory


def tripwire(monkeypatch: pytest.MonkeyPatch, module: Any, name: str,
             too_much: Callable[..., bool], raising: bool = True) -> list[str]:
    """Replace ``module.name`` by a guard: a call for which ``too_much`` holds is
    recorded (its arguments' sizes) and refused (ValueError) instead of run;
    others run the real thing."""
    real = getattr(module, name, None)
    asked: list[str] = []

    def guarded(*args: Any, **kwargs: Any) -> Any:
        if too_much(*args, **kwargs):
            sizes = ", ".join(f"{a.bit_length()}-bit" if isinstance(a, int) else type(a).__name__
                              for a in args)
            asked.append(f"{name}({sizes})")
            raise ValueError(f"tripwire: the kernel started {asked[-1]}")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, guarded, raising=raising)
    return asked


# ------------------------------------------------------------------------ derivations
#: The KDFs TEE_DeriveKey offers with an output length the TA chooses: the
#: ``cryptography`` class the kernel derives with, the key it derives from, and
#: the attack's parameters (a 4 GiB PBKDF2, a 128 MiB Concat KDF, HKDF's most).
KDF_ATTACKS = {
    "PBKDF2": ("PBKDF2HMAC", A.PBKDF2_HMAC_SHA1_DERIVE_KEY, ObjectType.PBKDF2_PASSWORD,
               Attribute.PBKDF2_PASSWORD,
               [Attr.value(Attribute.PBKDF2_DKM_LENGTH, 0xFFFF_FFFF),
                Attr.value(Attribute.PBKDF2_ITERATION_COUNT, 1000)]),
    "Concat KDF": ("ConcatKDFHash", A.CONCAT_KDF_SHA256_DERIVE_KEY, ObjectType.CONCAT_KDF_Z,
                   Attribute.CONCAT_KDF_Z, [Attr.value(Attribute.CONCAT_KDF_DKM_LENGTH, 128 * MiB)]),
    "HKDF": ("HKDF", A.HKDF_SHA512_DERIVE_KEY, ObjectType.HKDF_IKM, Attribute.HKDF_IKM,
             [Attr.value(Attribute.HKDF_OKM_LENGTH, 255 * 64)]),
}


@pytest.mark.parametrize("kdf", list(KDF_ATTACKS))
def test_a_derivation_longer_than_any_object_is_refused_before_deriving(
        gp: GpTa, monkeypatch: pytest.MonkeyPatch, kdf: str) -> None:
    name, algorithm, key_type, attribute, params = KDF_ATTACKS[kdf]
    started = tripwire(monkeypatch, asymmetric, name,
                       lambda _hash, length, *rest: length * 8 > LARGEST_SECRET_BITS)
    op = gp.operation(algorithm, Mode.DERIVE, 64, gp.secret_key(key_type, b"password", attribute))
    res, derived = gp.allocate_transient_object(ObjectType.GENERIC_SECRET, LARGEST_SECRET_BITS)
    assert res == TeeResult.SUCCESS
    expect_panic(gp.derive_key, op, params, derived)
    assert started == []


def test_pbkdf2_iterations_beyond_the_work_bound_are_refused(gp: GpTa) -> None:
    """2**22 iterations of one block (about a second of HMAC-SHA1) is refused;
    the bound (2**21 HMACs) still admits a 1.3-million-iteration 16-byte key."""
    password = Attr.ref(Attribute.PBKDF2_PASSWORD, b"password")
    key = gp.key(ObjectType.PBKDF2_PASSWORD, [password], 64)
    op = gp.operation(A.PBKDF2_HMAC_SHA1_DERIVE_KEY, Mode.DERIVE, 64, key)
    res, derived = gp.allocate_transient_object(ObjectType.GENERIC_SECRET, 256)
    gp.derive_key(op, [Attr.value(Attribute.PBKDF2_DKM_LENGTH, 16),
                       Attr.value(Attribute.PBKDF2_ITERATION_COUNT, 1_300_000)], derived)
    assert gp.object_info(derived)[1].size == 128
    gp.reset_transient_object(derived)
    expect_panic(gp.derive_key, op, [Attr.value(Attribute.PBKDF2_DKM_LENGTH, 20),
                                     Attr.value(Attribute.PBKDF2_ITERATION_COUNT, 1 << 22)],
                 derived)


# ------------------------------------------------------------------------------- RSA
def test_rsa_import_with_a_64_kib_private_exponent_is_refused_without_factoring(
        gp: GpTa, monkeypatch: pytest.MonkeyPatch) -> None:
    """d + k*lambda(n) is as good an exponent as d, and 64 KiB of it made every
    step of recovering p and q a half-million-bit exponentiation."""
    numbers = rsa.generate_private_key(65537, 2048).private_numbers()
    n, e = numbers.public_numbers.n, numbers.public_numbers.e
    phi = (numbers.p - 1) * (numbers.q - 1)
    huge_d = numbers.d + (1 << (64 * 1024 * 8 - 1)) // phi * phi
    assert huge_d.bit_length() > 500_000
    # neither cryptography's factoring (as the kernel used) nor the kernel's own
    # may start on an exponent beyond the modulus
    factoring = [tripwire(monkeypatch, rsa, "rsa_recover_prime_factors",
                          lambda n, e, d: d >= n),
                 tripwire(monkeypatch, objects, "recover_prime_factors",
                          lambda n, e, d: d >= n, raising=False)]
    res, handle = gp.allocate_transient_object(ObjectType.RSA_KEYPAIR, 2048)
    assert res == TeeResult.SUCCESS
    attrs = [Attr.ref(Attribute.RSA_MODULUS, n.to_bytes(256, "big")),
             Attr.ref(Attribute.RSA_PUBLIC_EXPONENT, e.to_bytes(3, "big")),
             Attr.ref(Attribute.RSA_PRIVATE_EXPONENT, huge_d.to_bytes(64 * 1024, "big"))]
    assert gp.populate(handle, attrs) == TeeResult.ERROR_BAD_PARAMETERS
    assert factoring == [[], []]
    assert not gp.object_info(handle)[1].flags & 0x00040000  # TEE_HANDLE_FLAG_INITIALIZED


def test_rsa_factoring_ends_at_once_where_no_base_could_factor() -> None:
    """Moduli whose only square roots of 1 are trivial (a prime, a prime power) and
    exponents that do not belong to the modulus end at the first step, where
    trying bases would fail every time."""
    prime = rsa.generate_private_key(65537, 1024).private_numbers().p
    with pytest.raises(ValueError, match="cannot be factored"):
        objects.recover_prime_factors(prime, 65537, pow(65537, -1, prime - 1))
    # a prime square shares its prime with e*d-1: split at once (and refused later,
    # as p and q must differ for the CRT values)
    square_d = pow(65537, -1, prime * (prime - 1))
    assert objects.recover_prime_factors(prime * prime, 65537, square_d) == (prime, prime)
    numbers = rsa.generate_private_key(65537, 1024).private_numbers()
    with pytest.raises(ValueError, match="do not invert"):
        objects.recover_prime_factors(numbers.public_numbers.n, 65537, numbers.d + 2)
    assert objects.recover_prime_factors(numbers.public_numbers.n, 65537, numbers.d) == \
        (max(numbers.p, numbers.q), min(numbers.p, numbers.q))


# ------------------------------------------------------------------------ kernel memory
def _gcm_operation(gp: GpTa) -> int:
    op = gp.operation(A.AES_GCM, Mode.ENCRYPT, 128, gp.secret_key(ObjectType.AES, bytes(16)))
    assert gp.ae_init(op, bytes(12), 128) == TeeResult.SUCCESS
    return op


def test_gcm_aad_cannot_make_the_kernel_hold_more_than_the_ta_budget(gp_board: Board,
                                                                    gp: GpTa) -> None:
    """16 GCM operations x 32 MiB of AAD once made the kernel keep 512 MiB (a GCM
    operation keeps its input to serve TEE_CopyOperation). Now what is kept is on
    the TA's account: the AAD that would overflow it panics the TA, and while it
    holds all it may, another TA still gets its work done."""
    bystander = GpTa.open(gp_board.context(), gp_board, "bystander")
    try:
        account, chunk = account_of(gp), bytes(MiB)
        kept = peak = 0
        for _ in range(16):
            op = _gcm_operation(gp)
            for _ in range(32):
                if account.in_use + len(chunk) > account.limit or kept + len(chunk) > account.limit:
                    # the attacker holds its whole budget: others are unaffected
                    other = _gcm_operation(bystander)
                    bystander.ae_update_aad(other, chunk)
                    assert bystander.ae_encrypt_final(other, b"")[0] == TeeResult.SUCCESS
                    expect_panic(gp.ae_update_aad, op, chunk)
                    assert peak <= account.limit and account.in_use <= account.limit
                    return
                gp.ae_update_aad(op, chunk)
                kept += len(chunk)
                peak = max(peak, account.in_use)
        pytest.fail(f"the kernel took {kept // MiB} MiB of AAD, over the TA's budget")
    finally:
        bystander.close()


def test_copying_a_gcm_operation_is_charged_too(gp: GpTa) -> None:
    account = account_of(gp)
    op = _gcm_operation(gp)
    gp.ae_update_aad(op, bytes(MiB))
    res, twin = gp.allocate_operation(A.AES_GCM, Mode.ENCRYPT, 128)
    before = account.in_use
    gp.copy_operation(twin, op)
    assert account.in_use - before >= MiB
    gp.free_operation(twin)
    assert account.in_use < before


def test_freeing_gives_back_and_closing_the_session_returns_everything(gp_board: Board) -> None:
    budget = gp_board.device.kernel.memory_budget
    ta = GpTa.open(gp_board.context(), gp_board, "account")
    account = account_of(ta)
    start = account.in_use
    key = ta.secret_key(ObjectType.AES, bytes(16))
    op = ta.operation(A.AES_CCM, Mode.ENCRYPT, 128, key)
    assert ta.ae_init(op, bytes(13), 128, MiB, 16) == TeeResult.SUCCESS
    ta.ae_update_aad(op, bytes(MiB))
    rsa_key = ta.allocate_transient_object(ObjectType.RSA_KEYPAIR, 4096)[1]
    assert account.in_use - start > MiB + 4096 and budget.in_use >= account.in_use
    ta.free_operation(op)
    ta.free_transient_object(key)
    assert account.in_use - start < 8 * 1024  # the RSA object alone
    ta.free_transient_object(rsa_key)
    assert account.in_use == start
    gcm = ta.operation(A.AES_GCM, Mode.ENCRYPT, 128, ta.secret_key(ObjectType.AES, bytes(16)))
    ta.ae_init(gcm, bytes(12), 128)
    ta.ae_update_aad(gcm, bytes(MiB))
    assert account.in_use - start > MiB
    ta.close()
    assert budget.in_use == 0

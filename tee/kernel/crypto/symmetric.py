"""Digest, MAC, cipher and authenticated-encryption engines.

Every engine is a small state machine whose state is plain values (bytes, ints)
or ``cryptography`` contexts that can be copied, so :meth:`clone` serves
TEE_CopyOperation. Partial blocks are buffered here, in the kernel, so a TA may
feed any number of bytes to an update; ``*_size`` methods say how many bytes an
update or final will produce *before* anything changes, so a short output
buffer (TEE_ERROR_SHORT_BUFFER) leaves the operation untouched.

Modes ``cryptography`` lacks as a streaming primitive are composed from its
block primitives: CBC-MAC from CBC, CTS (CBC-CS3, as GP's TEE_ALG_AES_CTS and
RFC 3962) from CBC and ECB, XTS with incremental output from ECB (checked
against ``cryptography``'s one-shot XTS in the tests), CCM's payload from CTR
with its tag from ``AESCCM``.
"""

from __future__ import annotations

import copy
from typing import Self, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import cmac, hashes, hmac
from cryptography.hazmat.primitives.ciphers import (BlockCipherAlgorithm, Cipher, CipherAlgorithm, CipherContext,
                                                    algorithms, modes)
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from tee.abi.gp_crypto import Algorithm as A
from tee.abi.gp_crypto import ObjectType as T
from tee.abi.results import TeeResult
from tee.kernel.crypto import CryptoError, charge
from tee.kernel.crypto.algorithms import HASHES
from tee.kernel.limits import MemoryAccount, unlimited_account

#: Data an AE operation keeps to serve TEE_CopyOperation (GCM) or to compute the
#: tag at the end (CCM: its AAD and its payload each). A CCM message must fit; a
#: longer GCM stream still works but can no longer be copied. What is kept is charged to
#: the TA's kernel-memory account, so a TA holds at most its budget however many
#: operations it runs.
MAX_RETAINED = 32 * 1024 * 1024


def block_cipher(key_type: int, key: bytes) -> BlockCipherAlgorithm:
    """The ``cryptography`` block cipher for a key of TEE_TYPE_AES, _DES or _DES3."""
    if key_type == T.AES:
        return algorithms.AES(key)
    if key_type == T.DES:
        return TripleDES(key * 3)
    if key_type == T.DES3:
        return TripleDES(key + key[:8] if len(key) == 16 else key)
    raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, f"not a block cipher key: {key_type:#x}")


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def _ecb(alg: CipherAlgorithm, data: bytes, encrypt: bool) -> bytes:
    cipher = Cipher(alg, modes.ECB())
    ctx = cipher.encryptor() if encrypt else cipher.decryptor()
    return ctx.update(data) + ctx.finalize()


def _cbc(alg: CipherAlgorithm, iv: bytes, data: bytes, encrypt: bool) -> bytes:
    cipher = Cipher(alg, modes.CBC(iv))
    ctx = cipher.encryptor() if encrypt else cipher.decryptor()
    return ctx.update(data) + ctx.finalize()


# ---------------------------------------------------------------------- digests, MACs
class _ContextEngine:
    """An engine over one `cryptography` context with update/finalize/copy."""

    _ctx: hashes.HashContext | hmac.HMAC | cmac.CMAC

    def update(self, data: bytes) -> None:
        self._ctx.update(data)

    def final(self) -> bytes:
        return self._ctx.finalize()

    def clone(self) -> Self:
        twin = copy.copy(self)
        twin._ctx = self._ctx.copy()
        return twin


class DigestEngine(_ContextEngine):
    def __init__(self, hash_alg: int) -> None:
        self._hash_cls = HASHES[hash_alg]
        self._ctx = hashes.Hash(self._hash_cls())

    @property
    def output_size(self) -> int:
        # An abstract property of HashAlgorithm; the concrete classes make it a class attribute.
        return cast(int, self._hash_cls.digest_size)

    def final(self) -> bytes:
        """The digest; the engine starts over (GP: TEE_DigestDoFinal resets the operation)."""
        digest = self._ctx.finalize()
        self._ctx = hashes.Hash(self._hash_cls())
        return digest


class HmacEngine(_ContextEngine):
    def __init__(self, hash_alg: int, key: bytes) -> None:
        self._hash_cls = HASHES[hash_alg]
        self._ctx = hmac.HMAC(key, self._hash_cls())

    @property
    def output_size(self) -> int:
        # An abstract property of HashAlgorithm; the concrete classes make it a class attribute.
        return cast(int, self._hash_cls.digest_size)


class CmacEngine(_ContextEngine):
    def __init__(self, alg: BlockCipherAlgorithm) -> None:
        self._ctx = cmac.CMAC(alg)
        self.output_size = alg.block_size // 8


class CbcMacEngine:
    """CBC-MAC: the last CBC block, from the IV (zero unless TEE_MACInit gives one).
    NOPAD needs whole blocks; PKCS5 pads the message at the end."""

    def __init__(self, alg: BlockCipherAlgorithm, iv: bytes, pkcs5: bool) -> None:
        self._alg = alg
        self._bs = alg.block_size // 8
        if iv and len(iv) != self._bs:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "CBC-MAC IV must be one block")
        self._cv = iv or bytes(self._bs)
        self._buf = b""
        self._pkcs5 = pkcs5
        self.output_size = self._bs

    def _absorb(self, blocks: bytes) -> None:
        if blocks:
            self._cv = _cbc(self._alg, self._cv, blocks, True)[-self._bs:]

    def update(self, data: bytes) -> None:
        data = self._buf + data
        whole = len(data) // self._bs * self._bs
        self._absorb(data[:whole])
        self._buf = data[whole:]

    def final(self) -> bytes:
        if self._pkcs5:
            pad = self._bs - len(self._buf)
            self._absorb(self._buf + bytes([pad]) * pad)
        elif self._buf:
            raise CryptoError(TeeResult.ERROR_BAD_STATE, "CBC-MAC NOPAD input is not whole blocks")
        self._buf = b""
        return self._cv

    def clone(self) -> "CbcMacEngine":
        return copy.copy(self)


def mac_engine(algorithm: int, key_type: int, key: bytes, hash_alg: int | None,
               iv: bytes) -> HmacEngine | CmacEngine | CbcMacEngine:
    if hash_alg is not None:
        return HmacEngine(hash_alg, key)
    alg = block_cipher(key_type, key)
    if algorithm in (A.AES_CMAC, A.DES3_CMAC):
        return CmacEngine(alg)
    return CbcMacEngine(alg, iv, pkcs5=algorithm in (A.AES_CBC_MAC_PKCS5, A.DES_CBC_MAC_PKCS5,
                                                     A.DES3_CBC_MAC_PKCS5))


# --------------------------------------------------------------------------- ciphers
class BlockEngine:
    """ECB and CBC without padding: whole blocks out of each update, the rest buffered."""

    def __init__(self, alg: BlockCipherAlgorithm, iv: bytes | None, encrypt: bool) -> None:
        self._alg = alg
        self._bs = alg.block_size // 8
        if iv is not None and len(iv) != self._bs:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "CBC IV must be one block")
        self._cv = iv
        self._encrypt = encrypt
        self._buf = b""

    def update_size(self, length: int) -> int:
        return (len(self._buf) + length) // self._bs * self._bs

    def final_size(self, length: int) -> int:
        total = len(self._buf) + length
        if total % self._bs:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "NOPAD input is not whole blocks")
        return total

    def _process(self, blocks: bytes) -> bytes:
        if not blocks:
            return b""
        if self._cv is None:
            return _ecb(self._alg, blocks, self._encrypt)
        out = _cbc(self._alg, self._cv, blocks, self._encrypt)
        self._cv = (out if self._encrypt else blocks)[-self._bs:]
        return out

    def update(self, data: bytes) -> bytes:
        data = self._buf + data
        whole = len(data) // self._bs * self._bs
        self._buf = data[whole:]
        return self._process(data[:whole])

    def final(self, data: bytes) -> bytes:
        self.final_size(len(data))
        return self.update(data)

    def clone(self) -> "BlockEngine":
        return copy.copy(self)


class CtrEngine:
    """CTR: the IV is the whole 128-bit big-endian counter block (as GP and OP-TEE).

    One `cryptography` context carries the keystream from update to update (a
    DRM sample's protected ranges are one stream: one context per sample, not
    one per range); the position is also kept as (counter, offset) so a clone
    starts its own context where this one stands."""

    def __init__(self, alg: CipherAlgorithm, counter_block: bytes) -> None:
        if len(counter_block) != 16:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "CTR IV must be 16 bytes")
        self._alg = alg
        self._counter = int.from_bytes(counter_block, "big")
        self._offset = 0  # bytes of the current counter block's keystream already used
        self._stream: CipherContext | None = None  # at (counter, offset) when set

    def update_size(self, length: int) -> int:
        return length

    final_size = update_size

    def _context(self) -> CipherContext:
        stream = self._stream
        if stream is None:
            stream = Cipher(self._alg, modes.CTR(self._counter.to_bytes(16, "big"))).encryptor()
            if self._offset:
                stream.update(bytes(self._offset))
            self._stream = stream
        return stream

    def _advance(self, length: int) -> None:
        used = self._offset + length
        self._counter = (self._counter + used // 16) % (1 << 128)
        self._offset = used % 16

    def update(self, data: bytes | memoryview) -> bytes:
        if not data:
            return b""
        out = self._context().update(data)
        self._advance(len(data))
        return out

    final = update

    def update_into(self, data: memoryview, out: memoryview) -> None:
        """``update`` written straight into ``out`` (as long as ``data``; may be the
        same memory): no output object, no copy."""
        length = len(data)
        if length <= 16:
            out[:] = self.update(data)
            return
        stream = self._context()
        # cryptography wants 15 bytes of room after the output of update_into:
        # all but the last block go in place, the last block the ordinary way.
        head = length - 16
        stream.update_into(data[:head], out[:head + 15])
        out[head:] = stream.update(data[head:])
        self._advance(length)

    final_into = update_into

    def clone(self) -> "CtrEngine":
        twin = copy.copy(self)
        twin._stream = None  # never share a live keystream
        return twin


def _held_back(total: int) -> int:
    """Bytes a ciphertext-stealing mode may process now, out of ``total`` buffered:
    everything but the last 17..32 bytes, which the final call may need to swap."""
    return (total - 17) // 16 * 16 if total > 32 else 0


class CtsEngine:
    """AES-CBC-CS3 (GP's TEE_ALG_AES_CTS, Kerberos/RFC 3962): CBC, with the last two
    blocks swapped and the final one truncated. A one-block message is plain CBC."""

    def __init__(self, alg: CipherAlgorithm, iv: bytes, encrypt: bool) -> None:
        if len(iv) != 16:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "CTS IV must be 16 bytes")
        self._alg = alg
        self._cv = iv
        self._encrypt = encrypt
        self._buf = b""
        self._started = False  # some blocks already went out

    def update_size(self, length: int) -> int:
        return _held_back(len(self._buf) + length)

    def final_size(self, length: int) -> int:
        total = len(self._buf) + length
        if not self._started and 0 < total < 16:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "CTS needs at least one block")
        return total

    def _cbc_blocks(self, blocks: bytes) -> bytes:
        if not blocks:
            return b""
        self._started = True
        out = _cbc(self._alg, self._cv, blocks, self._encrypt)
        self._cv = (out if self._encrypt else blocks)[-16:]
        return out

    def update(self, data: bytes) -> bytes:
        self._buf += data
        count = _held_back(len(self._buf))
        head, self._buf = self._buf[:count], self._buf[count:]
        return self._cbc_blocks(head)

    def final(self, data: bytes) -> bytes:
        self.final_size(len(data))
        out = self.update(data)
        tail, self._buf = self._buf, b""
        if len(tail) <= 16:
            return out + self._cbc_blocks(tail)
        last = len(tail) - 16
        if self._encrypt:
            padded = tail[:16] + tail[16:] + bytes(16 - last)
            e_prev_and_x = _cbc(self._alg, self._cv, padded, True)
            return out + e_prev_and_x[16:] + e_prev_and_x[:last]
        x, c_last = tail[:16], tail[16:]
        d = _ecb(self._alg, x, False)
        e_prev = c_last + d[last:]
        p_last = _xor(d[:last], c_last)
        p_prev = _xor(_ecb(self._alg, e_prev, False), self._cv)
        return out + p_prev + p_last

    def clone(self) -> "CtsEngine":
        return copy.copy(self)


class XtsEngine:
    """XTS-AES (IEEE 1619) with ciphertext stealing. The tweak is AES-K2(IV); block
    j is processed as E_K1(P xor T_j) xor T_j with T_j = T * alpha^j in GF(2^128)."""

    _MASK = (1 << 128) - 1

    def __init__(self, key1: bytes, key2: bytes, iv: bytes, encrypt: bool) -> None:
        if len(iv) != 16:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "XTS IV (tweak) must be 16 bytes")
        if len(key1) != len(key2):
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "XTS keys differ in size")
        self._alg = algorithms.AES(key1)
        self._tweak = int.from_bytes(_ecb(algorithms.AES(key2), iv, True), "little")
        self._encrypt = encrypt
        self._buf = b""

    def _next_tweaks(self, count: int) -> list[int]:
        tweaks = []
        for _ in range(count):
            tweaks.append(self._tweak)
            carry = self._tweak >> 127
            self._tweak = ((self._tweak << 1) & self._MASK) ^ (0x87 if carry else 0)
        return tweaks

    def _blocks(self, data: bytes, tweaks: list[int], encrypt: bool) -> bytes:
        pad = b"".join(t.to_bytes(16, "little") for t in tweaks)
        return _xor(_ecb(self._alg, _xor(data, pad), encrypt), pad)

    def update_size(self, length: int) -> int:
        return _held_back(len(self._buf) + length)

    def final_size(self, length: int) -> int:
        total = len(self._buf) + length
        if 0 < total < 16:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "XTS needs at least one block")
        return total

    def update(self, data: bytes) -> bytes:
        self._buf += data
        count = _held_back(len(self._buf))
        head, self._buf = self._buf[:count], self._buf[count:]
        return self._blocks(head, self._next_tweaks(count // 16), self._encrypt) if head else b""

    def final(self, data: bytes) -> bytes:
        self.final_size(len(data))
        out = self.update(data)
        tail, self._buf = self._buf, b""
        if len(tail) % 16 == 0:
            return out + (self._blocks(tail, self._next_tweaks(len(tail) // 16), self._encrypt)
                          if tail else b"")
        last = len(tail) - 16
        t_prev, t_last = self._next_tweaks(2)
        if self._encrypt:
            cc = self._blocks(tail[:16], [t_prev], True)
            return out + self._blocks(tail[16:] + cc[last:], [t_last], True) + cc[:last]
        pp = self._blocks(tail[:16], [t_last], False)
        return out + self._blocks(tail[16:] + pp[last:], [t_prev], False) + pp[:last]

    def clone(self) -> "XtsEngine":
        return copy.copy(self)


CipherEngine = BlockEngine | CtrEngine | CtsEngine | XtsEngine


def cipher_engine(algorithm: int, key_type: int, key1: bytes, key2: bytes | None,
                  iv: bytes, encrypt: bool) -> CipherEngine:
    alg = block_cipher(key_type, key1)
    if algorithm in (A.AES_ECB_NOPAD, A.DES_ECB_NOPAD, A.DES3_ECB_NOPAD):
        return BlockEngine(alg, None, encrypt)
    if algorithm in (A.AES_CBC_NOPAD, A.DES_CBC_NOPAD, A.DES3_CBC_NOPAD):
        return BlockEngine(alg, iv, encrypt)
    if algorithm == A.AES_CTR:
        return CtrEngine(alg, iv)
    if algorithm == A.AES_CTS:
        return CtsEngine(alg, iv, encrypt)
    if algorithm == A.AES_XTS:
        assert key2 is not None
        return XtsEngine(key1, key2, iv, encrypt)
    raise CryptoError(TeeResult.ERROR_NOT_SUPPORTED, f"cipher {algorithm:#x}")


# ------------------------------------------------------------- authenticated encryption
class Retained:
    """Input an AE engine keeps, charged to a kernel-memory account before it is kept."""

    __slots__ = ("data", "_memory")

    def __init__(self, memory: MemoryAccount) -> None:
        self.data = bytearray()
        self._memory = memory

    def __len__(self) -> int:
        return len(self.data)

    def append(self, chunk: bytes | bytearray) -> None:
        """Keep ``chunk``; CryptoError(OUT_OF_MEMORY), keeping nothing, when the TA's
        budget has no room for it."""
        charge(self._memory, len(chunk), "AE operation data")
        self.data += chunk

    def copy(self) -> "Retained":
        twin = Retained(self._memory)
        twin.append(self.data)
        return twin

    def release(self) -> None:
        self._memory.release(len(self.data))
        self.data = bytearray()


def _copy_kept(aad: Retained, payload: Retained) -> tuple[Retained, Retained]:
    """Copies of an AE engine's kept AAD and payload, or OUT_OF_MEMORY and no copy."""
    aad_copy = aad.copy()
    try:
        return aad_copy, payload.copy()
    except CryptoError:
        aad_copy.release()
        raise


class GcmEngine:
    #: GP: 128, 120, 112, 104 or 96 bits.
    TAG_SIZES = frozenset({12, 13, 14, 15, 16})

    def __init__(self, key: bytes, nonce: bytes, tag_len: int, encrypt: bool,
                 memory: MemoryAccount | None = None) -> None:
        if tag_len not in self.TAG_SIZES:
            raise CryptoError(TeeResult.ERROR_NOT_SUPPORTED, f"GCM tag of {tag_len} bytes")
        if not 8 <= len(nonce) <= 128:
            # cryptography (OpenSSL) takes GCM IVs of 8 to 128 bytes only
            raise CryptoError(TeeResult.ERROR_NOT_SUPPORTED, f"GCM nonce of {len(nonce)} bytes")
        self._key, self._nonce, self.tag_len, self._encrypt = key, nonce, tag_len, encrypt
        self._ctx = self._new_context()
        memory = memory or unlimited_account()
        # What went in so far, replayed by clone; None once too long to keep.
        self._record: tuple[Retained, Retained] | None = (Retained(memory), Retained(memory))
        self._payload_started = False

    def _new_context(self):  # noqa: ANN202
        cipher = Cipher(algorithms.AES(self._key), modes.GCM(self._nonce, min_tag_length=12))
        return cipher.encryptor() if self._encrypt else cipher.decryptor()

    def _keep(self, is_aad: bool, data: bytes) -> None:
        if self._record is None:
            return
        aad, payload = self._record
        if len(aad) + len(payload) + len(data) > MAX_RETAINED:
            self.release()
        else:
            (aad if is_aad else payload).append(data)

    def release(self) -> None:
        """Give back what the record holds: the stream goes on but cannot be copied."""
        if self._record is not None:
            for kept in self._record:
                kept.release()
            self._record = None

    def update_aad(self, data: bytes) -> None:
        if self._payload_started:
            raise CryptoError(TeeResult.ERROR_BAD_STATE, "AAD after payload")
        self._keep(True, data)
        self._ctx.authenticate_additional_data(data)

    def update_size(self, length: int) -> int:
        return length

    def update(self, data: bytes, keep: bool = True) -> bytes:
        if not data:
            return b""  # an empty update does not end the AAD (as libutee sees it)
        self._payload_started = True
        if keep:
            self._keep(False, data)
        return self._ctx.update(data)

    def encrypt_final(self, data: bytes) -> tuple[bytes, bytes]:
        # the last data ends the message: nothing left to copy, nothing to keep
        out = self.update(data, keep=False) + self._ctx.finalize()
        return out, self._ctx.tag[:self.tag_len]

    def decrypt_final(self, data: bytes, tag: bytes) -> bytes:
        out = self.update(data, keep=False)
        if len(tag) != self.tag_len:
            raise CryptoError(TeeResult.ERROR_MAC_INVALID, "tag length differs from AEInit's")
        try:
            return out + self._ctx.finalize_with_tag(tag)
        except InvalidTag:
            raise CryptoError(TeeResult.ERROR_MAC_INVALID, "GCM tag mismatch") from None

    def clone(self) -> "GcmEngine":
        if self._record is None:
            raise CryptoError(TeeResult.ERROR_BAD_STATE, "GCM stream too long to copy")
        aad, payload = _copy_kept(*self._record)
        twin = copy.copy(self)
        twin._ctx = twin._new_context()
        twin._record = (aad, payload)
        if aad:
            twin._ctx.authenticate_additional_data(aad.data)
        if payload:
            twin._ctx.update(payload.data)
        return twin


class CcmEngine:
    """CCM (RFC 3610 / SP 800-38C): the payload streams through CTR from counter
    block A_1; the tag comes from ``AESCCM`` over the whole message at the end."""

    TAG_SIZES = frozenset({4, 6, 8, 10, 12, 14, 16})

    def __init__(self, key: bytes, nonce: bytes, tag_len: int, aad_len: int, payload_len: int,
                 encrypt: bool, memory: MemoryAccount | None = None) -> None:
        if tag_len not in self.TAG_SIZES:
            raise CryptoError(TeeResult.ERROR_NOT_SUPPORTED, f"CCM tag of {tag_len} bytes")
        if not 7 <= len(nonce) <= 13:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, f"CCM nonce of {len(nonce)} bytes")
        length_size = 15 - len(nonce)
        if payload_len >= 1 << (8 * length_size) or payload_len > MAX_RETAINED \
                or aad_len > MAX_RETAINED:
            raise CryptoError(TeeResult.ERROR_NOT_SUPPORTED, "CCM message too long")
        self._key, self._nonce, self.tag_len, self._encrypt = key, nonce, tag_len, encrypt
        self._aad_len, self._payload_len = aad_len, payload_len
        counter_1 = bytes([length_size - 1]) + nonce + (1).to_bytes(length_size, "big")
        self._ctr = CtrEngine(algorithms.AES(key), counter_1)
        memory = memory or unlimited_account()
        self._aad = Retained(memory)
        self._data = Retained(memory)  # plaintext when encrypting, ciphertext when decrypting

    def update_aad(self, data: bytes) -> None:
        if self._data:
            raise CryptoError(TeeResult.ERROR_BAD_STATE, "AAD after payload")
        if len(self._aad) + len(data) > self._aad_len:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "more AAD than AEInit announced")
        self._aad.append(data)

    def update_size(self, length: int) -> int:
        return length

    def update(self, data: bytes) -> bytes:
        if len(self._data) + len(data) > self._payload_len:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "more payload than AEInit announced")
        if data and len(self._aad) != self._aad_len:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "less AAD than AEInit announced")
        self._data.append(data)
        return self._ctr.update(data)

    def _check_complete(self) -> None:
        if len(self._aad) != self._aad_len or len(self._data) != self._payload_len:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS,
                              "AAD or payload length differs from AEInit's")

    def encrypt_final(self, data: bytes) -> tuple[bytes, bytes]:
        out = self.update(data)
        self._check_complete()
        sealed = AESCCM(self._key, self.tag_len).encrypt(self._nonce, self._data.data,
                                                         self._aad.data or None)
        return out, sealed[-self.tag_len:]

    def decrypt_final(self, data: bytes, tag: bytes) -> bytes:
        out = self.update(data)
        self._check_complete()
        if len(tag) != self.tag_len:
            raise CryptoError(TeeResult.ERROR_MAC_INVALID, "tag length differs from AEInit's")
        try:
            AESCCM(self._key, self.tag_len).decrypt(self._nonce, self._data.data + tag,
                                                    self._aad.data or None)
        except InvalidTag:
            raise CryptoError(TeeResult.ERROR_MAC_INVALID, "CCM tag mismatch") from None
        return out

    def release(self) -> None:
        """Give back the kept message (the operation is finished or freed)."""
        self._aad.release()
        self._data.release()

    def clone(self) -> "CcmEngine":
        kept = _copy_kept(self._aad, self._data)
        twin = copy.copy(self)
        twin._ctr = self._ctr.clone()
        twin._aad, twin._data = kept
        return twin


AeEngine = GcmEngine | CcmEngine


def ae_engine(algorithm: int, key: bytes, nonce: bytes, tag_len: int, aad_len: int,
              payload_len: int, encrypt: bool, memory: MemoryAccount | None = None) -> AeEngine:
    """An AE engine whose kept input is charged to ``memory`` (the TA's account)."""
    if algorithm == A.AES_GCM:
        return GcmEngine(key, nonce, tag_len, encrypt, memory)
    if algorithm == A.AES_CCM:
        return CcmEngine(key, nonce, tag_len, aad_len, payload_len, encrypt, memory)
    raise CryptoError(TeeResult.ERROR_NOT_SUPPORTED, f"AE algorithm {algorithm:#x}")

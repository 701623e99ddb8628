"""A CENC packager (ISO/IEC 23001-7) with ``cryptography``: encrypts samples with
``cenc`` (AES-CTR, one keystream over a sample's protected ranges, only the low 64
bits of the counter counting) or ``cbcs`` (AES-CBC from the constant IV at each
protected range, a crypt:skip block pattern, a trailing partial block clear),
giving the ciphertext, IV and subsample map a player hands to the CDM."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tee.abi.drm import Scheme, Subsample, full_iv

BLOCK = 16
_LOW_HALF = 1 << 64


@dataclass(frozen=True)
class EncryptedSample:
    data: bytes
    scheme: Scheme
    iv: bytes
    subsamples: tuple[Subsample, ...]
    pattern: tuple[int, int] = (0, 0)


def protected_ranges(subsamples: tuple[Subsample, ...], size: int) -> list[tuple[int, int]]:
    """(offset, length) of each protected range; no map: the whole sample."""
    if not subsamples:
        return [(0, size)]
    if sum(s.clear + s.protected for s in subsamples) != size:
        raise ValueError("the subsample map does not add up to the sample size")
    ranges, offset = [], 0
    for s in subsamples:
        ranges.append((offset + s.clear, s.protected))
        offset += s.clear + s.protected
    return ranges


def cenc_keystream_xor(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-CTR from counter block ``iv``, the low 64 bits wrapping on their own: the
    stream is cut where they wrap and restarted with the high half kept."""
    counter = full_iv(iv)
    high, low = counter[:8], int.from_bytes(counter[8:], "big")
    out = bytearray()
    while data:
        blocks_left = _LOW_HALF - low
        take = min(len(data), blocks_left * BLOCK)
        encryptor = Cipher(algorithms.AES(key), modes.CTR(high + low.to_bytes(8, "big"))).encryptor()
        out += encryptor.update(data[:take]) + encryptor.finalize()
        data = data[take:]
        low = 0
    return bytes(out)


def encrypt_cenc(key: bytes, iv: bytes, sample: bytes,
                 subsamples: tuple[Subsample, ...] = ()) -> EncryptedSample:
    ranges = protected_ranges(subsamples, len(sample))
    joined = b"".join(sample[at:at + n] for at, n in ranges)
    encrypted = cenc_keystream_xor(key, iv, joined)
    out, used = bytearray(sample), 0
    for at, n in ranges:
        out[at:at + n] = encrypted[used:used + n]
        used += n
    return EncryptedSample(bytes(out), Scheme.CENC, iv, subsamples)


def encrypt_cbcs(key: bytes, iv: bytes, sample: bytes, subsamples: tuple[Subsample, ...] = (),
                 pattern: tuple[int, int] = (1, 9)) -> EncryptedSample:
    crypt, skip = pattern
    out = bytearray(sample)
    for at, n in protected_ranges(subsamples, len(sample)):
        whole = n // BLOCK * BLOCK
        step = crypt * BLOCK if crypt else whole
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        pos = 0
        while pos < whole:
            take = min(step, whole - pos)
            out[at + pos:at + pos + take] = encryptor.update(bytes(out[at + pos:at + pos + take]))
            pos += take + skip * BLOCK
    return EncryptedSample(bytes(out), Scheme.CBCS, iv, subsamples, pattern)


def video_like_map(size: int, clear_header: int = 32, chunk: int = 4096) -> tuple[Subsample, ...]:
    """A map like a video sample's: NAL-ish chunks with a clear header each."""
    subsamples, left = [], size
    while left:
        part = min(chunk, left)
        clear = min(clear_header, part)
        subsamples.append(Subsample(clear, part - clear))
        left -= part
    return tuple(subsamples)

"""A content decryption module (CDM) over the DRM TA, shaped like Widevine's
OEMCrypto calls: provision / device info, open a session, nonce, license request,
load the license, select a key, decrypt a sample.

Content keys, session keys and the device private key stay in the TA; what this
client sees is the device's public key, signed requests, encrypted licenses and,
for keys that allow it (L3), plaintext. A key whose control block demands the
secure data path decrypts only into a secure buffer: pass a
:class:`~normal_world.client.SecureMemref` over a secure media buffer
(``Context.allocate_secure_buffer``) as ``output`` and ask for the digest; the
frame then goes to the board's secure video sink, never through the normal world. Only the GlobalPlatform
Client API is used; the commands are ``trusted_apps/drm/include/drm_ta.h``.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey, RSAPublicNumbers

from normal_world.client import (Context, Operation, RegisteredMemref, SecureMemref, Session, TempMemref,
                                 TeeError, Value)
from tee.abi.drm import (DEVICE_ID_SIZE, DIGEST_SIZE, DRM_TA_UUID, KEY_ID_SIZE,
                         RSA_MODULUS_SIZE, BatchSample, DecryptDescriptor, DeviceInfo, DrmCmd,
                         DrmError, Scheme, Subsample, WrapMode, encode_batch, full_iv)

#: The largest signed request the TA builds (header, content id, key ids, signature).
MAX_REQUEST_SIZE = 44 + 256 + 16 * 16 + RSA_MODULUS_SIZE

Memref = TempMemref | RegisteredMemref | SecureMemref


def drm_error(error: TeeError) -> DrmError | None:
    """The TA's DRM refusal a TeeError carries, if it is one."""
    return DrmError(error.result) if error.result in DrmError._value2member_map_ else None


_AFTER_INTEGRITY_CHECK = (DrmError.BAD_KEY_SIZE, DrmError.DUPLICATE_KEY_ID, DrmError.TOO_MANY_KEYS)


class UnwrapError(TeeError):
    """A refused DRM_CMD_UNWRAP_KEY; ``check_value`` is SHA-256 of the unwrapped key
    data when the integrity check had passed (e.g. a key of the wrong size)."""

    def __init__(self, error: TeeError, check_value: bytes | None) -> None:
        super().__init__(int(error.result), int(error.origin), "unwrap refused", error.reason)
        self.check_value = check_value


def public_key(info: DeviceInfo) -> RSAPublicKey:
    return RSAPublicNumbers(info.exponent, int.from_bytes(info.modulus, "big")).public_key()


@dataclass(frozen=True)
class Decrypted:
    """A decrypted sample: ``plaintext`` when it came back in a buffer this client
    made (None when the caller gave the output memref), ``digest`` when asked for."""

    plaintext: bytes | None
    digest: bytes | None


class DrmSession:
    """One DRM session in the TA (up to four per CDM)."""

    def __init__(self, tee_session: Session, session_id: int) -> None:
        self._tee = tee_session
        self.id = session_id

    def generate_nonce(self) -> int:
        nonce = Value.output()
        self._tee.invoke(DrmCmd.GENERATE_NONCE, Operation(Value.input(self.id), nonce))
        return nonce.a

    def build_request(self, nonce: int, content_id: bytes, key_ids: list[bytes]) -> bytes:
        """The signed license request (tee.abi.drm.LicenseRequest) for a nonce of this session."""
        request = TempMemref.output(MAX_REQUEST_SIZE)
        self._tee.invoke(DrmCmd.BUILD_REQUEST, Operation(
            Value.input(self.id, nonce), TempMemref.input(content_id),
            TempMemref.input(b"".join(key_ids)), request))
        return request.data

    def load_license(self, license_response: bytes) -> None:
        self._tee.invoke(DrmCmd.LOAD_LICENSE, Operation(
            Value.input(self.id), TempMemref.input(license_response)))

    def load_clearkey(self, jwk_set: bytes) -> None:
        self._tee.invoke(DrmCmd.LOAD_CLEARKEY, Operation(Value.input(self.id), TempMemref.input(jwk_set)))

    def load_kek(self, wrapped_kek: bytes) -> None:
        """A key-encryption key, RSA-OAEP(SHA-256)-wrapped under the device key."""
        self._tee.invoke(DrmCmd.LOAD_KEK, Operation(Value.input(self.id), TempMemref.input(wrapped_kek)))

    def unwrap_key(self, mode: WrapMode, key_id: bytes, wrapped: bytes) -> bytes:
        """Install a KW/KWP-wrapped content key; returns SHA-256 of the unwrapped key
        data (a refusal raises :class:`UnwrapError`)."""
        check = TempMemref.output(DIGEST_SIZE)
        try:
            self._tee.invoke(DrmCmd.UNWRAP_KEY, Operation(
                Value.input(self.id, mode), TempMemref.input(key_id), TempMemref.input(wrapped), check))
        except TeeError as error:
            # The TA writes the check value once the integrity check passed: these
            # refusals come after it (drm_ta.h, DRM_CMD_UNWRAP_KEY).
            checked = drm_error(error) in _AFTER_INTEGRITY_CHECK
            raise UnwrapError(error, check.data if checked else None) from None
        return check.data

    def select_key(self, key_id: bytes) -> None:
        if len(key_id) != KEY_ID_SIZE:
            raise ValueError(f"a key id is {KEY_ID_SIZE} bytes, not {len(key_id)}")
        self._tee.invoke(DrmCmd.SELECT_KEY, Operation(Value.input(self.id), TempMemref.input(key_id)))

    def decrypt(self, sample: bytes | Memref, *, scheme: Scheme, iv: bytes,
                subsamples: tuple[Subsample, ...] | list[Subsample] = (),
                pattern: tuple[int, int] = (0, 0), output: Memref | None = None,
                digest: bool = False) -> Decrypted:
        """Decrypt one sample with the selected key. ``sample`` is bytes or a memref
        (registered shared memory passes large samples without copies); ``output``
        a memref to decrypt into (a secure buffer for secure-path keys), else a new
        buffer whose plaintext is returned."""
        source = sample if isinstance(sample, (TempMemref, RegisteredMemref, SecureMemref)) \
            else TempMemref.input(sample)
        target = output if output is not None else TempMemref.output(source.size)
        descriptor = DecryptDescriptor(self.id, scheme, full_iv(iv), tuple(subsamples),
                                       pattern[0], pattern[1])
        hashed = TempMemref.output(DIGEST_SIZE) if digest else None
        self._tee.invoke(DrmCmd.DECRYPT, Operation(TempMemref.input(descriptor.to_bytes()), source,
                                                   target, hashed))
        plaintext = target.data if output is None and isinstance(target, TempMemref) else None
        return Decrypted(plaintext, hashed.data if hashed is not None else None)

    def batch_sample(self, input_offset: int, size: int, output_offset: int, *, scheme: Scheme,
                     iv: bytes, subsamples: tuple[Subsample, ...] | list[Subsample] = (),
                     pattern: tuple[int, int] = (0, 0)) -> BatchSample:
        """One sample of :meth:`decrypt_batch`, decrypted with this session's selected key."""
        return BatchSample(input_offset, size, output_offset,
                           DecryptDescriptor(self.id, scheme, full_iv(iv), tuple(subsamples),
                                             pattern[0], pattern[1]))

    def decrypt_batch(self, source: Memref, output: Memref,
                      samples: list[BatchSample] | tuple[BatchSample, ...]) -> None:
        """Decrypt several samples (each from :meth:`batch_sample`, of this or another
        DRM session of the same CDM) in one call: the samples lie in ``source`` at
        their input offsets, their plaintexts go to ``output`` at their output
        offsets. Every sample is checked before any is decrypted."""
        self._tee.invoke(DrmCmd.DECRYPT_BATCH, Operation(TempMemref.input(encode_batch(samples)),
                                                         source, output))

    def close(self) -> None:
        self._tee.invoke(DrmCmd.CLOSE_SESSION, Operation(Value.input(self.id)))


class Cdm:
    """The CDM: one GP session to the DRM TA, any number of DRM sessions on it (the
    TA bounds them)."""

    def __init__(self, context: Context) -> None:
        self._session: Session = context.open_session(DRM_TA_UUID)

    def device_info(self) -> DeviceInfo:
        """The device id and RSA public key (the key is made on the first call ever)."""
        device_id = TempMemref.output(DEVICE_ID_SIZE)
        modulus = TempMemref.output(RSA_MODULUS_SIZE)
        exponent = Value.output()
        self._session.invoke(DrmCmd.GET_DEVICE_INFO, Operation(device_id, modulus, exponent))
        return DeviceInfo(device_id.data, modulus.data, exponent.a)

    def open_session(self) -> DrmSession:
        session_id = Value.output()
        self._session.invoke(DrmCmd.OPEN_SESSION, Operation(session_id))
        return DrmSession(self._session, session_id.a)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> "Cdm":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


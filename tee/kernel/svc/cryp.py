"""Cryptographic operation syscalls: CRYP_STATE_*, HASH_*, CIPHER_*, AUTHENC_*,
ASYMM_*, CRYP_DERIVE_KEY (OP-TEE's numbers and argument lists).

A cryp state is the kernel half of a TEE_OperationHandle: algorithm, mode, the
key objects libutee allocated for it (owned by the state from then on) and the
engine of the current init. libutee keeps GP's operation state and flags and
panics on misuse; the kernel checks again and answers misuse with OP-TEE's
codes (BAD_STATE for an update without init, BAD_PARAMETERS for a wrong
handle, key, mode or input). Output sizes are checked before anything changes,
so TEE_ERROR_SHORT_BUFFER leaves the operation as it was. States, and what AE
engines keep, are charged to the instance's kernel-memory account
(TEE_ERROR_OUT_OF_MEMORY when it has no room; libutee panics where GP allows
no error), and derivations are bounded before they start.
"""

from __future__ import annotations

from tee.abi.gp_crypto import Algorithm as A
from tee.abi.gp_crypto import Mode, OperationClass as C
from tee.abi.registers import U32_MASK
from tee.abi.results import TeeResult
from tee.abi.syscalls import MAX_SUBSAMPLE_ENTRIES, SUBSAMPLE_ENTRY, Syscall
from tee.emu import Perm
from tee.kernel.crypto import CryptoError
from tee.kernel.crypto.algorithms import ALGORITHMS
from tee.kernel.crypto.asymmetric import (asymmetric_output_size, derive, rsa_decrypt,
                                          rsa_encrypt, sign, verify)
from tee.kernel.crypto.context import CrypState
from tee.kernel.crypto.objects import SECRET_TYPES, CryptoObject
from tee.kernel.crypto.symmetric import CtrEngine, DigestEngine, ae_engine, cipher_engine, mac_engine
from tee.kernel.svc.objects import (crypto, crypto_handler, put_output, read_attributes,
                                    read_input, read_u64, require_writable,
                                    write_u32, write_u64)
from tee.kernel.syscalls import SyscallContext, syscall


def _bad(reason: str) -> CryptoError:
    return CryptoError(TeeResult.ERROR_BAD_PARAMETERS, reason)


def _state(ctx: SyscallContext, handle: int, *classes: C) -> CrypState:
    state = crypto(ctx).state(handle)
    if classes and state.info.op_class not in classes:
        raise CryptoError(TeeResult.ERROR_BAD_STATE, "operation of another class")
    return state


def _initialized(ctx: SyscallContext, handle: int, *classes: C) -> CrypState:
    state = _state(ctx, handle, *classes)
    if not state.initialized or state.engine is None:
        raise CryptoError(TeeResult.ERROR_BAD_STATE, "operation not initialized")
    return state


def _key(ctx: SyscallContext, handle: int) -> CryptoObject:
    key = crypto(ctx).object(handle)
    if not key.initialized:
        raise _bad("operation key not set")
    return key


# ------------------------------------------------------------------------ states
@syscall(Syscall.CRYP_STATE_ALLOC)
@crypto_handler
def sys_state_alloc(ctx: SyscallContext, algorithm: int, mode: int, key1: int, key2: int,
                    state_va: int) -> int:
    info = ALGORITHMS.get(algorithm & U32_MASK)
    if info is None or mode not in info.modes:
        return TeeResult.ERROR_NOT_SUPPORTED
    mode = Mode(mode)
    wants_key = info.op_class is not C.DIGEST
    if (bool(key1) != wants_key) or (bool(key2) != info.two_keys) or (key1 and key1 == key2):
        return TeeResult.ERROR_BAD_PARAMETERS
    objects = crypto(ctx)
    keys = [objects.object(k) for k in (key1, key2) if k]
    for key in keys:
        if key.busy or key.type not in info.allowed_key_types(mode):
            return TeeResult.ERROR_BAD_PARAMETERS
    require_writable(ctx, state_va, 4)
    handle = objects.add_state(CrypState(info, mode, key1, key2))
    for key in keys:
        key.busy = True
    write_u32(ctx, state_va, handle)
    return TeeResult.SUCCESS


@syscall(Syscall.CRYP_STATE_COPY)
@crypto_handler
def sys_state_copy(ctx: SyscallContext, dst: int, src: int) -> int:
    target, source = _state(ctx, dst), _state(ctx, src)
    if target.info is not source.info or target.mode != source.mode:
        return TeeResult.ERROR_BAD_PARAMETERS
    target.set_engine(source.engine.clone() if source.engine is not None else None)
    target.initialized = source.initialized
    return TeeResult.SUCCESS


@syscall(Syscall.CRYP_STATE_FREE)
@crypto_handler
def sys_state_free(ctx: SyscallContext, state: int) -> int:
    _state(ctx, state)
    crypto(ctx).free_state(state)
    return TeeResult.SUCCESS


# ------------------------------------------------------------------ digests and MACs
@syscall(Syscall.HASH_INIT)
@crypto_handler
def sys_hash_init(ctx: SyscallContext, handle: int, iv: int, iv_len: int) -> int:
    state = _state(ctx, handle)
    if state.info.op_class is C.DIGEST:
        state.set_engine(DigestEngine(state.info.algorithm))
    elif state.info.op_class is C.MAC:
        key = _key(ctx, state.key1)
        state.set_engine(mac_engine(state.info.algorithm, key.type, key.secret(), state.info.hash,
                                    read_input(ctx, iv, iv_len)))
    else:
        return TeeResult.ERROR_BAD_PARAMETERS
    state.initialized = True
    return TeeResult.SUCCESS


@syscall(Syscall.HASH_UPDATE)
@crypto_handler
def sys_hash_update(ctx: SyscallContext, handle: int, chunk: int, size: int) -> int:
    data = read_input(ctx, chunk, size)
    if not data:
        return TeeResult.SUCCESS
    _initialized(ctx, handle, C.DIGEST, C.MAC).engine.update(data)
    return TeeResult.SUCCESS


@syscall(Syscall.HASH_FINAL)
@crypto_handler
def sys_hash_final(ctx: SyscallContext, handle: int, chunk: int, size: int, out: int,
                   out_len_va: int) -> int:
    data = read_input(ctx, chunk, size)
    state = _initialized(ctx, handle, C.DIGEST, C.MAC)
    needed = state.engine.output_size
    capacity = read_u64(ctx, out_len_va)
    if capacity < needed:
        write_u64(ctx, out_len_va, needed)
        return TeeResult.ERROR_SHORT_BUFFER
    require_writable(ctx, out, needed)
    if data:
        state.engine.update(data)
    if state.info.op_class is C.MAC:
        state.initialized = False  # a MAC needs a new TEE_MACInit; a digest starts over
    return put_output(ctx, out, out_len_va, state.engine.final())


# ------------------------------------------------------------------------ ciphers
@syscall(Syscall.CIPHER_INIT)
@crypto_handler
def sys_cipher_init(ctx: SyscallContext, handle: int, iv: int, iv_len: int) -> int:
    state = _state(ctx, handle, C.CIPHER)
    key1 = _key(ctx, state.key1)
    key2 = _key(ctx, state.key2).secret() if state.info.two_keys else None
    state.set_engine(cipher_engine(state.info.algorithm, key1.type, key1.secret(), key2,
                                   read_input(ctx, iv, iv_len), state.mode is Mode.ENCRYPT))
    state.initialized = True
    return TeeResult.SUCCESS


def _cipher_step(ctx: SyscallContext, handle: int, src: int, size: int, dst: int,
                 dst_len_va: int, final: bool) -> int:
    state = _initialized(ctx, handle, C.CIPHER)
    if src == 0 and size:
        raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, "NULL buffer with a size")
    # The input is checked first, as it always was; its host view (None: not in
    # host memory) comes with the check.
    source = ctx.user.view(src, size, Perm.READ)
    engine = state.engine
    needed = engine.final_size(size) if final else engine.update_size(size)
    capacity = read_u64(ctx, dst_len_va) if dst_len_va else 0
    if capacity < needed:
        if dst_len_va:
            write_u64(ctx, dst_len_va, needed)
        return TeeResult.ERROR_SHORT_BUFFER
    target = ctx.user.view(dst, needed, Perm.WRITE)
    if needed == size and _stream_in_place(engine, source, target, src, dst, final):
        written = size
    else:
        data = read_input(ctx, src, size)
        out = engine.final(data) if final else engine.update(data)
        ctx.user.copy_to_user(dst, out)
        written = len(out)
    if final:
        state.initialized = False
    if dst_len_va:
        write_u64(ctx, dst_len_va, written)
    return TeeResult.SUCCESS


def _stream_in_place(engine: object, source: memoryview | None, target: memoryview | None,
                     src: int, dst: int, final: bool) -> bool:
    """A stream cipher (CTR) over host-backed TA memory runs from the TA's pages
    into the TA's pages: no copy of a possibly megabyte-long input or output.
    False (nothing done) when the engine, the memory or an overlap rules it out.
    ``source`` and ``target`` are the checked host views of [src, +size) and
    [dst, +size)."""
    if source is None or target is None or not len(source):
        return False
    size = len(source)
    into = getattr(engine, "final_into" if final else "update_into", None)
    if into is None or (src != dst and src < dst + size and dst < src + size):
        return False  # partly overlapping buffers: the copying path is exact
    into(source, target)
    return True


@syscall(Syscall.CIPHER_UPDATE)
@crypto_handler
def sys_cipher_update(ctx: SyscallContext, handle: int, src: int, size: int, dst: int,
                      dst_len_va: int) -> int:
    return _cipher_step(ctx, handle, src, size, dst, dst_len_va, final=False)


@syscall(Syscall.CIPHER_FINAL)
@crypto_handler
def sys_cipher_final(ctx: SyscallContext, handle: int, src: int, size: int, dst: int,
                     dst_len_va: int) -> int:
    return _cipher_step(ctx, handle, src, size, dst, dst_len_va, final=True)


@syscall(Syscall.CIPHER_SUBSAMPLES)
@crypto_handler
def sys_cipher_subsamples(ctx: SyscallContext, handle: int, iv: int, iv_len: int, src: int, dst: int,
                          size: int, map_va: int, count: int) -> int:
    """teesim extension: one ISO/IEC 23001-7 ``cenc`` sample in one call. The CTR
    operation is (re)initialised with ``iv`` (as CIPHER_INIT), then ``size`` bytes
    go from ``src`` to ``dst`` through a map of ``count`` (clear, protected)
    entries at ``map_va``: each clear range copied as it is, each protected range
    through the keystream, which runs on across the ranges. What a TA would do
    with TEE_CipherInit, then a memmove and a TEE_CipherUpdate per entry. The map
    must cover ``size`` exactly; ``src == dst`` works in place. Everything is
    checked before the operation or a byte of output changes."""
    state = _state(ctx, handle, C.CIPHER)
    if state.info.algorithm != A.AES_CTR:
        raise _bad("subsample decryption needs AES-CTR")
    if count > MAX_SUBSAMPLE_ENTRIES:
        raise _bad(f"{count} subsample entries (at most {MAX_SUBSAMPLE_ENTRIES})")
    if (src == 0 or dst == 0) and size:
        raise _bad("NULL buffer with a size")
    ranges = list(SUBSAMPLE_ENTRY.iter_unpack(read_input(ctx, map_va, count * SUBSAMPLE_ENTRY.size)))
    if sum(clear + protected for clear, protected in ranges) != size:
        raise _bad("the subsample map does not cover the buffer exactly")
    source = ctx.user.view(src, size, Perm.READ)
    target = ctx.user.view(dst, size, Perm.WRITE)
    key = _key(ctx, state.key1)
    engine = cipher_engine(state.info.algorithm, key.type, key.secret(), None,
                           read_input(ctx, iv, iv_len), state.mode is Mode.ENCRYPT)
    assert isinstance(engine, CtrEngine)
    state.set_engine(engine)
    state.initialized = True
    if source is None or target is None or (src != dst and src < dst + size and dst < src + size):
        # Not host memory, or partly overlapping buffers: through a copy, exactly.
        source = memoryview(read_input(ctx, src, size))
        out = bytearray(size)
        _through_subsamples(engine, source, memoryview(out), ranges)
        ctx.user.copy_to_user(dst, out)
    else:
        _through_subsamples(engine, source, target, ranges)
    return TeeResult.SUCCESS


def _through_subsamples(engine: CtrEngine, source: memoryview, target: memoryview,
                        ranges: list[tuple[int, int]]) -> None:
    offset = 0
    for clear, protected in ranges:
        if clear:
            target[offset:offset + clear] = source[offset:offset + clear]
            offset += clear
        if protected:
            end = offset + protected
            engine.update_into(source[offset:end], target[offset:end])
            offset = end


# ------------------------------------------------------------- authenticated encryption
@syscall(Syscall.AUTHENC_INIT)
@crypto_handler
def sys_authenc_init(ctx: SyscallContext, handle: int, nonce: int, nonce_len: int, tag_len: int,
                     aad_len: int, payload_len: int) -> int:
    state = _state(ctx, handle, C.AE)
    key = _key(ctx, state.key1)
    state.set_engine(ae_engine(state.info.algorithm, key.secret(), read_input(ctx, nonce, nonce_len),
                               tag_len, aad_len, payload_len, state.mode is Mode.ENCRYPT,
                               crypto(ctx).memory))
    state.initialized = True
    return TeeResult.SUCCESS


@syscall(Syscall.AUTHENC_UPDATE_AAD)
@crypto_handler
def sys_authenc_update_aad(ctx: SyscallContext, handle: int, aad: int, size: int) -> int:
    data = read_input(ctx, aad, size)
    _initialized(ctx, handle, C.AE).engine.update_aad(data)
    return TeeResult.SUCCESS


@syscall(Syscall.AUTHENC_UPDATE_PAYLOAD)
@crypto_handler
def sys_authenc_update_payload(ctx: SyscallContext, handle: int, src: int, size: int, dst: int,
                               dst_len_va: int) -> int:
    state = _initialized(ctx, handle, C.AE)
    data = read_input(ctx, src, size)
    capacity = read_u64(ctx, dst_len_va)
    if capacity < len(data):
        write_u64(ctx, dst_len_va, len(data))
        return TeeResult.ERROR_SHORT_BUFFER
    require_writable(ctx, dst, len(data))
    out = state.engine.update(data)
    ctx.user.copy_to_user(dst, out)
    write_u64(ctx, dst_len_va, len(out))
    return TeeResult.SUCCESS


@syscall(Syscall.AUTHENC_ENC_FINAL)
@crypto_handler
def sys_authenc_enc_final(ctx: SyscallContext, handle: int, src: int, size: int, dst: int,
                          dst_len_va: int, tag: int, tag_len_va: int) -> int:
    state = _initialized(ctx, handle, C.AE)
    if state.mode is not Mode.ENCRYPT:
        return TeeResult.ERROR_BAD_PARAMETERS
    data = read_input(ctx, src, size)
    capacity = read_u64(ctx, dst_len_va) if dst_len_va else 0
    tag_capacity = read_u64(ctx, tag_len_va)
    if capacity < len(data) or tag_capacity < state.engine.tag_len:
        if dst_len_va:
            write_u64(ctx, dst_len_va, len(data))
        write_u64(ctx, tag_len_va, state.engine.tag_len)
        return TeeResult.ERROR_SHORT_BUFFER
    require_writable(ctx, dst, len(data))
    require_writable(ctx, tag, state.engine.tag_len)
    state.initialized = False
    try:
        out, tag_value = state.engine.encrypt_final(data)
    finally:
        state.set_engine(None)  # the message is done: what the engine kept goes back
    ctx.user.copy_to_user(dst, out)
    ctx.user.copy_to_user(tag, tag_value)
    if dst_len_va:
        write_u64(ctx, dst_len_va, len(out))
    write_u64(ctx, tag_len_va, len(tag_value))
    return TeeResult.SUCCESS


@syscall(Syscall.AUTHENC_DEC_FINAL)
@crypto_handler
def sys_authenc_dec_final(ctx: SyscallContext, handle: int, src: int, size: int, dst: int,
                          dst_len_va: int, tag: int, tag_len: int) -> int:
    state = _initialized(ctx, handle, C.AE)
    if state.mode is not Mode.DECRYPT:
        return TeeResult.ERROR_BAD_PARAMETERS
    data = read_input(ctx, src, size)
    tag_value = read_input(ctx, tag, tag_len)
    capacity = read_u64(ctx, dst_len_va) if dst_len_va else 0
    if capacity < len(data):
        if dst_len_va:
            write_u64(ctx, dst_len_va, len(data))
        return TeeResult.ERROR_SHORT_BUFFER
    require_writable(ctx, dst, len(data))
    state.initialized = False
    try:
        out = state.engine.decrypt_final(data, tag_value)  # MAC_INVALID: no plaintext out
    finally:
        state.set_engine(None)  # the message is done: what the engine kept goes back
    ctx.user.copy_to_user(dst, out)
    if dst_len_va:
        write_u64(ctx, dst_len_va, len(out))
    return TeeResult.SUCCESS


# ------------------------------------------------------------------------ asymmetric
@syscall(Syscall.ASYMM_OPERATE)
@crypto_handler
def sys_asymm_operate(ctx: SyscallContext, handle: int, params_va: int, count: int, src: int,
                      size: int, dst: int, dst_len_va: int) -> int:
    state = _state(ctx, handle, C.ASYMMETRIC_CIPHER, C.ASYMMETRIC_SIGNATURE)
    params = read_attributes(ctx, params_va, count)
    data = read_input(ctx, src, size)
    key = _key(ctx, state.key1)
    capacity = read_u64(ctx, dst_len_va)
    known = asymmetric_output_size(state.info, key, state.mode)
    if known is not None and capacity < known:
        write_u64(ctx, dst_len_va, known)
        return TeeResult.ERROR_SHORT_BUFFER
    if state.info.op_class is C.ASYMMETRIC_SIGNATURE:
        if state.mode is not Mode.SIGN:
            return TeeResult.ERROR_BAD_PARAMETERS
        out = sign(state.info, key, params, data)
    elif state.mode is Mode.ENCRYPT:
        out = rsa_encrypt(state.info, key, params, data)
    else:
        out = rsa_decrypt(state.info, key, params, data)
    return put_output(ctx, dst, dst_len_va, out)


@syscall(Syscall.ASYMM_VERIFY)
@crypto_handler
def sys_asymm_verify(ctx: SyscallContext, handle: int, params_va: int, count: int, data_va: int,
                     data_len: int, sig: int, sig_len: int) -> int:
    state = _state(ctx, handle, C.ASYMMETRIC_SIGNATURE)
    if state.mode is not Mode.VERIFY:
        return TeeResult.ERROR_BAD_PARAMETERS
    params = read_attributes(ctx, params_va, count)
    digest = read_input(ctx, data_va, data_len)
    signature = read_input(ctx, sig, sig_len)
    verify(state.info, _key(ctx, state.key1), params, digest, signature)
    return TeeResult.SUCCESS


# ------------------------------------------------------------------------ derivation
@syscall(Syscall.CRYP_DERIVE_KEY)
@crypto_handler
def sys_derive_key(ctx: SyscallContext, handle: int, params_va: int, count: int,
                   derived: int) -> int:
    state = _state(ctx, handle, C.KEY_DERIVATION)
    params = read_attributes(ctx, params_va, count)
    key = _key(ctx, state.key1)
    target = crypto(ctx).object(derived)
    if target.initialized or target.persistent or target.busy or target.type not in SECRET_TYPES:
        return TeeResult.ERROR_BAD_PARAMETERS
    # no longer than the object holds (room already charged with the object), checked
    # before deriving: a 2 GiB PBKDF2 output is refused, not computed
    target.set_secret(derive(state.info, key, params, max_length=target.max_size // 8))
    return TeeResult.SUCCESS

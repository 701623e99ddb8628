"""Names and kinds of the arguments of the common TA syscalls, for traces.

Each argument is ``name:kind`` with kind ``p`` (a pointer or handle, shown in
hex), ``n`` (a number) or ``s`` (a size in bytes), after OP-TEE's
``utee_syscalls.h``. A syscall missing here shows its arguments in hex.
"""

from __future__ import annotations

from tee.abi.syscalls import Syscall

_SIGNATURES: dict[Syscall, str] = {
    Syscall.LOG: "buf:p len:s",
    Syscall.GET_PROPERTY: "prop_set:p index:n name:p name_len:p buf:p blen:p prop_type:p",
    Syscall.GET_PROPERTY_NAME_TO_INDEX: "prop_set:p name:p name_len:s index:p",
    Syscall.OPEN_TA_SESSION: "dest:p cancel_req_to:n params:p sess:p ret_orig:p",
    Syscall.CLOSE_TA_SESSION: "sess:n",
    Syscall.INVOKE_TA_COMMAND: "sess:n cancel_req_to:n cmd:n params:p ret_orig:p",
    Syscall.CHECK_ACCESS_RIGHTS: "flags:p buf:p len:s",
    Syscall.GET_CANCELLATION_FLAG: "cancel:p",
    Syscall.WAIT: "timeout_ms:n",
    Syscall.GET_TIME: "cat:n time:p",
    Syscall.SET_TA_TIME: "time:p",
    Syscall.CRYP_STATE_ALLOC: "algo:p op_mode:n key1:p key2:p state:p",
    Syscall.CRYP_STATE_FREE: "state:p",
    Syscall.HASH_INIT: "state:p iv:p iv_len:s",
    Syscall.HASH_UPDATE: "state:p chunk:p chunk_size:s",
    Syscall.HASH_FINAL: "state:p chunk:p chunk_size:s hash:p hash_len:p",
    Syscall.CIPHER_INIT: "state:p iv:p iv_len:s",
    Syscall.CIPHER_UPDATE: "state:p src:p src_len:s dst:p dst_len:p",
    Syscall.CIPHER_FINAL: "state:p src:p src_len:s dst:p dst_len:p",
    Syscall.CIPHER_SUBSAMPLES: "state:p iv:p iv_len:s src:p dst:p len:s map:p count:n",
    Syscall.CRYP_OBJ_ALLOC: "obj_type:p max_size:n obj:p",
    Syscall.CRYP_OBJ_CLOSE: "obj:p",
    Syscall.CRYP_RANDOM_NUMBER_GENERATE: "buf:p blen:s",
    Syscall.STORAGE_OBJ_OPEN: "storage_id:p object_id:p object_id_len:s flags:p obj:p",
    Syscall.STORAGE_OBJ_CREATE: ("storage_id:p object_id:p object_id_len:s flags:p attr:p data:p "
                                 "len:s obj:p"),
    Syscall.STORAGE_OBJ_DEL: "obj:p",
    Syscall.STORAGE_OBJ_READ: "obj:p data:p len:s count:p",
    Syscall.STORAGE_OBJ_WRITE: "obj:p data:p len:s",
    Syscall.STORAGE_OBJ_TRUNC: "obj:p len:s",
    Syscall.STORAGE_OBJ_SEEK: "obj:p offset:n whence:n",
}
_PARSED = {call: [tuple(arg.split(":")) for arg in text.split()] for call, text in _SIGNATURES.items()}


def format_arguments(number: int, args: tuple[int, ...]) -> str:
    """``buf=0x40012000, len=12`` for a LOG call; ``0x1, 0x2`` for a syscall not listed."""
    try:
        names = _PARSED.get(Syscall(number))
    except ValueError:
        names = None
    if names is None or len(names) != len(args):
        return ", ".join(f"{value:#x}" for value in args)
    return ", ".join(f"{name}={value:#x}" if kind == "p" else f"{name}={value}"
                     for (name, kind), value in zip(names, args))

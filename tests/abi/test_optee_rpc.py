"""RPC sub-command numbers and the SUPP_PLUGIN UUID words (tee/abi/optee_rpc.py)."""

from __future__ import annotations

import uuid as uuid_mod

from tee.abi.optee_rpc import FsCmd, plugin_uuid, plugin_uuid_words


def test_fs_sub_commands_keep_op_tees_values() -> None:
    # optee_rpc_cmd.h: OPTEE_RPC_FS_OPEN 0 ... OPTEE_RPC_FS_READDIR 10
    assert [(c.name, int(c)) for c in FsCmd] == [
        ("OPEN", 0), ("CREATE", 1), ("CLOSE", 2), ("READ", 3), ("WRITE", 4), ("TRUNCATE", 5),
        ("REMOVE", 6), ("RENAME", 7), ("OPENDIR", 8), ("CLOSEDIR", 9), ("READDIR", 10)]


def test_plugin_uuid_travels_as_four_little_endian_words() -> None:
    plugin = uuid_mod.UUID("00112233-4455-6677-8899-aabbccddeeff")
    words = plugin_uuid_words(plugin)
    assert words == (0x33221100, 0x77665544, 0xBBAA9988, 0xFFEEDDCC)
    assert plugin_uuid(words) == plugin


def test_plugin_uuid_ignores_bits_above_a_words_32() -> None:
    # The words arrive in u64 value fields; only their low halves are the UUID.
    plugin = uuid_mod.UUID("00112233-4455-6677-8899-aabbccddeeff")
    assert plugin_uuid(tuple(w | 0xDEAD << 32 for w in plugin_uuid_words(plugin))) == plugin

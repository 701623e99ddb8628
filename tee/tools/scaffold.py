"""``teesim new``: a new TA project laid out as ``trusted_apps/hello``, with a fresh UUID.

The project builds with ``teesim build`` and, unchanged, with OP-TEE's TA dev kit
(``Makefile`` + ``sub.mk``); its pytest test uses the ``teesim`` pytest plugin.
"""

from __future__ import annotations

import keyword
import re
import uuid as uuid_mod
from pathlib import Path

#: Command numbers of the generated TA (also in the generated header and test).
CMD_INC_VALUE = 0
CMD_HASH = 1

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: C keywords a TA name cannot be (it becomes part of C identifiers and a file name).
_C_KEYWORDS = frozenset(
    "auto break case char const continue default do double else enum extern float for goto if "
    "inline int long register restrict return short signed sizeof static struct switch typedef "
    "union unsigned void volatile while".split())
MAX_NAME = 40


class ScaffoldError(Exception):
    pass


def check_name(name: str) -> None:
    if not _IDENTIFIER.fullmatch(name):
        raise ScaffoldError(f"{name!r} is not a valid C identifier (letters, digits, _; "
                            "not starting with a digit)")
    if name in _C_KEYWORDS or keyword.iskeyword(name):
        raise ScaffoldError(f"{name!r} is a reserved word")
    if len(name) > MAX_NAME:
        raise ScaffoldError(f"{name!r} is longer than {MAX_NAME} characters")


def tee_uuid_initializer(ta_uuid: uuid_mod.UUID) -> str:
    """The C TEE_UUID initializer of ``ta_uuid``, as in OP-TEE's headers."""
    f = ta_uuid.fields
    node = ta_uuid.bytes[8:]
    node_bytes = ", ".join(f"0x{b:02x}" for b in node)
    return (f"\t{{ 0x{f[0]:08x}, 0x{f[1]:04x}, 0x{f[2]:04x}, \\\n"
            f"\t\t{{ {node_bytes} }} }}")


def _files(name: str, ta_uuid: uuid_mod.UUID) -> dict[str, str]:
    upper = name.upper()
    return {
        f"include/{name}_ta.h": f"""\
/* Interface of the {name} TA, shared with its normal-world clients. */
#ifndef {upper}_TA_H
#define {upper}_TA_H

/* {ta_uuid} */
#define TA_{upper}_UUID \\
{tee_uuid_initializer(ta_uuid)}

/* params[0] VALUE_INOUT: value.a += 1 */
#define TA_{upper}_CMD_INC_VALUE	{CMD_INC_VALUE}
/* params[0] MEMREF_INPUT: data; params[1] MEMREF_OUTPUT: its SHA-256 (32 bytes) */
#define TA_{upper}_CMD_HASH		{CMD_HASH}

#endif /* {upper}_TA_H */
""",
        "user_ta_header_defines.h": f"""\
/* Properties of the {name} TA (read by the SDK's user_ta_header.c). */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <{name}_ta.h>

#define TA_UUID			TA_{upper}_UUID
#define TA_FLAGS		(TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION)
#define TA_STACK_SIZE		(2 * 1024)
#define TA_DATA_SIZE		(32 * 1024)	/* the heap behind TEE_Malloc */
#define TA_VERSION		"0.1"
#define TA_DESCRIPTION		"{name} TA"

#endif /* USER_TA_HEADER_DEFINES_H */
""",
        f"{name}_ta.c": f"""\
/* The {name} TA: increments a value and hashes a buffer (GlobalPlatform TEE Internal Core API). */
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

#include <{name}_ta.h>

#define SHA256_SIZE 32

TEE_Result TA_CreateEntryPoint(void)
{{
	return TEE_SUCCESS;
}}

void TA_DestroyEntryPoint(void)
{{
}}

TEE_Result TA_OpenSessionEntryPoint(uint32_t param_types,
				    TEE_Param __maybe_unused params[4],
				    void __maybe_unused **sess_ctx)
{{
	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	IMSG("{name}: session opened");
	return TEE_SUCCESS;
}}

void TA_CloseSessionEntryPoint(void __maybe_unused *sess_ctx)
{{
}}

static TEE_Result inc_value(uint32_t param_types, TEE_Param params[4])
{{
	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT, TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	params[0].value.a++;
	IMSG("{name}: value is now %u", params[0].value.a);
	return TEE_SUCCESS;
}}

static TEE_Result hash(uint32_t param_types, TEE_Param params[4])
{{
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	size_t digest_size = params[1].memref.size;
	TEE_Result res = TEE_SUCCESS;

	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT, TEE_PARAM_TYPE_MEMREF_OUTPUT,
					   TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (digest_size < SHA256_SIZE) {{
		params[1].memref.size = SHA256_SIZE;  /* tells the client the size it needs */
		return TEE_ERROR_SHORT_BUFFER;
	}}
	res = TEE_AllocateOperation(&op, TEE_ALG_SHA256, TEE_MODE_DIGEST, 0);
	if (res != TEE_SUCCESS)
		return res;
	res = TEE_DigestDoFinal(op, params[0].memref.buffer, params[0].memref.size,
				params[1].memref.buffer, &digest_size);
	TEE_FreeOperation(op);
	params[1].memref.size = digest_size;
	return res;
}}

TEE_Result TA_InvokeCommandEntryPoint(void __maybe_unused *sess_ctx, uint32_t cmd_id,
				      uint32_t param_types, TEE_Param params[4])
{{
	switch (cmd_id) {{
	case TA_{upper}_CMD_INC_VALUE:
		return inc_value(param_types, params);
	case TA_{upper}_CMD_HASH:
		return hash(param_types, params);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}}
}}
""",
        "sub.mk": f"global-incdirs-y += include\nsrcs-y += {name}_ta.c\n",
        "Makefile": f"""\
# Building with OP-TEE's TA dev kit instead of `teesim build`:
#   make TA_DEV_KIT_DIR=<optee_os>/out/arm/export-ta_arm64 CROSS_COMPILE=aarch64-linux-gnu-
BINARY = {ta_uuid}

-include $(TA_DEV_KIT_DIR)/mk/ta_dev_kit.mk
""",
        f"tests/test_{name}.py": f'''\
"""Tests of the {name} TA, run on a simulated device by the teesim pytest plugin."""

import hashlib
from pathlib import Path

import pytest

from teesim import Operation, TempMemref, Value

TA_DIR = Path(__file__).resolve().parents[1]
{upper}_UUID = "{ta_uuid}"
CMD_INC_VALUE = {CMD_INC_VALUE}
CMD_HASH = {CMD_HASH}


@pytest.fixture
def session(tee_build_ta, tee_session):
    tee_build_ta(TA_DIR)  # compiled once per test run
    return tee_session({upper}_UUID)


def test_inc_value(session, tee_console):
    op = session.invoke(CMD_INC_VALUE, Operation(Value.inout(41)))
    assert op.params[0].a == 42
    assert tee_console.contains("{name}: value is now 42")


def test_hash(session):
    digest = bytearray(32)
    session.invoke(CMD_HASH, Operation(TempMemref.input(b"abc"), TempMemref.output(digest)))
    assert bytes(digest) == hashlib.sha256(b"abc").digest()


def test_no_crash(session, tee_crash_dump):
    session.invoke(CMD_INC_VALUE, Operation(Value.inout(0)))
    assert tee_crash_dump() is None
''',
    }


def scaffold(name: str, directory: Path, ta_uuid: uuid_mod.UUID | None = None) -> uuid_mod.UUID:
    """Write a new TA project called ``name`` into ``directory`` (created; must not hold
    anything yet). Returns the TA's UUID (fresh and random unless given)."""
    check_name(name)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ScaffoldError(f"{directory} already exists and is not an empty directory")
    ta_uuid = ta_uuid or uuid_mod.uuid4()
    try:
        for relative, text in _files(name, ta_uuid).items():
            path = directory / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    except OSError as error:
        raise ScaffoldError(f"{directory}: {error.strerror}") from None
    return ta_uuid

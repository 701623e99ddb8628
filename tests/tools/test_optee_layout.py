"""TAs laid out for OP-TEE's TA dev kit, and GP v1.1 compatibility mode.

`teesim build` reads a TA's Makefile and sub.mk files (tee/tools/optee_layout.py)
instead of compiling every *.c, checks BINARY against the UUID in ta_head, and
builds in GP v1.1 compatibility mode (32-bit memref sizes and lengths) when the
TA asks for it as OP-TEE TAs do. The test TAs in tests/tas/optee_style are
written the way OP-TEE users write them and are built without touching them.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from normal_world import Context, Operation, TeeError, TempMemref, Value
from tee.abi.results import TeeResult
from tee.tools.optee_layout import LayoutError, read_layout
from tests.conftest import make_board

REPO = Path(__file__).resolve().parents[2]
OPTEE_STYLE = REPO / "tests" / "tas" / "optee_style"
GP11_DIR = OPTEE_STYLE / "hello_world_gp11"
GP13_DIR = OPTEE_STYLE / "layout_gp13"
GP11_UUID = uuid.UUID("8aaaf200-2450-11e4-abe2-0002a5d5c51b")
GP13_UUID = uuid.UUID("e361fcd6-e701-41f8-8bcf-9220dae93fbc")

# hello_world_gp11 commands
INC_VALUE, DEC_VALUE, REVERSE, SHA256, GET_PROPERTY, RANDOM, PARAM_LAYOUT, HMAC_SHA256 = range(8)
# layout_gp13 commands
L_PARAM_LAYOUT, L_FLAGS, L_SHA256 = range(3)

NO_ENV: dict[str, str] = {}


def teesim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tee.tools.cli", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=300)


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


def copy_ta(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / source.name
    shutil.copytree(source, target)
    return target


@pytest.fixture(scope="module")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Path, str]]:
    """Both OP-TEE-style TAs built with the CLI, their directories compared before and after."""
    store = tmp_path_factory.mktemp("optee-style-store")
    before = {ta: snapshot(ta) for ta in (GP11_DIR, GP13_DIR)}
    stderr = {}
    for ta in (GP11_DIR, GP13_DIR):
        result = teesim("build", str(ta), "--out", str(store))
        assert result.returncode == 0, result.stderr
        stderr[ta] = result.stderr
    assert {ta: snapshot(ta) for ta in (GP11_DIR, GP13_DIR)} == before
    return store, stderr


@pytest.fixture
def optee_ctx(built_store: tuple[Path, dict[Path, str]]) -> Context:
    return make_board(built_store[0]).context()


# --- the OP-TEE example TA in GP v1.1 mode, built untouched ---

def test_gp11_ta_builds_untouched_into_its_binary_uuid(built_store) -> None:
    store, stderr = built_store
    assert (store / f"{GP11_UUID}.ta").is_file() and (store / f"{GP11_UUID}.elf").is_file()
    assert "Traceback" not in stderr[GP11_DIR] and "warning" not in stderr[GP11_DIR]
    assert read_layout(GP11_DIR, NO_ENV).gp11


def test_gp11_ta_sees_the_gp11_param_layout(optee_ctx: Context) -> None:
    with optee_ctx.open_session(GP11_UUID) as session:
        layout = session.invoke(PARAM_LAYOUT, Operation(Value.output())).params[0]
    assert (layout.a, layout.b) == (16, 4)     # sizeof(TEE_Param), sizeof(memref.size)


def test_gp11_hello_world_values(optee_ctx: Context) -> None:
    with optee_ctx.open_session(GP11_UUID) as session:
        assert session.invoke(INC_VALUE, Operation(Value.inout(41))).params[0].a == 42
        assert session.invoke(DEC_VALUE, Operation(Value.inout(41))).params[0].a == 40


def test_gp11_memref_and_mem_functions(optee_ctx: Context) -> None:
    buffer = bytearray(b"Hello, OP-TEE world" * 50)
    expected = bytes(reversed(buffer))
    with optee_ctx.open_session(GP11_UUID) as session:
        session.invoke(REVERSE, Operation(TempMemref.inout(buffer)))
    assert buffer == expected


def test_gp11_digest_writes_a_uint32_length(optee_ctx: Context) -> None:
    data = b"abc" * 1000
    with optee_ctx.open_session(GP11_UUID) as session:
        op = session.invoke(SHA256, Operation(TempMemref.input(data), TempMemref.output(64)))
        assert op.params[1].size == 32
        assert op.params[1].data == hashlib.sha256(data).digest()
        short = Operation(TempMemref.input(data), TempMemref.output(8))
        with pytest.raises(TeeError) as error:
            session.invoke(SHA256, short)
    assert error.value.result == TeeResult.ERROR_SHORT_BUFFER
    assert short.params[1].size == 32      # the size needed, through the uint32_t *hashLen


def test_gp11_attributes_object_info_and_mac(optee_ctx: Context) -> None:
    key, message = bytes(range(32)), b"The quick brown fox" * 20
    with optee_ctx.open_session(GP11_UUID) as session:
        mac = session.invoke(HMAC_SHA256, Operation(
            TempMemref.input(key), TempMemref.input(message), TempMemref.output(48))).params[2]
    assert mac.size == 32 and mac.data == hmac.new(key, message, hashlib.sha256).digest()


def test_gp11_property_and_random(optee_ctx: Context) -> None:
    with optee_ctx.open_session(GP11_UUID) as session:
        prop = session.invoke(GET_PROPERTY, Operation(TempMemref.output(64))).params[0]
        one = session.invoke(RANDOM, Operation(TempMemref.output(24))).params[0].data
        two = session.invoke(RANDOM, Operation(TempMemref.output(24))).params[0].data
    assert prop.data == b"Some string\0"
    assert len(one) == 24 and one != two


def test_gp11_ta_logs_like_the_optee_example(built_store) -> None:
    board = make_board(built_store[0])
    with board.context().open_session(GP11_UUID) as session:
        session.invoke(INC_VALUE, Operation(Value.inout(1)))
    log = "\n".join(board.device.secure_log)
    # CFG_TEE_TA_LOG_LEVEL ?= 4 in its Makefile: DMSG() is compiled in
    assert "Hello World!" in log and "has been called" in log and "Goodbye!" in log


# --- a GP v1.3.1 TA in the dev-kit layout ---

def test_gp13_layout_ta_runs_with_size_t_memrefs(optee_ctx: Context, built_store) -> None:
    data = b"layout" * 100
    with optee_ctx.open_session(GP13_UUID) as session:
        layout = session.invoke(L_PARAM_LAYOUT, Operation(Value.output())).params[0]
        flags = session.invoke(L_FLAGS, Operation(Value.output())).params[0]
        digest = session.invoke(L_SHA256, Operation(TempMemref.input(data),
                                                    TempMemref.output(32))).params[1]
    assert (layout.a, layout.b) == (16, 8)
    assert flags.a == 0x1234 + 7            # cflags-y and cflags-layout_ta.c-y
    assert flags.b == 0xFEA70001            # srcs-$(CFG_LAYOUT_FEATURE) and -DCFG_LAYOUT_FEATURE=1
    assert digest.data == hashlib.sha256(data).digest()
    stderr = built_store[1][GP13_DIR]
    assert "not building not_built.c: CFG_LAYOUT_NOT_SET is not y" in stderr


def test_gp13_layout_is_read_like_subdir_mk() -> None:
    layout = read_layout(GP13_DIR, NO_ENV)
    assert layout.binary == str(GP13_UUID) and not layout.gp11
    sources = {src.path.relative_to(GP13_DIR).as_posix(): src for src in layout.sources}
    assert list(sources) == ["layout_ta.c", "feature.c", "crypto/digest.c"]
    assert sources["layout_ta.c"].flags == ["-DLAYOUT_MAGIC=0x1234", "-DLAYOUT_FILE_FLAG=7"]
    assert sources["feature.c"].flags == ["-DLAYOUT_MAGIC=0x1234"]
    assert sources["crypto/digest.c"].flags == ["-DDIGEST_ALG=TEE_ALG_SHA256"]
    assert sources["crypto/digest.c"].incdirs == [GP13_DIR / "crypto" / "priv"]
    assert layout.global_incdirs == [GP13_DIR / "include"]
    assert "-DCFG_LAYOUT_FEATURE=1" in layout.config_defines


# --- how a TA asks for GP v1.1 mode ---

@pytest.mark.parametrize("line", [
    "CFG_TA_OPTEE_CORE_API_COMPAT_1_1 = y",
    "CFG_TA_OPTEE_CORE_API_COMPAT_1_1=y",
    "CFG_TA_OPTEE_CORE_API_COMPAT_1_1 ?= y",
    "CFG_TA_OPTEE_CORE_API_COMPAT_1_1 := y",
    "export CFG_TA_OPTEE_CORE_API_COMPAT_1_1 := y",
    "COMPAT := y\nCFG_TA_OPTEE_CORE_API_COMPAT_1_1 = $(COMPAT)",
])
@pytest.mark.parametrize("where", ["Makefile", "sub.mk"])
def test_compat_variable_in_makefile_or_sub_mk(tmp_path: Path, line: str, where: str) -> None:
    files = {"Makefile": "BINARY = 8aaaf200-2450-11e4-abe2-0002a5d5c51b\n"
                         "-include $(TA_DEV_KIT_DIR)/mk/ta_dev_kit.mk\n",
             "sub.mk": "srcs-y += ta.c\n", "ta.c": ""}
    files[where] = line + "\n" + files[where]
    assert read_layout(write(tmp_path, files), NO_ENV).gp11


@pytest.mark.parametrize("sub_mk, gp11", [
    ("cflags-y += -D__OPTEE_CORE_API_COMPAT_1_1=1", True),
    ("cflags-y += -D__OPTEE_CORE_API_COMPAT_1_1", True),
    ("cppflags-y += -D__OPTEE_CORE_API_COMPAT_1_1=1", True),
    ("cflags-ta.c-y += -D__OPTEE_CORE_API_COMPAT_1_1=1", True),
    ("cflags-y += -DTEE_CORE_API_REQUIRED_MAJOR_VERSION=1 -DTEE_CORE_API_REQUIRED_MINOR_VERSION=1",
     True),
    ("cflags-y += -D__OPTEE_CORE_API_COMPAT_1_1=0", False),
    ("CFG_TA_OPTEE_CORE_API_COMPAT_1_1 = n", False),
    ("", False),
])
def test_compat_from_cflags(tmp_path: Path, sub_mk: str, gp11: bool) -> None:
    write(tmp_path, {"sub.mk": f"srcs-y += ta.c\n{sub_mk}\n", "ta.c": ""})
    assert read_layout(tmp_path, NO_ENV).gp11 is gp11


@pytest.mark.parametrize("makefile, gp11", [
    ("", True),
    ("CFG_TA_OPTEE_CORE_API_COMPAT_1_1 ?= n\n", True),     # the environment wins over ?=
    ("CFG_TA_OPTEE_CORE_API_COMPAT_1_1 = n\n", False),     # and loses to =, as in make
])
def test_compat_from_the_environment(tmp_path: Path, makefile: str, gp11: bool) -> None:
    write(tmp_path, {"Makefile": makefile + "BINARY = 8aaaf200-2450-11e4-abe2-0002a5d5c51b\n",
                     "sub.mk": "srcs-y += ta.c\n", "ta.c": ""})
    assert read_layout(tmp_path, {"CFG_TA_OPTEE_CORE_API_COMPAT_1_1": "y"}).gp11 is gp11


def test_gp11_flag_and_cflags_build_the_example_without_its_makefile_setting(tmp_path: Path) -> None:
    ta = copy_ta(GP11_DIR, tmp_path)
    makefile = ta / "Makefile"
    makefile.write_text(makefile.read_text().replace("CFG_TA_OPTEE_CORE_API_COMPAT_1_1=y\n", ""))
    store = tmp_path / "store"

    result = teesim("build", str(ta), "--out", str(store))
    assert result.returncode == 1 and "not built in GP v1.1 compatibility mode" in result.stderr

    result = teesim("build", str(ta), "--out", str(store), "--gp11")
    assert result.returncode == 0, result.stderr
    ctx = make_board(store).context()
    with ctx.open_session(GP11_UUID) as session:
        assert session.invoke(PARAM_LAYOUT, Operation(Value.output())).params[0].b == 4

    (store / f"{GP11_UUID}.ta").unlink()
    with (ta / "sub.mk").open("a") as sub_mk:
        sub_mk.write("cflags-y += -D__OPTEE_CORE_API_COMPAT_1_1=1\n")
    result = teesim("build", str(ta), "--out", str(store))
    assert result.returncode == 0, result.stderr
    ctx = make_board(store).context()
    with ctx.open_session(GP11_UUID) as session:
        op = session.invoke(SHA256, Operation(TempMemref.input(b"x"), TempMemref.output(40)))
    assert op.params[1].data == hashlib.sha256(b"x").digest()


# --- errors: one line, no traceback ---

def test_binary_that_is_not_ta_uuid_is_refused(tmp_path: Path) -> None:
    ta = copy_ta(GP13_DIR, tmp_path)
    makefile = ta / "Makefile"
    makefile.write_text(makefile.read_text().replace(str(GP13_UUID), str(GP11_UUID)))
    result = teesim("build", str(ta), "--out", str(tmp_path / "store"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "warning" not in line]
    assert errors == [f"teesim build: {ta}: the Makefile says BINARY = {GP11_UUID}, "
                      f"but TA_UUID in user_ta_header_defines.h is {GP13_UUID}"]
    assert not (tmp_path / "store" / f"{GP13_UUID}.ta").exists()
    assert not (tmp_path / "store" / f"{GP11_UUID}.ta").exists()


def test_missing_source_in_srcs_y_is_refused(tmp_path: Path) -> None:
    ta = copy_ta(GP11_DIR, tmp_path)
    with (ta / "sub.mk").open("a") as sub_mk:
        sub_mk.write("srcs-y += not_there.c\n")
    result = teesim("build", str(ta), "--out", str(tmp_path / "store"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"teesim build: {ta}: sub.mk: srcs-y lists not_there.c, which does not exist"]


def test_binary_that_is_not_a_uuid_is_refused(tmp_path: Path) -> None:
    ta = copy_ta(GP11_DIR, tmp_path)
    makefile = ta / "Makefile"
    makefile.write_text(makefile.read_text().replace(str(GP11_UUID), "hello_world"))
    result = teesim("build", str(ta), "--out", str(tmp_path / "store"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "BINARY = hello_world is not a UUID" in result.stderr


@pytest.mark.parametrize("files, message", [
    ({"sub.mk": "subdirs-y += lib\n"}, "lib: listed in subdirs-y but has no sub.mk"),
    ({"sub.mk": "srcs-y += ta.cpp\n", "ta.cpp": ""}, "only C (.c) and assembly (.S)"),
    ({"Makefile": "LIBNAME = libfoo\n", "sub.mk": ""}, "LIBNAME is set"),
    ({"sub.mk": "ifeq ($(CFG_TEE_TA_LOG_LEVEL),2)\n$(error log level 2 is not for us)\nendif\n"},
     "sub.mk:2: $(error log level 2 is not for us)"),
    ({"sub.mk": "ifeq (a,a)\nsrcs-y += ta.c\n"}, "sub.mk: missing endif"),
    ({"sub.mk": "srcs-y += $(notdir ta.c\n"}, "unterminated"),
    ({"sub.mk": "subdirs-y += sub\n", "sub/sub.mk": "srcs-y += gone.c\n"},
     "sub/sub.mk: srcs-y lists gone.c, which does not exist"),
])
def test_layout_errors(tmp_path: Path, files: dict[str, str], message: str) -> None:
    with pytest.raises(LayoutError, match=None) as error:
        read_layout(write(tmp_path, files), NO_ENV)
    assert message in str(error.value) and "\n" not in str(error.value)


# --- the make subset ---

def test_conditionals_functions_and_rules(tmp_path: Path) -> None:
    write(tmp_path, {
        "Makefile": (
            "# comment\n"
            "BINARY = \\\n  8aaaf200245011e4abe20002a5d5c51b\n"   # continued, no dashes
            "CFG_FEATURE ?= y\n"
            "ifeq ($(CFG_FEATURE),y)\n"
            "CFG_MODE = fast\n"
            "else ifeq ($(CFG_FEATURE),n)\n"
            "CFG_MODE = none\n"
            "else\n"
            "CFG_MODE = slow\n"
            "endif\n"
            "all: foo\n"
            "\techo recipe lines are not evaluated = ignored\n"
            "-include $(TA_DEV_KIT_DIR)/mk/ta_dev_kit.mk\n"),
        "sub.mk": (
            "NAMES := a b\n"
            "srcs-y += $(addsuffix .c,$(NAMES))\n"
            "srcs-$(CFG_FEATURE) += $(patsubst %.h,%.c,c.h)\n"
            "ifdef CFG_MODE\n"
            "srcs-y += $(wildcard d*.c)\n"
            "endif\n"
            "ifneq ($(CFG_MODE),fast)\n"
            "srcs-y += never.c\n"
            "endif\n"
            "srcs-n += disabled.c\n"
            "OBJS = $(NAMES:=.o)\n"
            "cflags-y += -DOBJS=\"$(OBJS)\" -DMODE_$(CFG_MODE)\n"
            "cflags-remove-y += -Wall\n"
            "global-incdirs-y += inc $(addprefix include/,x y)\n"),
        "a.c": "", "b.c": "", "c.c": "", "d1.c": "", "d2.c": "",
    })
    layout = read_layout(tmp_path, NO_ENV)
    assert layout.binary == "8aaaf200245011e4abe20002a5d5c51b"
    assert [s.path.name for s in layout.sources] == ["a.c", "b.c", "c.c", "d1.c", "d2.c"]
    assert layout.sources[0].flags == ["-DOBJS=a.o b.o", "-DMODE_fast"]
    assert layout.sources[0].remove_flags == ["-Wall"]
    assert layout.global_incdirs == [tmp_path / "inc", tmp_path / "include/x", tmp_path / "include/y"]
    assert "-DCFG_MODE=fast" in layout.config_defines and "-DCFG_FEATURE=1" in layout.config_defines
    assert layout.warnings == []


def test_unknown_constructs_are_warnings_not_crashes(tmp_path: Path) -> None:
    write(tmp_path, {
        "Makefile": "BINARY = 8aaaf200-2450-11e4-abe2-0002a5d5c51b\n"
                    "DATE := $(shell date)\n"
                    "define HELP\nsome text = 1\nendef\n"
                    "include common.mk\n",
        "sub.mk": "srcs-y += ta.c\nvpath %.c src\nthis is not make\n"
                  "cxxflags-y += -fno-rtti\nsrcs-y += $(call pick,ta2.c)\n",
        "ta.c": "",
    })
    layout = read_layout(tmp_path, NO_ENV)
    assert [s.path.name for s in layout.sources] == ["ta.c"]
    text = "\n".join(layout.warnings)
    for expected in ("Makefile:2: $(shell ...) is not supported",
                     "Makefile:3: define ... endef is not supported",
                     "Makefile:6: include common.mk: no such file",
                     "sub.mk:2: vpath is not supported",
                     "sub.mk:3: cannot evaluate 'this is not make'",
                     "sub.mk: cxxflags-y is not supported",
                     "sub.mk:5: $(call ...) is not supported"):
        assert expected in text, text


def test_without_sub_mk_every_c_file_is_built(tmp_path: Path) -> None:
    write(tmp_path, {"Makefile": "BINARY = 8aaaf200-2450-11e4-abe2-0002a5d5c51b\n", "ta.c": ""})
    layout = read_layout(tmp_path, NO_ENV)
    assert layout.sources is None and layout.binary is not None


def test_makefile_without_binary_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, {"Makefile": "all:\n\techo hi\n", "sub.mk": "srcs-y += ta.c\n", "ta.c": ""})
    layout = read_layout(tmp_path, NO_ENV)
    assert layout.binary is None and any("no BINARY" in w for w in layout.warnings)

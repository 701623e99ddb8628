"""Build trusted applications (TAs) against the teesim TA SDK.

A TA directory follows OP-TEE's conventions: C sources (at any depth), a
``user_ta_header_defines.h`` defining TA_UUID, TA_FLAGS, TA_STACK_SIZE and
TA_DATA_SIZE, and optionally an ``include/`` directory. A directory laid out
for OP-TEE's TA dev kit (``Makefile`` with ``BINARY = <uuid>``, ``sub.mk``
with ``srcs-y``, ``global-incdirs-y``, ``cflags-y``, ...) is built from what
those files say (:mod:`tee.tools.optee_layout`), unchanged; then ``BINARY``
must be the UUID in ``ta_head``. ``CFG_TA_OPTEE_CORE_API_COMPAT_1_1 = y`` in
them (or ``gp11=True``) builds the TA in GP v1.1 compatibility mode, as
OP-TEE does (``-D__OPTEE_CORE_API_COMPAT_1_1=1``). :func:`build_ta`
compiles the TA together with the SDK (``trusted_apps/sdk``: libutee, libc and
the per-TA ``user_ta_header.c``) using zig's clang for
``aarch64-freestanding-none``, links a static PIE with ``sdk/ta.ld`` and
writes two files named after the TA's UUID:

* ``<uuid>.elf``: the full image with ``.symtab`` and DWARF, for debuggers
  and offline symbolisation;
* ``<uuid>.ta``: the signed image the TEE loads (see :func:`package_ta`):
  OP-TEE's signed header with UUID and version around the same ELF, signed
  with the SDK's development key unless another key is given.

The linked image is checked before anything is written: three page-aligned
PT_LOADs (R, R+X, R+W), only ``R_AARCH64_RELATIVE`` dynamic relocations, all
of them inside the writable segment, and ``ta_head`` exported from section
``.ta_head``.

SDK objects are cached in ``<out>/.sdk-obj/<key>/``, where the key hashes the
SDK sources and headers, the compiler version and the flags; rebuilding a TA
recompiles only the TA's own files.

Command line: ``python -m tee.tools.ta_build <ta-dir> [--out DIR] [--key PEM] [--ta-version N] [--gp11]``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import logging
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection

from tee.tools.optee_layout import COMPAT_DEFINE, LayoutError, Source, read_layout
from tee.tools.sign import SigningError, check_ta_version, load_signing_key, sign_ta

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

SDK_DIR = Path(__file__).resolve().parents[2] / "trusted_apps" / "sdk"
SDK_INCLUDE = SDK_DIR / "include"
LINKER_SCRIPT = SDK_DIR / "ta.ld"
#: Compiled per TA, against the TA's user_ta_header_defines.h.
USER_TA_HEADER = SDK_DIR / "libutee" / "user_ta_header.c"

ZIG_CC = (sys.executable, "-m", "ziglang", "cc", "-target", "aarch64-freestanding-none")

CFLAGS = (
    "-std=gnu11", "-O2", "-g", "-fPIE", "-ffreestanding",
    # The stack protector, as OP-TEE builds TAs (-fstack-protector-strong). zig cc
    # refuses the -f flag for a freestanding target ("requires libc"), so it goes
    # straight to clang; the SDK provides __stack_chk_guard (seeded per instance
    # by the kernel) and __stack_chk_fail (libutee/memcheck.c).
    "-Xclang", "-stack-protector", "-Xclang", "2",
    # zig cc would add UBSan (and its runtime) in debug builds, and defines
    # NDEBUG from -O2 on; OP-TEE TAs keep assert() by default.
    "-fno-sanitize=all", "-UNDEBUG",
    # Only symbols marked visibility("default") (ta_head, trace_level,
    # trace_ext_prefix) end up in .dynsym; see -rdynamic below.
    "-fvisibility=hidden",
    "-ffunction-sections", "-fdata-sections",
    "-Wall", "-Wextra",
)
#: libc must not have its loops turned back into calls to memset/memcpy.
LIBC_CFLAGS = ("-fno-builtin",)

LDFLAGS = (
    # No libc, but zig's compiler_rt for helpers such as __udivti3/__multf3.
    "-nostdlib", "-rtlib=compiler-rt",
    # At link time these keep zig from adding the UBSan runtime.
    "-O2", "-fno-sanitize=all",
    "-pie", "-e", "__ta_entry",
    # zig rejects --export-dynamic-symbol and --dynamic-list: export all
    # default-visibility symbols instead (-fvisibility=hidden hides the rest).
    "-rdynamic",
    "-Wl,--gc-sections", "-Wl,-z,max-page-size=4096", f"-Wl,-T,{LINKER_SCRIPT}",
)

PAGE_SIZE = 4096
TA_HEAD_SIZE = 32
R_AARCH64_RELATIVE = 1027
PF_X, PF_W, PF_R = 1, 2, 4

_log = logging.getLogger(__name__)

#: Where TAs go unless told otherwise: relative, so under the current directory.
DEFAULT_TA_STORE = Path("build") / "ta_store"
#: Beside each ``<uuid>.ta``, the source directory it was built from (one line).
SOURCE_SUFFIX = ".source"


@dataclass(frozen=True)
class BuiltTa:
    """The outputs of one TA build."""

    uuid: uuid.UUID
    elf_path: Path
    ta_path: Path
    #: The other source directory whose TA of the same UUID this build replaced, if any.
    replaced_source: Path | None = None


class TaBuildError(Exception):
    """A TA failed to build; the message includes the tools' output."""


def build_ta(
    ta_dir: Path,
    out_dir: Path,
    *,
    extra_cflags: Sequence[str] = (),
    trace_level: int | None = None,
    key: Path | str | None = None,
    ta_version: int = 0,
    gp11: bool = False,
) -> BuiltTa:
    """Build the TA in ``ta_dir`` into ``out_dir``.

    With a ``sub.mk`` the sources, include directories and flags are the ones
    OP-TEE's dev kit would use; without one, every ``*.c`` below ``ta_dir``
    is compiled. ``extra_cflags`` apply to the TA's own sources (and its
    ``user_ta_header.c``), not to the cached SDK objects. ``trace_level`` is
    the compile-time TRACE_LEVEL (0 = silent ... 4 = flow) for everything
    (default: the TA's ``CFG_TEE_TA_LOG_LEVEL``, else 2). ``gp11`` builds
    the TA in GP v1.1 compatibility mode even if its files do not ask for
    it. The ``.ta`` is signed with ``key`` (a PEM RSA private key; default:
    the SDK's development key) and carries ``ta_version`` for rollback
    protection. The TA directory is only read.
    """
    ta_dir = Path(ta_dir).resolve()
    out_dir = Path(out_dir).resolve()
    if not ta_dir.is_dir():
        raise TaBuildError(f"{ta_dir}: no such TA directory")
    try:
        layout = read_layout(ta_dir)
    except LayoutError as error:
        raise TaBuildError(str(error)) from None
    for warning in layout.warnings:
        _log.warning("%s: warning: %s", ta_dir.name, warning)
    ta_uuid_expected = _binary_uuid(layout.binary)
    gp11 = gp11 or layout.gp11
    if trace_level is None:
        trace_level = 2 if layout.log_level is None else layout.log_level

    incdirs = [*dict.fromkeys((*layout.global_incdirs, ta_dir, ta_dir / "include"))]
    if not any((d / "user_ta_header_defines.h").is_file() for d in incdirs):
        raise TaBuildError(f"{ta_dir}: user_ta_header_defines.h not found (in the TA dir, include/ "
                           "or a global-incdirs-y directory)")
    sources = layout.sources
    if sources is None:
        sources = [Source(src) for src in sorted(ta_dir.rglob("*.c"))]
    if not sources:
        raise TaBuildError(f"{ta_dir}: no C sources" + (" in srcs-y" if layout.sources is not None else ""))
    try:  # a bad key or version should fail before minutes of compiling, not after
        signing_key = load_signing_key(key)
        check_ta_version(ta_version)
    except SigningError as error:
        raise TaBuildError(str(error)) from None

    out_dir.mkdir(parents=True, exist_ok=True)
    defines = (f"-DTRACE_LEVEL={trace_level}",)
    sdk_objs = _sdk_objects(out_dir, defines)

    ta_defines = (*defines, *layout.config_defines, *((COMPAT_DEFINE,) if gp11 else ()))

    def flags_for(src: Source) -> tuple[str, ...]:
        dirs = [*dict.fromkeys((*layout.global_incdirs, *src.incdirs, ta_dir, ta_dir / "include"))]
        flags = (*CFLAGS, *ta_defines, *(f"-I{d}" for d in dirs), "-I", str(SDK_INCLUDE),
                 *src.flags, *extra_cflags)
        return tuple(f for f in flags if f not in src.remove_flags)

    with tempfile.TemporaryDirectory(prefix=".build-", dir=out_dir) as tmp:
        work = Path(tmp)
        jobs = [(src.path, work / "ta" / _object_name(src.path, ta_dir, n), flags_for(src))
                for n, src in enumerate(sources)]
        jobs.append((USER_TA_HEADER, work / "user_ta_header.o", flags_for(Source(USER_TA_HEADER))))
        _compile(jobs, cwd=ta_dir)

        elf = work / "ta.elf"
        _run([*ZIG_CC, *LDFLAGS, *(str(obj) for _, obj, _ in jobs), *map(str, sdk_objs), "-o", str(elf)],
             f"linking {ta_dir.name}")
        elf_bytes = elf.read_bytes()

    ta_uuid = check_ta_elf(elf_bytes)
    if ta_uuid_expected is not None and ta_uuid_expected != ta_uuid:
        raise TaBuildError(f"the Makefile says BINARY = {layout.binary}, but TA_UUID in "
                           f"user_ta_header_defines.h is {ta_uuid}")
    source_record = out_dir / f"{ta_uuid}{SOURCE_SUFFIX}"
    built = BuiltTa(ta_uuid, out_dir / f"{ta_uuid}.elf", out_dir / f"{ta_uuid}.ta",
                    _other_source(source_record, ta_dir))
    _write_atomic(built.elf_path, elf_bytes)
    _write_atomic(built.ta_path, package_ta(elf_bytes, ta_uuid, signing_key, ta_version))
    _write_atomic(source_record, f"{ta_dir}\n".encode())
    return built


def _other_source(source_record: Path, ta_dir: Path) -> Path | None:
    """The source directory recorded for the TA about to be replaced, if not ``ta_dir``."""
    try:
        previous = Path(source_record.read_text().strip())
    except (OSError, UnicodeDecodeError):
        return None
    return previous if previous != ta_dir else None


def _binary_uuid(binary: str | None) -> uuid.UUID | None:
    if binary is None:
        return None
    try:
        return uuid.UUID(binary)
    except ValueError:
        raise TaBuildError(f"Makefile: BINARY = {binary} is not a UUID") from None


def _object_name(src: Path, ta_dir: Path, index: int) -> Path:
    try:
        return src.relative_to(ta_dir).with_suffix(".o")
    except ValueError:  # a source outside the TA directory (../common/x.c in srcs-y)
        return Path("_outside") / f"{index}-{src.stem}.o"


def check_ta_elf(elf_bytes: bytes) -> uuid.UUID:
    """Check the invariants the TEE loader relies on; return the TA's UUID.

    Raises TaBuildError if the image is not a W^X-mappable static PIE with
    only RELATIVE relocations into its writable segment and an exported
    ``ta_head``.
    """
    try:
        elf = ELFFile(io.BytesIO(elf_bytes))
        return _check_elf(elf)
    except (ELFError, ValueError, KeyError, IndexError, TypeError, AttributeError, struct.error,
            UnicodeDecodeError, OverflowError, AssertionError) as exc:
        # pyelftools reports malformed input in many ways (``teesim sign`` feeds it any file).
        raise TaBuildError(f"malformed TA ELF: {exc}") from None


def _check_elf(elf: ELFFile) -> uuid.UUID:
    if elf["e_machine"] != "EM_AARCH64" or elf["e_type"] != "ET_DYN":
        raise TaBuildError("TA ELF is not an AArch64 PIE")

    loads = [seg for seg in elf.iter_segments() if seg["p_type"] == "PT_LOAD"]
    flags = sorted(seg["p_flags"] for seg in loads)
    if flags != [PF_R, PF_R | PF_X, PF_R | PF_W]:
        raise TaBuildError(f"TA ELF needs exactly R, RX and RW PT_LOADs, got flags {flags}")
    if any(seg["p_vaddr"] % PAGE_SIZE for seg in loads):
        raise TaBuildError("TA ELF segments are not page aligned")
    rw = next(seg for seg in loads if seg["p_flags"] & PF_W)

    for sec in elf.iter_sections():
        if sec["sh_type"] in ("SHT_REL", "SHT_RELR"):
            raise TaBuildError(f"unsupported relocation section {sec.name}")
        if not isinstance(sec, RelocationSection):
            continue
        for rel in sec.iter_relocations():
            if rel["r_info_type"] != R_AARCH64_RELATIVE:
                raise TaBuildError(
                    f"dynamic relocation type {rel['r_info_type']} at {rel['r_offset']:#x} "
                    "(only R_AARCH64_RELATIVE is supported)")
            if not rw["p_vaddr"] <= rel["r_offset"] < rw["p_vaddr"] + rw["p_memsz"]:
                raise TaBuildError(f"relocation at {rel['r_offset']:#x} is outside the RW segment")

    head = elf.get_section_by_name(".ta_head")
    dynsym = elf.get_section_by_name(".dynsym")
    # pyelftools makes .dynsym a SymbolTableSection but types the lookup as Section.
    exported = dynsym.get_symbol_by_name("ta_head") if dynsym else None  # type: ignore[attr-defined]
    if head is None or head["sh_size"] < TA_HEAD_SIZE:
        raise TaBuildError("TA ELF has no .ta_head section")
    if not exported or exported[0]["st_value"] != head["sh_addr"]:
        raise TaBuildError("ta_head is not exported as a dynamic symbol")

    time_low, time_mid, time_hi, clock_seq_node = struct.unpack_from("<IHH8s", head.data())
    return uuid.UUID(bytes=struct.pack(">IHH8s", time_low, time_mid, time_hi, clock_seq_node))


def package_ta(elf_bytes: bytes, ta_uuid: uuid.UUID, key: "RSAPrivateKey",
               ta_version: int = 0) -> bytes:
    """Turn a linked TA ELF into the signed image the TEE loads.

    The signed payload is the full ELF, not a stripped one as in OP-TEE:
    zig's objcopy cannot strip AArch64 ELFs (``--strip-all`` and ``-g`` fail
    with "unimplemented"), and the kernel uses the ``.symtab`` it finds in
    the loaded image to name functions in crash dumps.
    """
    return sign_ta(elf_bytes, key, ta_uuid, ta_version)


def _sdk_objects(out_dir: Path, defines: Sequence[str]) -> list[Path]:
    """Compile libutee and libc once per (sources, compiler, flags) key."""
    libutee = sorted(p for p in (SDK_DIR / "libutee").iterdir()
                     if p.suffix in (".c", ".S") and p != USER_TA_HEADER)
    libc = sorted((SDK_DIR / "libc").glob("*.c"))
    flags = (*CFLAGS, *defines, "-I", str(SDK_INCLUDE))
    jobs_spec = [(src, flags) for src in libutee] + [(src, (*flags, *LIBC_CFLAGS)) for src in libc]

    digest = hashlib.sha256(version("ziglang").encode())
    for src, src_flags in jobs_spec:
        digest.update("\0".join((src.name, *src_flags)).encode())
    for path in sorted(SDK_DIR.rglob("*")):
        if path.is_file() and path.suffix in (".c", ".S", ".h"):
            digest.update(str(path.relative_to(SDK_DIR)).encode() + b"\0" + path.read_bytes())
    cache = out_dir / ".sdk-obj" / digest.hexdigest()[:16]

    def obj_name(src: Path) -> str:
        return f"{src.parent.name}-{src.stem}.o"

    objs = [cache / obj_name(src) for src, _ in jobs_spec]
    if all(obj.is_file() for obj in objs):
        return objs

    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=cache.parent))
    try:
        _compile([(src, tmp / obj_name(src), src_flags) for src, src_flags in jobs_spec])
        try:
            tmp.rename(cache)
        except OSError:
            if not cache.is_dir():  # not merely a concurrent build that won the race
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return objs


def _compile(jobs: Sequence[tuple[Path, Path, Sequence[str]]], cwd: Path | None = None) -> None:
    """Compile (source, object, flags) jobs in parallel; report all failures.

    ``cwd``: where relative paths in the flags start (the TA directory, as
    for make).
    """

    def compile_one(job: tuple[Path, Path, Sequence[str]]) -> subprocess.CompletedProcess[str]:
        src, obj, flags = job
        obj.parent.mkdir(parents=True, exist_ok=True)
        return subprocess.run([*ZIG_CC, *flags, "-c", str(src), "-o", str(obj)],
                              capture_output=True, text=True, check=False, cwd=cwd)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = list(pool.map(compile_one, jobs))
    errors = []
    for (src, _, _), proc in zip(jobs, results):
        if proc.returncode:
            errors.append(f"compiling {src} failed:\n{proc.stderr.strip()}")
        elif proc.stderr.strip():
            _log.warning("%s", proc.stderr.strip())
    if errors:
        raise TaBuildError("\n".join(errors))


def _run(cmd: Sequence[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode:
        raise TaBuildError(f"{what} failed:\n{proc.stderr.strip()}")
    if proc.stderr.strip():
        _log.warning("%s", proc.stderr.strip())


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` in one step, safe against concurrent builds of the same TA."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def warn_if_replaced(built: BuiltTa, program: str) -> None:
    """Tell on stderr that ``built`` overwrote a TA of the same UUID from other sources."""
    if built.replaced_source is not None:
        print(f"{program}: warning: {built.ta_path.name} replaces the TA of the same UUID "
              f"built from {built.replaced_source}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit status."""
    parser = argparse.ArgumentParser(prog="python -m tee.tools.ta_build",
                                     description="Build a trusted application.")
    parser.add_argument("ta_dir", type=Path, help="TA source directory")
    parser.add_argument("--out", type=Path, default=DEFAULT_TA_STORE,
                        help="output directory (default: %(default)s)")
    parser.add_argument("--trace-level", type=int, default=None, choices=range(5),
                        help="compile-time TRACE_LEVEL, 0-4 (default: the TA's CFG_TEE_TA_LOG_LEVEL, else 2)")
    parser.add_argument("--gp11", action="store_true",
                        help="GP v1.1 compatibility mode (as CFG_TA_OPTEE_CORE_API_COMPAT_1_1=y)")
    parser.add_argument("--cflag", dest="cflags", action="append", default=[], metavar="FLAG",
                        help="extra compiler flag for the TA's sources, e.g. --cflag=-DFOO (repeatable)")
    parser.add_argument("--key", type=Path, default=None,
                        help="PEM RSA private key to sign with (default: the SDK's development key)")
    parser.add_argument("--ta-version", type=int, default=0, help="TA version (default: 0)")
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(message)s", level=logging.WARNING)

    try:
        built = build_ta(args.ta_dir, args.out, extra_cflags=args.cflags,
                         trace_level=args.trace_level, key=args.key, ta_version=args.ta_version,
                         gp11=args.gp11)
    except TaBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    warn_if_replaced(built, "python -m tee.tools.ta_build")
    print(f"{built.uuid}  {built.elf_path}  {built.ta_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

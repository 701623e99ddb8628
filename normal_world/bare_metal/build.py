"""Build the bare-metal normal-world program with the TAs' toolchain (zig's clang).

A static, position-dependent AArch64 ELF for ``aarch64-freestanding-none``
linked with ``nw.ld`` at a fixed non-secure address. ``-mcpu=cortex_a72`` is
the core Unicorn emulates (and lets the assembler accept ``smc``);
``-mstrict-align`` because with the MMU off all memory is Device memory, where
unaligned accesses fault on hardware. Builds are cached under
``build/bare_metal/`` by a hash of the sources, flags and compiler version.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

from tee.tools.ta_build import ZIG_CC

SOURCE_DIR = Path(__file__).resolve().parent
SOURCES = ("start.S", "lib.c", "main.c")
HEADERS = ("lib.h", "optee.h")
LINKER_SCRIPT = "nw.ld"
DEFAULT_OUT = SOURCE_DIR.parents[1] / "build" / "bare_metal"

CFLAGS = (
    "-mcpu=cortex_a72", "-std=gnu11", "-O2", "-g",
    "-ffreestanding", "-fno-builtin", "-fno-stack-protector", "-fno-sanitize=all",
    "-fno-pic", "-fno-pie", "-mstrict-align",
    "-Wall", "-Wextra",
)
LDFLAGS = ("-nostdlib", "-static", "-Wl,--gc-sections", "-Wl,-z,max-page-size=4096")


class BuildError(Exception):
    """The program failed to compile or link; the message has the compiler's output."""


def build_program(out_dir: Path | str = DEFAULT_OUT, source_dir: Path | str = SOURCE_DIR,
                  sources: Sequence[str] = SOURCES, name: str = "nw_demo") -> Path:
    """Compile and link ``sources`` (in ``source_dir``, with its ``nw.ld``); returns
    the ELF, reusing a cached build of the same inputs."""
    source_dir, out_dir = Path(source_dir), Path(out_dir)
    linker_script = source_dir / LINKER_SCRIPT
    inputs = [source_dir / s for s in sources]
    digest = hashlib.sha256(version("ziglang").encode())
    digest.update("\0".join((*CFLAGS, *LDFLAGS)).encode())
    for path in sorted({*inputs, linker_script, *(source_dir / h for h in HEADERS)}):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    elf = out_dir / f"{name}-{digest.hexdigest()[:16]}.elf"
    if elf.is_file():
        return elf

    out_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".elf", dir=out_dir)
    os.close(fd)
    try:
        cmd = [*ZIG_CC, *CFLAGS, *LDFLAGS, f"-Wl,-T,{linker_script}", "-I", str(source_dir),
               *map(str, inputs), "-o", tmp]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode:
            raise BuildError(f"building {name} failed:\n{proc.stderr.strip()}")
        os.replace(tmp, elf)  # atomic: a concurrent build of the same inputs is harmless
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return elf

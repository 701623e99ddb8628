"""The layering rules of docs/architecture.md, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def python_files(*roots: str) -> list[Path]:
    return [p for root in roots for p in (REPO / root).rglob("*.py")]


def test_only_the_emulation_package_imports_unicorn() -> None:
    # bench/bare.py measures bare-Unicorn baselines; it is a measuring tool, not product code.
    allowed = ("tee/emu/", "bench/bare.py")
    offenders = [p.relative_to(REPO) for p in python_files("tee", "normal_world", "bench")
                 if any(m.split(".")[0] == "unicorn" for m in imports_of(p))
                 and not any(a in p.as_posix() for a in allowed)]
    assert offenders == []


def test_wire_codecs_are_pure() -> None:
    for path in python_files("tee/abi"):
        heavy = {m for m in imports_of(path) if m.split(".")[0] in {"unicorn", "tee", "os", "socket"}
                 and not m.startswith("tee.abi")}
        assert not heavy, f"{path.name} imports {heavy}"


def test_normal_world_reaches_the_secure_side_only_through_the_channel() -> None:
    secure_packages = ("tee.kernel", "tee.monitor", "tee.emu", "tee.platform")
    # Board bring-up, not normal-world software: the demo boots a device and plays
    # attacker against its memory map; the bare-metal runner builds the NS-EL1 core.
    bring_up = {"normal_world/demo.py", "normal_world/bare_metal/demo.py"}
    for path in python_files("normal_world"):
        if path.relative_to(REPO).as_posix() in bring_up:
            continue
        bad = {m for m in imports_of(path) if m.startswith(secure_packages)}
        assert not bad, f"{path.relative_to(REPO)} imports {bad}"

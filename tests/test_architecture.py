"""The layering rules of docs/architecture.md, checked on the source.

The layers are data: a module may import modules of its own layer or of lower
ones, never of a higher one. Each rule is a function of an import graph, so the
tests below also run it on a small graph that breaks it, to show it can fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: Lowest first. A module belongs to the layer with the longest matching prefix.
LAYERS = [
    "tee",             # the package itself (its __init__ holds no code)
    "tee.abi",         # wire formats: pure codecs and IntEnums
    "tee.tools",       # offline tools: TA build, signing, header generation
    "tee.instrument",  # the event vocabulary every layer of a device reports in
    "tee.platform",    # physical memory behind the TZASC check
    "tee.emu",         # Unicorn CPUs (the only importer of unicorn)
    "tee.kernel",      # the secure kernel
    "tee.monitor",     # the secure monitor (dispatches into the kernel's vectors)
    "tee.device",      # the secure side assembled: DRAM, monitor, kernel
    "tee.tools.trace", # traces: a device's instrumentation events as text, JSON lines, SVG
    "normal_world",    # client API, driver, channel, supplicant, REE file store
    "board",           # a board: secure side + normal-world peripherals, demos
    "teesim",          # the application API (Context() boots a board)
    "teesim.fuzz",     # the built-in fuzzers (teesim fuzz ta|smc), above the whole board
    "tee.tools.cli",   # the command line
]
#: The secure side: every layer from tee.instrument up to tee.device.
SECURE = ("tee.instrument", "tee.platform", "tee.emu", "tee.kernel", "tee.monitor", "tee.device")
OURS = ("tee", "normal_world", "board", "teesim")


def layer_of(module: str, layers: list[str] = LAYERS) -> str | None:
    matches = [name for name in layers if module == name or module.startswith(name + ".")]
    return max(matches, key=len) if matches else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Absolute modules ``path`` imports (``from a import b`` counts ``a`` and ``a.b``)."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def python_files(*roots: str) -> list[Path]:
    return [p for root in roots for p in (REPO / root).rglob("*.py")]


def import_graph(*roots: str) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports (names that are not modules dropped)."""
    files = {module_name(p): p for p in python_files(*roots)}
    return {module: {m for m in imports_of(path) if m in files and m != module}
            for module, path in files.items()}


def upward_imports(graph: dict[str, set[str]], layers: list[str] = LAYERS) -> list[str]:
    order = {name: rank for rank, name in enumerate(layers)}
    bad = []
    for module, targets in graph.items():
        here = layer_of(module, layers)
        for target in sorted(targets):
            there = layer_of(target, layers)
            if here is None or there is None:
                bad.append(f"{module} -> {target}: not in any layer")
            elif order[there] > order[here]:
                bad.append(f"{module} ({here}) -> {target} ({there})")
    return bad


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def unicorn_importers(files: dict[str, set[str]]) -> list[str]:
    return sorted(module for module, imported in files.items()
                  if any(m.split(".")[0] == "unicorn" for m in imported)
                  and layer_of(module) != "tee.emu")


def secure_side_reached_around_the_channel(graph: dict[str, set[str]]) -> list[str]:
    return [f"{module} -> {target}" for module, targets in sorted(graph.items())
            if layer_of(module) == "normal_world" for target in sorted(targets)
            if layer_of(target) in SECURE]


GRAPH = import_graph(*OURS)
#: Where ``0xFFFFFFFF`` may stand outside tee/abi: named constants whose value merely
#: happens to be all ones (file, name).
ALL_ONES_CONSTANTS = {
    ("tee/kernel/svc/storage.py", "TEE_DATA_MAX_POSITION"),
    ("tee/kernel/svc/time_cancel.py", "TIMEOUT_INFINITE"),
}
def bare_u32_masks(path: str, source: str) -> list[str]:
    """``path:line`` of every 0xFFFFFFFF literal but the named constants' definitions."""
    allowed_values = set()
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and (path, node.targets[0].id) in ALL_ONES_CONSTANTS:
            allowed_values.add(id(node.value))
    return [f"{path}:{node.lineno}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and type(node.value) is int and node.value == 0xFFFF_FFFF
            and id(node) not in allowed_values]


def masks_outside_the_wire_formats() -> list[str]:
    found = []
    for file in python_files(*OURS):
        path = file.relative_to(REPO).as_posix()
        if path.startswith("tee/abi/"):
            continue
        found += bare_u32_masks(path, file.read_text())
    return found


# -- the rules, on the code ------------------------------------------------------------

def test_every_module_of_ours_is_in_a_layer() -> None:
    assert [m for m in GRAPH if layer_of(m) is None] == []


def test_imports_only_go_down_the_layers() -> None:
    assert upward_imports(GRAPH) == []


def test_the_secure_side_never_imports_the_normal_world_or_the_board() -> None:
    bad = [f"{module} -> {target}" for module, targets in GRAPH.items() if layer_of(module) in SECURE
           for target in targets if target.split(".")[0] in ("normal_world", "board", "teesim")]
    assert bad == []


def test_the_normal_world_reaches_the_secure_side_only_through_the_channel() -> None:
    # Wire formats (tee.abi) and the offline build tools are shared; nothing else.
    assert secure_side_reached_around_the_channel(GRAPH) == []


def test_the_secure_side_has_no_import_cycle() -> None:
    secure = {m: t for m, t in GRAPH.items() if layer_of(m) in SECURE}
    assert cycles(secure) == []


def test_only_the_emulation_package_imports_unicorn() -> None:
    files = {module_name(p): imports_of(p) for p in python_files(*OURS)}
    assert unicorn_importers(files) == []


def test_wire_codecs_are_pure() -> None:
    for path in python_files("tee/abi"):
        heavy = {m for m in imports_of(path) if m.split(".")[0] in {"unicorn", "tee", "os", "socket"}
                 and not m.startswith("tee.abi")}
        assert not heavy, f"{path.name} imports {heavy}"


def test_no_bare_32_bit_mask_outside_the_wire_formats() -> None:
    # A register or u32 field keeps its low 32 bits with tee.abi.registers.U32_MASK
    # (or join_u32/split_u64); other all-ones values are named constants.
    assert masks_outside_the_wire_formats() == []


# -- each rule can fail ---------------------------------------------------------------

def test_an_upward_import_is_caught() -> None:
    # What tee/device.py did before the board existed.
    graph = {"tee.device": {"normal_world.ree_fs"}, "normal_world.ree_fs": set()}
    assert upward_imports(graph) == ["tee.device (tee.device) -> normal_world.ree_fs (normal_world)"]


def test_a_normal_world_module_building_a_device_is_caught() -> None:
    # What normal_world/channel.py's EmbeddedChannel did: a (lazy) import of tee.device.
    graph = {"normal_world.channel": {"tee.device"}, "tee.device": set()}
    assert secure_side_reached_around_the_channel(graph) == ["normal_world.channel -> tee.device"]


def test_an_import_cycle_is_caught() -> None:
    graph = {"tee.kernel.a": {"tee.kernel.b"}, "tee.kernel.b": {"tee.kernel.c"},
             "tee.kernel.c": {"tee.kernel.a"}, "tee.kernel.d": {"tee.kernel.a"}}
    assert cycles(graph) == [["tee.kernel.a", "tee.kernel.b", "tee.kernel.c"]]


def test_a_unicorn_import_outside_emu_is_caught() -> None:
    assert unicorn_importers({"tee.kernel.x": {"unicorn"}, "tee.emu.cpu": {"unicorn.arm64_const"}}) \
        == ["tee.kernel.x"]


def test_a_bare_mask_is_caught_and_a_named_constant_is_not() -> None:
    source = "TIMEOUT_INFINITE = 0xFFFFFFFF\nx = y & 0xFFFF_FFFF\nz = TIMEOUT_INFINITE\n"
    assert bare_u32_masks("tee/kernel/svc/time_cancel.py", source) == ["tee/kernel/svc/time_cancel.py:2"]
    assert bare_u32_masks("tee/kernel/other.py", source) == ["tee/kernel/other.py:1", "tee/kernel/other.py:2"]

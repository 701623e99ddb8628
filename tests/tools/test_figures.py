"""The layers figure in docs/architecture.md is drawn from the LAYERS list the
architecture test enforces: a layer added there must show up in the figure."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.conftest import REPO
from tests.test_architecture import LAYERS, SECURE

SCRIPT = REPO / "docs" / "figures" / "layers.py"


def test_layers_svg_is_the_scripts_drawing_of_the_enforced_layers() -> None:
    spec = importlib.util.spec_from_file_location("layers_figure", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = Path(module.OUT).read_text()
    assert committed == module.render(LAYERS, SECURE), \
        "docs/figures/layers.svg is stale: run .venv/bin/python docs/figures/layers.py"
    assert all(f">{layer}<" in committed for layer in LAYERS if layer != "tee")
    assert "(figures/layers.svg)" in (REPO / "docs" / "architecture.md").read_text()

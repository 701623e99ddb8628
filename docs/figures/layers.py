"""Draws docs/figures/layers.svg from LAYERS in tests/test_architecture.py (the list
the architecture test checks imports against), lowest layer at the bottom.

Run from the repository root: ``.venv/bin/python docs/figures/layers.py``.
tests/tools/test_figures.py checks the committed SVG is this script's output.
"""

from __future__ import annotations

import sys
from html import escape
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "docs" / "figures" / "layers.svg"
WIDTH, ROW, GAP, LEFT, TOP = 560, 30, 6, 150, 40
FILL = {"secure": "#f6d5d5", "normal": "#d5e4f6", "tools": "#e8e8e8"}
LEGEND = {"secure": "secure side (never imports the normal world)",
          "normal": "normal world, board, application, command line",
          "tools": "wire formats, offline tools, traces (no side of their own)"}


def _side(layer: str, secure: tuple[str, ...]) -> str:
    if layer in secure:
        return "secure"
    if layer in ("tee.abi", "tee.tools", "tee.tools.trace"):
        return "tools"
    return "normal"


def render(layers: list[str], secure: tuple[str, ...]) -> str:
    shown = [layer for layer in layers if layer != "tee"]  # the bare package holds no code
    height = TOP + len(shown) * (ROW + GAP) + 90
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'font-family="monospace" font-size="13">',
             f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
             '<text x="10" y="22" font-size="15">teesim layers (a module imports only its own '
             'layer or lower)</text>']
    for index, layer in enumerate(reversed(shown)):
        y = TOP + index * (ROW + GAP)
        rank = len(shown) - index
        side = _side(layer, secure)
        parts.append(f'<rect x="{LEFT}" y="{y}" width="{WIDTH - LEFT - 20}" height="{ROW}" rx="4" '
                     f'fill="{FILL[side]}" stroke="#555"/>')
        parts.append(f'<text x="{LEFT + 10}" y="{y + 20}">{escape(layer)}</text>')
        parts.append(f'<text x="{LEFT - 10}" y="{y + 20}" text-anchor="end" fill="#777">{rank}</text>')
        if layer == "normal_world":  # it reaches the secure side only through its channel
            line_y = y + ROW + GAP / 2
            parts.append(f'<line x1="10" y1="{line_y}" x2="{WIDTH - 10}" y2="{line_y}" stroke="#b00" '
                         'stroke-dasharray="6,3"/>')
            parts.append(f'<text x="12" y="{line_y - 4}" fill="#b00" font-size="11">SMC channel</text>')
            parts.append(f'<text x="12" y="{line_y + 12}" fill="#b00" font-size="11">+ shared memory</text>')
    y = TOP + len(shown) * (ROW + GAP) + 10
    for offset, (side, text) in enumerate(LEGEND.items()):
        parts.append(f'<rect x="20" y="{y + offset * 22}" width="16" height="14" fill="{FILL[side]}" '
                     'stroke="#555"/>')
        parts.append(f'<text x="44" y="{y + offset * 22 + 12}">{escape(text)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> None:
    sys.path.insert(0, str(REPO))
    from tests.test_architecture import LAYERS, SECURE

    OUT.write_text(render(LAYERS, SECURE))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

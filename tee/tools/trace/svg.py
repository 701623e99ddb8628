"""A trace as an SVG sequence diagram: one lane per actor, one arrow per record.

Plain SVG text, no dependency. Runs of one syscall with one result collapse
into a single arrow pair labelled ``LOG x12``, so that a trace of a few hundred
events stays readable; every arrow carries its full message as a tooltip
(``<title>``) and its record's kind and lanes as ``data-`` attributes.
"""

from __future__ import annotations

from typing import Sequence
from xml.sax.saxutils import escape, quoteattr

from tee.tools.trace.record import LANES, TraceRecord

_LANE_TITLES = {"client": "client", "supplicant": "supplicant", "driver": "driver",
                "monitor": "monitor", "kernel": "kernel", "ta": "TA"}
_TIME_COLUMN = 84
_LANE_WIDTH = 150
_HEADER = 44
_ROW = 19
_CHAR = 6.6  # width of one character of the 11 px monospace font
#: Rows drawn at most; the rest is summarised in one line at the bottom.
MAX_ROWS = 4000
_STYLE = """
  .lane rect { fill: #eef2f7; stroke: #4a5568; }
  .lane text { font-weight: bold; text-anchor: middle; }
  .lifeline { stroke: #a0aec0; stroke-dasharray: 2 3; }
  .arrow line { stroke: #2d3748; marker-end: url(#head); }
  .arrow.reply line { stroke-dasharray: 5 3; stroke: #718096; }
  .arrow.E line, .note.E rect { stroke: #c53030; }
  .arrow text { text-anchor: middle; }
  .note rect { fill: #fffbea; stroke: #b7791f; }
  svg text.time { fill: #718096; text-anchor: end; }
"""


def _x(lane: str) -> float:
    return _TIME_COLUMN + _LANE_WIDTH * (LANES.index(lane) + 0.5)


def _fit(text: str, width: float) -> str:
    room = max(4, int(width / _CHAR))
    return text if len(text) <= room else text[:room - 1] + "\u2026"


def _rows(records: Sequence[TraceRecord]) -> list[tuple[TraceRecord, int]]:
    """(record, how many identical ones it stands for), syscall runs collapsed."""
    rows: list[tuple[TraceRecord, int]] = []
    i = 0
    while i < len(records):
        first = records[i]
        pair = records[i + 1] if i + 1 < len(records) else None
        if first.kind == "SyscallEntered" and pair is not None and pair.kind == "SyscallReturned":
            count = 1
            while (i + 2 * count + 1 < len(records)
                   and records[i + 2 * count].kind == "SyscallEntered"
                   and records[i + 2 * count].label == first.label
                   and records[i + 2 * count + 1].kind == "SyscallReturned"
                   and records[i + 2 * count + 1].label == pair.label):
                count += 1
            rows += [(first, count), (pair, count)]
            i += 2 * count
        else:
            rows.append((first, 1))
            i += 1
    return rows


def _attributes(record: TraceRecord, count: int) -> str:
    classes = ["arrow" if record.source != record.target else "note", record.level]
    if record.reply:
        classes.append("reply")
    return (f'class="{" ".join(classes)}" data-seq="{record.seq}" data-kind="{record.kind}" '
            f'data-from="{record.source}" data-to="{record.target}" data-count="{count}"')


def _row(record: TraceRecord, count: int, y: float) -> str:
    label = record.label + (f" x{count}" if count > 1 else "")
    title = escape(record.message + (f" (and {count - 1} more alike)" if count > 1 else ""))
    time = f'<text class="time" x="{_TIME_COLUMN - 8}" y="{y + 4:.0f}">{record.time * 1000:.3f} ms</text>'
    x1, x2 = _x(record.source), _x(record.target)
    if x1 == x2:
        text = escape(_fit(label, 1.6 * _LANE_WIDTH))
        width = len(text) * _CHAR + 10
        shape = (f'<rect x="{x1 + 6:.0f}" y="{y - 8:.0f}" width="{width:.0f}" height="15" rx="3"/>'
                 f'<text x="{x1 + 11:.0f}" y="{y + 4:.0f}">{text}</text>')
    else:
        text = escape(_fit(label, abs(x2 - x1) - 8))
        shape = (f'<line x1="{x1:.0f}" y1="{y + 6:.0f}" x2="{x2:.0f}" y2="{y + 6:.0f}"/>'
                 f'<text x="{(x1 + x2) / 2:.0f}" y="{y + 2:.0f}">{text}</text>')
    return f"<g {_attributes(record, count)}><title>{title}</title>{time}{shape}</g>"


def render_svg(records: Sequence[TraceRecord], title: str = "teesim trace") -> str:
    rows = _rows(records)
    shown = rows[:MAX_ROWS]
    height = _HEADER + _ROW * (len(shown) + 2) + 10
    width = _TIME_COLUMN + _LANE_WIDTH * len(LANES) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="11">',
           f"<title>{escape(title)}</title>",
           f"<style>{_STYLE}</style>",
           '<defs><marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#2d3748"/></marker></defs>',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    for lane in LANES:
        x = _x(lane)
        out.append(f'<g class="lane" data-lane={quoteattr(lane)}>'
                   f'<rect x="{x - _LANE_WIDTH / 2 + 8:.0f}" y="8" width="{_LANE_WIDTH - 16}" '
                   f'height="24" rx="4"/><text x="{x:.0f}" y="24">{_LANE_TITLES[lane]}</text>'
                   f'<line class="lifeline" x1="{x:.0f}" y1="32" x2="{x:.0f}" y2="{height - 8}"/></g>')
    for index, (record, count) in enumerate(shown):
        out.append(_row(record, count, _HEADER + _ROW * (index + 1)))
    if len(rows) > len(shown):
        y = _HEADER + _ROW * (len(shown) + 1)
        out.append(f'<text x="{_TIME_COLUMN}" y="{y + 4}">... {len(rows) - len(shown)} more rows '
                   f'not drawn (see the text or JSON trace)</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"

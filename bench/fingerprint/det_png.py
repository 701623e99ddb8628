"""A DET curve (FMR against FNMR, both on log scales) drawn into a PNG with zlib
only: the evaluation needs no plotting library."""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

Colour = tuple[int, int, int]
WHITE: Colour = (255, 255, 255)
GRID: Colour = (215, 215, 215)
BLACK: Colour = (0, 0, 0)

# 5x7 glyphs, rows top to bottom, '#' = ink.
_FONT = {
    "0": ".###.#...##..###.#.###..##...#.###.", "1": "..#...##....#....#....#....#...###.",
    "2": ".###.#...#....#...#...#...#...#####", "3": "####.....#...#...##.....##...#.###.",
    "4": "...#...##..#.#.#..#.#####...#....#.", "5": "######....####.....#....##...#.###.",
    "6": "..##..#...#....####.#...##...#.###.", "7": "#####....#...#...#...#....#....#...",
    "8": ".###.#...##...#.###.#...##...#.###.", "9": ".###.#...##...#.####....#...#..##..",
    "e": "..........###.#...######.#.....###.", "-": "...............###.................",
    "F": "######....#....####.#....#....#....", "M": "#...###.###.#.##...##...##...##...#",
    "R": "####.#...##...#####.#.#..#..#.#...#", "N": "#...###..##.#.##..###...##...##...#",
    " ": "." * 35, "(": "...#...#...#....#....#.....#.....#.", ")": ".#.....#.....#....#....#...#...#...",
    "%": "##...##..#...#...#...#...#..##...##", ".": "..............................##...",
    "/": "....#....#...#...#...#...#....#....", "=": "..........#####.....#####..........",
    "T": "#####..#....#....#....#....#....#..", "a": "...........###.....#.#####...#.####",
    "A": ".###.#...##...#######...##...##...#",
    "C": ".###.#...##....#....#....#...#.###.",
    "E": "######....#....####.#....#....#####",
    "G": ".###.#...##....#.####...##...#.###.",
    "I": ".###...#....#....#....#....#...###.",
    "L": "#....#....#....#....#....#....#####",
    "O": ".###.#...##...##...##...##...#.###.",
    "P": "####.#...##...#####.#....#....#....",
    "S": ".#####....#.....###.....#....#####.",
    "U": "#...##...##...##...##...##...#.###.",
    "V": "#...##...##...##...##...#.#.#...#..",
    "K": "#...##..#.#.#..##...#.#..#..#.#...#",
    ",": ".....................##....#...#...",
    "t": ".#....#...###..#....#....#.....##..",
}


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(WHITE) * (width * height))

    def dot(self, x: int, y: int, colour: Colour, size: int = 1) -> None:
        for dy in range(size):
            for dx in range(size):
                px, py = x + dx - size // 2, y + dy - size // 2
                if 0 <= px < self.width and 0 <= py < self.height:
                    at = 3 * (py * self.width + px)
                    self.pixels[at:at + 3] = bytes(colour)

    def line(self, x0: int, y0: int, x1: int, y1: int, colour: Colour, size: int = 1, dash: int = 0) -> None:
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for k in range(steps + 1):
            if dash and (k // dash) % 2:
                continue
            self.dot(round(x0 + (x1 - x0) * k / steps), round(y0 + (y1 - y0) * k / steps), colour, size)

    def text(self, x: int, y: int, words: str, colour: Colour = BLACK) -> None:
        for index, char in enumerate(words):
            glyph = _FONT.get(char.upper(), _FONT.get(char, _FONT[" "]))
            for row in range(7):
                for col in range(5):
                    if glyph[row * 5 + col] == "#":
                        self.dot(x + index * 6 + col, y + row, colour)

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + bytes(self.pixels[3 * self.width * y:3 * self.width * (y + 1)])
                       for y in range(self.height))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def write_det(path: Path, curves: Sequence[tuple[str, Colour, Sequence[tuple[float, float]]]],
              marks: Sequence[tuple[str, Colour, float, float]] = (),
              fmr_decades: int = 7, fnmr_decades: int = 4) -> None:
    """DET curves: x = FMR from 10^-fmr_decades to 1, y = FNMR from 10^-fnmr_decades to 1
    (zero rates drawn on the lowest line). ``marks``: labelled points."""
    width, height, left, bottom, top, right = 720, 520, 70, 60, 20, 20
    canvas = Canvas(width, height)
    plot_w, plot_h = width - left - right, height - top - bottom

    def to_x(fmr: float) -> int:
        value = max(math.log10(fmr) if fmr > 0 else -fmr_decades, -fmr_decades)
        return left + round((value + fmr_decades) / fmr_decades * plot_w)

    def to_y(fnmr: float) -> int:
        value = max(math.log10(fnmr) if fnmr > 0 else -fnmr_decades, -fnmr_decades)
        return top + plot_h - round((value + fnmr_decades) / fnmr_decades * plot_h)

    for d in range(fmr_decades + 1):
        x = to_x(10.0 ** -d)
        canvas.line(x, top, x, top + plot_h, GRID)
        canvas.text(x - 12, top + plot_h + 8, f"1e-{d}" if d else "1")
    for d in range(fnmr_decades + 1):
        y = to_y(10.0 ** -d)
        canvas.line(left, y, left + plot_w, y, GRID)
        canvas.text(left - 32, y - 3, f"1e-{d}" if d else "1")
    canvas.line(left, top, left, top + plot_h, BLACK)
    canvas.line(left, top + plot_h, left + plot_w, top + plot_h, BLACK)
    canvas.text(left + plot_w // 2 - 9, height - 22, "FMR")
    canvas.text(6, top + plot_h // 2, "FNMR")
    for index, (label, colour, points) in enumerate(curves):
        # points come by threshold: FMR falls and FNMR rises along them
        for (f0, n0), (f1, n1) in zip(points, points[1:]):
            canvas.line(to_x(f0), to_y(n0), to_x(f1), to_y(n1), colour, size=2)
        canvas.line(left + plot_w - 220, top + 12 + 14 * index, left + plot_w - 200, top + 12 + 14 * index, colour, 2)
        canvas.text(left + plot_w - 194, top + 9 + 14 * index, label)
    for label, colour, fmr, fnmr in marks:
        canvas.dot(to_x(fmr), to_y(fnmr), colour, size=7)
        canvas.text(to_x(fmr) + 8, to_y(fnmr) - 12, label, colour)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(canvas.png())

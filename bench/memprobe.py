"""One memory probe, in a fresh interpreter: RSS growth per live TA instance.

    python -m bench.memprobe teesim|bare <path/to/uuid.ta> <count>

Both sides first create and drop one instance (so one-time costs, such as
Unicorn's first engine set-up, are not counted), collect garbage and read the
resident set size from /proc/self/statm; then they create ``count`` live
instances and read it again. Prints JSON on stdout.

- teesim: a Device and a client Context; each instance is an open session
  (the bench TA has no SINGLE_INSTANCE flag, so every session loads its own).
- bare: a bare-Unicorn instance with the same mappings and bytes, whose
  OPEN_SESSION entry has run (``bench.bare.BareTa``).
"""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def _teesim(ta_path: Path, count: int) -> tuple[int, int, list[object]]:
    from bench import ta
    from board import Board

    ctx = Board(ta_path.parent).context()
    ctx.open_session(ta.UUID).close()
    gc.collect()
    before = rss_bytes()
    live: list[object] = [ctx.open_session(ta.UUID) for _ in range(count)]
    gc.collect()
    return before, rss_bytes(), live


def _bare(ta_path: Path, count: int) -> tuple[int, int, list[object]]:
    from bench.bare import BareTa
    from tee.abi.syscalls import EntryFunction
    from tee.kernel.ta_image import parse_ta_elf

    image = parse_ta_elf(ta_path.with_suffix(".elf").read_bytes())  # the unsigned ELF

    def instance() -> BareTa:
        bare = BareTa(image)
        bare.enter(EntryFunction.OPEN_SESSION)
        return bare

    warm = instance()
    warm.close()
    del warm
    gc.collect()
    before = rss_bytes()
    live: list[object] = [instance() for _ in range(count)]
    gc.collect()
    return before, rss_bytes(), live


def main(argv: list[str]) -> int:
    side, ta_path, count = argv[0], Path(argv[1]), int(argv[2])
    before, after, live = (_teesim if side == "teesim" else _bare)(ta_path, count)
    print(json.dumps({"side": side, "instances": len(live), "rss_before": before,
                      "rss_after": after, "mib_per_instance": (after - before) / count / 2**20}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

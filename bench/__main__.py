"""``python -m bench``: build the bench TA, run the figures, write the results.

    python -m bench                  every figure, full rounds; writes results.json and RESULTS.md
    python -m bench --quick          few rounds (smoke run); results.json only
    python -m bench --only invoke    selected figures (repeatable or comma-separated); results.json only
    python -m bench --list           the figure names
    python -m bench --profile NAME   the teesim side of one figure under cProfile
    python -m bench --opcodes NAME   Python bytecodes one operation of a figure executes, by function
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections import Counter
from types import FrameType

from bench import report, ta
from bench.figures import FIGURES, Env, Figure, Plan, Row

FULL = Plan(rounds=31, warmup=1, memory_rounds=5)
QUICK = Plan(rounds=3, warmup=1, memory_rounds=1)


def _select(names: list[str]) -> list[Figure]:
    wanted = [n.strip() for name in names for n in name.split(",") if n.strip()]
    known = {f.key: f for f in FIGURES}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise SystemExit(f"bench: unknown figure {', '.join(unknown)}; known: {', '.join(known)}")
    return [f for f in FIGURES if f.key in wanted]


def _profile(env: Env, figure: Figure, top: int) -> None:
    if figure.profile is None:
        raise SystemExit(f"bench: figure {figure.key} has no profile target")
    operation, iterations = figure.profile(env)
    for _ in range(max(1, iterations // 20)):  # warm-up: imports, JIT translation, caches
        operation()
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _ in range(iterations):
        operation()
    profiler.disable()
    elapsed = time.perf_counter() - start
    stats = pstats.Stats(profiler)
    # The operation itself is the root: its cumulative time is 100 %.
    total = max(entry[3] for entry in stats.stats.values())  # type: ignore[attr-defined]
    print(f"profile of {figure.title}: {iterations} operations, "
          f"{elapsed / iterations * 1e6:.1f} µs per operation under cProfile")
    entries = stats.stats.items()  # type: ignore[attr-defined]

    def name(key: tuple[str, int, str]) -> str:
        path, line, function = key
        if path == "~":
            return function
        parts = path.split(os.sep)
        short = "/".join(parts[-2:]) if parts[-2:-1] != ["site-packages"] else parts[-1]
        return f"{short}:{line}({function})"

    for title, index in (("own time (tottime)", 2), ("including callees (cumtime)", 3)):
        print(f"\n  top {top} by {title}, % of profiled time")
        print(f"  {'%':>6} {'calls/op':>9}  function")
        ranked = sorted(entries, key=lambda item: item[1][index], reverse=True)[:top]
        for key, (_, ncalls, tottime, cumtime, _) in ranked:
            share = (tottime if index == 2 else cumtime) / total * 100
            print(f"  {share:6.1f} {ncalls / iterations:9.2f}  {name(key)}")


def _count_opcodes(env: Env, figure: Figure, top: int, operations: int = 3) -> None:
    """Bytecodes per operation, by function: deterministic where timings are not,
    and (unlike cProfile) not skewed toward code made of many small calls."""
    if figure.profile is None:
        raise SystemExit(f"bench: figure {figure.key} has no profile target")
    operation, iterations = figure.profile(env)
    for _ in range(max(1, iterations // 20)):
        operation()
    counts: Counter[str] = Counter()

    def tracer(frame: FrameType, event: str, _arg: object) -> object:
        frame.f_trace_opcodes = True
        if event == "opcode":
            code = frame.f_code
            counts[f"{_short(code.co_filename)}:{code.co_firstlineno}({code.co_name})"] += 1
        return tracer

    sys.settrace(tracer)  # per OS thread: follows the call into the secure threads' greenlets
    try:
        for _ in range(operations):
            operation()
    finally:
        sys.settrace(None)
    total = sum(counts.values()) / operations
    print(f"bytecodes per operation of {figure.title}: {total:.0f} "
          f"in {len(counts)} functions (mean of {operations})")
    for name, count in counts.most_common(top):
        print(f"  {count / operations:7.1f}  {name}")


def _short(path: str) -> str:
    parts = path.split(os.sep)
    return "/".join(parts[-2:]) if parts[-2:-1] != ["site-packages"] else parts[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {QUICK.rounds} rounds instead of {FULL.rounds}")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only these figures (see --list)")
    parser.add_argument("--list", action="store_true", help="list the figures and exit")
    parser.add_argument("--profile", metavar="NAME", help="profile the teesim side of a figure")
    parser.add_argument("--opcodes", metavar="NAME",
                        help="count the bytecodes one operation of a figure executes")
    parser.add_argument("--top", type=int, default=25, help="rows per profile listing")
    args = parser.parse_args(argv)
    start = time.perf_counter()

    if args.list:
        for figure in FIGURES:
            print(f"{figure.key:8} {figure.title}")
        return 0

    print("bench: building the bench TA", file=sys.stderr)
    env = Env(ta.build())
    if args.profile:
        _profile(env, _select([args.profile])[0], args.top)
        return 0
    if args.opcodes:
        _count_opcodes(env, _select([args.opcodes])[0], args.top)
        return 0

    figures = _select(args.only) if args.only else list(FIGURES)
    plan = QUICK if args.quick else FULL
    full_run = not args.quick and not args.only
    load_start = os.getloadavg()[0]
    rows: list[Row] = []
    for index, figure in enumerate(figures, 1):
        print(f"bench: [{index}/{len(figures)}] {figure.title} ...", end="", file=sys.stderr,
              flush=True)
        figure_start = time.perf_counter()
        rows += figure.measure(env, plan)
        print(f" {time.perf_counter() - figure_start:.1f} s", file=sys.stderr)
    meta = {
        "machine": report.machine(),
        "run": {"date": report.now_utc(), "mode": "full" if full_run else
                ("quick" if args.quick else "full rounds") + (f", only {', '.join(f.key for f in figures)}"
                                                              if args.only else ""),
                "rounds": plan.rounds, "warmup": plan.warmup, "memory_rounds": plan.memory_rounds,
                "wall_seconds": time.perf_counter() - start, "load_start": load_start,
                "load_end": os.getloadavg()[0]},
    }
    report.write(rows, meta, markdown_file=full_run)
    print(report.table(rows))
    written = f"{report.RESULTS_JSON.name}" + (f" and {report.RESULTS_MD.name}" if full_run else "")
    print(f"\nbench: {meta['run']['wall_seconds']:.0f} s; wrote bench/{written}",  # type: ignore[index]
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The matcher inside a TA: one verification (a probe against five enrolled
templates: parse six records, match five times) timed through the test TA
tests/tas/fp_match_test, which compiles the fingerprint TA's matcher unchanged."""

from __future__ import annotations

import statistics
import struct
import time
from pathlib import Path

from board import Board
from board.fingerprint_synth import Finger
from normal_world import Operation, TempMemref, Value
from tee.tools.ta_build import build_ta

REPO = Path(__file__).resolve().parents[2]
TEST_TA_DIR = REPO / "tests" / "tas" / "fp_match_test"
TEST_TA_UUID = "c6ef89ed-054f-4e28-978c-c80f0e330ce9"
CMD_MATCH = 1
TEMPLATES = 5


def time_verifications(out_dir: Path, rounds: int = 11) -> dict[str, float]:
    """Median wall and CPU milliseconds per verification, genuine and impostor probes."""
    store = out_dir / "ta_store"
    build_ta(TEST_TA_DIR, store)
    board = Board(store)
    finger, other = Finger(424242), Finger(434343)
    templates = b"".join(struct.pack(">I", len(r)) + r for r in (finger.record(n) for n in range(TEMPLATES)))
    results: dict[str, float] = {}
    with board.context() as ctx, ctx.open_session(TEST_TA_UUID) as session:
        for label, probe in (("genuine", finger.record(TEMPLATES)), ("impostor", other.record(0))):
            wall, cpu = [], []
            for _ in range(rounds + 1):  # the first is a warm-up (code translation)
                started, started_cpu = time.perf_counter(), time.process_time()
                op = session.invoke(CMD_MATCH, Operation(TempMemref.input(bytearray(probe)),
                                                         TempMemref.input(bytearray(templates)), Value.output()))
                wall.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
                assert op.params[2].b == TEMPLATES
            results[f"{label}_wall_ms"] = statistics.median(wall[1:]) * 1e3
            results[f"{label}_cpu_ms"] = statistics.median(cpu[1:]) * 1e3
            results[f"{label}_best_score"] = op.params[2].a
    return results

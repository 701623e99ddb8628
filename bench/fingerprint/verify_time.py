"""``python -m bench.fingerprint.verify_time``: one fingerprint verification, end to end.

One user with five enrolments of five touches each (five fingers); then, in
turn, a genuine touch (the finger enrolled last, so the four others are
compared first) and an impostor touch (a finger never enrolled: every compared
view, the worst case), each through the HAL client
(``FingerprintSession.authenticate``): capture through the sensor driver, the
failure count committed, matching, and for a match the token and the count
cleared. Interleaving keeps the failure count at one, so no lockout, and shares
the machine's load between both kinds alike.

Reported per kind: the median and range of CPU time (``time.process_time``,
the whole process) and wall time, over ``--rounds`` touches after one warm-up
touch (its figure, the first touch after the enrolments, is reported apart),
and the load average before and after. ``--unsliced`` boots with neither time
slicing nor a call time limit, for comparison with the default configuration.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from board import Board
from board.fingerprint_synth import Finger
from normal_world.fingerprint import FingerprintSession
from normal_world.gatekeeper import Gatekeeper, Status
from tee.abi.fingerprint import ENROLL_STEPS, MAX_ENROLLMENTS, FpStatus
from tee.device import DeviceConfig
from tee.kernel.kernel import KernelConfig
from tee.kernel.ta_manager import TaManagerConfig
from tee.tools.ta_build import build_ta

REPO = Path(__file__).resolve().parents[2]
TA_DIRS = (REPO / "trusted_apps" / "pin", REPO / "trusted_apps" / "fingerprint")
UID = 10
PIN = b"1234"
ENROLLED_FINGERS = tuple(range(501, 501 + MAX_ENROLLMENTS))
IMPOSTOR_FINGER = 900
#: Authentication touches are numbered after the enrolment's.
PROBE_BASE = 100


@dataclass
class Samples:
    cpu_ms: list[float]
    wall_ms: list[float]

    def summary(self) -> dict[str, float]:
        return {"cpu_median_ms": statistics.median(self.cpu_ms), "cpu_min_ms": min(self.cpu_ms),
                "cpu_max_ms": max(self.cpu_ms), "wall_median_ms": statistics.median(self.wall_ms),
                "wall_min_ms": min(self.wall_ms), "wall_max_ms": max(self.wall_ms)}


def _config(unsliced: bool) -> DeviceConfig | None:
    if not unsliced:
        return None  # the board's default: what the CLI and the demo boot
    return DeviceConfig(kernel=KernelConfig(tas=TaManagerConfig(time_slice=0, call_timeout=0)))


def _enrol(board: Board, gatekeeper: Gatekeeper, handle: bytes, session: FingerprintSession,
           finger: Finger) -> None:
    challenge = session.generate_challenge()
    verified = gatekeeper.verify(UID, challenge, handle, PIN)
    assert verified.status == Status.OK
    assert session.enroll(verified.token).status == FpStatus.OK
    for n in range(ENROLL_STEPS):
        board.finger.place(finger.record(n))
        step = session.enroll_touch()
        assert step.status == FpStatus.OK, step


def _touch(board: Board, session: FingerprintSession, record: bytes,
           expect: FpStatus) -> tuple[float, float]:
    board.finger.place(record)
    cpu, wall = time.process_time(), time.perf_counter()
    result = session.authenticate(0)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if result.status != expect:
        raise SystemExit(f"verify_time: a touch answered {result.status.name}, expected {expect.name}")
    return cpu * 1e3, wall * 1e3


def measure(rounds: int, unsliced: bool, ta_store: Path) -> dict[str, object]:
    for ta_dir in TA_DIRS:
        build_ta(ta_dir, ta_store)
    board = Board(ta_store, _config(unsliced))
    gatekeeper = Gatekeeper(board.context())
    enrolled = gatekeeper.enroll(UID, None, None, PIN)
    assert enrolled.status == Status.OK
    session = FingerprintSession(board.context(), UID)
    fingers = [Finger(seed) for seed in ENROLLED_FINGERS]
    for finger in fingers:
        _enrol(board, gatekeeper, enrolled.handle, session, finger)
    genuine, impostor = fingers[-1], Finger(IMPOSTOR_FINGER)

    load_before = os.getloadavg()
    first_cpu, first_wall = _touch(board, session, genuine.record(PROBE_BASE), FpStatus.OK)
    samples = {"genuine": Samples([], []), "impostor": Samples([], [])}
    for n in range(1, rounds + 1):
        for kind, finger, expect in (("impostor", impostor, FpStatus.NOT_MATCHED),
                                     ("genuine", genuine, FpStatus.OK)):
            cpu, wall = _touch(board, session, finger.record(PROBE_BASE + n), expect)
            samples[kind].cpu_ms.append(cpu)
            samples[kind].wall_ms.append(wall)
    load_after = os.getloadavg()
    session.close()
    return {"config": "time_slice=0, call_timeout=0" if unsliced else "default", "rounds": rounds,
            "enrolments": len(fingers), "views_per_enrolment": ENROLL_STEPS,
            "first_touch": {"cpu_ms": first_cpu, "wall_ms": first_wall},
            "genuine": samples["genuine"].summary(), "impostor": samples["impostor"].summary(),
            "load_average_before": load_before[0], "load_average_after": load_after[0],
            "cpus": os.cpu_count()}


def _line(kind: str, s: dict[str, float]) -> str:
    return (f"  {kind:9} CPU {s['cpu_median_ms']:6.1f} ms ({s['cpu_min_ms']:.0f}-{s['cpu_max_ms']:.0f})"
            f"   wall {s['wall_median_ms']:6.1f} ms ({s['wall_min_ms']:.0f}-{s['wall_max_ms']:.0f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fingerprint.verify_time", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9, help="touches of each kind (after a warm-up)")
    parser.add_argument("--unsliced", action="store_true", help="time_slice=0, call_timeout=0")
    parser.add_argument("--ta-store", type=Path, default=REPO / "build" / "fingerprint" / "ta_store")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    results = measure(args.rounds, args.unsliced, args.ta_store)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    first = results["first_touch"]
    assert isinstance(first, dict)
    print(f"fingerprint verification, {results['enrolments']} enrolments x {results['views_per_enrolment']}"
          f" views, config {results['config']}, median of {results['rounds']}:")
    for kind in ("genuine", "impostor"):
        summary = results[kind]
        assert isinstance(summary, dict)
        print(_line(kind, summary))
    print(f"  first touch after the enrolments: CPU {first['cpu_ms']:.1f} ms, wall {first['wall_ms']:.1f} ms")
    print(f"  load average {results['load_average_before']:.2f} before, {results['load_average_after']:.2f}"
          f" after, on {results['cpus']} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())

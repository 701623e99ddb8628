"""``python -m bench.fingerprint``: the matcher's accuracy and speed on synthetic fingers.

    python -m bench.fingerprint            FVC protocol (100 x 8) + 1,750-finger impostor set (1.53 M pairs)
    python -m bench.fingerprint --quick    a smoke run (small sets; figures not meaningful)

The TA's C matcher is compiled for the host (bench/fingerprint/host.py) and fed
ISO 19794-2 records from board/fingerprint_synth.py. Writes
build/fingerprint/results.json and build/fingerprint/det.png, prints a report.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from bench.fingerprint import dataset
from bench.fingerprint.det_png import write_det
from bench.fingerprint.host import MATCHER_DIR, HostMatcher
from bench.fingerprint.metrics import Rates

OUT_DIR = Path(__file__).resolve().parents[2] / "build" / "fingerprint"
#: Android CDD 7.3.10 C-1-1 and its SR: FAR below 1/50,000 at FRR below 10 %.
FAR_LIMIT = 1 / 50_000
FRR_LIMIT = 0.10
#: Rule of 30: the impostor comparisons needed to support FAR_LIMIT.
RULE_OF_30_COMPARISONS = round(30 / FAR_LIMIT)


def header_threshold() -> int:
    text = (MATCHER_DIR / "fp_matcher.h").read_text()
    found = re.search(r"#define\s+FP_MATCH_THRESHOLD\s+(\d+)", text)
    assert found, "FP_MATCH_THRESHOLD missing from fp_matcher.h"
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fingerprint", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fingers", type=int, default=100)
    parser.add_argument("--impressions", type=int, default=8)
    parser.add_argument("--impostor-fingers", type=int, default=1750)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="30 x 8 and 200 impostor fingers")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    if args.quick:
        args.fingers, args.impostor_fingers = 30, 200

    started = time.perf_counter()
    data = dataset.build(args.fingers, args.impressions, args.impostor_fingers, args.seed)
    generated = time.perf_counter() - started
    matcher = HostMatcher()
    prepare_cpu = time.process_time()
    prepared = matcher.prepare(data.records)
    prepare_cpu = time.process_time() - prepare_cpu

    cpu = {}
    scores = {}
    for name, pairs in (("genuine", data.genuine_pairs), ("fvc_impostor", data.fvc_impostor_pairs),
                        ("large_impostor", data.large_impostor_pairs)):
        before = time.process_time()
        scores[name] = matcher.scores(prepared, pairs)
        cpu[name] = time.process_time() - before
    comparisons = sum(len(s) for s in scores.values())
    per_comparison_us = sum(cpu.values()) / comparisons * 1e6
    prepare_us = prepare_cpu / len(data.records) * 1e6

    fvc = Rates.from_scores(scores["genuine"], scores["fvc_impostor"])
    large = Rates.from_scores(scores["genuine"], scores["large_impostor"])
    threshold = header_threshold()
    lowest_ok = large.lowest_threshold_at_fmr(FAR_LIMIT)
    minutiae = [(len(r) - 24 - 4 - 2) // 6 for r in data.records]
    results = {
        "fingers": args.fingers, "impressions": args.impressions, "impostor_fingers": args.impostor_fingers,
        "seed": args.seed,
        "genuine_comparisons": len(scores["genuine"]),
        "fvc_impostor_comparisons": len(scores["fvc_impostor"]),
        "large_impostor_comparisons": len(scores["large_impostor"]),
        "rule_of_30_comparisons": RULE_OF_30_COMPARISONS,
        "mean_minutiae_per_impression": sum(minutiae) / len(minutiae),
        "fvc": {"eer": fvc.eer(), "fmr100": fvc.lowest_fnmr_at_fmr(0.01),
                "fmr1000": fvc.lowest_fnmr_at_fmr(0.001), "zero_fmr": fvc.lowest_fnmr_at_fmr(0.0)},
        "large": {"eer": large.eer(), "fmr100": large.lowest_fnmr_at_fmr(0.01),
                  "fmr1000": large.lowest_fnmr_at_fmr(0.001), "fmr_1_in_50000": large.lowest_fnmr_at_fmr(FAR_LIMIT),
                  "zero_fmr": large.lowest_fnmr_at_fmr(0.0)},
        "threshold": threshold,
        "lowest_threshold_with_far_at_limit": lowest_ok,
        "at_threshold": {"frr": large.fnmr(threshold), "far": large.fmr(threshold),
                         "false_matches": large.false_matches[min(threshold, len(large.false_matches) - 1)],
                         "false_non_matches": large.false_non_matches[min(threshold, len(large.false_non_matches) - 1)],
                         "fvc_far": fvc.fmr(threshold)},
        "host_us_per_comparison": per_comparison_us,
        "host_us_per_prepare": prepare_us,
        "generation_s": generated,
        "genuine_score_histogram": list(_histogram(scores["genuine"])),
        "impostor_score_histogram": list(_histogram(scores["large_impostor"])),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    write_det(args.out / "det.png", [
        (f"FVC impostors ({len(scores['fvc_impostor'])})", (40, 90, 200), fvc.det_points()),
        (f"large impostor set ({len(scores['large_impostor'])})", (200, 50, 40), large.det_points()),
    ], [(f"T={threshold}", (0, 140, 0), max(large.fmr(threshold), 1e-7), large.fnmr(threshold))])
    _report(results, args.out)
    ok = results["at_threshold"]["far"] <= FAR_LIMIT and results["at_threshold"]["frr"] <= FRR_LIMIT
    return 0 if ok or args.quick else 1


def _histogram(scores: "object") -> list[int]:
    values = list(scores)  # type: ignore[call-overload]
    top = max(values, default=0)
    counts = [0] * (top + 1)
    for v in values:
        counts[v] += 1
    return counts


def _report(r: dict, out: Path) -> None:
    pct = lambda v: f"{100 * v:.3f} %"  # noqa: E731
    t = r["at_threshold"]
    print(f"synthetic set: {r['fingers']} fingers x {r['impressions']} impressions "
          f"(mean {r['mean_minutiae_per_impression']:.1f} minutiae) + {r['impostor_fingers']} impostor fingers")
    print(f"comparisons: {r['genuine_comparisons']} genuine, {r['fvc_impostor_comparisons']} FVC impostor, "
          f"{r['large_impostor_comparisons']} large-set impostor (rule of 30 for 1/50,000: "
          f"{r['rule_of_30_comparisons']})")
    for name in ("fvc", "large"):
        m = r[name]
        extra = f"  FMR<=1/50000 {pct(m['fmr_1_in_50000'])}" if "fmr_1_in_50000" in m else ""
        print(f"{name:>6}: EER {pct(m['eer'])}  FMR100 {pct(m['fmr100'])}  FMR1000 {pct(m['fmr1000'])}"
              f"  ZeroFMR {pct(m['zero_fmr'])}{extra}")
    print(f"threshold {r['threshold']} (lowest with FAR <= 1/50,000 on the large set: "
          f"{r['lowest_threshold_with_far_at_limit']}): FRR {pct(t['frr'])} ({t['false_non_matches']} of "
          f"{r['genuine_comparisons']}), FAR {t['far']:.2e} ({t['false_matches']} of "
          f"{r['large_impostor_comparisons']}), FVC-set FAR {pct(t['fvc_far'])}")
    print(f"host time: {r['host_us_per_comparison']:.1f} us per comparison (CPU), "
          f"{r['host_us_per_prepare']:.1f} us per record parse+prepare")
    print(f"wrote {out / 'results.json'} and {out / 'det.png'}")


if __name__ == "__main__":
    sys.exit(main())

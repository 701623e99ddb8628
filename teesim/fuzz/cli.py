"""``teesim fuzz ta|smc|replay``: the command-line side of the fuzzers.

Exit status: 0 when the campaign (or the replayed input) found nothing, 1 when
it found something, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import sys
import uuid as uuid_mod
from pathlib import Path

from tee.abi.registers import U32_MASK

DEFAULT_FINDINGS_DIR = Path("fuzz-findings")


def add_fuzz_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
                      ta_store_help: str) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", type=Path, default=None, metavar="DIR",
                        help="corpus directory: inputs in it are run first, new coverage is added to it")
    common.add_argument("--findings", type=Path, default=DEFAULT_FINDINGS_DIR, metavar="DIR",
                        help="where minimised findings are saved as JSON (default: %(default)s)")
    common.add_argument("--seed", type=int, default=0, help="the campaign's seed (default 0)")
    common.add_argument("--runs", type=int, default=0, metavar="N", help="stop after N inputs")
    common.add_argument("--seconds", type=float, default=0.0, metavar="S", help="stop after S seconds")
    common.add_argument("--ta-faults-are-findings", action="store_true",
                        help="report TA crashes as findings (for TA authors), not only count them")
    common.add_argument("--ta-store", default=None, help=ta_store_help)
    fuzz = commands.add_parser("fuzz", help="coverage-guided fuzzing of the SMC interface or a TA "
                                            "(docs/fuzzing.md)")
    kinds = fuzz.add_subparsers(dest="target", required=True)
    ta = kinds.add_parser("ta", parents=[common], help="fuzz one TA's commands (loaded once, "
                                                       "reset by snapshot)")
    ta.add_argument("uuid", help="the TA's UUID (in the TA store)")
    ta.add_argument("--cmd", type=int, default=None, metavar="N", help="fuzz only command N")
    ta.add_argument("--reset", choices=("whole", "dirty"), default="whole",
                    help="restore every writable page, or only the pages that differ")
    ta.add_argument("--open-value", type=_value_pair, action="append", default=[], metavar="A[:B]",
                    dest="open_values",
                    help="open the session with a VALUE_INPUT param (a, b); repeat for the next "
                         "params (the fingerprint TA wants its user id: --open-value 1)")
    smc = kinds.add_parser("smc", parents=[common], help="fuzz sequences of SMCs and messages")
    smc.set_defaults(uuid=None)
    smc.add_argument("--tracer", choices=("auto", "monitoring", "c", "python"), default="auto",
                     help="how the secure side's Python coverage is recorded (default auto: "
                          "sys.monitoring on Python 3.12+, else coverage's C tracer if installed, "
                          "else settrace)")
    replay = kinds.add_parser("replay", help="rerun a saved finding")
    replay.add_argument("file", type=Path)
    replay.add_argument("--ta-store", default=None, help=ta_store_help)
    fuzz.set_defaults(run=run_fuzz)


def _value_pair(text: str) -> tuple[int, int]:
    """``A`` or ``A:B``, each a 32-bit unsigned integer (decimal or 0x-hex)."""
    try:
        numbers = [int(part, 0) for part in text.split(":")]
    except ValueError:
        numbers = []
    if not 1 <= len(numbers) <= 2 or not all(0 <= n <= U32_MASK for n in numbers):
        raise argparse.ArgumentTypeError(f"{text!r} is not A or A:B (32-bit unsigned integers)")
    return numbers[0], numbers[1] if len(numbers) == 2 else 0


def run_fuzz(args: argparse.Namespace) -> int:
    from teesim.fuzz.campaign import Campaign
    from teesim.fuzz.replay import NotAFinding, replay
    from teesim.fuzz.ta_target import fuzz_board

    ta_store = Path(args.ta_store) if args.ta_store else None
    if args.target == "replay":
        if not args.file.is_file():
            print(f"teesim fuzz replay: {args.file}: no such file", file=sys.stderr)
            return 2
        try:
            record, outcome = replay(args.file, ta_store)
        except NotAFinding as error:
            print(f"teesim fuzz replay: {args.file}: not a finding file: {error}", file=sys.stderr)
            return 2
        detail = str(record.get("detail", "")).splitlines()
        print(f"finding: {record.get('kind', '?')}: {detail[0] if detail else ''}")
        print(f"input: {record.get('input_described', '')}")
        found = list(outcome.findings) + ([outcome.ta_fault] if outcome.ta_fault else [])
        for finding in found:
            print(f"reproduced: {finding.signature}")
            if finding.dump:
                print(finding.dump)
        if not found:
            print("not reproduced")
        return 1 if found else 0
    board = fuzz_board(ta_store, seed=args.seed)
    if args.target == "ta":
        from teesim.fuzz.ta_target import TaTarget
        try:
            ta = uuid_mod.UUID(args.uuid)
        except ValueError:
            print(f"teesim fuzz ta: {args.uuid!r} is not a UUID", file=sys.stderr)
            return 2
        try:
            target = TaTarget(board, ta, command=args.cmd, dirty_only=args.reset == "dirty",
                              open_values=tuple(args.open_values))
        except ValueError as error:
            print(f"teesim fuzz ta: {error}", file=sys.stderr)
            return 2
    else:
        from teesim.fuzz.smc_target import SmcTarget
        try:
            target = SmcTarget(board, tracer=args.tracer)  # type: ignore[assignment]
        except (RuntimeError, ImportError) as error:  # the tracer asked for is not here
            print(f"teesim fuzz smc: --tracer {args.tracer}: {error}", file=sys.stderr)
            return 2
    campaign = Campaign(target, seed=args.seed, corpus_dir=args.corpus, findings_dir=args.findings,
                        ta_faults_are_findings=args.ta_faults_are_findings)
    try:
        summary = campaign.run(runs=args.runs, seconds=args.seconds)
    finally:
        target.close()
    print(summary.text())
    return 1 if summary.findings else 0

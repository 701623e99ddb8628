"""``teesim``: the command line.

    teesim build <ta-dir>... [--out DIR]   compile TAs into a TA store
    teesim demo [--ta-store DIR]            run the hello scenario on an embedded device
    teesim headers [--check]                regenerate (or check) the SDK's generated headers

Errors are reported in one line on stderr with exit status 2; no tracebacks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tee.device import default_ta_store


def _cmd_build(args: argparse.Namespace) -> int:
    from tee.tools.ta_build import TaBuildError, build_ta

    for ta_dir in args.ta_dirs:
        if not Path(ta_dir).is_dir():
            raise UsageError(f"{ta_dir}: not a directory")
        try:
            built = build_ta(Path(ta_dir), Path(args.out))
        except TaBuildError as error:
            print(f"teesim build: {ta_dir}: {error}", file=sys.stderr)
            return 1
        print(f"built {built.ta_path}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from normal_world.demo import run_demo

    return run_demo(Path(args.ta_store))


def _cmd_headers(args: argparse.Namespace) -> int:
    from tee.tools.gen_headers import check, main as write

    if args.check:
        stale = check()
        for name in stale:
            print(f"teesim headers: {name} is out of date; run 'make headers'", file=sys.stderr)
        return 1 if stale else 0
    return write([])


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="teesim", description="A simulated ARM TrustZone device.")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="compile trusted apps into a TA store")
    build.add_argument("ta_dirs", nargs="+", metavar="ta-dir")
    build.add_argument("--out", default=str(default_ta_store()), help="TA store directory")
    build.set_defaults(run=_cmd_build)
    demo = commands.add_parser("demo", help="run the hello TA scenario end to end")
    demo.add_argument("--ta-store", default=str(default_ta_store()))
    demo.set_defaults(run=_cmd_demo)
    headers = commands.add_parser("headers", help="generate the SDK headers defined in Python")
    headers.add_argument("--check", action="store_true", help="only check they are up to date")
    headers.set_defaults(run=_cmd_headers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as error:
        print(f"teesim {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

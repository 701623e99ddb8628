"""``teesim``: the command line.

    teesim build <ta-dir>... [--out DIR] [--key PEM] [--ta-version N] [--gp11]
                                            compile TAs into a TA store, signed (a TA dir
                                            may be laid out for OP-TEE's TA dev kit)
    teesim sign --in X.elf --out Y.ta [--key PEM] [--uuid U] [--ta-version N] [--algo A]
                                            sign an already linked TA ELF
    teesim demo [--ta-store DIR]            run the hello, PIN, DRM and fingerprint scenarios
    teesim bare-metal [--ta-store DIR]      the same probe and call from a C program at NS-EL1
    teesim headers [--check]                regenerate (or check) the SDK's generated headers
    teesim trace (--scenario hello | --ta UUID --cmd N [--value A[,B]]...) [--format text|json|svg]
           [--out FILE] [--ta-store DIR]   run a scenario or one invoke on a fresh board; print its trace
    teesim symbolize [DUMP] (--ta-store DIR | --elf FILE...)
                                            add file:line to each call-stack frame of an abort dump
    teesim coverage (--scenario hello | --ta UUID --cmd N... [--value A[,B]]...) [--out FILE.info]
           [--sources DIR] [--memcheck] [--ta-store DIR]
                                            line coverage of a TA's run as an lcov tracefile
    teesim gdb --ta UUID --cmd N... [--value A[,B]]... [--port P] [--script FILE] [--ta-store DIR]
                                            run invokes with a GDB remote stub (127.0.0.1 only) on the TA
    teesim pin enroll|verify|delete --uid N [--pin P] [--new-pin P] [--state-dir DIR]
                                            the PIN TA (Gatekeeper) on a board kept in DIR
    teesim drm info|play|unwrap [--state-dir DIR] ...
                                            the DRM TA: device identity, the demo stream, key unwrap
    teesim fingerprint enroll|authenticate|list|remove|reset-lockout --uid N [--finger SEED] ...
                                            the fingerprint TA, fingers from the synthetic generator
    teesim new NAME [--dir D]               scaffold a TA project (fresh UUID, pytest test)
    teesim inspect FILE [--key PEM]         UUID, flags, properties, signature, segments of a TA
    teesim invoke UUID CMD [--value[-in] A[,B] | --value-out | --in-hex HEX | --inout-hex HEX
           | --in-file F | --out-size N]...
           [--ta-store DIR] [--state-dir DIR]
                                            one command of a TA on a fresh board; print results

Errors are reported in one line on stderr with exit status 2; no tracebacks.
``teesim fuzz ta <uuid> [--cmd N] | smc | replay FILE`` (built-in fuzzing, docs/fuzzing.md)
exits 1 when it found something.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path
from typing import Callable

from tee.abi.signed_header import ShdrAlgo
from tee.tools.ta_build import DEFAULT_TA_STORE

_TA_STORE_HELP = f"TA store (default: $TEESIM_TA_STORE, else {DEFAULT_TA_STORE} under the current directory)"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("teesim")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _cmd_build(args: argparse.Namespace) -> int:
    from tee.tools.ta_build import TaBuildError, build_ta, warn_if_replaced

    for ta_dir in args.ta_dirs:
        if not Path(ta_dir).is_dir():
            raise UsageError(f"{ta_dir}: not a directory")
        try:
            built = build_ta(Path(ta_dir), Path(args.out), key=args.key, ta_version=args.ta_version,
                             gp11=args.gp11)
        except TaBuildError as error:
            print(f"teesim build: {ta_dir}: {error}", file=sys.stderr)
            return 1
        warn_if_replaced(built, "teesim build")
        print(f"built {built.ta_path}")
    return 0


def _cmd_sign(args: argparse.Namespace) -> int:
    import uuid

    from tee.tools.sign import SigningError, load_signing_key, sign_ta
    from tee.tools.ta_build import TaBuildError, check_ta_elf

    try:
        elf = Path(args.input).read_bytes()
    except OSError as error:
        raise UsageError(f"{args.input}: {error.strerror}") from None
    try:
        requested = uuid.UUID(args.uuid) if args.uuid else None
    except ValueError:
        raise UsageError(f"--uuid {args.uuid!r} is not a UUID") from None
    try:
        head_uuid = check_ta_elf(elf)
        if requested is not None and requested != head_uuid:
            raise SigningError(f"the ELF's ta_head says {head_uuid}, not {requested}")
        signed = sign_ta(elf, load_signing_key(args.key), head_uuid, args.ta_version,
                         algo=ShdrAlgo[args.algo.removeprefix("TEE_ALG_")])
        Path(args.output).write_bytes(signed)
    except (TaBuildError, SigningError) as error:
        print(f"teesim sign: {args.input}: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"teesim sign: {args.output}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"signed {args.output} ({head_uuid}, version {args.ta_version})")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from board.demo import run_demo

    return run_demo(Path(args.ta_store) if args.ta_store else None)


def _cmd_bare_metal(args: argparse.Namespace) -> int:
    from board.bare_metal import main as bare_metal

    return bare_metal(["--ta-store", args.ta_store] if args.ta_store else [])


def _cmd_headers(args: argparse.Namespace) -> int:
    from tee.tools.gen_headers import check, main as write

    if args.check:
        stale = check()
        for name in stale:
            print(f"teesim headers: {name} is out of date; run 'make headers'", file=sys.stderr)
        return 1 if stale else 0
    return write([])


def _cmd_pin(args: argparse.Namespace) -> int:
    from board.board import default_ta_store
    from board.pin_cli import PinUsageError, run

    if args.action != "delete" and args.uid is None:
        raise UsageError(f"{args.action} needs --uid N")
    if args.action == "delete" and (args.uid is None) == (not args.all):
        raise UsageError("delete needs --uid N or --all (one of them)")
    ta_store = Path(args.ta_store) if args.ta_store else default_ta_store()
    try:
        outcome = run(args.action, ta_store=ta_store, state_dir=Path(args.state_dir), uid=args.uid,
                      pin=getattr(args, "pin", None), new_pin=getattr(args, "new_pin", None),
                      challenge=getattr(args, "challenge", 0), advance_clock_s=args.advance_clock)
    except PinUsageError as error:
        raise UsageError(str(error)) from None
    print(f"teesim pin {args.action}: {outcome.message}",
          file=sys.stdout if outcome.exit_status == 0 else sys.stderr)
    return outcome.exit_status


def _cmd_trace(args: argparse.Namespace) -> int:
    from board.board import default_ta_store
    from board.trace_run import SCENARIOS, Invoke, Scenario, TraceUsageError, trace

    if (args.scenario is None) == (args.ta is None):
        raise UsageError("give either --scenario NAME or --ta UUID --cmd N")
    if args.scenario is not None:
        if args.cmd is not None or args.values:
            raise UsageError("--cmd and --value go with --ta, not with --scenario")
        scenario = SCENARIOS[args.scenario]
    else:
        if args.cmd is None:
            raise UsageError("--ta needs --cmd N")
        scenario = Scenario(args.ta, (Invoke(args.cmd, tuple(args.values)),))
    ta_store = Path(args.ta_store) if args.ta_store else default_ta_store()
    try:
        rendered, failure = trace(ta_store, scenario, args.format)
    except TraceUsageError as error:
        raise UsageError(str(error)) from None
    if args.out:
        try:
            Path(args.out).write_text(rendered)
        except OSError as error:
            raise UsageError(f"{args.out}: {error.strerror}") from None
    else:
        sys.stdout.write(rendered)
    if failure:
        print(f"teesim trace: the call failed: {failure}", file=sys.stderr)
        return 1
    return 0


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a UUID") from None


def _value_pair(text: str) -> tuple[int, int]:
    parts = text.split(",")
    if len(parts) > 2:
        raise argparse.ArgumentTypeError(f"{text!r}: a value param is A or A,B")
    numbers = [_uint(32)(part) for part in parts]
    return numbers[0], numbers[1] if len(numbers) == 2 else 0


def _cmd_symbolize(args: argparse.Namespace) -> int:
    from board.board import default_ta_store
    from tee.tools.symbolize import ElfFinder, SymbolizeError, symbolize

    finder = ElfFinder()
    try:
        for elf in args.elves:
            finder.add_file(Path(elf))
    except SymbolizeError as error:
        raise UsageError(str(error)) from None
    if args.ta_store or not args.elves:
        store = Path(args.ta_store) if args.ta_store else default_ta_store()
        if not store.is_dir():
            raise UsageError(f"no TA store at {store} (give --ta-store DIR or --elf FILE)")
        finder.ta_store = store
    if args.dump in (None, "-"):
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.dump).read_text(errors="replace")
        except OSError as error:
            raise UsageError(f"{args.dump}: {error.strerror}") from None
    result = symbolize(text, finder)
    if not result.frames:
        raise UsageError("no call stack in the input (is it an OP-TEE abort dump?)")
    sys.stdout.write(result.text)
    for ta in sorted(result.missing, key=str):
        print(f"teesim symbolize: no ELF for TA {ta} (frames left as they were)", file=sys.stderr)
    return 1 if result.missing else 0


def _add_trace_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    from board.trace_run import FORMATS, SCENARIOS

    trace = commands.add_parser("trace", help="run a scenario or one invoke and print its trace")
    trace.add_argument("--scenario", choices=sorted(SCENARIOS),
                       help="hello: open the hello TA, INC_VALUE 41, GET_TIME, close")
    trace.add_argument("--ta", type=_uuid, metavar="UUID", help="the TA to open a session to")
    trace.add_argument("--cmd", type=_uint(32), metavar="N", help="the command to invoke")
    trace.add_argument("--value", dest="values", type=_value_pair, action="append", default=[],
                       metavar="A[,B]", help="a value param (in and out), up to four")
    trace.add_argument("--format", choices=sorted(FORMATS), default="text",
                       help="text (OP-TEE log style), json (JSON lines) or svg (sequence diagram)")
    trace.add_argument("--out", metavar="FILE", help="write the trace here instead of stdout")
    trace.add_argument("--ta-store", default=None, help=_TA_STORE_HELP)
    trace.set_defaults(run=_cmd_trace)
    symbolize = commands.add_parser("symbolize", help="add file:line to each frame of an OP-TEE "
                                    "abort dump (as OP-TEE's scripts/symbolize.py)")
    symbolize.add_argument("dump", nargs="?", help="the dump (default: standard input)")
    symbolize.add_argument("--ta-store", default=None,
                           help="where the TAs' <uuid>.elf or <uuid>.ta are (default: $TEESIM_TA_STORE, "
                                f"else {DEFAULT_TA_STORE}, unless --elf is given)")
    symbolize.add_argument("--elf", dest="elves", action="append", default=[], metavar="FILE",
                           help="a TA ELF with debug info (matched by the UUID in its ta_head)")
    symbolize.set_defaults(run=_cmd_symbolize)


def _cmd_drm(args: argparse.Namespace) -> int:
    from board.board import default_ta_store
    from board.drm_cli import DrmUsageError, run

    ta_store = Path(args.ta_store) if args.ta_store else default_ta_store()
    try:
        outcome = run(args.action, ta_store=ta_store, state_dir=Path(args.state_dir),
                      pem=Path(args.pem) if getattr(args, "pem", None) else None,
                      kek=getattr(args, "kek", ""), wrapped=getattr(args, "wrapped", ""),
                      padded=getattr(args, "padded", False))
    except DrmUsageError as error:
        raise UsageError(str(error)) from None
    print(f"teesim drm {args.action}: {outcome.message}",
          file=sys.stdout if outcome.exit_status == 0 else sys.stderr)
    return outcome.exit_status


def _cmd_fingerprint(args: argparse.Namespace) -> int:
    from board.board import default_ta_store
    from board.fingerprint_cli import run
    from board.pin_cli import PinUsageError

    ta_store = Path(args.ta_store) if args.ta_store else default_ta_store()
    try:
        outcome = run(args.action, ta_store=ta_store, state_dir=Path(args.state_dir), uid=args.uid,
                      finger=getattr(args, "finger", 0), touch=getattr(args, "touch", 100),
                      enrollment_id=getattr(args, "id", 0), pin=getattr(args, "pin", None),
                      operation_id=getattr(args, "operation_id", 0),
                      advance_clock_s=args.advance_clock)
    except PinUsageError as error:
        raise UsageError(str(error)) from None
    print(f"teesim fingerprint {args.action}: {outcome.message}",
          file=sys.stdout if outcome.exit_status == 0 else sys.stderr)
    return outcome.exit_status


def _cmd_coverage(args: argparse.Namespace) -> int:
    from board.board import default_ta_store
    from board.coverage_run import run_with_coverage
    from board.trace_run import SCENARIOS, Invoke, Scenario, TraceUsageError

    if (args.scenario is None) == (args.ta is None):
        raise UsageError("give either --scenario NAME or --ta UUID --cmd N")
    if args.scenario is not None:
        if args.cmds or args.values:
            raise UsageError("--cmd and --value go with --ta, not with --scenario")
        scenario = SCENARIOS[args.scenario]
    else:
        if not args.cmds:
            raise UsageError("--ta needs --cmd N (repeatable)")
        scenario = Scenario(args.ta, tuple(Invoke(cmd, tuple(args.values)) for cmd in args.cmds))
    ta_store = Path(args.ta_store) if args.ta_store else default_ta_store()
    sources = str(Path(args.sources).resolve()) if args.sources else None
    try:
        run = run_with_coverage(ta_store, scenario, test_name=args.test_name, only_under=sources,
                                memory_checks=args.memcheck)
    except TraceUsageError as error:
        raise UsageError(str(error)) from None
    if not run.lcov:
        raise UsageError(f"TA {scenario.ta} never ran: no coverage ({run.failure})")
    if args.out:
        try:
            Path(args.out).write_text(run.lcov)
        except OSError as error:
            raise UsageError(f"{args.out}: {error.strerror}") from None
    else:
        sys.stdout.write(run.lcov)
    print(f"teesim coverage: {run.lines_hit} of {run.lines_found} lines run", file=sys.stderr)
    if run.failure:
        print(f"teesim coverage: the call failed: {run.failure}", file=sys.stderr)
        return 1
    return 0


def _add_invoke_options(parser: argparse.ArgumentParser) -> None:
    """--cmd N (repeatable) and --value A[,B] (for each invoke), as coverage and gdb take them."""
    parser.add_argument("--cmd", dest="cmds", type=_uint(32), action="append", default=[],
                        metavar="N", help="a command to invoke (repeatable, run in order in one session)")
    parser.add_argument("--value", dest="values", type=_value_pair, action="append", default=[],
                        metavar="A[,B]", help="a value param (in and out) of each invoke, up to four")


def _add_coverage_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    from board.trace_run import SCENARIOS

    coverage = commands.add_parser("coverage", help="run a scenario or invokes and write the TA's "
                                   "line coverage as an lcov tracefile (for genhtml)")
    coverage.add_argument("--scenario", choices=sorted(SCENARIOS), help="a built-in scenario")
    coverage.add_argument("--ta", type=_uuid, metavar="UUID", help="the TA to open a session to")
    _add_invoke_options(coverage)
    coverage.add_argument("--out", metavar="FILE.info", help="write the tracefile here instead of stdout")
    coverage.add_argument("--sources", metavar="DIR",
                          help="keep only source files under DIR (e.g. the TA's own directory)")
    coverage.add_argument("--test-name", default="", help="the lcov TN: record (default: none)")
    coverage.add_argument("--memcheck", action="store_true",
                          help="run on a board with memory checks (docs/debugging-tas.md)")
    coverage.add_argument("--ta-store", default=None, help=_TA_STORE_HELP)
    coverage.set_defaults(run=_cmd_coverage)


def _cmd_gdb(args: argparse.Namespace) -> int:
    from board.board import default_ta_store
    from board.gdb_stub import run_under_gdb
    from board.trace_run import Invoke, Scenario, TraceUsageError

    scenario = Scenario(args.ta, tuple(Invoke(cmd, tuple(args.values)) for cmd in args.cmds))
    ta_store = Path(args.ta_store) if args.ta_store else default_ta_store()
    try:
        run = run_under_gdb(ta_store, scenario, Path(args.script), port=args.port,
                            accept_timeout=args.wait)
    except TraceUsageError as error:
        raise UsageError(str(error)) from None
    except OSError as error:  # the port is taken, the script cannot be written
        raise UsageError(str(error)) from None
    if run.failure:
        print(f"teesim gdb: the call failed: {run.failure}", file=sys.stderr)
        return 1
    return 0


def _add_gdb_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    gdb = commands.add_parser("gdb", help="run invokes of a TA with a GDB remote stub on it "
                              "(listening on 127.0.0.1 only)")
    gdb.add_argument("--ta", type=_uuid, required=True, metavar="UUID", help="the TA to debug")
    _add_invoke_options(gdb)
    gdb.add_argument("--port", type=_uint(16), default=1234, help="TCP port on 127.0.0.1 (default: "
                     "%(default)s; 0 picks a free one, named in the script)")
    gdb.add_argument("--script", default="teesim-ta.gdb", metavar="FILE",
                     help="where to write the gdb script (default: %(default)s; the TA's ELF "
                          "goes next to it)")
    gdb.add_argument("--wait", type=_seconds, default=120.0, metavar="SECONDS",
                     help="how long to wait for gdb to connect (default: %(default)s)")
    gdb.add_argument("--ta-store", default=None, help=_TA_STORE_HELP)
    gdb.set_defaults(run=_cmd_gdb)


class UsageError(Exception):
    pass


def _uint(bits: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text, 0)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not 0 <= value < 1 << bits:
            raise argparse.ArgumentTypeError(f"{value} is not a {bits}-bit unsigned number")
        return value
    return parse


_ta_version = _uint(32)  # rollback protection's version: a 32-bit counter


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value < 1e9:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1e9 seconds")
    return value


def _add_pin_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    from board.pin_cli import DEFAULT_STATE_DIR, HANDLE_DIR

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--state-dir", default=str(DEFAULT_STATE_DIR), metavar="DIR",
                        help="the board's persistent state: fuses, RPMB image, REE files, and the "
                             f"password handles in DIR/{HANDLE_DIR}/ (default: %(default)s under the "
                             "current directory)")
    common.add_argument("--ta-store", default=None, help=_TA_STORE_HELP)
    common.add_argument("--advance-clock", type=_seconds, default=0.0, metavar="SECONDS",
                        help="simulation hook: move the secure clock forward after boot "
                             "(each invocation is a new boot, which restarts a throttling wait)")
    pin = commands.add_parser(
        "pin", help="enrol and verify PINs with the PIN TA (Android Gatekeeper semantics)",
        description="Exit status: 0 OK, 1 wrong PIN, 2 bad usage or no handle, 3 throttled "
                    "(the message says for how long), 4 TEE failure. PINs not given are prompted for.")
    actions = pin.add_subparsers(dest="action", required=True)
    uid_help = "the Android user id (32-bit)"
    enroll = actions.add_parser("enroll", parents=[common],
                                help="enrol a PIN; with a handle stored for the uid, a trusted "
                                     "re-enrolment that needs the current PIN")
    enroll.add_argument("--uid", type=_uint(32), help=uid_help)
    enroll.add_argument("--pin", help="the current PIN (only when re-enrolling; prompted if omitted)")
    enroll.add_argument("--new-pin", help="the new PIN (prompted if omitted)")
    verify = actions.add_parser("verify", parents=[common], help="verify a PIN; prints the auth token")
    verify.add_argument("--uid", type=_uint(32), help=uid_help)
    verify.add_argument("--pin", help="the PIN (prompted if omitted)")
    verify.add_argument("--challenge", type=_uint(64), default=0, help="the token's challenge (default 0)")
    delete = actions.add_parser("delete", parents=[common], help="forget a user (or all) and their handle")
    delete.add_argument("--uid", type=_uint(32), help=uid_help)
    delete.add_argument("--all", action="store_true", help="forget every user")
    pin.set_defaults(run=_cmd_pin)


def _add_drm_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    from board.pin_cli import DEFAULT_STATE_DIR

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--state-dir", default=str(DEFAULT_STATE_DIR), metavar="DIR",
                        help="the board's persistent state (the device key lives in its secure "
                             "storage; default: %(default)s under the current directory)")
    common.add_argument("--ta-store", default=None, help=_TA_STORE_HELP)
    drm = commands.add_parser("drm", help="the DRM key-unwrap TA (Widevine-style licenses, CENC)",
                              description="Exit status: 0 OK, 1 refused by the TA, 2 bad usage, "
                                          "4 TEE failure.")
    actions = drm.add_subparsers(dest="action", required=True)
    info = actions.add_parser("info", parents=[common],
                              help="the device id and public key (made in the TEE on first use)")
    info.add_argument("--pem", metavar="FILE", help="write the device public key here (PEM)")
    actions.add_parser("play", parents=[common],
                       help="license, decrypt and check a short cenc and cbcs stream")
    unwrap = actions.add_parser("unwrap", parents=[common],
                                help="unwrap an RFC 3394 / RFC 5649 blob under a KEK in the TA")
    unwrap.add_argument("--kek", required=True, metavar="HEX", help="the key-encryption key")
    unwrap.add_argument("--wrapped", required=True, metavar="HEX", help="the wrapped key")
    unwrap.add_argument("--padded", action="store_true", help="RFC 5649 (KWP) instead of RFC 3394")
    drm.set_defaults(run=_cmd_drm)
def _add_fingerprint_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    from board.fingerprint_cli import DEFAULT_AUTH_TOUCH
    from board.pin_cli import DEFAULT_STATE_DIR

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--uid", type=_uint(32), required=True, help="the Android user id (32-bit)")
    common.add_argument("--state-dir", default=str(DEFAULT_STATE_DIR), metavar="DIR",
                        help="the board's persistent state, shared with 'teesim pin' "
                             "(default: %(default)s under the current directory)")
    common.add_argument("--ta-store", default=None, help=_TA_STORE_HELP)
    common.add_argument("--advance-clock", type=_seconds, default=0.0, metavar="SECONDS",
                        help="simulation hook: move the secure clock forward after boot")
    finger = argparse.ArgumentParser(add_help=False)
    finger.add_argument("--finger", type=_uint(32), required=True, metavar="SEED",
                        help="the synthetic finger placed on the sensor (the physical world)")
    pin = argparse.ArgumentParser(add_help=False)
    pin.add_argument("--pin", help="the user's PIN (prompted if omitted)")
    parser = commands.add_parser(
        "fingerprint", help="enrol and authenticate fingers with the fingerprint TA",
        description="Exit status: 0 OK, 1 not matched or refused, 2 bad usage, 3 locked out, "
                    "4 TEE failure.")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("enroll", parents=[common, finger, pin],
                       help="enrol a finger (five touches); needs the user's PIN")
    auth = actions.add_parser("authenticate", parents=[common, finger],
                              help="touch the sensor; prints the auth token on a match")
    auth.add_argument("--touch", type=_uint(32), default=DEFAULT_AUTH_TOUCH, metavar="N",
                      help="which touch of the finger (default %(default)s; 0-4 are the enrolment's)")
    auth.add_argument("--operation-id", type=_uint(64), default=0,
                      help="the token's challenge (default 0)")
    actions.add_parser("list", parents=[common], help="the user's enrolments and authenticator id")
    remove = actions.add_parser("remove", parents=[common], help="remove one enrolment")
    remove.add_argument("--id", type=_uint(32), required=True, help="the enrolment id")
    actions.add_parser("reset-lockout", parents=[common, pin],
                       help="end a lockout with the user's PIN")
    parser.set_defaults(run=_cmd_fingerprint)


def _add_signing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", default=None, metavar="PEM",
                        help="RSA private key to sign with (default: the SDK's DEVELOPMENT-ONLY key)")
    parser.add_argument("--ta-version", type=_ta_version, default=0, metavar="N",
                        help="TA version for rollback protection (default: 0)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="teesim", description="A simulated ARM TrustZone device.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="compile trusted apps into a TA store")
    build.add_argument("ta_dirs", nargs="+", metavar="ta-dir")
    build.add_argument("--out", default=str(DEFAULT_TA_STORE),
                       help="TA store directory (default: %(default)s under the current directory; "
                            "a TA of the same UUID there is replaced, with a warning if it was "
                            "built from another directory)")
    build.add_argument("--gp11", action="store_true",
                       help="build in GP TEE Internal Core API v1.1 compatibility mode "
                            "(as CFG_TA_OPTEE_CORE_API_COMPAT_1_1=y in the TA's Makefile)")
    _add_signing_options(build)
    build.set_defaults(run=_cmd_build)
    sign = commands.add_parser("sign", help="sign a linked TA ELF into a loadable .ta")
    sign.add_argument("--in", dest="input", required=True, metavar="ELF", help="the TA's ELF")
    sign.add_argument("--out", dest="output", required=True, metavar="TA", help="signed image to write")
    sign.add_argument("--uuid", help="the TA's UUID (default: the one in its ta_head; must match)")
    sign.add_argument("--algo", default="TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256",
                      choices=[f"TEE_ALG_{a.name}" for a in ShdrAlgo], help="signature algorithm")
    _add_signing_options(sign)
    sign.set_defaults(run=_cmd_sign)
    demo = commands.add_parser("demo", help="run the hello, PIN, DRM and fingerprint scenarios end to end")
    demo.add_argument("--ta-store", default=None, help=_TA_STORE_HELP)
    demo.set_defaults(run=_cmd_demo)
    bare = commands.add_parser("bare-metal", help="run the bare-metal normal-world program "
                               "(C at non-secure EL1, real smc instructions)")
    bare.add_argument("--ta-store", default=None, help=_TA_STORE_HELP)
    bare.set_defaults(run=_cmd_bare_metal)
    headers = commands.add_parser("headers", help="generate the SDK headers defined in Python")
    headers.add_argument("--check", action="store_true", help="only check they are up to date")
    headers.set_defaults(run=_cmd_headers)
    from teesim.fuzz.cli import add_fuzz_commands
    add_fuzz_commands(commands, _TA_STORE_HELP)
    _add_pin_commands(commands)
    _add_trace_command(commands)
    _add_drm_commands(commands)
    _add_fingerprint_commands(commands)
    _add_ta_author_commands(commands)
    _add_coverage_command(commands)
    _add_gdb_command(commands)
    _add_lab_command(commands)
    return parser


# --- TA authors: new, inspect, invoke ------------------------------------------------------

def _cmd_new(args: argparse.Namespace) -> int:
    from tee.tools.scaffold import ScaffoldError, scaffold

    directory = Path(args.dir) if args.dir else Path(args.name)
    try:
        ta_uuid = scaffold(args.name, directory)
    except ScaffoldError as error:
        raise UsageError(str(error)) from None
    print(f"created TA {args.name} ({ta_uuid}) in {directory}")
    print(f"next: teesim build {directory} && pytest {directory / 'tests'}")
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    from board.ta_inspect import InspectError, inspect_file

    try:
        inspection = inspect_file(Path(args.file), Path(args.key) if args.key else None)
    except InspectError as error:
        raise UsageError(str(error)) from None
    sys.stdout.write(inspection.render())
    return 0


def _cmd_invoke(args: argparse.Namespace) -> int:
    from board.board import default_ta_store
    from board.invoke_cli import InvokeUsageError, invoke

    ta_store = Path(args.ta_store) if args.ta_store else default_ta_store()
    try:
        return invoke(ta_store, Path(args.state_dir) if args.state_dir else None, args.uuid, args.cmd,
                      args.params, sys.stdout, sys.stderr)
    except InvokeUsageError as error:
        raise UsageError(str(error)) from None


class _AppendParam(argparse.Action):
    """Keeps --value/--in-hex/--in-file/--out-size in command-line order: params 0..3."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        try:
            self._append(namespace, str(values), option_string)
        except argparse.ArgumentTypeError as error:
            raise argparse.ArgumentError(self, str(error)) from None

    def _append(self, namespace: argparse.Namespace, text: str, option_string: str | None) -> None:
        from board.invoke_cli import MAX_OUT_SIZE, MAX_PARAMS, ParamSpec

        params: list[ParamSpec] = list(getattr(namespace, self.dest) or [])
        if len(params) == MAX_PARAMS:
            raise argparse.ArgumentError(self, f"a call carries at most {MAX_PARAMS} params")
        if option_string in ("--value", "--value-in"):
            params.append(ParamSpec("value" if option_string == "--value" else "value-in", _value_pair(text)))
        elif option_string == "--value-out":
            params.append(ParamSpec("value-out", (0, 0)))
        elif option_string in ("--in-hex", "--inout-hex"):
            try:
                params.append(ParamSpec("in" if option_string == "--in-hex" else "inout", bytes.fromhex(text)))
            except ValueError:
                raise argparse.ArgumentError(self, f"{text!r} is not hex") from None
        elif option_string == "--in-file":
            try:
                params.append(ParamSpec("in", Path(text).read_bytes()))
            except OSError as error:
                raise argparse.ArgumentError(self, f"{text}: {error.strerror}") from None
        else:
            size = _uint(32)(text)
            if size > MAX_OUT_SIZE:
                raise argparse.ArgumentError(self, f"{size} is more than {MAX_OUT_SIZE} bytes")
            params.append(ParamSpec("out", size))
        setattr(namespace, self.dest, params)


def _add_ta_author_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    new = commands.add_parser("new", help="scaffold a TA project: C source, headers with a fresh "
                              "UUID, sub.mk/Makefile, a pytest test using the teesim plugin")
    new.add_argument("name", help="the TA's name, a C identifier (e.g. my_ta)")
    new.add_argument("--dir", metavar="D", help="where to create it (default: ./NAME); must not exist "
                     "or be empty")
    new.set_defaults(run=_cmd_new)
    inspect = commands.add_parser("inspect", help="show what a .ta image or TA ELF holds: UUID, "
                                  "flags, properties, version, signature, segments, symbols")
    inspect.add_argument("file", help="a signed .ta or a TA's .elf")
    inspect.add_argument("--key", metavar="PEM", help="check the signature against this RSA public key "
                         "(default: the SDK's development key)")
    inspect.set_defaults(run=_cmd_inspect)
    invoke = commands.add_parser(
        "invoke", help="open a session to a TA on a fresh board and invoke one command",
        description="Params are numbered in the order given (at most four). Exit status: 0 success, "
                    "1 the TEE or TA returned an error (printed with its origin, and the crash dump "
                    "if the TA died), 2 bad usage.")
    invoke.add_argument("uuid", type=_uuid, help="the TA's UUID")
    invoke.add_argument("cmd", type=_uint(32), help="the command number")
    invoke.add_argument("--value", dest="params", action=_AppendParam, metavar="A[,B]",
                        help="a value param, in and out (VALUE_INOUT)")
    invoke.add_argument("--value-in", dest="params", action=_AppendParam, metavar="A[,B]",
                        help="a value param the TA only reads (VALUE_INPUT)")
    invoke.add_argument("--value-out", dest="params", action=_AppendParam, nargs=0,
                        help="a value param the TA only writes (VALUE_OUTPUT)")
    invoke.add_argument("--in-hex", dest="params", action=_AppendParam, metavar="HEX",
                        help="an input buffer, in hex (MEMREF_INPUT)")
    invoke.add_argument("--inout-hex", dest="params", action=_AppendParam, metavar="HEX",
                        help="a buffer the TA reads and writes, in hex (MEMREF_INOUT; printed after)")
    invoke.add_argument("--in-file", dest="params", action=_AppendParam, metavar="F",
                        help="an input buffer: the file's bytes")
    invoke.add_argument("--out-size", dest="params", action=_AppendParam, metavar="N",
                        help="an output buffer of N bytes (printed in hex)")
    invoke.add_argument("--ta-store", default=None, help=_TA_STORE_HELP)
    invoke.add_argument("--state-dir", default=None, metavar="DIR",
                        help="the board's persistent state (default: a temporary directory)")
    invoke.set_defaults(run=_cmd_invoke, params=[])


# -- teesim lab: the security labs of docs/labs/ ----------------------------------------------
def _cmd_lab(args: argparse.Namespace) -> int:
    from board.board import default_ta_store
    from board.labs import LABS, LabError, run_lab
    from board.trace_run import FORMATS

    if args.action == "list":
        for lab in LABS.values():
            print(f"{lab.name:18} {lab.summary}")
        return 0
    ta_store = Path(args.ta_store) if args.ta_store else default_ta_store()
    try:
        outcome = run_lab(args.name, ta_store)
    except LabError as error:
        raise UsageError(str(error)) from None
    print(outcome.report())
    if args.trace:
        rendered = FORMATS[args.trace](outcome.records)
        if args.out:
            Path(args.out).write_text(rendered)
            print(f"trace ({len(outcome.records)} records) written to {args.out}")
        else:
            print(rendered)
    return 0 if outcome.attack_failed else 1


def _add_lab_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    lab = commands.add_parser("lab", help="security labs: attacks that fail, and why (docs/labs/)",
                              description="Exit status: 0 the attack failed as it should, 1 the attack "
                                          "succeeded (a defence is broken), 2 bad usage.")
    actions = lab.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="the labs")
    run = actions.add_parser("run", help="run one lab on a fresh board")
    run.add_argument("name", help="the lab (see 'teesim lab list')")
    run.add_argument("--trace", choices=["text", "json", "svg"], help="also render the attack's trace")
    run.add_argument("--out", metavar="FILE", help="write the trace here instead of stdout")
    run.add_argument("--ta-store", default=None, help=_TA_STORE_HELP)
    lab.set_defaults(run=_cmd_lab)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as error:
        print(f"teesim {args.command}: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a file or directory the user named is unusable: say which, briefly
        print(f"teesim {args.command}: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

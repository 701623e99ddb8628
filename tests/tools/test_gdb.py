"""GDB on a TA (docs/debugging-tas.md): ``teesim gdb`` run as a user would, driven
by gdb-multiarch in batch mode, and by a small remote-protocol client of our own
(which needs no gdb) for the protocol details and the loopback-only listener."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from elftools.elf.elffile import ELFFile

from tee.tools.ta_build import build_ta
from tests.tas.memcheck.memcheck import MEMCHECK_DIR, UUID, Cmd

ROUNDS = 3
WAIT = 60.0


@pytest.fixture(scope="module")
def store(ta_store: Path) -> Path:
    build_ta(MEMCHECK_DIR, ta_store)
    return ta_store


class StubRun:
    """``teesim gdb`` in a subprocess, its script read once written."""

    def __init__(self, store: Path, tmp: Path) -> None:
        self.script = tmp / "ta.gdb"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tee.tools.cli", "gdb", "--ta", str(UUID), "--cmd", str(int(Cmd.LOOP)),
             "--value", str(ROUNDS), "--port", "0", "--script", str(self.script), "--ta-store", str(store),
             "--wait", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + WAIT
        while not self.script.is_file() or "target remote" not in self.script.read_text():
            assert self.process.poll() is None, self.process.communicate()
            assert time.monotonic() < deadline, "teesim gdb wrote no script"
            time.sleep(0.1)
        self.lines = self.script.read_text().splitlines()
        host, port = next(line for line in self.lines if line.startswith("target remote")).split()[2].split(":")
        self.address = (host, int(port))
        self.load_address = int(next(line for line in self.lines
                                     if line.startswith("add-symbol-file")).split()[-1], 16)

    def finish(self) -> tuple[int, str]:
        _, err = self.process.communicate(timeout=WAIT)
        return self.process.returncode, err


@pytest.fixture
def stub(store: Path, tmp_path: Path) -> Iterator[StubRun]:
    run = StubRun(store, tmp_path)
    yield run
    if run.process.poll() is None:
        run.process.kill()
        run.process.communicate()


# -- gdb-multiarch ---------------------------------------------------------------------

def test_gdb_breaks_steps_prints_and_backtraces(stub: StubRun) -> None:
    gdb = shutil.which("gdb-multiarch")
    if gdb is None:
        pytest.skip("gdb-multiarch is not installed (Debian package gdb-multiarch; "
                    "'make test' installs it when apt-get is usable)")
    result = subprocess.run(
        [gdb, "-batch", "-nx", "-x", str(stub.script),
         "-ex", "break TA_InvokeCommandEntryPoint", "-ex", "continue", "-ex", "bt",
         "-ex", "delete", "-ex", "break mix", "-ex", "continue", "-ex", "continue",
         "-ex", "print i", "-ex", "print sum", "-ex", "stepi", "-ex", "info registers pc",
         "-ex", "delete", "-ex", "continue"],
        capture_output=True, text=True, timeout=WAIT, check=False)
    out = result.stdout
    assert "Breakpoint 1, TA_InvokeCommandEntryPoint" in out, out + result.stderr
    assert "__utee_entry" in out and "memcheck_ta.c" in out  # the backtrace, with sources
    assert "Breakpoint 2, mix (sum=1, i=i@entry=1)" in out  # the second round
    assert "$1 = 1\n$2 = 1" in out  # i and sum printed
    assert "<mix+4>" in out  # one instruction stepped
    assert "exited normally" in out
    code, err = stub.finish()
    assert code == 0, err


# -- our own remote-protocol client -----------------------------------------------------

class Rsp:
    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address, timeout=WAIT)

    def ask(self, payload: str) -> str:
        self.sock.sendall(f"${payload}#{sum(payload.encode()) & 0xFF:02x}".encode())
        data = b""
        while not (b"#" in data and len(data) - data.index(b"#") >= 3):
            chunk = self.sock.recv(65536)
            assert chunk, "stub closed the connection"
            data += chunk
        assert data.startswith(b"+$"), data
        body = data[2:data.index(b"#")]
        assert int(data[data.index(b"#") + 1:][:2], 16) == sum(body) & 0xFF
        self.sock.sendall(b"+")
        return body.decode()


def mix_offset(store: Path) -> int:
    with open(store / f"{UUID}.elf", "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        return symtab.get_symbol_by_name("mix")[0]["st_value"]  # type: ignore[attr-defined]


def test_protocol_breakpoint_registers_memory_and_step(stub: StubRun, store: Path) -> None:
    rsp = Rsp(stub.address)
    assert "qXfer:features:read+" in rsp.ask("qSupported:swbreak+")
    assert rsp.ask("?") == "S05"
    xml = rsp.ask("qXfer:features:read:target.xml:0,ffff")
    assert xml.startswith("l") and "org.gnu.gdb.aarch64.core" in xml
    mix = stub.load_address + mix_offset(store)
    assert rsp.ask(f"Z0,{mix:x},4") == "OK"
    assert rsp.ask("c").startswith("T05")
    pc = int.from_bytes(bytes.fromhex(rsp.ask("p20")), "little")  # register 32: pc
    assert pc == mix
    registers = bytes.fromhex(rsp.ask("g"))
    assert len(registers) == 33 * 8 + 4
    assert int.from_bytes(registers[8:16], "little") == 0  # x1 = i of the first round
    code = bytes.fromhex(rsp.ask(f"m{mix:x},4"))
    assert len(code) == 4  # the TA's own code is readable, as the TA reads it
    assert rsp.ask(f"M{mix:x},4:00000000") == "E14"  # and not writable (W^X holds for gdb too)
    assert rsp.ask("m10,4") == "E14"  # nothing outside the TA's mappings
    assert rsp.ask("P1=0500000000000000") == "OK"  # i = 5 from now on
    assert rsp.ask("p1") == "0500000000000000"
    assert rsp.ask("P20=0000000000000000") == "E01"  # the pc stays the TA's own
    assert rsp.ask("s").startswith("T05")
    assert int.from_bytes(bytes.fromhex(rsp.ask("p20")), "little") == mix + 4
    assert rsp.ask(f"z0,{mix:x},4") == "OK"
    assert rsp.ask("D") == "OK"
    code, err = stub.finish()
    assert code == 0, err


def test_stub_listens_on_loopback_only(stub: StubRun) -> None:
    """An attacker on another address of this machine cannot reach the stub."""
    host, port = stub.address
    assert host == "127.0.0.1"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.2", port), timeout=5).close()
    others = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    for address in others - {"127.0.0.1"}:
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=5).close()
    rsp = Rsp(stub.address)  # loopback itself works
    assert rsp.ask("?") == "S05"
    assert rsp.ask("D") == "OK"
    code, err = stub.finish()
    assert code == 0, err


def test_gdb_without_a_ta_store_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "tee.tools.cli", "gdb", "--ta", str(UUID), "--cmd", "4",
                             "--ta-store", str(tmp_path / "none"), "--script", str(tmp_path / "x.gdb")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "no TA store" in result.stderr and "Traceback" not in result.stderr


def test_a_breakpoint_on_code_that_already_ran_is_hit(store: Path) -> None:
    """gdb attached late: a breakpoint in code the emulator already translated stops
    the TA there all the same (once per round of the loop)."""
    from board import Board
    from normal_world import Operation, Value
    from tee.instrument import TaEntered
    from tee.kernel.ta_debug import TaDebugger

    board = Board(store)
    session = board.context().open_session(UUID)
    session.invoke(Cmd.LOOP, Operation(Value.inout(ROUNDS)))
    rounds_seen: list[int] = []

    def entered(event: TaEntered) -> None:
        debugger: TaDebugger = event.debugger
        if event.entry == "INVOKE_COMMAND" and not rounds_seen:
            debugger.add_breakpoint(debugger.address_of("mix"),
                                    lambda hit: rounds_seen.append(hit.registers()["x1"]) and None)
    board.device.instrumentation.subscribe(TaEntered, entered)
    session.invoke(Cmd.LOOP, Operation(Value.inout(ROUNDS)))
    session.close()
    assert rounds_seen == list(range(ROUNDS))

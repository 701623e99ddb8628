"""A GDB remote stub (GDB Remote Serial Protocol) for one TA instance, and
``teesim gdb``: run invokes of a TA on a fresh board with gdb attached.

Theory of operation: the stub drives the instance only through its
:class:`tee.kernel.ta_debug.TaDebugger`. It stops the TA at its first entry
(a breakpoint on ``__ta_entry``), waits there for gdb to connect, then serves
gdb's packets whenever the TA is stopped: at a breakpoint gdb set (``Z0``), or
after each instruction while gdb steps. ``c`` / ``s`` (or ``vCont``) let the TA
run on, which returns from the breakpoint handler to the instance's run loop.
Memory goes through the debugger, so gdb reads and writes exactly what the TA
itself may. The listening socket is bound to 127.0.0.1 only: a debugger is a
way into the secure world and must never be reachable from the network.
A gdb script (``add-symbol-file`` with the ASLR load address, ``target
remote``) is written once the instance, and so its load address, exists.
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from tee.abi.registers import U32_MASK
from tee.instrument import TaEntered
from tee.kernel.ta_debug import Resume, TaDebugger
from board.board import Board
from board.trace_run import Scenario, check_scenario, run_plainly

#: Only ever loopback: see the module docstring.
LOOPBACK = "127.0.0.1"
#: Registers in the order of gdb's org.gnu.gdb.aarch64.core feature.
_CORE = [f"x{i}" for i in range(31)] + ["sp_el0", "elr"]  # then cpsr (32 bits)
_CPSR_REGNUM = 33
_PACKET_SIZE = 0x4000
_STOP_SIGTRAP = "T05"
TARGET_XML = (
    '<?xml version="1.0"?><!DOCTYPE target SYSTEM "gdb-target.dtd">'
    '<target version="1.0"><architecture>aarch64</architecture>'
    '<feature name="org.gnu.gdb.aarch64.core">'
    + "".join(f'<reg name="x{i}" bitsize="64" type="uint64"/>' for i in range(31))
    + '<reg name="sp" bitsize="64" type="data_ptr"/><reg name="pc" bitsize="64" type="code_ptr"/>'
    '<reg name="cpsr" bitsize="32" type="uint32"/></feature></target>')


class GdbConnectionClosed(Exception):
    """gdb went away (the stub then lets the TA run on, as after a detach)."""


class _Rsp:
    """Packet framing of the remote protocol over one connected socket."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""

    def _byte(self) -> int:
        if not self._buffer:
            chunk = self._sock.recv(4096)
            if not chunk:
                raise GdbConnectionClosed()
            self._buffer = chunk
        byte, self._buffer = self._buffer[0], self._buffer[1:]
        return byte

    def receive(self) -> str:
        """The next packet's payload (acknowledged); acks and ^C in between are skipped."""
        while True:
            if self._byte() != ord("$"):
                continue
            payload = bytearray()
            while (byte := self._byte()) != ord("#"):
                payload.append(byte)
            checksum = bytes([self._byte(), self._byte()])
            if int(checksum, 16) == sum(payload) & 0xFF:
                self._sock.sendall(b"+")
                return payload.decode("latin-1")
            self._sock.sendall(b"-")

    def send(self, payload: str) -> None:
        data = payload.encode("latin-1")
        self._sock.sendall(b"$" + data + b"#" + f"{sum(data) & 0xFF:02x}".encode())


class GdbStub:
    """Serves gdb for one instance. ``port`` 0 picks a free port (see :attr:`port`)."""

    def __init__(self, port: int = 0, accept_timeout: float = 120.0) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((LOOPBACK, port))
        self._listener.listen(1)
        self._listener.settimeout(accept_timeout)
        self.port: int = self._listener.getsockname()[1]
        self._rsp: _Rsp | None = None
        self._conn: socket.socket | None = None
        self._debugger: TaDebugger | None = None
        self._breakpoints: set[int] = set()
        self._first_stop: int | None = None
        #: A breakpoint lifted for one step off it (put back at the next stop).
        self._lifted: int | None = None
        #: gdb detached, killed or never came: the TA runs on undisturbed.
        self.done = False

    # -- attaching --------------------------------------------------------------------
    def attach(self, debugger: TaDebugger) -> None:
        """Stop the instance at its next entry and wait there for gdb."""
        self._debugger = debugger
        debugger.on_step(self._stopped)
        self._first_stop = debugger.address_of("__ta_entry")
        debugger.add_breakpoint(self._first_stop, self._stopped)

    def finish(self) -> None:
        """The run is over: tell a waiting gdb the target exited, and close."""
        if self._rsp is not None and not self.done:
            try:
                self._rsp.send("W00")
            except OSError:
                pass
        self._close()

    def _close(self) -> None:
        self.done = True
        if self._debugger is not None:
            for address in self._breakpoints | ({self._first_stop} if self._first_stop else set()):
                self._debugger.remove_breakpoint(address)
            self._debugger.on_step(None)
        self._breakpoints.clear()
        for sock in (self._conn, self._listener):
            if sock is not None:
                sock.close()
        self._conn = self._rsp = None

    # -- stops ------------------------------------------------------------------------
    def _stopped(self, debugger: TaDebugger) -> Resume | None:
        if self.done:
            return None
        if self._lifted is not None:
            debugger.add_breakpoint(self._lifted, self._stopped)
            self._lifted = None
        if debugger.pc == self._first_stop and self._first_stop not in self._breakpoints:
            debugger.remove_breakpoint(debugger.pc)  # our own stop, wanted once
            self._first_stop = None
        try:
            if self._rsp is None:
                try:
                    self._conn, _ = self._listener.accept()
                except (socket.timeout, OSError):
                    print("teesim gdb: no debugger connected; the TA runs on", file=sys.stderr)
                    self._close()
                    return None
                self._conn.settimeout(None)  # a user may think at a breakpoint for as long as they like
                self._conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._rsp = _Rsp(self._conn)  # gdb asks "?" and hears S05
            else:
                self._rsp.send(_STOP_SIGTRAP + ("swbreak:;" if debugger.pc in self._breakpoints else ""))
            return self._serve(debugger, self._rsp)
        except (GdbConnectionClosed, OSError):
            self._close()
            return None

    def _serve(self, debugger: TaDebugger, rsp: _Rsp) -> Resume | None:
        while True:
            packet = rsp.receive()
            if packet in ("c", "vCont;c") or packet.startswith(("c", "vCont;c", "C")):
                return Resume.CONTINUE
            if packet == "s" or packet.startswith(("vCont;s", "S")):
                if debugger.pc in self._breakpoints:  # step off it as gdb would: lift it for the step
                    debugger.remove_breakpoint(debugger.pc)
                    self._lifted = debugger.pc
                return Resume.STEP
            if packet.startswith("D"):
                rsp.send("OK")
                self._close()
                return None
            if packet == "k":
                self._close()
                return None
            rsp.send(self._answer(debugger, packet))

    def _answer(self, debugger: TaDebugger, packet: str) -> str:
        """The reply to a packet that does not resume the TA ("" = not supported)."""
        if packet.startswith("qSupported"):
            return f"PacketSize={_PACKET_SIZE:x};qXfer:features:read+;swbreak+;vContSupported+"
        if packet == "?":
            return "S05"
        if packet == "vCont?":
            return "vCont;c;C;s;S"
        if packet.startswith("qXfer:features:read:target.xml:"):
            offset, length = (int(n, 16) for n in packet.rsplit(":", 1)[1].split(","))
            chunk = TARGET_XML[offset:offset + length]
            return ("m" if offset + length < len(TARGET_XML) else "l") + chunk
        if packet == "qAttached":
            return "1"
        if packet == "qfThreadInfo":
            return "m1"
        if packet == "qsThreadInfo":
            return "l"
        if packet == "qC":
            return "QC1"
        if packet.startswith(("H", "T")):
            return "OK"
        if packet == "g":
            regs = debugger.registers()
            return "".join(regs[name].to_bytes(8, "little").hex() for name in _CORE) + \
                (regs["cpsr"] & U32_MASK).to_bytes(4, "little").hex()
        if packet.startswith("G"):
            return self._write_all_registers(debugger, bytes.fromhex(packet[1:]))
        if packet.startswith("p"):
            return self._read_register(debugger, int(packet[1:], 16))
        if packet.startswith("P"):
            number, value = packet[1:].split("=")
            return self._write_register(debugger, int(number, 16), bytes.fromhex(value))
        if packet.startswith("m"):
            address, length = (int(n, 16) for n in packet[1:].split(","))
            try:
                return debugger.read(address, min(length, _PACKET_SIZE // 2 - 8)).hex()
            except ValueError:
                return "E14"  # EFAULT: the TA itself could not read there
        if packet.startswith("M"):
            where, data = packet[1:].split(":")
            address, _ = (int(n, 16) for n in where.split(","))
            try:
                debugger.write(address, bytes.fromhex(data))
                return "OK"
            except ValueError:
                return "E14"
        if packet.startswith(("Z0,", "z0,")):
            address = int(packet[3:].split(",")[0], 16)
            if packet[0] == "Z":
                debugger.add_breakpoint(address, self._stopped)
                self._breakpoints.add(address)
            elif address in self._breakpoints:
                debugger.remove_breakpoint(address)
                self._breakpoints.discard(address)
            return "OK"
        return ""

    @staticmethod
    def _read_register(debugger: TaDebugger, number: int) -> str:
        regs = debugger.registers()
        if number < len(_CORE):
            return regs[_CORE[number]].to_bytes(8, "little").hex()
        if number == _CPSR_REGNUM:
            return (regs["cpsr"] & U32_MASK).to_bytes(4, "little").hex()
        return "E00"

    @staticmethod
    def _write_register(debugger: TaDebugger, number: int, raw: bytes) -> str:
        value = int.from_bytes(raw, "little")
        if number < 31:
            debugger.set_register(f"x{number}", value)
            return "OK"
        current = GdbStub._read_register(debugger, number)
        return "OK" if current == raw.hex() else "E01"  # sp, pc, cpsr stay the TA's own

    @staticmethod
    def _write_all_registers(debugger: TaDebugger, raw: bytes) -> str:
        regs = debugger.registers()
        for number in range(31):
            value = int.from_bytes(raw[number * 8:number * 8 + 8], "little")
            if value != regs[f"x{number}"]:
                debugger.set_register(f"x{number}", value)
        return "OK"


def gdb_script(elf: Path, load_address: int, port: int) -> str:
    """Commands for gdb-multiarch: the TA's symbols at their run-time addresses, then connect."""
    return (f"set pagination off\nset architecture aarch64\n"
            f"add-symbol-file {elf} -o 0x{load_address:x}\n"
            f"target remote {LOOPBACK}:{port}\n")


@dataclass(frozen=True)
class GdbRun:
    failure: str | None  # the TEE error that ended the scenario early, if any
    attached: bool  # the TA ran (and so the stub was offered to gdb)


def run_under_gdb(ta_store: Path, scenario: Scenario, script: Path, *, port: int = 0,
                  accept_timeout: float = 120.0) -> GdbRun:
    """Run ``scenario`` with a stub on its TA's first instance; the gdb script goes to
    ``script`` (the ELF next to it) as soon as the instance exists."""
    check_scenario(ta_store, scenario)
    board = Board(ta_store, call_timeout=0)  # time stopped in gdb must not count against the TA
    stub = GdbStub(port, accept_timeout)

    def entered(event: TaEntered) -> None:
        if event.ta != scenario.ta or event.debugger is None or stub._debugger is not None:
            return
        debugger: TaDebugger = event.debugger
        elf = script.with_name(f"{scenario.ta}.elf")
        elf.write_bytes(debugger.elf)
        script.write_text(gdb_script(elf.resolve(), debugger.image_base, stub.port))
        print(f"teesim gdb: TA {scenario.ta} stopped at its entry; waiting for gdb on "
              f"{LOOPBACK}:{stub.port}: gdb-multiarch -x {script}", file=sys.stderr, flush=True)
        stub.attach(debugger)

    board.device.instrumentation.subscribe(TaEntered, entered)
    try:
        failure = run_plainly(board, scenario)
    finally:
        stub.finish()
    return GdbRun(failure, stub._debugger is not None)


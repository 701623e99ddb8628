"""A run preempted by wall-clock time slices and resumed ends exactly as an
unpreempted run does.

The workload chases a pointer ring (``ldr x9, [x9]``): a load that, run twice,
lands one ring entry further on. Unicorn 2.1 ends a run stopped from another
thread (``uc_emu_stop`` off the emulating thread) without setting the PC back to
where execution really stands: the PC it leaves is one stored before the last
memory access, so resuming there runs instructions twice. The old preemption
timer stopped runs that way and the fingerprint matcher died of it
(docs/fingerprint.md). Now the timer only raises a flag, and a native block
hook stops the run on the emulating thread (tee/emu/preempt.py); when that
hook cannot be built, time slices are counted by Unicorn itself."""

from __future__ import annotations

import struct

from tee.emu.cpu import El0Cpu, Perm, StopKind

CODE, RING, STACK = 0x10000, 0x20000, 0x30000
RING_LENGTH = 251  # prime: a load run twice, or skipped, k times shows unless k is a multiple
LOADS_PER_PASS = 16
PASSES = 1_000_000


def _insn(word: int) -> bytes:
    return struct.pack("<I", word)


def _program() -> bytes:
    ldr_x9_x9 = 0xF9400129
    add_x0_x0_1 = 0x91000400
    subs_x10_x10_1 = 0xF100054A
    body = [ldr_x9_x9] * LOADS_PER_PASS + [add_x0_x0_1, subs_x10_x10_1]
    b_ne_to_start = 0x54000001 | ((-len(body) & 0x7FFFF) << 5)
    svc_0 = 0xD4000001
    return b"".join(_insn(w) for w in body + [b_ne_to_start, svc_0])


def _ring_cpu() -> El0Cpu:
    cpu = El0Cpu()
    cpu.map(CODE, 0x1000, Perm.READ | Perm.EXEC)
    cpu.write(CODE, _program())
    cpu.map(RING, 0x1000, Perm.READ | Perm.WRITE)
    cpu.write(RING, b"".join(struct.pack("<Q", RING + 8 * ((i + 1) % RING_LENGTH))
                             for i in range(RING_LENGTH)))
    cpu.map(STACK, 0x1000, Perm.READ | Perm.WRITE)
    cpu.prepare_entry(CODE, STACK + 0x800, (0, 0, 0, 0))
    cpu.set_x(9, RING)
    cpu.set_x(10, PASSES)
    return cpu


def _run(time_slice: float) -> tuple[dict[str, int], int]:
    cpu = _ring_cpu()
    try:
        preemptions = 0
        while True:
            stop = cpu.run(time_slice=time_slice)
            if stop.kind is not StopKind.PREEMPTED:
                break
            preemptions += 1
        assert stop.kind is StopKind.SYSCALL, stop
        return cpu.snapshot_registers(), preemptions
    finally:
        cpu.close()


def test_a_computation_preempted_dozens_of_times_ends_as_an_unpreempted_one() -> None:
    registers, preemptions = _run(time_slice=0.001)
    loads = PASSES * LOADS_PER_PASS
    assert preemptions >= 50  # the slices really cut the run
    assert registers["x0"] == PASSES
    assert registers["x9"] == RING + 8 * (loads % RING_LENGTH)  # no load run twice or skipped


def test_a_single_step_after_a_preemption_runs_exactly_one_instruction() -> None:
    """A debugger steps with one-instruction runs: nothing of the ended time slice
    (a preempt request still raised) may stop the step before it executes."""
    cpu = _ring_cpu()
    try:
        assert cpu.run(time_slice=0.001).kind is StopKind.PREEMPTED
        for _ in range(50):
            before = cpu.pc
            assert cpu.run(budget=1).kind is StopKind.BUDGET_EXHAUSTED
            assert cpu.pc != before  # no instruction of the loop branches to itself
    finally:
        cpu.close()

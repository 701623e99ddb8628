"""CPU emulation. The only package that imports Unicorn."""

from tee.emu.cpu import PAGE_SIZE, CpuFault, El0Cpu, FaultKind, Perm, Stop, StopKind

__all__ = ["PAGE_SIZE", "CpuFault", "El0Cpu", "FaultKind", "Perm", "Stop", "StopKind"]

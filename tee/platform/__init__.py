"""The simulated board: physical memory map with TrustZone address-space control."""

from tee.platform.memory import (AccessError, MemoryLayout, NonSecureMemory, PhysicalMemory,
                                 Region, World)

__all__ = ["AccessError", "MemoryLayout", "NonSecureMemory", "PhysicalMemory", "Region", "World"]

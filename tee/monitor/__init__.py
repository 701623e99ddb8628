"""The secure monitor (EL3): SMCCC decoding, service dispatch, world switches."""

from tee.monitor.monitor import SecureMonitor, SecurityState, WorldSwitch
from tee.monitor.registry import RuntimeService, ServiceRegistry

__all__ = ["RuntimeService", "SecureMonitor", "SecurityState", "ServiceRegistry", "WorldSwitch"]

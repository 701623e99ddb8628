"""The normal world: GlobalPlatform TEE Client API, OP-TEE driver and channel.

The safe, everyday API is what this package exports. Raw SMCs and hand-built
messages (for fuzzers and experts) live in :mod:`normal_world.driver` and
:mod:`tee.abi`.
"""

from tee.abi.results import ErrorOrigin, Login, ParamType, TeeResult
from normal_world.channel import Channel, EmbeddedChannel
from normal_world.client import (MEM_INPUT, MEM_OUTPUT, Context, Operation, RegisteredMemref,
                                 SecureMemref, Session, SharedMemory, TempMemref, TeeError, Value)
from normal_world.secure_heap import SecureBuffer

__all__ = ["MEM_INPUT", "MEM_OUTPUT", "Channel", "Context", "EmbeddedChannel", "ErrorOrigin",
           "Login", "Operation", "ParamType", "RegisteredMemref", "SecureBuffer", "SecureMemref",
           "Session", "SharedMemory", "TeeError", "TeeResult", "TempMemref", "Value"]

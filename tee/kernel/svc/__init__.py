"""Syscall handlers, one module per area; importing this package registers them all."""

from tee.kernel.svc import basic  # noqa: F401
from tee.kernel.svc import ta_session  # noqa: F401
from tee.kernel.svc import time_cancel  # noqa: F401
from tee.kernel.svc import objects  # noqa: F401
from tee.kernel.svc import cryp  # noqa: F401
from tee.kernel.svc import props  # noqa: F401
from tee.kernel.svc import storage  # noqa: F401

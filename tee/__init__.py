"""teesim's secure side: platform, monitor, kernel and CPU emulation.

Most users want :class:`tee.device.Device` (or just the normal world's client API,
which creates one).
"""

import logging as _logging

# A library does not print by default: the secure console goes to the
# "teesim.secure" logger, which the demo and CLI attach a handler to.
_logging.getLogger("teesim").addHandler(_logging.NullHandler())

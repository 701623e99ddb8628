"""teesim's secure side: platform, monitor, kernel and CPU emulation.

Boards (the secure side plus the normal world's peripherals) are assembled in
:mod:`board`; applications use :mod:`teesim`.
"""

import logging as _logging

# A library does not print by default: the secure console goes to the
# "teesim.secure" logger, which the demo and CLI attach a handler to.
_logging.getLogger("teesim").addHandler(_logging.NullHandler())

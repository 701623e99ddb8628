"""Pseudo-TAs: the framework (``framework``) and the services built in.

Importing this package registers every built-in pseudo-TA.
"""

from tee.kernel.pseudo_ta import auth_token, fingerprint_sensor, system  # noqa: F401  (registers them)
from tee.kernel.pseudo_ta.framework import (PseudoTa, PseudoTaInstance, PseudoTaServices,
                                            PseudoTaTable, PtaCall, pseudo_ta)

__all__ = ["PseudoTa", "PseudoTaInstance", "PseudoTaServices", "PseudoTaTable", "PtaCall",
           "pseudo_ta"]

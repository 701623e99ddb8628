"""Board assembly, above both worlds: the secure device, the normal world's
storage and supplicant, and the channel between them."""

from board.board import Board, default_ta_store
from board.power import PowerCut, PowerSwitch

__all__ = ["Board", "PowerCut", "PowerSwitch", "default_ta_store"]

"""The fingerprint sensor: a peripheral wired to the secure world only.

It has two sides. The physical world (a finger, played by tests and demos
through the board) places one capture on it and lifts it: :attr:`finger`.
The secure kernel's sensor driver reads it: :meth:`FingerprintSensor.take`.
Nothing connects it to non-secure memory or the SMC channel, so the normal
world can neither read a capture nor put one there (a trusted sensor path,
Android CDD 7.3.10 C-2-8).

The sensor holds at most one capture, of at most ``MAX_CAPTURE_SIZE`` bytes:
a touch. Reading it takes it off (one touch, one capture: the finger must be
placed again for another attempt). The bytes are whatever the finger gave;
the driver checks the record format, not the sensor.
"""

from __future__ import annotations

import threading

from tee.abi.fingerprint import MAX_CAPTURE_SIZE


class CaptureTooLarge(ValueError):
    """A placement larger than the sensor's buffer (the physical world's mistake)."""


class Finger:
    """The physical world's side of the sensor: touch it with a capture, or lift."""

    def __init__(self, sensor: "FingerprintSensor") -> None:
        self._sensor = sensor

    def place(self, record: bytes) -> None:
        """Touch the sensor: ``record`` is what it captures (an ISO/IEC 19794-2 finger
        minutiae record, or anything else a test wants the driver to refuse). It
        replaces a capture not yet read."""
        self._sensor._place(bytes(record))

    def lift(self) -> None:
        """Take the finger off: a capture not yet read is gone."""
        self._sensor._place(None)


class FingerprintSensor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._capture: bytes | None = None
        self.finger = Finger(self)

    def _place(self, record: bytes | None) -> None:
        if record is not None and len(record) > MAX_CAPTURE_SIZE:
            raise CaptureTooLarge(f"the sensor holds at most {MAX_CAPTURE_SIZE} bytes, "
                                  f"not {len(record)}")
        with self._lock:
            self._capture = record

    def take(self) -> bytes | None:
        """The driver's read: the capture on the sensor (now off it), or None."""
        with self._lock:
            capture, self._capture = self._capture, None
        return capture

"""The fingerprint sensor's driver, as a pseudo-TA only TAs may open.

The sensor (``tee/platform/fingerprint_sensor.py``) is wired to the secure
world alone; this driver is the one way to read it. A normal-world client
opening it gets TEE_ERROR_ACCESS_DENIED, so nothing it sends can read a
capture or stand in for one.

- CAPTURE: [out] value[0] .a SensorStatus, .b the record's length;
  [out] memref[1] room for MAX_CAPTURE_SIZE bytes (less:
  TEE_ERROR_BAD_PARAMETERS, and the capture stays on the sensor).
  CAPTURED: the record is in memref[1] and off the sensor. NO_FINGER: nothing
  was placed. MALFORMED: the sensor held bytes that are not a valid ISO/IEC
  19794-2:2005 finger minutiae record (the reason goes to the secure console);
  they are dropped, never handed to the TA.

Other param types: TEE_ERROR_BAD_PARAMETERS; other commands:
TEE_ERROR_NOT_IMPLEMENTED.
"""

from __future__ import annotations

from typing import Callable

from tee.abi import iso19794_2
from tee.abi.fingerprint import (FINGERPRINT_SENSOR_PTA_UUID, MAX_CAPTURE_SIZE, SensorCmd,
                                 SensorStatus)
from tee.abi.results import ParamType, TeeResult
from tee.kernel.pseudo_ta.framework import PtaCall, TaOnlyPseudoTa, pseudo_ta


def malformation(record: bytes) -> str | None:
    """Why ``record`` is not a valid finger minutiae record; None if it is one."""
    try:
        iso19794_2.decode(record)
    except iso19794_2.RecordError as error:
        return str(error)
    return None


@pseudo_ta(FINGERPRINT_SENSOR_PTA_UUID, "fingerprint_sensor.pta")
class FingerprintSensorPta(TaOnlyPseudoTa):
    def _capture(self, call: PtaCall) -> int:
        if (not call.types_are(ParamType.VALUE_OUTPUT, ParamType.MEMREF_OUTPUT)
                or call.params[1].size < MAX_CAPTURE_SIZE or call.memref(1) is None):
            return TeeResult.ERROR_BAD_PARAMETERS
        status = call.params[0]
        record = self.services.fingerprint_sensor.take()
        if record is None:
            status.a, status.b = SensorStatus.NO_FINGER, 0
            return TeeResult.SUCCESS
        reason = malformation(record)
        if reason is not None:
            self.services.log.core("E", f"{self.name}: capture refused: {reason}")
            status.a, status.b = SensorStatus.MALFORMED, 0
            return TeeResult.SUCCESS
        call.write_memref(1, record)
        status.a, status.b = SensorStatus.CAPTURED, len(record)
        return TeeResult.SUCCESS

    commands: dict[int, Callable[["FingerprintSensorPta", PtaCall], int]] = {
        SensorCmd.CAPTURE: _capture,
    }

"""The fingerprint TA's and the fingerprint-sensor pseudo-TA's wire numbers.

``trusted_apps/fingerprint/include/fingerprint_ta.h`` and the SDK's
``pta_fingerprint_sensor.h`` say the same in C; a test checks that they agree
with these enums (tests/fingerprint/test_fp_ta_headers.py).
"""

from __future__ import annotations

import uuid as uuid_mod
from enum import IntEnum

FINGERPRINT_TA_UUID = uuid_mod.UUID("3c8e5f21-7a4b-4d6e-9f10-b2c4d6e8fa13")
FINGERPRINT_SENSOR_PTA_UUID = uuid_mod.UUID("9b2f6d14-35c7-4e8a-a1d9-0c5e7f3b8a26")

#: The most bytes one capture may hold: the sensor refuses a larger placement,
#: and a TA reading it must offer this much room.
MAX_CAPTURE_SIZE = 4096


class SensorCmd(IntEnum):
    """PTA_FP_SENSOR_CMD_*."""

    CAPTURE = 0


class SensorStatus(IntEnum):
    """What a CAPTURE found (PTA_FP_SENSOR_*)."""

    CAPTURED = 0      #: a well-formed ISO/IEC 19794-2 record, now off the sensor
    NO_FINGER = 1     #: nothing on the sensor
    MALFORMED = 2     #: the sensor's record was not a valid record: dropped, never handed out


class FpCmd(IntEnum):
    """FP_CMD_* (fingerprint_ta.h): the AIDL ISession operations."""

    GENERATE_CHALLENGE = 0
    REVOKE_CHALLENGE = 1
    ENROLL_START = 2
    ENROLL_CAPTURE = 3
    ENROLL_CANCEL = 4
    AUTHENTICATE = 5
    ENUMERATE = 6
    REMOVE = 7
    GET_AUTHENTICATOR_ID = 8
    RESET_LOCKOUT = 9


class FpStatus(IntEnum):
    """FP_STATUS_*: the outcome of a command that reached the TA's logic."""

    OK = 0
    NO_FINGER = 1           #: nothing on the sensor: touch it and ask again; nothing counted
    POOR_QUALITY = 2        #: a capture with too few minutiae (acquired: insufficient); not counted
    NOT_MATCHED = 3         #: a good capture matching no enrolment: a counted failure
    LOCKED_OUT_TIMED = 4    #: wait the milliseconds given; no capture was taken
    LOCKED_OUT_PERMANENT = 5  #: only resetLockout with a recent PIN token ends it
    UNABLE_TO_PROCESS = 6   #: an auth token refused (MAC, type, challenge, SID or age)
    NO_SPACE = 7            #: the user already has MAX_ENROLLMENTS enrolments
    BAD_CAPTURE = 8         #: the sensor refused a malformed record; nothing counted
    NOT_ENROLLING = 9       #: ENROLL_CAPTURE or ENROLL_CANCEL without an enrolment started
    BUSY = 10               #: an enrolment is in progress in this session: finish or cancel it
    NOT_FOUND = 11          #: REMOVE named an enrolment the user does not have


class LockoutKind(IntEnum):
    """The lockout in force after an attempt (FP_LOCKOUT_*)."""

    NONE = 0
    TIMED = 1
    PERMANENT = 2


#: Touches per enrolment, and the fewest minutiae a usable capture has (libfprint's values).
ENROLL_STEPS = 5
MIN_MINUTIAE = 10
#: Enrolments per user (Android's config_fingerprintMaxTemplatesPerUser default).
MAX_ENROLLMENTS = 5
#: Outstanding challenges per session; a new one beyond this replaces the oldest.
MAX_CHALLENGES = 4
#: A challenge and a PIN token are good for this long (TEE time since boot).
CHALLENGE_LIFETIME_MS = 10 * 60 * 1000
RECENT_TOKEN_MS = 10 * 60 * 1000
#: Android's LockoutFrameworkImpl: 30 s at every 5th consecutive failure, permanent at 20.
LOCKOUT_TIMED_EVERY = 5
LOCKOUT_TIMED_MS = 30_000
LOCKOUT_PERMANENT_AT = 20

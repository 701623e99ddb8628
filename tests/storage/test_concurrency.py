"""Two TAs storing at once from two normal-world threads: secure threads suspend
in RPC in the middle of commits, and both TAs' anchor slots share an RPMB
block. The storage takes one request at a time, so no update is lost."""

from __future__ import annotations

import threading

from tests.storage.storage_ta import ALL, OK, OVERWRITE, TA1, TA2


def test_concurrent_updates_from_two_tas(board) -> None:
    sessions = {TA1: board.ta(TA1), TA2: board.ta(TA2)}
    errors: list[BaseException] = []

    def work(ta_uuid) -> None:
        try:
            ta = sessions[ta_uuid]
            for round_ in range(8):
                result, h = ta.create(b"obj", b"round %d" % round_, ALL | OVERWRITE)
                assert result == OK, hex(result)
                assert ta.close_object(h) == OK
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(u,)) for u in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    board.reboot()
    for ta_uuid in sessions:
        assert board.ta(ta_uuid).read_object(b"obj") == (OK, b"round 7")

"""The monitor as the normal world sees it: function-ID decoding, dispatch, fixed answers."""

from __future__ import annotations

import pytest

from tee.instrument import WorldSwitch
from tee.abi.optee_smc import OpteeSmc
from tee.abi.smccc import CallType
from board.fuses import fresh_huk
from tee.device import Device
from tee.monitor import RuntimeService, SecureMonitor, SecurityState

UNKNOWN = 0xFFFFFFFF


def smc(device: Device, fid: int, *args: int) -> tuple[int, ...]:
    return device.smc([fid, *args, *([0] * (7 - len(args)))])


@pytest.fixture
def bare_device(tmp_path) -> Device:
    return Device(fresh_huk())  # the secure side alone: no normal world, no storage


@pytest.mark.parametrize("fid", [0x12345678, 0x80FF0000 | 0, 0xB2001234, 0xBF00FF02, 0x84000000,
                                 0xC2000001, 0x31000000, 0x0])
def test_unknown_function_ids_return_smc_unk(bare_device: Device, fid: int) -> None:
    assert smc(bare_device, fid)[0] == UNKNOWN


def test_fast_call_with_reserved_bits_is_refused(bare_device: Device) -> None:
    assert smc(bare_device, OpteeSmc.CALLS_UID | 0x00010000)[0] == UNKNOWN
    assert smc(bare_device, OpteeSmc.CALLS_UID)[0] == 0x384FB3E0


def test_calls_uid_is_optee_api_uid(bare_device: Device) -> None:
    assert smc(bare_device, OpteeSmc.CALLS_UID)[:4] == (0x384FB3E0, 0xE7F811E3, 0xAF630002, 0xA5D5C51B)


def test_revision_and_os_identity(bare_device: Device) -> None:
    assert smc(bare_device, OpteeSmc.CALLS_REVISION)[:2] == (2, 0)
    assert smc(bare_device, OpteeSmc.GET_OS_UUID)[:4] == (0x486178E0, 0xE7F811E3, 0xBC5E0002, 0xA5D5C51B)
    assert smc(bare_device, OpteeSmc.GET_OS_REVISION)[:2] == (4, 10)
    assert smc(bare_device, OpteeSmc.CALLS_COUNT)[0] > 0


def test_smccc_version_and_features(bare_device: Device) -> None:
    assert smc(bare_device, 0x80000000)[0] == 0x10002
    assert smc(bare_device, 0x80000001, 0x80000000)[0] == 0
    assert smc(bare_device, 0x80000001, 0x80008000)[0] == UNKNOWN


def test_registers_wider_than_64_bits_are_truncated_not_fatal(bare_device: Device) -> None:
    assert smc(bare_device, (1 << 70) | OpteeSmc.CALLS_UID)[0] == 0x384FB3E0


def test_overlapping_service_is_rejected_at_registration() -> None:
    monitor = SecureMonitor()
    monitor.register(RuntimeService("a", CallType.FAST, 50, 55, lambda r: r))
    with pytest.raises(ValueError, match="overlaps a"):
        monitor.register(RuntimeService("b", CallType.FAST, 55, 60, lambda r: r))
    monitor.register(RuntimeService("c", CallType.YIELDING, 50, 55, lambda r: r))  # other call type: fine


def test_world_switch_is_traced_and_normal_world_restored(bare_device: Device) -> None:
    switches = []
    bare_device.instrumentation.subscribe(WorldSwitch, switches.append)
    smc(bare_device, OpteeSmc.CALLS_UID)
    assert [s.direction for s in switches] == ["NS->S", "S->NS"]
    assert switches[0].regs[0] == OpteeSmc.CALLS_UID
    assert bare_device.monitor.current is SecurityState.NON_SECURE
    smc(bare_device, 0x80000000)  # answered by the monitor itself: no world switch
    assert len(switches) == 2

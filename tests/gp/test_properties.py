"""Property access and enumeration through the test TA: the TA's own properties
(from its user_ta_header_defines.h, served by libutee), the client's identity
and the TEE implementation's properties (served by the kernel), the As*
conversions and enumerators."""

from __future__ import annotations

import base64
import uuid

import pytest


from tee.abi.gp_crypto import PropSet
from tee.abi.results import Login, TeeResult
from tests.conftest import make_board
from tests.gp.gp_ta import GP_TEST_UUID, GpTa, expect_panic

TA, CLIENT, TEE = PropSet.CURRENT_TA, PropSet.CURRENT_CLIENT, PropSet.TEE_IMPLEMENTATION
TA_PROPS = ["gpd.ta.singleInstance", "gpd.ta.multiSession", "gpd.ta.instanceKeepAlive",
            "optee.ta.instanceKeepCrashed", "gpd.ta.dataSize", "gpd.ta.stackSize", "gpd.ta.version",
            "gpd.ta.description", "gpd.ta.endian", "gpd.ta.doesNotCloseHandleOnCorruptObject",
            "org.teesim.test.bool", "org.teesim.test.u32", "org.teesim.test.u64",
            "org.teesim.test.string", "org.teesim.test.binary", "org.teesim.test.uuid",
            "org.teesim.test.identity", "gpd.ta.appID"]


def _string(gp: GpTa, prop_set: int, name: str | None, capacity: int = 256) -> str:
    res, length, data = gp.prop_string(prop_set, name, capacity)
    assert res == TeeResult.SUCCESS, f"{name}: {res:#x}"
    assert data[-1:] == b"\0" and len(data) == length
    return data[:-1].decode()


def test_ta_properties_from_the_header(gp: GpTa) -> None:
    assert gp.prop_uuid(TA, "gpd.ta.appID") == (TeeResult.SUCCESS, GP_TEST_UUID)
    assert gp.prop_bool(TA, "gpd.ta.singleInstance") == (TeeResult.SUCCESS, False)
    assert gp.prop_bool(TA, "gpd.ta.multiSession") == (TeeResult.SUCCESS, True)
    assert gp.prop_u32(TA, "gpd.ta.dataSize") == (TeeResult.SUCCESS, 512 * 1024)
    assert gp.prop_u32(TA, "gpd.ta.stackSize") == (TeeResult.SUCCESS, 16 * 1024)
    assert gp.prop_u32(TA, "gpd.ta.endian") == (TeeResult.SUCCESS, 0)
    assert _string(gp, TA, "gpd.ta.version") == "1.3.1-test"
    assert _string(gp, TA, "gpd.ta.description") == "teesim GP Internal Core API test TA"


def test_extension_properties_of_every_type(gp: GpTa) -> None:
    assert gp.prop_bool(TA, "org.teesim.test.bool") == (TeeResult.SUCCESS, True)
    assert gp.prop_u32(TA, "org.teesim.test.u32") == (TeeResult.SUCCESS, 0xC0FFEE)
    assert gp.prop_u64(TA, "org.teesim.test.u64") == (TeeResult.SUCCESS, 0x123456789ABCDEF0)
    assert gp.prop_binary(TA, "org.teesim.test.binary")[2] == bytes(range(10))
    assert gp.prop_uuid(TA, "org.teesim.test.uuid")[1] == \
        uuid.UUID("01234567-89ab-cdef-0123-456789abcdef")
    assert gp.prop_identity(TA, "org.teesim.test.identity")[1:] == \
        (Login.USER, uuid.UUID("11111111-2222-3333-4444-555555555555"))


def test_everything_reads_as_a_string(gp: GpTa) -> None:
    assert _string(gp, TA, "org.teesim.test.bool") == "true"
    assert _string(gp, TA, "gpd.ta.singleInstance") == "false"
    assert _string(gp, TA, "org.teesim.test.u32") == str(0xC0FFEE)
    assert _string(gp, TA, "org.teesim.test.u64") == str(0x123456789ABCDEF0)
    assert _string(gp, TA, "org.teesim.test.string") == "hello, properties"
    assert _string(gp, TA, "org.teesim.test.binary") == base64.b64encode(bytes(range(10))).decode()
    assert _string(gp, TA, "org.teesim.test.uuid") == "01234567-89ab-cdef-0123-456789abcdef"
    assert _string(gp, TA, "org.teesim.test.identity") == "1:11111111-2222-3333-4444-555555555555"
    assert _string(gp, TA, "gpd.ta.appID") == str(GP_TEST_UUID)


def test_short_buffers_report_the_size_with_the_nul(gp: GpTa) -> None:
    assert gp.prop_string(TA, "org.teesim.test.string", 5)[:2] == (TeeResult.ERROR_SHORT_BUFFER, 18)
    assert gp.prop_string(TA, "gpd.ta.appID", 36)[:2] == (TeeResult.ERROR_SHORT_BUFFER, 37)
    assert gp.prop_string(TEE, "gpd.tee.description", 3)[:2] == (TeeResult.ERROR_SHORT_BUFFER, 7)
    assert gp.prop_binary(TA, "org.teesim.test.binary", 4)[:2] == (TeeResult.ERROR_SHORT_BUFFER, 10)


def test_wrong_types_are_bad_format(gp: GpTa) -> None:
    assert gp.prop_u32(TA, "gpd.ta.version")[0] == TeeResult.ERROR_BAD_FORMAT
    assert gp.prop_bool(TA, "gpd.ta.dataSize")[0] == TeeResult.ERROR_BAD_FORMAT
    assert gp.prop_uuid(CLIENT, "gpd.client.identity")[0] == TeeResult.ERROR_BAD_FORMAT
    assert gp.prop_binary(TA, "org.teesim.test.string")[0] == TeeResult.ERROR_BAD_FORMAT
    assert gp.prop_u32(TA, "org.teesim.test.u64")[0] == TeeResult.ERROR_BAD_FORMAT
    # a U32 property reads as a U64 too (GP v1.3.1)
    assert gp.prop_u64(TA, "gpd.ta.dataSize") == (TeeResult.SUCCESS, 512 * 1024)


def test_unknown_names_are_item_not_found(gp: GpTa) -> None:
    for prop_set in (TA, CLIENT, TEE):
        assert gp.prop_u32(prop_set, "gpd.no.such.property")[0] == TeeResult.ERROR_ITEM_NOT_FOUND
    assert gp.prop_string(CLIENT, "gpd.ta.appID")[0] == TeeResult.ERROR_ITEM_NOT_FOUND


def test_a_null_name_panics(gp: GpTa) -> None:
    expect_panic(gp.prop_u32, TA, None)


def test_client_identity_of_a_public_login(gp: GpTa) -> None:
    assert gp.prop_identity(CLIENT, "gpd.client.identity") == \
        (TeeResult.SUCCESS, Login.PUBLIC, uuid.UUID(int=0))
    assert gp.prop_u32(CLIENT, "gpd.client.endian") == (TeeResult.SUCCESS, 0)


def test_client_identity_of_an_application_login(gp_board) -> None:
    client = uuid.UUID("8aaaf200-2450-11e4-abe2-0002a5d5c51b")
    context = gp_board.context()
    session = context.open_session(GP_TEST_UUID, login=Login.APPLICATION, client=client)
    ta = GpTa(session, gp_board)
    assert ta.prop_identity(CLIENT, "gpd.client.identity") == (TeeResult.SUCCESS, Login.APPLICATION,
                                                               client)
    assert _string(ta, CLIENT, "gpd.client.identity") == f"{int(Login.APPLICATION)}:{client}"
    ta.close()


def test_tee_implementation_properties(gp: GpTa) -> None:
    assert _string(gp, TEE, "gpd.tee.description") == "teesim"
    assert _string(gp, TEE, "gpd.tee.apiversion") == "1.3.1"
    assert gp.prop_u32(TEE, "gpd.tee.internalCore.version") == (TeeResult.SUCCESS, 0x01030100)
    assert gp.prop_u32(TEE, "gpd.tee.systemTime.protectionLevel") == (TeeResult.SUCCESS, 1000)
    assert gp.prop_u32(TEE, "gpd.tee.TAPersistentTime.protectionLevel") == (TeeResult.SUCCESS, 100)
    assert gp.prop_bool(TEE, "gpd.tee.cryptography.ecc") == (TeeResult.SUCCESS, True)
    assert gp.prop_u32(TEE, "gpd.tee.trustedStorage.antiRollback.protectionLevel") == \
        (TeeResult.SUCCESS, 1000)
    assert _string(gp, TEE, "gpd.tee.trustedos.manufacturer") == "teesim"


def test_device_id_is_stable_per_device(gp: GpTa, gp_ta_store) -> None:
    res, first = gp.prop_uuid(TEE, "gpd.tee.deviceID")
    assert res == TeeResult.SUCCESS
    assert first.version == 5 and first.variant == uuid.RFC_4122
    gp.reopen()
    assert gp.prop_uuid(TEE, "gpd.tee.deviceID")[1] == first

    def device_id(**options: object) -> uuid.UUID:
        board = make_board(gp_ta_store, **options)
        ta = GpTa.open(board.context(), board, "device id")
        found = ta.prop_uuid(TEE, "gpd.tee.deviceID")[1]
        ta.close()
        return found

    assert device_id() != first
    assert device_id(rng_seed=b"one device") == device_id(rng_seed=b"one device")


@pytest.mark.parametrize("prop_set, names", [
    (TA, TA_PROPS),
    (CLIENT, ["gpd.client.identity", "gpd.client.endian"]),
])
def test_enumeration(gp: GpTa, prop_set: int, names: list[str]) -> None:
    res, enum = gp.allocate_enumerator()
    assert res == TeeResult.SUCCESS
    assert gp.property_name(enum)[0] == TeeResult.ERROR_ITEM_NOT_FOUND  # not started
    gp.start_enumerator(enum, prop_set)
    found = []
    while True:
        res, length, name = gp.property_name(enum)
        assert res == TeeResult.SUCCESS and name[-1:] == b"\0" and len(name) == length
        found.append(name[:-1].decode())
        # the enumerator reads the current property too
        assert gp.prop_string(enum, None)[0] == TeeResult.SUCCESS
        if gp.next_property(enum) != TeeResult.SUCCESS:
            break
    assert found == names
    assert gp.next_property(enum) == TeeResult.ERROR_ITEM_NOT_FOUND
    gp.reset_enumerator(enum)
    assert gp.property_name(enum)[0] == TeeResult.ERROR_ITEM_NOT_FOUND
    gp.free_enumerator(enum)


def test_enumerating_the_tee_implementation(gp: GpTa) -> None:
    res, enum = gp.allocate_enumerator()
    gp.start_enumerator(enum, TEE)
    names = []
    while True:
        names.append(gp.property_name(enum)[2][:-1].decode())
        if gp.next_property(enum) != TeeResult.SUCCESS:
            break
    assert names[0] == "gpd.tee.internalCore.version"  # libutee's own, then the kernel's
    assert {"gpd.tee.deviceID", "gpd.tee.description", "gpd.tee.apiversion",
            "gpd.tee.systemTime.protectionLevel", "gpd.tee.cryptography.ecc"} <= set(names)
    assert len(names) == len(set(names)) > 10


def test_property_name_short_buffer(gp: GpTa) -> None:
    res, enum = gp.allocate_enumerator()
    gp.start_enumerator(enum, CLIENT)
    assert gp.property_name(enum, 4)[:2] == (TeeResult.ERROR_SHORT_BUFFER, 20)
    gp.start_enumerator(enum, TA)
    assert gp.property_name(enum, 4)[:2] == (TeeResult.ERROR_SHORT_BUFFER, 22)


def test_freed_enumerator_panics(gp: GpTa) -> None:
    res, enum = gp.allocate_enumerator()
    gp.free_enumerator(enum)
    expect_panic(gp.next_property, enum)


def test_forged_enumerator_panics(gp: GpTa) -> None:
    expect_panic(gp.start_enumerator, 0x12345678, TA)


def test_starting_on_a_non_set_panics(gp: GpTa) -> None:
    res, enum = gp.allocate_enumerator()
    expect_panic(gp.start_enumerator, enum, 0x1234)

from tee.abi.smccc import CallType, decode_function_id, make_function_id


def test_decode_fields() -> None:
    fid = decode_function_id(0xBF00FF01)
    assert (fid.call_type, fid.smc64, fid.oen, fid.number, fid.reserved) == (CallType.FAST, False, 63, 0xFF01, 0)
    fid = decode_function_id(0x32000004)
    assert (fid.call_type, fid.oen, fid.number) == (CallType.YIELDING, 50, 4)
    assert decode_function_id(0xC4000003).smc64
    assert decode_function_id(0x80010000).reserved == 1


def test_make_is_inverse_of_decode() -> None:
    for raw in (0x80000000, 0xB200000F, 0x32000013, 0xC4000001):
        fid = decode_function_id(raw)
        assert make_function_id(fid.call_type, fid.oen, fid.number, smc64=fid.smc64) == raw

"""OP-TEE's System pseudo-TA (``system.pta``), for the TAs' libutee extensions.

Only a user TA may open it (OP-TEE's ``open_session`` refuses any other
client with TEE_ERROR_ACCESS_DENIED). Commands, params as ``pta_system.h``:

- DERIVE_TA_UNIQUE_KEY: [in] memref extra data (at most 1024 bytes), [out]
  memref key (16 to 32 bytes): a key from the hardware unique key, the
  calling TA's UUID and the extra data, the same on every boot of the board.
- MAP_ZI: [in] value (length, flags: 0 or SHAREABLE), [in/out] value (address
  hint, ignored: the address is random; out: address upper, lower 32 bits),
  [in] value (pad before, pad after): zeroed memory in the caller's address
  space, charged to its kernel-memory account.
- UNMAP: [in] value (length, 0), [in] value (address upper, lower): exactly a
  region MAP_ZI mapped.
- SUPP_PLUGIN_INVOKE: [in] memref plugin UUID (a TEE_UUID), [in] value (cmd,
  sub_cmd), [in/out] memref data, [out] value (output length): forwarded to the
  normal world's tee-supplicant as the SUPP_PLUGIN RPC.

Any other command: TEE_ERROR_NOT_IMPLEMENTED.
"""

from __future__ import annotations

from typing import Callable

from tee.abi.pta_system import (DERIVED_EXTRA_DATA_MAX_SIZE, DERIVED_KEY_MAX_SIZE,
                                DERIVED_KEY_MIN_SIZE, SYSTEM_PTA_UUID, MapFlag, SystemPtaCmd)
from tee.abi.registers import join_u32, split_u64
from tee.abi.results import ParamType, TeeResult
from tee.abi.ta_format import TaFlag
from tee.kernel.limits import OutOfMemory
from tee.kernel.pseudo_ta.framework import PTA_DEFAULT_FLAGS, PtaCall, TaOnlyPseudoTa, pseudo_ta
from tee.kernel.pseudo_ta.zero_fill import ZeroFillRegions
from tee.kernel.rpc import RpcError
from tee.kernel.supp_plugin_rpc import invoke_supp_plugin
from tee.kernel.ta_image import uuid_from_tee_uuid
from tee.kernel.user_memory import AddressSpaceFull

_IN_VALUE, _INOUT_VALUE, _OUT_VALUE = ParamType.VALUE_INPUT, ParamType.VALUE_INOUT, ParamType.VALUE_OUTPUT
_IN_MEMREF, _OUT_MEMREF, _INOUT_MEMREF = (ParamType.MEMREF_INPUT, ParamType.MEMREF_OUTPUT,
                                          ParamType.MEMREF_INOUT)
_TEE_UUID_SIZE = 16


@pseudo_ta(SYSTEM_PTA_UUID, "system.pta", PTA_DEFAULT_FLAGS | TaFlag.CONCURRENT)
class SystemPta(TaOnlyPseudoTa):
    def _derive_ta_unique_key(self, call: PtaCall) -> int:
        if not call.types_are(_IN_MEMREF, _OUT_MEMREF):
            return TeeResult.ERROR_BAD_PARAMETERS
        extra = call.memref(0)
        key_size = call.params[1].size
        if (extra is None or len(extra) > DERIVED_EXTRA_DATA_MAX_SIZE
                or not DERIVED_KEY_MIN_SIZE <= key_size <= DERIVED_KEY_MAX_SIZE
                or call.memref(1) is None):
            return TeeResult.ERROR_BAD_PARAMETERS
        call.write_memref(1, self.services.ta_unique_keys.derive(call.client.uuid, extra, key_size))
        return TeeResult.SUCCESS

    def _map_zi(self, call: PtaCall) -> int:
        if not call.types_are(_IN_VALUE, _INOUT_VALUE, _IN_VALUE):
            return TeeResult.ERROR_BAD_PARAMETERS
        ta = call.calling_ta
        length, flags = call.params[0].a, call.params[0].b
        if ta is None or not length or flags & ~MapFlag.SHAREABLE:
            return TeeResult.ERROR_BAD_PARAMETERS
        try:
            address = ta.resource(ZeroFillRegions).map(ta, length, call.params[2].a, call.params[2].b)
        except (OutOfMemory, AddressSpaceFull) as error:
            self.services.log.core("E", f"{self.name}: MAP_ZI of {length} bytes: {error}")
            return TeeResult.ERROR_OUT_OF_MEMORY
        call.params[1].a, call.params[1].b = split_u64(address)
        return TeeResult.SUCCESS

    def _unmap(self, call: PtaCall) -> int:
        if not call.types_are(_IN_VALUE, _IN_VALUE):
            return TeeResult.ERROR_BAD_PARAMETERS
        ta = call.calling_ta
        length = call.params[0].a
        address = join_u32(call.params[1].a, call.params[1].b)
        if ta is None or call.params[0].b or not ta.resource(ZeroFillRegions).unmap(ta, address, length):
            return TeeResult.ERROR_BAD_PARAMETERS
        return TeeResult.SUCCESS

    def _supp_plugin_invoke(self, call: PtaCall) -> int:
        if not call.types_are(_IN_MEMREF, _IN_VALUE, _INOUT_MEMREF, _OUT_VALUE):
            return TeeResult.ERROR_BAD_PARAMETERS
        plugin, data = call.memref(0), call.memref(2)
        if plugin is None or len(plugin) != _TEE_UUID_SIZE or data is None:
            return TeeResult.ERROR_BAD_PARAMETERS
        try:
            result, output = invoke_supp_plugin(self.services.rpc, uuid_from_tee_uuid(plugin),
                                                call.params[1].a, call.params[1].b, data)
        except RpcError as error:
            self.services.log.core("E", f"{self.name}: supplicant plugin: {error}")
            return error.result
        call.write_memref(2, output)
        call.params[3].a = len(output)
        return result

    commands: dict[int, Callable[["SystemPta", PtaCall], int]] = {
        SystemPtaCmd.DERIVE_TA_UNIQUE_KEY: _derive_ta_unique_key,
        SystemPtaCmd.MAP_ZI: _map_zi,
        SystemPtaCmd.UNMAP: _unmap,
        SystemPtaCmd.SUPP_PLUGIN_INVOKE: _supp_plugin_invoke,
    }

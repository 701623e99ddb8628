"""``teesim inspect``: what a ``.ta`` image or a TA ELF holds, read without running it.

The ELF goes through the secure loader's own parser (:mod:`tee.kernel.ta_image`), so
what is shown is what the device would map; the signature is checked as the device
checks it (:mod:`tee.kernel.ta_verify`). Properties come from the TA's ``ta_props[]``
array (``struct user_ta_property``: name pointer, type, value pointer), whose
pointers are R_AARCH64_RELATIVE relocations, resolved here from their addends.
Nothing read from the file is trusted: a malformed one gives :class:`InspectError`.
"""

from __future__ import annotations

import io
import struct
import uuid as uuid_mod
from dataclasses import dataclass, field
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from tee.abi.gp_crypto import PropertyType
from tee.abi.signed_header import SHDR_MAGIC, ShdrAlgo, ShdrImgType, SignedHeaderError, decode_signed_image
from tee.abi.ta_format import TaFlag
from tee.kernel.ta_image import Segment, TaFormatError, TaImage, parse_ta_elf, uuid_from_tee_uuid
from tee.kernel.ta_verify import TaSignatureError, load_trusted_key, verify_ta

USER_TA_PROPERTY = struct.Struct("<QI4xQ")  # const char *name; enum type; const void *value
MAX_PROPS = 256
MAX_STRING = 4096
#: The symbols the loader and libutee enter a TA through.
ENTRY_POINTS = ("TA_CreateEntryPoint", "TA_DestroyEntryPoint", "TA_OpenSessionEntryPoint",
                "TA_CloseSessionEntryPoint", "TA_InvokeCommandEntryPoint")


class InspectError(Exception):
    pass


@dataclass
class Inspection:
    kind: str                  # "signed TA image" or "TA ELF"
    uuid: uuid_mod.UUID
    flags: int
    stack_size: int
    signature: str
    ta_version: int | None     # from the signed header (None: a bare ELF or a legacy image)
    image: TaImage
    properties: list[tuple[str, str]] = field(default_factory=list)
    entry_points: list[tuple[str, int]] = field(default_factory=list)

    def render(self) -> str:
        flag_names = [flag.name or "" for flag in TaFlag if self.flags & flag] or ["none"]
        lines = [f"kind:        {self.kind}",
                 f"uuid:        {self.uuid}",
                 f"flags:       {self.flags:#x} ({' | '.join(flag_names)})",
                 f"stack size:  {self.stack_size} bytes (ta_head, framework's share included)",
                 f"ta version:  {self.ta_version if self.ta_version is not None else '-'}"
                 " (signed header, for rollback protection)",
                 f"signature:   {self.signature}",
                 "properties:"]
        lines += [f"  {name} = {value}" for name, value in self.properties] or ["  (ta_props not exported: not built with teesim's SDK)"]
        lines.append("segments:")
        lines += [f"  vaddr {s.vaddr:#010x}  size {s.memsz:#08x}  {s.perm.describe()}"
                  for s in self.image.segments]
        lines.append(f"symbols:     {len(self.image.symbols)} functions"
                     + ("" if self.image.symbols else " (stripped)"))
        lines.append(f"entry:       {self.image.entry:#x} (ELF e_entry)")
        lines += [f"  {name} at {address:#x}" for name, address in self.entry_points]
        return "\n".join(lines) + "\n"


def inspect_file(path: Path, public_key: Path | None = None) -> Inspection:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InspectError(f"{path}: {error.strerror}") from None
    if raw[:4] == b"\x7fELF":
        return _inspect_elf(raw, "TA ELF", "unsigned (a bare ELF; `teesim sign` makes a .ta)", None)
    if len(raw) >= 4 and struct.unpack_from("<I", raw)[0] == SHDR_MAGIC:
        try:
            signed = decode_signed_image(raw)
        except SignedHeaderError as error:
            raise InspectError(f"{path}: malformed signed header: {error}") from None
        version = signed.bootstrap.ta_version if signed.bootstrap else None
        inspection = _inspect_elf(signed.img, "signed TA image", "", version)
        inspection.signature = _signature_status(raw, inspection.uuid, signed.shdr.algo, public_key)
        if signed.shdr.img_type == ShdrImgType.TA:
            inspection.kind += " (legacy SHDR_TA, no version)"
        return inspection
    raise InspectError(f"{path}: neither a TA ELF nor a signed .ta image")


def _signature_status(raw: bytes, ta_uuid: uuid_mod.UUID, algo: int, public_key: Path | None) -> str:
    try:
        key_name = "the SDK's DEVELOPMENT-ONLY key" if public_key is None else str(public_key)
        key = load_trusted_key(public_key.read_bytes() if public_key else None)
    except (OSError, ValueError) as error:
        raise InspectError(f"--key {public_key}: {error}") from None
    algo_name = ShdrAlgo(algo).name if algo in ShdrAlgo._value2member_map_ else f"{algo:#x}"
    try:
        verify_ta(raw, ta_uuid, key)
    except TaSignatureError as error:
        return f"INVALID against {key_name}: {error}"
    return f"valid, signed by {key_name} ({algo_name})"


def _inspect_elf(elf: bytes, kind: str, signature: str, ta_version: int | None) -> Inspection:
    try:
        image = parse_ta_elf(elf)
    except TaFormatError as error:
        raise InspectError(f"not a loadable TA: {error}") from None
    inspection = Inspection(kind, image.head.uuid, image.head.flags, image.head.stack_size, signature,
                            ta_version, image)
    by_name = {symbol.name: symbol.address for symbol in image.symbols}
    inspection.entry_points = [(name, by_name[name]) for name in ENTRY_POINTS if name in by_name]
    inspection.properties = _properties(elf, image)
    return inspection


class _Memory:
    """The image's initial memory (file data, zeros for bss) with relocations applied."""

    def __init__(self, image: TaImage) -> None:
        self._segments: tuple[Segment, ...] = image.segments
        self._relocated = dict(image.relocations)

    def read(self, address: int, size: int) -> bytes:
        for seg in self._segments:
            if seg.vaddr <= address and address + size <= seg.vaddr + seg.memsz:
                start = address - seg.vaddr
                return seg.data[start:start + size].ljust(size, b"\0")
        raise InspectError(f"ta_props points outside the image ({address:#x})")

    def pointer(self, address: int) -> int:
        if address in self._relocated:
            return self._relocated[address]
        value: int = struct.unpack("<Q", self.read(address, 8))[0]
        return value

    def string(self, address: int) -> str:
        out = bytearray()
        while len(out) < MAX_STRING:
            byte = self.read(address + len(out), 1)
            if byte == b"\0":
                break
            out += byte
        return out.decode(errors="replace")


def _exported(elf: bytes) -> dict[str, int]:
    """Addresses of ta_props and ta_num_props, which the SDK exports (.dynsym)."""
    try:
        dynsym = ELFFile(io.BytesIO(elf)).get_section_by_name(".dynsym")
        if dynsym is None:
            return {}
        # pyelftools makes .dynsym a SymbolTableSection but types the lookup as Section.
        return {s.name: s["st_value"] for s in dynsym.iter_symbols()  # type: ignore[attr-defined]
                if s.name in ("ta_props", "ta_num_props") and s["st_shndx"] != "SHN_UNDEF"}
    except (ELFError, ValueError, KeyError, struct.error):
        return {}


def _properties(elf: bytes, image: TaImage) -> list[tuple[str, str]]:
    symbols = _exported(elf)
    if len(symbols) != 2:
        return []  # e.g. a TA built with OP-TEE's dev kit, which keeps them hidden
    memory = _Memory(image)
    count = memory.pointer(symbols["ta_num_props"])
    if count > MAX_PROPS:
        raise InspectError(f"ta_num_props is {count}, more than {MAX_PROPS}")
    props = []
    for index in range(count):
        entry = symbols["ta_props"] + index * USER_TA_PROPERTY.size
        kind = struct.unpack("<I", memory.read(entry + 8, 4))[0]
        name = memory.string(memory.pointer(entry))
        props.append((name, _property_value(memory, kind, memory.pointer(entry + 16))))
    return props


def _property_value(memory: _Memory, kind: int, address: int) -> str:
    if kind == PropertyType.BOOL:
        return "true" if memory.read(address, 1) != b"\0" else "false"
    if kind == PropertyType.U32:
        return str(struct.unpack("<I", memory.read(address, 4))[0])
    if kind == PropertyType.U64:
        return str(struct.unpack("<Q", memory.read(address, 8))[0])
    if kind == PropertyType.UUID:
        return str(uuid_from_tee_uuid(memory.read(address, 16)))
    if kind in (PropertyType.STRING, PropertyType.BINARY_BLOCK):
        return repr(memory.string(address))
    return f"(type {kind})"

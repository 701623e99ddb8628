"""Reference tables in docs/ list exactly the code's numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tee.abi.optee_msg import AttrType, MsgCmd
from tee.abi.optee_smc import OpteeSmc, OpteeSmcReturn
from tee.abi.smccc import ArmArchCall
from tee.abi.optee_rpc import RpcCmd

DOCS = Path(__file__).resolve().parents[2] / "docs"
ENUMS = {e.__name__: e for e in (ArmArchCall, OpteeSmc, OpteeSmcReturn, MsgCmd, AttrType, RpcCmd)}


def doc_tables(path: Path) -> dict[str, dict[str, int]]:
    """{enum name: {row name: value}} for every table marked ``<!-- table: Name -->``."""
    tables: dict[str, dict[str, int]] = {}
    current = None
    for line in path.read_text().splitlines():
        marker = re.match(r"<!-- table: (\w+) -->", line)
        if marker:
            current = tables.setdefault(marker.group(1), {})
            continue
        if current is not None and line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if re.fullmatch(r"0x[0-9A-Fa-f]+|\d+", cells[1]):
                current[cells[0]] = int(cells[1], 0)
        elif current is not None and line.strip() and not line.startswith("|"):
            current = None
    return tables


@pytest.mark.parametrize("enum_name", list(ENUMS))
def test_smc_abi_tables_match_code(enum_name: str) -> None:
    table = doc_tables(DOCS / "smc-abi.md")[enum_name]
    assert table == {m.name: int(m) for m in ENUMS[enum_name]}

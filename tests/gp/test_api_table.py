"""docs/gp-api.md lists exactly what the code has: every function tee_internal_api.h
declares, with a status that agrees with libutee's definitions, and exactly the
algorithms the kernel implements."""

from __future__ import annotations

import re
from pathlib import Path

from tee.abi.gp_crypto import Algorithm, c_name
from tee.kernel.crypto.algorithms import ALGORITHMS

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "gp-api.md"
SDK = REPO / "trusted_apps" / "sdk"
STATUSES = {"implemented", "partial", "not implemented"}


def declared_functions() -> list[str]:
    text = (SDK / "include" / "tee_internal_api.h").read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return list(dict.fromkeys(re.findall(r"\b(TEE_[A-Za-z0-9]+)\s*\(", text)))


def defined_functions() -> set[str]:
    """Functions with a body in libutee (a definition, not a call or declaration)."""
    found = set()
    for source in (SDK / "libutee").glob("*.c"):
        text = source.read_text()
        found |= set(re.findall(r"^[A-Za-z_][\w \t\*]*?\b(TEE_\w+)\s*\([^;{]*\)\s*\{", text, re.M))
    return found


def doc_table(name: str) -> list[list[str]]:
    rows, inside = [], False
    for line in DOC.read_text().splitlines():
        if line.strip() == f"<!-- table: {name} -->":
            inside = True
            continue
        if inside and line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set(cells[0]) <= {"-"} and cells[0] not in ("function", "algorithm"):
                rows.append(cells)
        elif inside and line.strip():
            break
    return rows


def test_every_declared_function_is_listed_once() -> None:
    listed = [row[0].strip("`") for row in doc_table("functions")]
    assert len(listed) == len(set(listed))
    assert listed == declared_functions()


def test_statuses_agree_with_libutee() -> None:
    defined = defined_functions()
    for function, status, notes in doc_table("functions"):
        function = function.strip("`")
        assert status in STATUSES, function
        if status == "not implemented":
            assert function not in defined, f"{function} is defined now: update docs/gp-api.md"
            assert notes, f"{function}: say why it is not implemented"
        else:
            assert function in defined, f"{function} is listed as {status} but not defined"
        if status == "partial":
            assert notes, f"{function}: say what is missing"


def test_the_core_of_this_issue_is_implemented() -> None:
    status = {row[0].strip("`"): row[1] for row in doc_table("functions")}
    core = [f for f in status if re.match(
        r"TEE_(GetProperty|.*PropertyEnumerator|GetNextProperty|.*Transient|.*Operation|Digest|Cipher"
        r"|MAC|AE|Asymmetric|DeriveKey|GenerateKey|GetObject|RestrictObject|CopyObject|Init.*Attribute"
        r"|CloseObject|IsAlgorithmSupported|CheckMemoryAccessRights|.*InstanceData|Malloc)", f)]
    assert len(core) > 60
    assert all(status[f] != "not implemented" for f in core), \
        [f for f in core if status[f] == "not implemented"]


def test_algorithm_table_is_the_kernels() -> None:
    listed = {row[0] for row in doc_table("algorithms")}
    implemented = set()
    for value in ALGORITHMS:
        names = [n for n, m in Algorithm.__members__.items() if m == value]
        # the doc uses the first (canonical) name of an ID; aliases share it
        implemented.add(c_name(Algorithm, names[0]))
    assert listed == implemented

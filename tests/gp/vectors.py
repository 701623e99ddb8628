"""Published test vectors: NIST CAVP and RFC files from ``cryptography_vectors``
(pyca's vector package) and a few typed in under ``tests/gp/vectors/``.

:func:`records` reads the common ``KEY = value`` format (CAVP ``.rsp`` and the
RFC-derived ``.txt`` files): records are separated by blank lines, ``[...]``
lines name sections, and keys listed in ``carry`` (e.g. an RSA modulus given
once per section) are inherited by the records that follow.
:func:`labelled_blocks` reads the PKCS#1 test files, where ``# Label:`` lines
precede hex lines.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Iterator

import cryptography_vectors

PYCA = Path(cryptography_vectors.__file__).resolve().parent
OURS = Path(__file__).resolve().parent / "vectors"


def path(name: str) -> Path:
    """A vector file: ``ours/<name>`` for our own, else inside cryptography_vectors."""
    if name.startswith("ours/"):
        return OURS / name[len("ours/"):]
    return PYCA / name


@functools.lru_cache(maxsize=None)
def records(name: str, carry: tuple[str, ...] = (), starts_with: str | None = None,
            ) -> list[dict[str, str]]:
    """Every record of a ``KEY = value`` file; keys are lower-cased, ``_section`` is
    the last ``[...]`` line and bare words (``FAIL``) become keys with value ''.
    With ``starts_with``, a record runs from one such key to the next, blank lines
    included (RFC 5869's file puts blank lines inside its records)."""
    out: list[dict[str, str]] = []
    current: dict[str, str] = {}
    section = ""
    inherited: dict[str, str] = {}

    def flush() -> None:
        nonlocal current
        if current:
            for key in carry:
                if key in current:
                    inherited[key] = current[key]
            out.append({"_section": section, **inherited, **current})
        current = {}

    for raw in path(name).read_text().splitlines():
        line = raw.strip()
        if not line:
            if starts_with is None:
                flush()
        elif line.startswith("#"):
            continue
        elif line.startswith("[") and line.endswith("]"):
            flush()
            section = line[1:-1]
        elif "=" in line:
            key, value = (part.strip() for part in line.split("=", 1))
            if key.lower() == starts_with:
                flush()
            current[key.lower()] = value
        else:
            current[line.lower()] = ""
    flush()
    # Records that only set carried values (an RSA key on its own) are not tests
    return [r for r in out if set(r) - set(carry) - {"_section"}]


def pkcs1_examples(name: str) -> list[tuple[dict[str, bytes], list[dict[str, bytes]]]]:
    """The keys of a PKCS#1 test file (n, e, d, p, q, dp, dq, qinv) with their
    examples (msg, ct or sig, seed or salt)."""
    fields = {"Modulus": "n", "Public exponent": "e", "Prime 1": "p", "Prime 2": "q",
              "Prime exponent 1": "dp", "Prime exponent 2": "dq", "Coefficient": "qinv"}
    examples = {"Message": "msg", "Message to be encrypted": "msg", "Message to be signed": "msg",
                "Encryption": "ct", "Signature": "sig", "Seed": "seed", "Salt": "salt"}
    keys: list[tuple[dict[str, bytes], list[dict[str, bytes]]]] = []
    section = ""
    for label, data in labelled_blocks(name):
        if label in ("Public key", "Private key"):
            if label == "Public key":
                keys.append(({}, []))
            section = label
        elif not keys:
            continue
        elif label == "Exponent":
            keys[-1][0]["e" if section == "Public key" else "d"] = data
        elif label in fields:
            keys[-1][0][fields[label]] = data
        elif label in examples:
            if examples[label] == "msg":
                keys[-1][1].append({})
            keys[-1][1][-1][examples[label]] = data
    return keys


def labelled_blocks(name: str) -> Iterator[tuple[str, bytes]]:
    """(label, bytes) for each ``# Label:`` followed by hex lines."""
    label = None
    hexdigits: list[str] = []

    def value() -> bytes:
        digits = "".join(hexdigits)
        return bytes.fromhex(digits.zfill(len(digits) + len(digits) % 2))

    for raw in path(name).read_text().splitlines():
        line = raw.strip()
        if line.startswith("#"):
            if label is not None and hexdigits:
                yield label, value()
            hexdigits = []
            text = line.lstrip("# ").strip()
            label = text[:-1].strip() if text.endswith(":") else None
            if label is None and text:
                yield text, b""  # a heading such as "Private key" or "OAEP Example 1"
        elif label is not None and re.fullmatch(r"[0-9a-fA-F ]+", line):
            hexdigits.append(line.replace(" ", ""))
    if label is not None and hexdigits:
        yield label, value()


def hx(value: str) -> bytes:
    """Hex to bytes; an odd number of digits (CAVP's P-521 values) gets a leading 0."""
    return bytes.fromhex(value.zfill(len(value) + len(value) % 2))


def nist_message(record: dict[str, str], length_key: str = "len", data_key: str = "msg") -> bytes:
    """A CAVP message whose length is given in bits (``Len = 0`` with ``Msg = 00``)."""
    data = hx(record[data_key])
    return data[:int(record[length_key]) // 8]


def every(items: list, step: int) -> list:
    """Every ``step``-th item (with the last), to keep large files quick."""
    picked = items[::step]
    if items and picked[-1] is not items[-1]:
        picked.append(items[-1])
    return picked

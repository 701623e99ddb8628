"""The README's Python example runs as printed and prints what its comments say."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_readme_example_prints_what_it_says(ta_store: Path) -> None:
    (example,) = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    run = subprocess.run([sys.executable, "-c", example], capture_output=True, text=True, cwd=REPO,
                         env=dict(os.environ, TEESIM_TA_STORE=str(ta_store)), timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["42", "bytearray(b'olleH')"]

"""docs/tutorial.md works as written: its shell commands, run verbatim and in order in an
empty directory (the repo's .venv/bin on PATH, as its step 0 says), succeed and print
what the tutorial shows.

The tutorial marks what runs: ```console blocks, ``$ `` before each command, the lines
after it its output (``...`` is any text), ``[exit status N]`` an expected failure.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TUTORIAL = REPO / "docs" / "tutorial.md"
BIN = REPO / ".venv" / "bin"
MARK = "@@teesim-tutorial@@"


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)
    exit_status: int = 0


def steps(markdown: str) -> list[Step]:
    found: list[Step] = []
    for block in re.findall(r"```console\n(.*?)```", markdown, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append(Step(line[2:]))
            elif (status := re.fullmatch(r"\[exit status (\d+)\]", line)):
                found[-1].exit_status = int(status.group(1))
            elif line.strip() and line.strip() != "...":
                found[-1].expected.append(line)
    return found


def pattern(expected: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in expected.rstrip().split("...")))


def run_in_one_shell(commands: list[str], cwd: Path) -> list[tuple[str, int]]:
    """Each command's output (stdout and stderr) and exit status, from one bash session
    (so that a variable set by one command is seen by the next, as in a terminal)."""
    script = "set -o pipefail\n" + "".join(
        f"echo {MARK}\n{command} 2>&1\necho \"{MARK} $?\"\n" for command in commands)
    env = {k: v for k, v in os.environ.items() if k not in ("TEESIM_TA_STORE", "PYTEST_ADDOPTS")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    run = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=300)
    chunks = re.findall(rf"{MARK}\n(.*?){MARK} (\d+)\n", run.stdout, re.S)
    assert len(chunks) == len(commands), run.stdout + run.stderr
    return [(text, int(status)) for text, status in chunks]


def test_tutorial_commands_parse() -> None:
    found = steps(TUTORIAL.read_text())
    assert [s.command.split()[:2] for s in found][:3] == [["teesim", "new"], ["UUID=$(sed", "-n"],
                                                          ["sed", "-i"]]
    assert any(s.exit_status == 1 and any("TEE_ERROR_TARGET_DEAD" in e for e in s.expected)
               for s in found)


def test_tutorial_runs_verbatim(tmp_path: Path) -> None:
    found = steps(TUTORIAL.read_text())
    results = run_in_one_shell([s.command for s in found], tmp_path)
    for step, (output, status) in zip(found, results):
        assert "Traceback" not in output, f"$ {step.command}\n{output}"
        assert status == step.exit_status, f"$ {step.command} exited {status}\n{output}"
        lines = output.splitlines()
        position = 0
        for expected in step.expected:  # in the order the tutorial shows them
            match = next((i for i in range(position, len(lines)) if pattern(expected).fullmatch(lines[i])),
                         None)
            assert match is not None, f"$ {step.command}\nexpected {expected!r} in:\n{output}"
            position = match + 1
    assert (tmp_path / "call.svg").read_text().lstrip().startswith(("<svg", "<?xml"))

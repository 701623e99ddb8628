"""docs/first-ta.md works as written: its files build, its client prints what it says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TUTORIAL = REPO / "docs" / "first-ta.md"


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", TUTORIAL.read_text(), re.S)


def write_ta(root: Path, body_patch: tuple[str, str] | None = None) -> Path:
    header, defines, source = code_blocks("c")
    if body_patch:
        assert body_patch[0] in source
        source = source.replace(*body_patch)
    ta = root / "my_counter"
    (ta / "include").mkdir(parents=True)
    (ta / "include" / "counter_ta.h").write_text(header)
    (ta / "user_ta_header_defines.h").write_text(defines)
    (ta / "counter_ta.c").write_text(source)
    return ta


def build_and_run(tmp_path: Path, script: str, patch: tuple[str, str] | None = None):
    ta = write_ta(tmp_path, patch)
    store = tmp_path / "store"
    build = subprocess.run([sys.executable, "-m", "tee.tools.cli", "build", str(ta), "--out", str(store)],
                           capture_output=True, text=True, cwd=REPO, timeout=300)
    assert build.returncode == 0, build.stderr
    env = dict(os.environ, TEESIM_TA_STORE=str(store))
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO,
                          env=env, timeout=120)


def test_tutorial_ta_builds_and_the_client_prints_6(tmp_path: Path) -> None:
    (client,) = code_blocks("python")
    run = build_and_run(tmp_path, client)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "6"


def test_tutorial_crash_gives_target_dead_with_a_named_dump(tmp_path: Path) -> None:
    script = code_blocks("python")[0].replace(
        "print(two.invoke(0, Operation(Value.inout(1))).params[0].a)   # 6: one shared instance",
        "pass")
    script = ("from normal_world import TeeError\ntry:\n" + "\n".join("    " + l for l in script.splitlines())
              + "\nexcept TeeError as error:\n    print(error)\n    print(error.dump)\n")
    run = build_and_run(tmp_path, script,
                        ("counter += params[0].value.a;", "*(volatile uint32_t *)0 = 1;"))
    assert run.returncode == 0, run.stderr
    assert "TEE_ERROR_TARGET_DEAD (0xffff3024), origin TEE (3)" in run.stdout
    assert "User mode data-abort at address 0x0 (translation fault)" in run.stdout
    assert "TA_InvokeCommandEntryPoint" in run.stdout

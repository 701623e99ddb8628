"""The fuzzing loop shared by ``fuzz ta`` and ``fuzz smc``: corpus, coverage,
findings on disk, progress and summary.

Theory of operation: a :class:`Target` runs one input (bytes) on a device it
booted once and resets after each input; it answers with the coverage
features the input reached and the findings it raised. The campaign keeps an
input in the corpus when it reached a feature never seen before, picks a
corpus entry at random, has the target mutate it, and repeats, within a run
count or a time bound. Every random choice comes from one ``random.Random``
seeded by ``--seed``, so a campaign repeats itself given the same seed (time
limits aside). A finding is minimised (delta debugging: drop and zero chunks
of its bytes while the same finding still occurs) and saved as JSON holding
the target, the input and what was found; ``teesim fuzz replay FILE`` reruns it.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol, TextIO, cast

from teesim.fuzz.oracles import TA_FAULT, Finding

#: Delta-debugging runs, and seconds, one finding may take to be minimised.
MINIMISE_RUNS = 200
MINIMISE_SECONDS = 3.0


@dataclass
class Outcome:
    """What one input did."""

    features: set[int]
    findings: list[Finding] = field(default_factory=list)
    #: The first line(s) of a TA fault (a TA bug, counted apart), None if none.
    ta_fault_detail: str | None = None
    #: Its abort dump: ``str()`` makes the text (a ``CrashDump``, formatted only
    #: when a finding is kept or shown).
    ta_fault_dump: object = None

    @property
    def ta_fault(self) -> Finding | None:
        """The TA fault as a finding, with its abort dump."""
        if self.ta_fault_detail is None:
            return None
        dump = self.ta_fault_dump
        return Finding(TA_FAULT, self.ta_fault_detail, dump=str(dump) if dump is not None else None)

    def signatures(self) -> set[str]:
        """The signatures of everything found, the TA fault's too (its dump left unmade)."""
        found = {finding.signature for finding in self.findings}
        if self.ta_fault_detail is not None:
            found.add(Finding(TA_FAULT, self.ta_fault_detail).signature)
        return found


class Target(Protocol):
    kind: str  # "ta" or "smc"

    def describe_target(self) -> dict[str, object]:
        """What replay needs to rebuild this target (JSON-able)."""

    def seeds(self) -> list[bytes]: ...

    def run(self, raw: bytes) -> Outcome: ...

    def mutate(self, raw: bytes, rng: random.Random, other: bytes | None) -> bytes: ...

    def describe(self, raw: bytes) -> str: ...

    def final_check(self) -> list[Finding]:
        """Oracles too dear for every input (a full scan of non-secure DRAM)."""

    def close(self) -> None: ...


@dataclass
class Summary:
    runs: int = 0
    seconds: float = 0.0
    corpus: int = 0
    features: int = 0
    findings: list[tuple[Finding, Path | None]] = field(default_factory=list)
    ta_faults: int = 0

    @property
    def exec_per_second(self) -> float:
        return self.runs / self.seconds if self.seconds else 0.0

    def text(self) -> str:
        lines = [f"{self.runs} runs in {self.seconds:.1f} s ({self.exec_per_second:,.0f}/s), "
                 f"coverage {self.features}, corpus {self.corpus}, findings {len(self.findings)}, "
                 f"TA faults {self.ta_faults}"]
        for finding, path in self.findings:
            lines.append(f"  {finding.signature}" + (f"  -> {path}" if path else ""))
        return "\n".join(lines)


class Campaign:
    def __init__(self, target: Target, *, seed: int = 0, corpus_dir: Path | None = None,
                 findings_dir: Path | None = None, ta_faults_are_findings: bool = False,
                 progress: TextIO | None = sys.stderr, progress_every: float = 1.0,
                 full_scan_every: int = 2000) -> None:
        self.target = target
        self.rng = random.Random(seed)
        self.corpus_dir = corpus_dir
        self.findings_dir = findings_dir
        self.ta_faults_are_findings = ta_faults_are_findings
        self.progress = progress
        self.progress_every = progress_every
        self.full_scan_every = full_scan_every
        self.corpus: list[bytes] = []
        self.seen: set[int] = set()
        self.summary = Summary()
        self._signatures: set[str] = set()

    # -- the loop ----------------------------------------------------------------------
    def run(self, *, runs: int = 0, seconds: float = 0.0, stop_after: int = 0) -> Summary:
        """Seeds first, then mutations until ``runs`` inputs or ``seconds`` (0: no bound
        of that kind; with neither, 10,000 runs), or ``stop_after`` findings (0: never)."""
        if not runs and not seconds:
            runs = 10_000
        started = time.monotonic()
        deadline = started + seconds if seconds else float("inf")
        last_report = started
        for raw in self._initial_inputs():
            self._execute(raw)
        while ((not runs or self.summary.runs < runs) and time.monotonic() < deadline
               and not (stop_after and len(self.summary.findings) >= stop_after)):
            base = self.rng.choice(self.corpus) if self.corpus else b""
            other = self.rng.choice(self.corpus) if len(self.corpus) > 1 else None
            self._execute(self.target.mutate(base, self.rng, other))
            if self.full_scan_every and self.summary.runs % self.full_scan_every == 0:
                self._record(self.target.final_check(), b"")
            now = time.monotonic()
            if self.progress is not None and now - last_report >= self.progress_every:
                last_report = now
                self._report(now - started)
        self._record(self.target.final_check(), b"")
        self.summary.seconds = time.monotonic() - started
        self.summary.corpus = len(self.corpus)
        self.summary.features = len(self.seen)
        if self.progress is not None:
            self._report(self.summary.seconds)
        return self.summary

    def _initial_inputs(self) -> list[bytes]:
        inputs = list(self.target.seeds())
        if self.corpus_dir is not None and self.corpus_dir.is_dir():
            inputs += [path.read_bytes() for path in sorted(self.corpus_dir.iterdir())
                       if path.is_file() and not path.name.startswith(".")]
        return inputs

    def _execute(self, raw: bytes) -> None:
        outcome = self.target.run(raw)
        self.summary.runs += 1
        new = outcome.features - self.seen
        if new:
            self.seen |= new
            self.corpus.append(raw)
            if self.corpus_dir is not None:
                self.corpus_dir.mkdir(parents=True, exist_ok=True)
                (self.corpus_dir / hashlib.sha1(raw).hexdigest()[:16]).write_bytes(raw)
        findings = list(outcome.findings)
        if outcome.ta_fault_detail is not None:
            self.summary.ta_faults += 1
            if self.ta_faults_are_findings and \
                    Finding(TA_FAULT, outcome.ta_fault_detail).signature not in self._signatures:
                findings.append(cast(Finding, outcome.ta_fault))  # a new one: its dump is made
        self._record(findings, raw)

    def _record(self, findings: list[Finding], raw: bytes) -> None:
        for finding in findings:
            if finding.signature in self._signatures:
                continue
            self._signatures.add(finding.signature)
            minimal = self.minimise(raw, finding) if raw else raw
            path = self._save(finding, minimal)
            self.summary.findings.append((finding, path))
            if self.progress is not None:
                print(f"finding: {finding.signature}" + (f" -> {path}" if path else ""),
                      file=self.progress, flush=True)

    def _report(self, elapsed: float) -> None:
        summary = self.summary
        rate = summary.runs / elapsed if elapsed else 0.0
        print(f"#{summary.runs} exec/s {rate:,.0f} cov {len(self.seen)} corpus {len(self.corpus)} "
              f"findings {len(summary.findings)} ta-faults {summary.ta_faults}",
              file=self.progress, flush=True)

    # -- findings ----------------------------------------------------------------------
    def minimise(self, raw: bytes, finding: Finding) -> bytes:
        """A smaller input that still produces ``finding`` (same signature)."""
        budget = [MINIMISE_RUNS]
        deadline = time.monotonic() + MINIMISE_SECONDS

        def still(candidate: bytes) -> bool:
            if budget[0] <= 0 or time.monotonic() > deadline:
                return False
            budget[0] -= 1
            return finding.signature in self.target.run(candidate).signatures()

        return delta_debug(raw, still)

    def _save(self, finding: Finding, raw: bytes) -> Path | None:
        if self.findings_dir is None:
            return None
        self.findings_dir.mkdir(parents=True, exist_ok=True)
        name = f"{finding.kind}-{hashlib.sha1(finding.signature.encode()).hexdigest()[:12]}.json"
        path = self.findings_dir / name
        path.write_text(json.dumps(finding_record(self.target, finding, raw), indent=2) + "\n")
        return path


def finding_record(target: Target, finding: Finding, raw: bytes) -> dict[str, object]:
    return {"target": target.describe_target(), "kind": finding.kind, "detail": finding.detail,
            "input": raw.hex(), "input_described": target.describe(raw) if raw else "",
            "dump": finding.dump}


def delta_debug(raw: bytes, still_fails: Callable[[bytes], bool]) -> bytes:
    """ddmin-style: remove chunks (halving their size) while the failure stays, then
    zero single bytes; returns the smallest failing input found."""
    current = raw
    chunk = max(1, len(current) // 2)
    while chunk >= 1:
        at = 0
        progressed = False
        while at < len(current):
            candidate = current[:at] + current[at + chunk:]
            if candidate != current and still_fails(candidate):
                current = candidate
                progressed = True
            else:
                at += chunk
        if not progressed:
            chunk //= 2
    for at in range(len(current)):
        if current[at] and still_fails(current[:at] + b"\0" + current[at + 1:]):
            current = current[:at] + b"\0" + current[at + 1:]
    return current


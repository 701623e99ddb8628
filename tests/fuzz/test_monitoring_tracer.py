"""Python 3.12+: `fuzz smc` records the secure side's coverage with sys.monitoring,
each line reported once (then the interpreter runs it at full speed), one
tracer at a time, and gives its tool id back."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest

from teesim.fuzz.python_coverage import MonitoringTracer, monitoring_available, new_tracer
from teesim.fuzz.smc_target import OPEN_INVOKE_CLOSE, SmcTarget
from teesim.fuzz.ta_target import fuzz_board
from tests.fuzz.conftest import quiet_campaign

pytestmark = pytest.mark.skipif(not monitoring_available(), reason="sys.monitoring needs Python 3.12+")

PYTHON_FEATURES = (1 << 61) - 1  # above: return codes and TA edges, reported per input


def _python(features: set[int]) -> set[int]:
    return {feature for feature in features if feature <= PYTHON_FEATURES or feature < 0}


def test_it_is_the_tracer_fuzz_smc_picks() -> None:
    tracer = new_tracer()
    try:
        assert isinstance(tracer, MonitoringTracer)
    finally:
        tracer.close()


def test_a_location_is_reported_once_and_again_to_the_next_tracer(ta_store: Path) -> None:
    target = SmcTarget(fuzz_board(ta_store, seed=3), tracer="monitoring")
    try:
        first = _python(target.run(OPEN_INVOKE_CLOSE).features)
        again = _python(target.run(OPEN_INVOKE_CLOSE).features)
        assert len(first) > 500
        assert not first & again and len(again) < len(first) // 10  # only what is new
        fast_call = _python(target.run(bytes([0, 0, 9])).features)  # a fast call not run yet
        assert fast_call and not fast_call & first
    finally:
        target.close()
    target = SmcTarget(fuzz_board(ta_store, seed=3), tracer="monitoring")
    try:
        heard_again = _python(target.run(OPEN_INVOKE_CLOSE).features)
        assert len(heard_again & first) > 0.9 * len(first)  # a new tracer hears it all again
    finally:
        target.close()


def test_a_campaign_under_monitoring_repeats_itself_given_its_seed(ta_store: Path) -> None:
    results = []
    for _ in range(3):  # the first warms up (lazy set-up the process runs once)
        target = SmcTarget(fuzz_board(ta_store, seed=7), tracer="monitoring")
        try:
            campaign = quiet_campaign(target, seed=7)
            summary = campaign.run(runs=300)
        finally:
            target.close()
        results.append((campaign.corpus, summary.features))
    assert results[1] == results[2] and len(results[1][0]) > 20


def test_one_lives_at_a_time_and_gives_its_tool_id_back_closed_or_collected() -> None:
    monitoring = getattr(sys, "monitoring")
    for _ in range(3):  # more than the two ids there are
        MonitoringTracer().close()
    forgotten = MonitoringTracer()
    tool = forgotten.tool
    del forgotten
    gc.collect()
    assert monitoring.get_tool(tool) is None
    live = MonitoringTracer()
    try:
        with pytest.raises(RuntimeError, match="one sys.monitoring tracer at a time"):
            MonitoringTracer()
        second = new_tracer()  # "auto" falls back to the next kind
        assert not isinstance(second, MonitoringTracer)
        second.close()
    finally:
        live.close()

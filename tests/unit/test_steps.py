"""The step timers of the online path (`STOCKOUT_STEP_TIMES`): off, they count nothing and make
nothing per step; on, each step gets its own CPU time, a nested step's apart from its parent's."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from stockout.services.common import steps


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(steps, "_totals", {})
    monkeypatch.setattr(steps, "_counts", {})
    monkeypatch.setattr(steps, "_enabled", False)


def _spin(seconds: float) -> None:
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass


def test_switched_off_a_step_counts_nothing_and_is_one_shared_no_op(fresh: None) -> None:
    assert steps.step("parse") is steps.step("ledger")
    with steps.step("parse"), steps.step("ledger"):
        pass
    assert steps.snapshot() == {}


def test_switched_on_each_step_counts_its_own_time_and_calls(fresh: None, tmp_path: Path
                                                             ) -> None:
    steps.enable()
    for _ in range(2):
        with steps.step("outer"):
            _spin(0.002)
            with steps.step("inner"):
                _spin(0.01)
    table = steps.snapshot()
    assert table["outer"]["calls"] == table["inner"]["calls"] == 2
    assert table["inner"]["cpu_seconds"] >= 0.02
    assert 0.004 <= table["outer"]["cpu_seconds"] < table["inner"]["cpu_seconds"]
    steps.dump(tmp_path / "steps.json")
    assert json.loads((tmp_path / "steps.json").read_text())["steps"] == table

"""The Spark engine runs unchanged on a real cluster manager and through Spark Connect: a
standalone master with two workers, and the Connect server PySpark ships, both on loopback,
give the pure judge's verdicts, record for record."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sparkruns import json_lines, pure_lines, small_month, spark_cli
from tests.sparkservers import connect_server, standalone_cluster

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'stockout[spark]')")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    events = small_month(tmp_path_factory.mktemp("month"), orders=150)
    expected = pure_lines(events)
    assert len(expected) > 10
    return events, expected


def test_a_standalone_master_with_two_workers_gives_the_pure_judges_verdicts(
        month: tuple[Path, list[str]], tmp_path: Path) -> None:
    events, expected = month
    with standalone_cluster(tmp_path, workers=2) as master:
        done = spark_cli(events, master)
        log = (tmp_path / "master.log").read_text("utf-8", errors="replace")
    assert done.returncode == 0, done.stderr[-3000:]
    assert json_lines(done.stdout) == expected
    assert "Registered app stockout" in log  # the cluster, not a local Spark, judged


def test_spark_connect_gives_the_pure_judges_verdicts(month: tuple[Path, list[str]],
                                                      tmp_path: Path) -> None:
    events, expected = month
    with connect_server(tmp_path) as address:
        done = spark_cli(events, address)
        log = (tmp_path / "connect.log").read_text("utf-8", errors="replace")
    assert done.returncode == 0, done.stderr[-3000:]
    assert json_lines(done.stdout) == expected
    assert "Spark Connect server started" in log

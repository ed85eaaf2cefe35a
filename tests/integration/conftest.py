"""Shared fixtures of the integration tests: one local Spark session for the whole run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local Spark (2 cores, few shuffle partitions, no UI), started once; skipped, with the
    reason, where pyspark is not installed."""
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'stockout[spark]')")
    from stockout.batch.spark_engine import local_session

    session = local_session(cores=2, shuffle_partitions=2, adaptive=False)
    yield session
    session.stop()

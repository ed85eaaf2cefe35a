"""Use case: judge an event input in bulk with a chosen engine (python, duckdb, spark).

Every engine judges the same preparation (`prepare.prepared`): any input of the event contract
as one judge-ready Parquet file, its rejected lines or rows and its duplicates counted once.
Every engine returns the same result table (`records.RESULT_COLUMNS`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyarrow as pa

from stockout.adapters.event_file import Rejection
from stockout.batch.prepare import MEMORY_LIMIT, Holding, Prepared, holding, prepared
from stockout.batch.records import RESULT_SCHEMA
from stockout.domain.announcements import Announcement
from stockout.domain.errors import StockoutError
from stockout.domain.rulebook import RuleBook


class Engine(StrEnum):
    PYTHON = "python"
    DUCKDB = "duckdb"
    SPARK = "spark"


class EngineUnavailable(StockoutError, RuntimeError):
    """The chosen engine's package is not installed."""

    family = "engine-unavailable"


@dataclass(frozen=True, slots=True)
class BulkRun:
    """The verdicts of one bulk run (`records.RESULT_COLUMNS`), and what the input reported."""

    result: pa.Table
    rejections: Sequence[Rejection] = field(default_factory=tuple)
    duplicates: int = 0


def judge_path(path: Path, book: RuleBook, now: datetime,
               announcements: Sequence[Announcement] = (), engine: Engine = Engine.DUCKDB,
               *, spark: Any = None, memory_limit: str | None = MEMORY_LIMIT,
               temp_directory: Path | None = None) -> BulkRun:
    """Judge every order of a `.jsonl` file, a `.parquet` file or a folder of Parquet parts.
    Raises `validation.BadInput` for an input that breaks the contract as a whole."""
    with prepared(path, memory_limit=memory_limit, temp_directory=temp_directory,
                  held=holding_for(engine)) as prep:
        return judge_prepared(prep, book, now, announcements, engine, spark=spark,
                              memory_limit=memory_limit, temp_directory=temp_directory)


def holding_for(engine: Engine) -> Holding:
    """What the preparation of input for `engine` may hold in memory."""
    from stockout.batch import pure_engine

    return pure_engine.HOLDING if engine is Engine.PYTHON else holding()


def judge_prepared(prep: Prepared, book: RuleBook, now: datetime,
                   announcements: Sequence[Announcement] = (), engine: Engine = Engine.DUCKDB,
                   *, spark: Any = None, memory_limit: str | None = MEMORY_LIMIT,
                   temp_directory: Path | None = None) -> BulkRun:
    """Judge a prepared input (several rule books may judge one preparation)."""
    if engine is Engine.SPARK:
        result = _spark(prep, book, now, announcements, spark)
    else:
        from stockout.batch import duckdb_engine, pure_engine

        spill = temp_directory or (prep.workdir / "spill" if prep.workdir else None)
        if engine is Engine.PYTHON:  # DuckDB only sorts a range of orders at a time for it
            memory_limit = pure_engine.MEMORY_LIMIT
        con = duckdb_engine.connect(memory_limit, spill)
        try:
            if engine is Engine.PYTHON:
                result = pure_engine.judge(con, prep.source, book, now, announcements)
            else:
                result = duckdb_engine.judge(con, book, now, announcements, source=prep.source)
        finally:
            con.close()
    return BulkRun(result.cast(RESULT_SCHEMA), prep.rejections, prep.duplicates)


def _spark(prep: Prepared, book: RuleBook, now: datetime,
           announcements: Sequence[Announcement], spark: Any) -> pa.Table:
    if importlib.util.find_spec("pyspark") is None:  # pragma: no cover - depends on the install
        raise EngineUnavailable("spark: pip install 'stockout[spark]'")
    from stockout.batch import spark_engine

    if spark is not None:
        return spark_engine.judge(spark, book, now, announcements, source=prep.source)
    rows = spark_engine.input_rows(prep.source, None)
    with spark_engine.command_session(rows=rows) as session:  # the JVM ends with the command
        return spark_engine.judge(session, book, now, announcements, source=prep.source)

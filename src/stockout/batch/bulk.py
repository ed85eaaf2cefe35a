"""Use case: judge an event file or folder in bulk with a chosen engine (python, duckdb, spark).

JSON Lines input is validated line by line as the pure judge does (rejections are kept); Parquet
input is read as written by `parquet_io`. Every engine returns the same result table.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyarrow as pa

from stockout.adapters.event_file import EventLog, Rejection, read_event_file
from stockout.batch.parquet_io import EventSource, event_log_table, is_parquet, open_events
from stockout.batch.records import RESULT_COLUMNS
from stockout.batch.schema import EVENT_FIELDS
from stockout.domain.announcements import Announcement
from stockout.domain.events import ClaimKind, Event, EventType, Party, Remedy, ScanStatus
from stockout.domain.rulebook import RuleBook
from stockout.domain.verdicts import Verdict


class Engine(StrEnum):
    PYTHON = "python"
    DUCKDB = "duckdb"
    SPARK = "spark"


class EngineUnavailable(RuntimeError):
    """The chosen engine's package is not installed."""


@dataclass(frozen=True, slots=True)
class BulkRun:
    """The verdicts of one bulk run (`records.RESULT_COLUMNS`), and what the input reported."""

    result: pa.Table
    rejections: Sequence[Rejection] = field(default_factory=tuple)
    duplicates: int = 0


_ENUMS: dict[str, Any] = {"type": EventType, "by": Party, "initiator": Party, "sender": Party,
                          "status": ScanStatus, "kind": ClaimKind, "remedy": Remedy}


def events_of(batch: pa.RecordBatch | pa.Table) -> Iterator[Event]:
    """Parquet rows back as domain events, in the rows' order."""
    for row in batch.select(list(EVENT_FIELDS)).to_pylist():
        for name, enum in _ENUMS.items():
            if row[name] is not None:
                row[name] = enum(row[name])
        yield Event(**row)


def _events(table: pa.Table) -> Iterator[Event]:
    """Parquet rows back as domain events, in arrival (`seq`) order."""
    for batch in table.sort_by("seq").to_batches(max_chunksize=65_536):
        yield from events_of(batch)


def read_log(path: Path) -> EventLog:
    """Any event input as the pure judge's `EventLog` (Parquet rows in arrival order)."""
    if not is_parquet(path):
        return read_event_file(path)
    import pyarrow.parquet as pq

    log = EventLog()
    for f in open_events(path).files:
        for n, event in enumerate(_events(pq.read_table(f)), start=1):
            log.add(event, n)
    return log


def _python(log: EventLog, book: RuleBook, now: datetime,
            announcements: Sequence[Announcement]) -> pa.Table:
    from stockout.services.judging.files import judge_log

    return result_table(judge_log(log, book, now, announcements).verdicts)


def result_table(verdicts: Sequence[Verdict]) -> pa.Table:
    """The pure judge's verdicts in the columnar engines' result layout."""
    from stockout.batch.rules_sql import micros

    rows = {
        "order_id": [v.order_id for v in verdicts],
        "shop_id": [v.shop_id for v in verdicts],
        "paid_cents": [v.paid_cents for v in verdicts],
        "violation": [v.violation.value for v in verdicts],
        "trigger": [v.trigger.value for v in verdicts],
        "detected_us": [micros(v.detected_at) for v in verdicts],
        "deadline_us": [micros(v.deadline) if v.deadline else None for v in verdicts],
        "compensation_cents": [v.compensation_cents for v in verdicts],
        "rule": [v.rule for v in verdicts],
        "evidence": [list(v.evidence) for v in verdicts],
    }
    return pa.table({k: rows[k] for k in RESULT_COLUMNS}, schema=RESULT_SCHEMA)


RESULT_SCHEMA = pa.schema([
    ("order_id", pa.string()), ("shop_id", pa.string()), ("paid_cents", pa.int64()),
    ("violation", pa.string()), ("trigger", pa.string()), ("detected_us", pa.int64()),
    ("deadline_us", pa.int64()), ("compensation_cents", pa.int64()), ("rule", pa.string()),
    ("evidence", pa.list_(pa.string())),
])


def judge_path(path: Path, book: RuleBook, now: datetime,
               announcements: Sequence[Announcement] = (), engine: Engine = Engine.DUCKDB,
               *, spark: Any = None, memory_limit: str | None = None,
               temp_directory: Path | None = None) -> BulkRun:
    """Judge every order of a `.jsonl` file, a `.parquet` file or a folder of Parquet parts."""
    log: EventLog | None = None
    source: EventSource | None = None
    table: pa.Table | None = None
    if engine is Engine.PYTHON or not is_parquet(path):
        log = read_log(path)
    if engine is Engine.PYTHON:
        assert log is not None
        result = _python(log, book, now, announcements)
    else:
        if log is not None:
            table = event_log_table(log)
        else:
            source = open_events(path)
        result = _columnar(engine, book, now, announcements, source, table, spark,
                           memory_limit, temp_directory)
    rejections = tuple(log.rejections) if log is not None else ()
    return BulkRun(result.cast(RESULT_SCHEMA), rejections, log.duplicates if log else 0)


def _columnar(engine: Engine, book: RuleBook, now: datetime,
              announcements: Sequence[Announcement], source: EventSource | None,
              table: pa.Table | None, spark: Any, memory_limit: str | None,
              temp_directory: Path | None) -> pa.Table:
    if engine is Engine.DUCKDB:
        from stockout.batch import duckdb_engine

        con = duckdb_engine.connect(memory_limit, temp_directory)
        try:
            return duckdb_engine.judge(con, book, now, announcements, source=source, table=table,
                                       unique=True)
        finally:
            con.close()
    if importlib.util.find_spec("pyspark") is None:  # pragma: no cover - depends on the install
        raise EngineUnavailable("spark: pip install 'stockout[spark]'")
    from stockout.batch import spark_engine

    if spark is not None:
        return spark_engine.judge(spark, book, now, announcements, source=source, table=table,
                                  unique=True)
    with spark_engine.command_session() as session:  # the JVM ends with the command
        return spark_engine.judge(session, book, now, announcements, source=source,
                                  table=table, unique=True)

"""Reading and writing event files for the bulk engines (Parquet, JSON Lines).

Event Parquet written here is "judge-ready": every event_id is unique (the first arrival kept),
as the file metadata says. Files of the simulator (and of `prepare`) carry the integer layout
columns (`schema.LAYOUT_COLUMNS`) and keep each type's rows in row groups of their own, so that a
scan of a few types skips the others. Any other input is prepared first (`prepare.prepared`).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.json as pajson
import pyarrow.parquet as pq

from stockout.adapters.event_file import EventLog, read_event_file
from stockout.batch.schema import (
    DATASET_KEY,
    EVENT_SCHEMA,
    LAYOUT_KEY,
    LAYOUT_VERSION,
    UNIQUE_KEY,
    events_table,
)
from stockout.domain.events import Event

ROW_GROUP = 1 << 20
_JSON_SCHEMA = pa.schema([f for f in EVENT_SCHEMA if f.name != "seq"])


@dataclass(frozen=True, slots=True)
class EventSource:
    """Parquet files of events, and whether their event ids are known to be unique."""

    files: tuple[Path, ...]
    unique: bool
    layout: bool = False  # one file carrying `schema.LAYOUT_COLUMNS` (implies unique)


def parquet_rows(files: Iterable[Path]) -> int:
    """The rows of Parquet files, from their footers."""
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def parquet_files(path: Path) -> list[Path]:
    """A Parquet file, or every `*.parquet` under a folder of parts, in name order."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.parquet") if p.is_file())
        if not files:
            raise FileNotFoundError(f"{path}: no .parquet files in this folder")
        return files
    if not path.exists():
        raise FileNotFoundError(f"{path}: file not found")
    return [path]


def is_parquet(path: Path) -> bool:
    return path.is_dir() or path.suffix.lower() in (".parquet", ".pq")


def open_events(path: Path) -> EventSource:
    files = parquet_files(path)
    datasets = set()
    unique = layout = True
    for f in files:
        meta = pq.read_schema(f).metadata or {}
        unique = unique and meta.get(UNIQUE_KEY) == b"true"
        layout = layout and meta.get(LAYOUT_KEY) == LAYOUT_VERSION
        datasets.add(meta.get(DATASET_KEY))
    unique = unique and len(datasets) == 1
    return EventSource(tuple(files), unique, unique and layout and len(files) == 1)


def _metadata(dataset: str, layout: bool = False) -> dict[bytes, bytes]:
    meta = {UNIQUE_KEY: b"true", DATASET_KEY: dataset.encode()}
    if layout:
        meta[LAYOUT_KEY] = LAYOUT_VERSION
    return meta


def write_tables(tables: Iterable[pa.Table], path: Path, *, unique: bool,
                 dataset: str | None = None) -> int:
    """Write tables of `EVENT_SCHEMA` as one Parquet file; returns the rows written."""
    schema = EVENT_SCHEMA
    if unique:
        schema = schema.with_metadata(_metadata(dataset or uuid.uuid4().hex))
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for table in tables:
            writer.write_table(table.cast(schema), row_group_size=ROW_GROUP)
            rows += table.num_rows
    return rows


def event_log_table(log: EventLog) -> pa.Table:
    """The valid events of a parsed file, one order after another, `seq` their arrival."""
    arrival = {event_id: n for n, event_id in enumerate(log.seen)}
    ordered = [e for order_id in sorted(log.by_order) for e in log.by_order[order_id]]
    table = events_table(ordered)
    seq = pa.array([arrival[e.event_id] for e in ordered], type=pa.int64())
    return table.set_column(table.schema.get_field_index("seq"), "seq", seq)


def export_orders(orders: Iterable[Sequence[Event]], path: Path, batch_rows: int = ROW_GROUP
                  ) -> int:
    """Judge-ready Parquet from events grouped by order, as a store exports them: each order's
    events together in arrival order, every event id once. Returns the rows written."""

    def tables() -> Iterator[pa.Table]:
        pending: list[Event] = []
        seq = 0
        for events in orders:
            pending.extend(events)
            if len(pending) >= batch_rows:
                yield events_table(pending, seq)
                seq += len(pending)
                pending = []
        if pending or not seq:
            yield events_table(pending, seq)

    return write_tables(tables(), path, unique=True)


def read_jsonl_table(path: Path) -> tuple[EventLog, pa.Table]:
    """Validate a JSON Lines event file as the pure judge does, then lay it out as Arrow."""
    log = read_event_file(path)
    return log, event_log_table(log)


def json_lines_table(lines: Sequence[str], first_seq: int) -> pa.Table:
    """Trusted, well-formed event lines (the simulator's) parsed by Arrow in C++."""
    data = ("\n".join(lines) + "\n").encode()
    table = pajson.read_json(io.BytesIO(data), parse_options=pajson.ParseOptions(
        explicit_schema=_JSON_SCHEMA, unexpected_field_behavior="ignore"))
    seq = pa.array(range(first_seq, first_seq + table.num_rows), type=pa.int64())
    return table.select(_JSON_SCHEMA.names).append_column("seq", seq)


def record_batches(relation: Any) -> Iterator[pa.RecordBatch]:
    """A DuckDB relation as Arrow record batches (the method's name changed in DuckDB 2)."""
    reader = (relation.to_arrow_reader(ROW_GROUP) if hasattr(relation, "to_arrow_reader")
              else relation.fetch_record_batch(ROW_GROUP))
    yield from reader


VERDICT_SCHEMA = pa.schema([
    ("order_id", pa.string()), ("violation", pa.string()), ("trigger", pa.string()),
    ("detected_at", pa.string()), ("deadline", pa.string()),
    ("compensation_cents", pa.int64()), ("rule", pa.string()),
    ("evidence", pa.list_(pa.string())),
])

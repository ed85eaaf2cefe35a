"""The engines' result rows as verdict records of the `stockout judge --json` contract."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from stockout.batch.parquet_io import VERDICT_SCHEMA
from stockout.domain.verdicts import Verdict

# What the rules query returns, one row per verdict (times in microseconds since the epoch).
RESULT_COLUMNS = ("order_id", "shop_id", "paid_cents", "violation", "trigger", "detected_us",
                  "deadline_us", "compensation_cents", "rule", "evidence")
RESULT_SCHEMA = pa.schema([
    ("order_id", pa.string()), ("shop_id", pa.string()), ("paid_cents", pa.int64()),
    ("violation", pa.string()), ("trigger", pa.string()), ("detected_us", pa.int64()),
    ("deadline_us", pa.int64()), ("compensation_cents", pa.int64()), ("rule", pa.string()),
    ("evidence", pa.list_(pa.string())),
])


def result_table(verdicts: Sequence[Verdict]) -> pa.Table:
    """The pure judge's verdicts in the columnar engines' result layout."""
    from stockout.batch.rules_sql import micros

    return pa.table({
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
    }, schema=RESULT_SCHEMA)


def format_times(micros: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """domain.times.format_time, vectorised: RFC 3339 in Asia/Shanghai, the fraction if any."""
    local = micros.cast(pa.int64()).cast(pa.timestamp("us", tz="UTC")).cast(
        pa.timestamp("us", tz="Asia/Shanghai"))
    text = pc.strftime(local, format="%Y-%m-%dT%H:%M:%S%z")
    text = pc.replace_substring(text, ".000000", "")
    return pc.replace_substring_regex(text, r"([+-]\d\d)(\d\d)$", r"\1:\2")


def sort_result(result: pa.Table) -> pa.Table:
    """The contract's order: order id, detection time, violation."""
    return result.sort_by([("order_id", "ascending"), ("detected_us", "ascending"),
                           ("violation", "ascending")])


def verdict_table(result: pa.Table) -> pa.Table:
    """Sorted result rows as the contract's columns (times as text)."""
    result = sort_result(result)
    return pa.Table.from_arrays([
        result["order_id"], result["violation"], result["trigger"],
        format_times(result["detected_us"]), format_times(result["deadline_us"]),
        result["compensation_cents"].cast(pa.int64()), result["rule"],
        result["evidence"].cast(pa.list_(pa.string())),
    ], schema=VERDICT_SCHEMA)


def verdict_records(result: pa.Table) -> Iterator[dict[str, object]]:
    """One dict per verdict, exactly as `Verdict.to_record` writes it, in the contract's order."""
    table = verdict_table(result)
    for batch in table.to_batches(max_chunksize=65_536):
        yield from batch.to_pylist()


def write_verdicts(result: pa.Table, path: Path) -> int:
    """The verdicts as the contract's records, sorted, written by DuckDB (not row by row in
    Python): JSON Lines exactly as `judge --json` prints them or, by suffix, Parquet. Returns
    the verdicts written."""
    import duckdb

    table = verdict_table(result)
    path.parent.mkdir(parents=True, exist_ok=True)
    parquet = path.suffix.lower() in (".parquet", ".pq")
    options = "FORMAT parquet, COMPRESSION zstd" if parquet else "FORMAT json"
    con = duckdb.connect()  # insertion order kept: the rows stay in the contract's order
    try:
        con.register("verdict_records", table)
        target = path.as_posix().replace("'", "''")
        con.execute(f"COPY verdict_records TO '{target}' ({options})")
    finally:
        con.close()
    return int(table.num_rows)

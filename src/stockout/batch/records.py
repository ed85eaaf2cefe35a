"""The engines' result rows as verdict records of the `stockout judge --json` contract."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from stockout.batch.parquet_io import VERDICT_SCHEMA

# What the rules query returns, one row per verdict (times in microseconds since the epoch).
RESULT_COLUMNS = ("order_id", "shop_id", "paid_cents", "violation", "trigger", "detected_us",
                  "deadline_us", "compensation_cents", "rule", "evidence")


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

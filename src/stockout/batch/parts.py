"""Parquet parts read into memory for the preparation (`prepare`): each part's rows in the
contract's columns, checked (`invalid`: NULL or the reasons), with their arrival (`seq`, `part`,
`row`), in the order of their buckets (a hash of the order id).

A part whose columns already have the contract's types (a plain export) is read by Arrow as it
is: DuckDB only checks its rows and hashes its order ids, and NumPy puts the rows in bucket
order (a counting sort of the bucket numbers, then one Arrow `take`). Its text columns of few
distinct values (`FEW_VALUES`: the type, the statuses, the carrier, the regions...) are read as
dictionary arrays: each row's value is then an integer, not a text copied at every `take`.
Moving every column through DuckDB's sort and back to Arrow cost about twice as much. Any
other part (columns to cast) is read, cast, checked and sorted by DuckDB (`part_select`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from stockout.batch.duckdb_engine import arrow_table
from stockout.batch.schema import EVENT_SCHEMA
from stockout.batch.validation import ENUMERATED, clean_texts, reason_sql

# Parts read at once (each with a DuckDB cursor of its own): reading and sorting one part runs
# on one core (Arrow), checking it on all (DuckDB).
READERS = 2
# The text columns of few distinct values, read (and laid out) as dictionary arrays: the
# enumerated ones (`validation.ENUMERATED`) and the free texts a platform has a few of.
FEW_VALUES: tuple[str, ...] = (*ENUMERATED, "category", "ship_from_region",
                               "ship_to_region", "carrier", "region")
# The columns of a part read (those of DuckDB's answer, times in UTC): parts read either way are
# then sliced together.
_READ_SCHEMA = pa.schema([*(f.with_nullable(True).with_type(pa.dictionary(pa.int32(), f.type))
                            if f.name in FEW_VALUES else f.with_nullable(True)
                            for f in EVENT_SCHEMA), ("part", pa.int32()),
                          ("row", pa.int64()), ("invalid", pa.string())])


def read_parts(con: Any, files: list[Path], selects: list[str], buckets: int,
               first_part: int = 0) -> tuple[list[pa.Table], np.ndarray] | None:
    """Each part's rows (`files`, numbered from `first_part`, or the queries `selects` of
    `part_select` for the parts Arrow does not read as they are) as an Arrow table in bucket
    order, and how many rows of each bucket each part holds (parts x buckets). None if a part
    cannot be read: it is then staged file by file, its error naming the file."""
    import duckdb

    def one(part: int) -> tuple[pa.Table, np.ndarray]:
        cursor = con.cursor()
        try:
            table = _arrow_part(cursor, files[part], first_part + part, buckets)
            if table is None:
                table = arrow_table(cursor.sql(
                    f"SELECT *, {_bucket(buckets)} FROM ({selects[part]}) ORDER BY bucket"))
        finally:
            cursor.close()
        counts = np.bincount(table["bucket"].to_numpy(), minlength=buckets)
        return table.drop_columns(["bucket"]).cast(_READ_SCHEMA), counts

    try:
        with ThreadPoolExecutor(READERS) as pool:
            read = list(pool.map(one, range(len(files))))
    except (duckdb.Error, pa.ArrowException, OSError):
        return None
    return [t for t, _ in read], np.array([c for _, c in read], dtype=np.int64).reshape(
        len(files), buckets)


def _bucket(buckets: int) -> str:
    """The column `bucket` of a row: a hash of its order id, the same for both kinds of part
    (they are sliced together)."""
    return f"CAST(hash(order_id) % {buckets} AS USMALLINT) AS bucket"


def _arrow_part(con: Any, f: Path, part: int, buckets: int) -> pa.Table | None:
    """A part whose columns all have the contract's types, read by Arrow, checked by DuckDB
    and put in bucket order (`bucket` added); None for a part with a column to cast."""
    schema = pq.read_schema(f)
    present = [field for field in EVENT_SCHEMA if field.name in schema.names]
    if any(schema.field(field.name).type != field.type for field in present):
        return None
    names = [field.name for field in present]
    read = pq.ParquetFile(f, read_dictionary=[n for n in names if n in FEW_VALUES]).read(
        columns=names, use_threads=False).combine_chunks()
    read.validate(full=True)  # invalid UTF-8 raises, as DuckDB's reader does
    n = read.num_rows
    rows = np.arange(n, dtype=np.int64)
    columns = {field.name: read[field.name] if field.name in schema.names
               else pa.nulls(n, field.type) for field in EVENT_SCHEMA}
    columns["seq"] = (pc.coalesce(read["seq"], pa.array(rows)) if "seq" in schema.names
                      else pa.array(rows))
    table = pa.table({**columns, "part": pa.array(np.full(n, part, dtype=np.int32)),
                      "row": pa.array(rows + 1)})
    con.register("part_rows", table)
    try:  # DuckDB may answer in any order: each answer names its row
        checked = arrow_table(con.sql(
            f"SELECT \"row\", {reason_sql(clean_texts(table))} AS invalid, "
            f"{_bucket(buckets)} FROM part_rows"))
    finally:
        con.unregister("part_rows")
    at = checked["row"].to_numpy() - 1  # where each answer's row is in `table`
    answer = np.empty(n, dtype=np.int64)
    answer[at] = rows
    bucket = np.empty(n, dtype=np.uint16)
    bucket[at] = checked["bucket"].to_numpy()
    table = table.append_column("invalid", checked["invalid"].take(answer)).append_column(
        "bucket", pa.array(bucket))
    return table.take(pa.array(np.argsort(bucket, kind="stable")))

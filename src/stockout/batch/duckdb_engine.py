"""The columnar judge on DuckDB (embedded, the default): `rules.sql` over Parquet files."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

from stockout.batch.parquet_io import EventSource
from stockout.batch.rules_sql import PhraseFunction, literal, rules_query
from stockout.batch.schema import rule_columns
from stockout.batch.udfs import cached_finder
from stockout.domain.announcements import Announcement
from stockout.domain.rulebook import RuleBook


def connect(memory_limit: str | None = None, temp_directory: Path | None = None,
            threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection; past `memory_limit` it spills to `temp_directory`."""
    config: dict[str, str | bool | int | float | list[str]] = {"preserve_insertion_order": False}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if temp_directory is not None:
        config["temp_directory"] = str(temp_directory)
    if threads:
        config["threads"] = threads
    return duckdb.connect(config=config)


def _register(con: duckdb.DuckDBPyConnection, fn: PhraseFunction) -> None:
    with contextlib.suppress(Exception):  # not registered yet
        con.remove_function(fn.name)
    # Row by row through a cache: seven times faster here than DuckDB's Arrow UDFs, as chat
    # texts repeat (templates, canned replies).
    con.create_function(fn.name, cached_finder(fn.matcher),  # type: ignore[call-overload]
                        [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR"), type="native",
                        null_handling="special", side_effects=False)


_COLUMNS = rule_columns('"', "epoch_us")


def parquet_scan(files: Sequence[Path]) -> str:
    """DuckDB's relation over these Parquet files, each path quoted."""
    return "read_parquet([" + ", ".join(literal(f.as_posix()) for f in files) + "])"


def events_view(files: Sequence[Path] | None = None, table: str | None = None,
                layout: bool = False) -> str:
    """The relation the rules read: Parquet files (or a registered Arrow table), times in us,
    with the integer layout columns when the files carry them."""
    source = table or parquet_scan(files or ())
    extra = ", ok, eid, kr" if layout else ""
    return f"SELECT {_COLUMNS}{extra} FROM {source}"


def judge(con: duckdb.DuckDBPyConnection, book: RuleBook, now: datetime,
          announcements: Sequence[Announcement] = (), *, source: EventSource | None = None,
          table: pa.Table | None = None, unique: bool = False) -> pa.Table:
    """Every verdict of the events in `source` (or the Arrow `table`) as an Arrow table of
    `records.RESULT_COLUMNS`, unsorted."""
    layout = False
    if table is not None:
        con.register("stockout_input", table)
        view = events_view(table="stockout_input")
    else:
        assert source is not None
        layout = source.layout
        view = events_view(source.files, layout=layout)
        unique = source.unique
    con.execute(f"CREATE OR REPLACE TEMP VIEW events AS {view}")
    query = rules_query(book, now, announcements, unique=unique, layout=layout)
    for fn in query.functions:
        _register(con, fn)
    parts = max(1, -(-_rows(con) // ROWS_PER_PART)) if layout else 1
    if parts == 1:
        return arrow_table(con.sql(query.duckdb))
    orders = int(con.execute("SELECT max(ok) + 1 FROM events").fetchall()[0][0])
    first, rest = split_orders(query.duckdb, parts, orders)
    con.execute("DROP TABLE IF EXISTS stockout_orders")
    for i, statement in enumerate(first):
        con.execute(("CREATE TEMP TABLE stockout_orders AS " if i == 0
                     else "INSERT INTO stockout_orders ") + statement)
    try:
        return arrow_table(con.sql(rest))
    finally:
        con.execute("DROP TABLE IF EXISTS stockout_orders")


# Above this many events (of a file in the integer layout), the orders' first events are joined
# in slices of orders, ranges of `ok` (ranges of row groups of each type): the joins then fit in
# memory.
ROWS_PER_PART = 40_000_000


def _rows(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("SELECT count(*) FROM events").fetchall()
    return int(rows[0][0])


def split_orders(sql: str, parts: int, orders: int) -> tuple[list[str], str]:
    """The rules as `parts` statements computing the CTE `o` (one order per row) for a range of
    the order numbers `ok` (0 to `orders` - 1) each, and the rest of the query reading them from
    the table `stockout_orders`.
    The same text, only executed in pieces: the rules stay written once in `rules.sql`."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    key = "with_" if "with_" in tree.args else "with"  # the name changed in SQLGlot 28
    ctes = {cte.alias: cte for cte in tree.args[key].expressions}
    slices = []
    step = -(-orders // parts)
    for i in range(parts):
        ev = ctes["ev"].copy()  # every scan of `o` reads the range only (row groups skipped)
        ev.this.where(f"ok >= {i * step} AND ok < {(i + 1) * step}", copy=False)
        select = exp.select("*").from_("o")
        select.set(key, exp.With(expressions=[ev, ctes["o"].copy()]))
        slices.append(select.sql(dialect="duckdb"))
    rest = tree.copy()
    for cte in rest.args[key].expressions:
        if cte.alias == "o":
            cte.set("this", exp.select("*").from_("stockout_orders"))
            cte.set("materialized", False)  # a table already: not copied again
    return slices, rest.sql(dialect="duckdb")


def arrow_table(relation: duckdb.DuckDBPyRelation) -> pa.Table:
    """The whole result as an Arrow table (the method's name changed in DuckDB 2)."""
    fetch = getattr(relation, "to_arrow_table", None) or relation.fetch_arrow_table
    table = fetch()
    assert isinstance(table, pa.Table)
    return table

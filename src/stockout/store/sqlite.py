"""SQLite, the embedded default: WAL, one writer at a time (BEGIN IMMEDIATE, and a lock per
process so that threads queue instead of polling), durable against a killed process."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, create_engine, event, func, literal_column, select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Text, TypeDecorator

from stockout.store.mapping import compact
from stockout.store.reads import Reads, Want, on_driver
from stockout.store.types import UTCDateTime

T = TypeVar("T")
# SQLite's limit on the parameters of one statement (32,766 since 3.32; 999 before).
_MAX_PARAMETERS = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
_WRITERS: dict[str, threading.Lock] = {}
_WRITERS_GUARD = threading.Lock()


class SqliteDialect:
    name = "sqlite"

    def __init__(self, url: str) -> None:
        self.url = url
        self._statements: dict[Hashable, Any] = {}
        self._reads = Reads(sqlite3.Error, _run, _reader)
        self.rows = self._reads.rows
        self.records = self._reads.records
        self.later = self._reads.later
        self.later_records = self._reads.later_records
        self.run = self._reads.run
        database = make_url(url).database or ""
        with _WRITERS_GUARD:
            self._writer = _WRITERS.setdefault(database, threading.Lock())

    def make_engine(self) -> Engine:
        database = make_url(self.url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # The pool hands out the connection used last (LIFO): SQLite drops a connection's
        # page cache whenever another connection wrote since its last transaction, so
        # taking turns between pooled connections read every page again from the file.
        engine = create_engine(self.url, connect_args={"timeout": 60}, pool_use_lifo=True)

        @event.listens_for(engine, "connect")
        def _connect(dbapi: Any, _record: Any) -> None:
            dbapi.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            cursor = dbapi.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                           "busy_timeout=60000"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            readonly = conn.get_execution_options().get("stockout_readonly", False)
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine

    @contextmanager
    def writer(self) -> Iterator[None]:
        """One writing transaction of this process at a time (others queue, in order)."""
        with self._writer:
            yield

    def insert_rows(self, conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *,
                    ignore: Sequence[str] = (), returning: Sequence[str] = ()
                    ) -> list[tuple[Any, ...]]:
        """Straight to the driver, values converted here once: SQLAlchemy's per-row parameter
        processing cost more than SQLite's own work. With `returning`, multi-row VALUES
        statements (as many rows as the bound-parameter limit allows); otherwise one
        `executemany`."""
        if not rows:
            return []
        columns = tuple(rows[0])
        plan = self.prepared(("insert", table.name, columns, tuple(ignore), tuple(returning)),
                              lambda: _insert_plan(table, columns, ignore, returning))
        values = _values(rows, plan)
        if not returning:
            _many(conn, plan.head + plan.marks + plan.tail, values)
            return []
        out: list[tuple[Any, ...]] = []
        per = max(1, _MAX_PARAMETERS // len(columns))
        for start in range(0, len(values), per):
            part = values[start:start + per]
            sql = f"{plan.head}{', '.join([plan.marks] * len(part))}{plan.tail}"
            for r in _fetch(conn, sql, tuple(chain.from_iterable(part))):
                out.append(tuple([f(v) if f is not None else v
                                  for f, v in zip(plan.readers, r, strict=True)]))
        return out

    def update_rows(self, conn: Connection, table: Table, key: str,
                    rows: Sequence[dict[str, Any]], only: Mapping[str, str] | None = None
                    ) -> None:
        """One `executemany` straight to the driver (values converted here, as above)."""
        if not rows:
            return
        columns = tuple(c for c in rows[0] if c != key)
        guards = sorted((only or {}).items())
        order = (*columns, key)
        guarded = tuple(c for c, _ in guards)
        plan = self.prepared(("update", table.name, order, guarded),
                              lambda: _update_plan(table, columns, key, guarded))
        values = _values(rows, plan)
        if guards:
            extra = tuple(v for _, v in guards)
            values = [(*row, *extra) for row in values]
        _many(conn, plan.head, values)

    def one_of(self, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
        return column.in_(list(values))

    def any_of(self, column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
        """`column IN (SELECT value FROM json_each(:name))`, the list bound as one JSON text:
        the statement's text is the same whatever the number of values, so it is compiled
        once (an expanding `IN` is rendered again at every execution), and SQLite still
        looks each value up in the column's index."""
        values: Select[Any] = select(literal_column("value")).select_from(
            func.json_each(bindparam(name, type_=_JsonList())))
        return column.in_(values.scalar_subquery())

    def prepared(self, key: Hashable, build: Callable[[], T]) -> T:
        """Also a row write's SQL text and conversions (`_RowPlan`), kept under a tuple key:
        building them again at each write cost as much as converting the values."""
        found = self._statements.get(key)
        if found is None:
            found = self._statements[key] = build()
        return found

    def lock(self, conn: Connection, keys: list[int]) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds the database's write lock."""

    def try_lock_later(self, conn: Connection, keys: list[int]) -> Callable[[], bool]:
        return lambda: True

    def is_retryable(self, exc: BaseException) -> bool:
        return isinstance(exc, OperationalError) and "locked" in str(exc.orig)


@dataclass(frozen=True, slots=True)
class _RowPlan:
    """How rows of one table and columns are written: a row's values in the columns' order
    (`get`) with the times among them (at the indexes `timed`) to convert, the statement
    (`head`; for an insert, `head`, one row's `marks` as often as rows are sent, `tail`) and
    how each RETURNING column is read."""

    get: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    timed: tuple[int, ...]
    head: str
    marks: str = ""
    tail: str = ""
    readers: list[Callable[[Any], Any] | None] = field(default_factory=list)


def _getter(columns: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A row's values in the order of `columns`, always a tuple (one `itemgetter` call)."""
    if len(columns) == 1:
        only = columns[0]
        return lambda row: (row[only],)
    return itemgetter(*columns)


def _timed(table: Table, columns: Sequence[str]) -> tuple[int, ...]:
    return tuple(i for i, c in enumerate(columns) if isinstance(table.c[c].type, UTCDateTime))


def _insert_plan(table: Table, columns: tuple[str, ...], ignore: Sequence[str],
                 returning: Sequence[str]) -> _RowPlan:
    conflict = f" ON CONFLICT ({', '.join(_q(c) for c in ignore)}) DO NOTHING" if ignore else ""
    back = f" RETURNING {', '.join(_q(c) for c in returning)}" if returning else ""
    return _RowPlan(_getter(columns), _timed(table, columns),
                    f"INSERT INTO {_q(table.name)} ({', '.join(_q(c) for c in columns)}) VALUES ",
                    "(" + ", ".join("?" * len(columns)) + ")", conflict + back,
                    [_reader(table.c[c].type) for c in returning])


def _update_plan(table: Table, columns: tuple[str, ...], key: str, guarded: tuple[str, ...]
                 ) -> _RowPlan:
    sets = ", ".join(f"{_q(c)} = ?" for c in columns)
    where = "".join(f" AND {_q(c)} = ?" for c in guarded)
    order = (*columns, key)
    return _RowPlan(_getter(order), _timed(table, order),
                    f"UPDATE {_q(table.name)} SET {sets} WHERE {_q(key)} = ?{where}")


def _values(rows: Sequence[dict[str, Any]], plan: _RowPlan) -> list[Sequence[Any]]:
    """Each row's values in the order of the plan's columns, its times converted for the
    driver (taken in one call a row and converted by index: converting column by column cost
    three times as much)."""
    get, timed = plan.get, plan.timed
    if not timed:
        return [get(r) for r in rows]
    out: list[Sequence[Any]] = []
    for r in rows:
        values = list(get(r))
        for i in timed:
            values[i] = _sqlite_time(values[i])
        out.append(values)
    return out


class _JsonList(TypeDecorator[list[Any]]):
    """A list of values bound as one JSON text (for `json_each`), written by the store's one
    compact encoder (`json.dumps` with an option builds an encoder at every call, and a
    group's reads bind a dozen of these lists)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else compact(list(value))


def _q(name: str) -> str:
    return f'"{name}"'


@lru_cache(maxsize=1 << 16)
def _sqlite_time(value: Any) -> str | None:
    """An aware time as the text `UTCDateTime` stores on SQLite (naive UTC, microseconds).
    Memoised: a function of the instant alone (aware datetimes equal as instants hash alike),
    and the same instants come again and again (a post's `now` on every row it writes, an
    order's times at each re-judging); converting them was a tenth of a batched post's CPU."""
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"an aware datetime is required, got {value!r}")
    utc: datetime = value if value.tzinfo is UTC else value.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat(" ", "microseconds")


def _reader(kind: Any) -> Callable[[Any], Any] | None:
    """How a column read straight from the driver becomes its Python value, where SQLAlchemy's
    processors are not the cheapest way to it (a read's columns; a RETURNING column)."""
    return _sqlite_instant if isinstance(kind, UTCDateTime) else None


@lru_cache(maxsize=1 << 16)
def _sqlite_instant(text: str | None) -> datetime | None:
    """The aware UTC time that `_sqlite_time` stored as `text` (what SQLAlchemy's processors
    make of it). Memoised like `_sqlite_time`: a group reads the same instants again and again
    (a post's `now` on every row it wrote, an order's times), a dozen columns a post."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC) if text is not None else None


def _run(driver: sqlite3.Connection, sql: str, params: Any, want: Want, _keep_plan: bool
         ) -> tuple[Sequence[Any], list[Any]]:
    cur = driver.cursor()
    try:
        rows = cur.execute(sql, params).fetchall()
        return (cur.description or () if want is Want.DESCRIBED else ()), rows
    finally:
        cur.close()


def _fetch(conn: Connection, sql: str, params: tuple[Any, ...]) -> list[Any]:
    """A statement's rows, run on the driver's connection in `conn`'s transaction."""
    return on_driver(conn, sqlite3.Error, sql, params,
                     lambda driver: driver.execute(sql, params).fetchall())


def _many(conn: Connection, sql: str, values: Sequence[Sequence[Any]]) -> None:
    """One `executemany` on the driver's connection, in `conn`'s transaction (SQLAlchemy's own
    path cost more than a small write)."""
    on_driver(conn, sqlite3.Error, sql, values, lambda driver: driver.executemany(sql, values))

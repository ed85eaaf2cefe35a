"""PostgreSQL through psycopg 3: UTC sessions, transaction-scoped advisory locks taken in the
order `locks.lock_plan` gives, and retries on deadlock or serialization failure."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar, cast
from weakref import WeakKeyDictionary

import psycopg
from psycopg.types.array import ListBinaryDumper
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Integer,
    Table,
    Text,
    any_,
    bindparam,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.elements import ColumnElement

from stockout.store.reads import Reads, Want, on_driver
from stockout.store.types import UTCDateTime

T = TypeVar("T")
_RETRY_STATES = {"40P01", "40001"}  # deadlock detected, serialization failure
_LOCK = "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k"
_TRY_LOCK = "SELECT bool_and(pg_try_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k"


class PostgresDialect:
    name = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        self._statements: dict[str, Any] = {}
        self._reads = Reads(psycopg.Error, _run_prepared, ahead=_read_later)
        self.rows = self._reads.rows
        self.records = self._reads.records
        self.later = self._reads.later
        self.later_records = self._reads.later_records
        self.run = self._reads.run

    def make_engine(self) -> Engine:
        engine = create_engine(self.url, pool_size=8, max_overflow=40,
                               connect_args={"options": "-c timezone=UTC"})
        event.listen(engine, "connect", _lists_in_binary)
        event.listen(engine, "checkout",
                     lambda driver, record, _: _ping_after_idle(engine, driver, record))
        event.listen(engine, "before_cursor_execute", _send_deferred)
        event.listen(engine, "commit", _send_before_commit)
        event.listen(engine, "rollback", _drop_deferred)
        event.listen(engine, "checkin", _dropped_at_checkin)
        return engine

    @contextmanager
    def writer(self) -> Iterator[None]:
        """Writers run side by side; the locks below serialise what they share."""
        yield

    def insert_rows(self, conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *,
                    ignore: Sequence[str] = (), returning: Sequence[str] = ()
                    ) -> list[tuple[Any, ...]]:
        """One statement whatever the number of rows. Each column travels as one array in
        binary form (`INSERT ... SELECT FROM unnest(...)`): no text to escape and parse on
        either side, which halves the cost of a large insert on both (the rows as JSON,
        `json_to_recordset`, when a value is of a type the column's array does not take)."""
        if not rows:
            return []
        columns = list(rows[0])
        plan = self.prepared(f"unnest {table.name} {columns} {list(ignore)} {list(returning)}",
                             lambda: _InsertPlan(table, columns, ignore, returning))
        arrays = plan.arrays(rows)
        if arrays is None:
            return self._insert_json(conn, table, rows, columns, ignore, returning)
        return _on_driver(conn, plan.sql, arrays, bool(returning))

    def _insert_json(self, conn: Connection, table: Table, rows: Sequence[dict[str, Any]],
                     columns: list[str], ignore: Sequence[str], returning: Sequence[str]
                     ) -> list[tuple[Any, ...]]:
        sql = (f"INSERT INTO {table.name} ({', '.join(_q(c) for c in columns)}) "
               f"SELECT {', '.join(_q(c) for c in columns)} FROM {_recordset(table, columns)}"
               + _insert_tail(ignore, returning))
        params = {"rows": _json_rows(rows)}
        stmt = self.prepared(sql, lambda: text(sql))
        if returning:
            return [tuple(r) for r in conn.execute(stmt, params)]
        conn.execute(stmt, params)
        return []

    def update_rows(self, conn: Connection, table: Table, key: str,
                    rows: Sequence[dict[str, Any]], only: Mapping[str, str] | None = None
                    ) -> None:
        """Rewrite rows found by `key`, all in one statement (`UPDATE ... FROM` the rows), the
        columns as binary arrays as `insert_rows` sends them (as JSON when a value does not
        fit its column's array)."""
        if not rows:
            return
        columns = list(rows[0])
        guards = sorted((only or {}).items())
        plan = self.prepared(f"update {table.name} {key} {columns} {[c for c, _ in guards]}",
                             lambda: _UpdatePlan(table, key, columns, [c for c, _ in guards]))
        arrays = plan.arrays(rows)
        if arrays is not None:
            _on_driver(conn, plan.sql, [*arrays, *(v for _, v in guards)], False)
            return
        sql = plan.json_sql
        params = {"rows": _json_rows(rows)}
        params.update((f"only_{i}", v) for i, (_, v) in enumerate(guards))
        conn.execute(self.prepared(sql, lambda: text(sql)), params)

    def one_of(self, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
        """`column = ANY(:array)`: one parameter, so the statement text is the same (and its
        parse cached) whatever the number of values."""
        kind = BigInteger() if isinstance(column.type, Integer) else Text()
        return column == any_(bindparam(None, list(values), type_=ARRAY(kind)))

    def any_of(self, column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
        kind = BigInteger() if isinstance(column.type, Integer) else Text()
        return column == any_(bindparam(name, type_=ARRAY(kind)))

    def prepared(self, key: str, build: Callable[[], T]) -> T:
        found = self._statements.get(key)
        if found is None:
            found = self._statements[key] = build()
        return found

    def lock(self, conn: Connection, keys: list[int]) -> None:
        """Advisory locks held until the transaction ends, taken in the order given: sent
        with the next statement that needs an answer, which the server runs once they are
        held (nothing is read in between)."""
        if keys:
            on_driver(conn, psycopg.Error, _LOCK, None, lambda d: _defer(d, _LOCK, [keys], True))

    def try_lock_later(self, conn: Connection, keys: list[int]) -> Callable[[], bool]:
        """The keys taken at once if free: False if another transaction holds one of them.
        Sent with the next statement that needs an answer (behind the writes that wait), as a
        read asked for `later`: the read that follows the try (a review of measures) travels
        with it, and is only used once the try is known to have succeeded."""
        if not keys:
            return lambda: True
        sent = on_driver(conn, psycopg.Error, _TRY_LOCK, None,
                         lambda d: _answer_later(d, _TRY_LOCK, [keys], True, False))
        return lambda: bool(cast(list[Any], on_driver(conn, psycopg.Error, _TRY_LOCK, None,
                                                      lambda _: sent().rows))[0][0])

    def is_retryable(self, exc: BaseException) -> bool:
        if not isinstance(exc, DBAPIError):
            return False
        return getattr(exc.orig, "sqlstate", None) in _RETRY_STATES


def _lists_in_binary(driver: psycopg.Connection[Any], _record: object) -> None:
    """A list bound through SQLAlchemy (the ids of `one_of`, `any_of`: hundreds a statement)
    travels as a binary array, as `insert_rows` sends its columns, instead of the text array
    psycopg makes by default, quoting and escaping each element (2.5 times the CPU)."""
    driver.adapters.register_dumper(list, ListBinaryDumper)


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


_ROWS_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_value,
                              check_circular=False).encode  # made once (see mapping.dumps)


def _json_rows(rows: Sequence[dict[str, Any]]) -> str:
    return _ROWS_JSON(rows)


def _recordset(table: Table, columns: Sequence[str], alias: str = "r") -> str:
    types = ", ".join(f"{_q(c)} {_pg_type(table.c[c])}" for c in columns)
    return f"json_to_recordset(CAST(:rows AS json)) AS {alias}({types})"


def _q(name: str) -> str:
    return f'"{name}"'


def _pg_type(column: Column[Any]) -> str:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return "timestamptz"
    if isinstance(kind, BigInteger):
        return "bigint"
    if isinstance(kind, Integer):
        return "integer"
    if isinstance(kind, Float):
        return "double precision"
    if isinstance(kind, Boolean):
        return "boolean"
    return "text"


def _insert_tail(ignore: Sequence[str], returning: Sequence[str]) -> str:
    """What an insert of rows adds after them: rows whose `ignore` columns conflict are skipped,
    and the `returning` columns of the rows inserted are returned."""
    tail = f" ON CONFLICT ({', '.join(_q(c) for c in ignore)}) DO NOTHING" if ignore else ""
    return tail + (f" RETURNING {', '.join(_q(c) for c in returning)}" if returning else "")


# What each column's binary array takes: the Python types psycopg dumps as that array's
# element type (None is NULL in any of them).
_ARRAY_TYPES: dict[str, frozenset[type]] = {
    "text": frozenset({str, type(None)}),
    "timestamptz": frozenset({datetime, type(None)}),
    "bigint": frozenset({int, type(None)}),
    "integer": frozenset({int, type(None)}),
    "double precision": frozenset({float, type(None)}),
    "boolean": frozenset({bool, type(None)}),
}


class _ColumnArrays:
    """The columns of rows of one table, each sent as one binary array, and the check that
    each column's values fit its array."""

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.kinds = [_pg_type(table.c[c]) for c in columns]
        self.unnest = "unnest(" + ", ".join(f"%b::{k}[]" for k in self.kinds) + ")"

    def arrays(self, rows: Sequence[dict[str, Any]]) -> list[list[Any]] | None:
        """Each column's values, or None when one does not fit its array (a str subclass, an
        int in a float column: the JSON path takes those)."""
        out = []
        for column, kind in zip(self.columns, self.kinds, strict=True):
            values = [r[column] for r in rows]
            found = set(map(type, values))
            if not found <= _ARRAY_TYPES[kind]:
                return None
            out.append(values)
        return out


class _InsertPlan(_ColumnArrays):
    """The insert of rows of one table and set of columns."""

    def __init__(self, table: Table, columns: Sequence[str], ignore: Sequence[str],
                 returning: Sequence[str]) -> None:
        super().__init__(table, columns)
        self.sql = (f"INSERT INTO {table.name} ({', '.join(_q(c) for c in columns)}) "
                    f"SELECT * FROM {self.unnest}" + _insert_tail(ignore, returning))


class _UpdatePlan(_ColumnArrays):
    """The update of rows of one table found by `key`, where the `guards` columns hold the
    values given after the arrays; `json_sql` the same from the rows as JSON."""

    def __init__(self, table: Table, key: str, columns: Sequence[str], guards: Sequence[str]
                 ) -> None:
        super().__init__(table, columns)
        sets = ", ".join(f"{_q(c)} = u.{_q(c)}" for c in columns if c != key)
        head = f"UPDATE {table.name} AS t SET {sets} FROM "
        where = f" WHERE t.{_q(key)} = u.{_q(key)}"
        self.sql = (head + f"{self.unnest} AS u({', '.join(_q(c) for c in columns)})" + where
                    + "".join(f" AND t.{_q(c)} = %s" for c in guards))
        self.json_sql = (head + _recordset(table, columns, "u") + where
                         + "".join(f" AND t.{_q(c)} = :only_{i}" for i, c in enumerate(guards)))


_CURSORS: WeakKeyDictionary[psycopg.Connection[Any], psycopg.Cursor[Any]] = WeakKeyDictionary()


def _cursor(driver: psycopg.Connection[Any]) -> psycopg.Cursor[Any]:
    """The driver connection's own cursor, made at its first statement and used for every
    statement after: a new cursor a statement cost a third of a small read's CPU in the
    client (its adapters copied, its state set up and closed). A connection runs one
    statement at a time (one thread holds it), and each execution replaces the last result."""
    cur = _CURSORS.get(driver)
    if cur is None or cur.closed:
        cur = _CURSORS[driver] = driver.cursor()
    return cur


_SPARES: WeakKeyDictionary[psycopg.Connection[Any], list[psycopg.Cursor[Any]]] = (
    WeakKeyDictionary())


def _spare_cursors(driver: psycopg.Connection[Any], count: int) -> list[psycopg.Cursor[Any]]:
    """At least `count` more cursors of the driver connection, kept for the reads sent
    together (`_Answer`), as `_cursor` keeps its own: each read of a round trip needs a
    cursor that keeps its result."""
    spares = _SPARES.setdefault(driver, [])
    spares.extend(driver.cursor() for _ in range(count - len(spares)))
    return spares


# The writes of a transaction whose answer nobody reads (an update, an insert without
# RETURNING, a lock) wait here, per driver connection, and reach the server with the next
# statement that needs an answer: all of them in one round trip (psycopg's pipeline mode),
# in the order they were made, so the server runs them exactly as if each had been sent
# alone. An error of a write is raised there (or at the commit, before it): the transaction
# fails as a whole, as it would have a statement earlier. What SQLAlchemy runs itself, and
# the commit, first send what waits; a rollback drops it. Reads asked for `later` wait
# here too, each with the `_Answer` its rows are kept in.
class _Answer:
    """A read sent with others: a cursor of its own while in the pipeline, then its rows
    (and their description, when `described`)."""

    __slots__ = ("cursor", "described", "description", "rows")

    def __init__(self, described: bool) -> None:
        self.described = described
        self.cursor: psycopg.Cursor[Any] | None = None
        self.description: Sequence[Any] = ()
        self.rows: list[Any] | None = None

    def take(self) -> None:
        cur = cast("psycopg.Cursor[Any]", self.cursor)
        self.rows, self.cursor = cur.fetchall(), None
        if self.described:
            self.description = cur.description or ()


_Deferred = tuple[str, Any, bool | None, _Answer | None]  # sql, parameters, prepare, answer
_DEFERRED: WeakKeyDictionary[psycopg.Connection[Any], list[_Deferred]] = WeakKeyDictionary()


def _defer(driver: psycopg.Connection[Any], sql: str, params: Any, prepare: bool | None,
           answer: _Answer | None = None) -> None:
    _DEFERRED.setdefault(driver, []).append((sql, params, prepare, answer))


def _execute(driver: psycopg.Connection[Any], statements: Sequence[_Deferred]
             ) -> psycopg.Cursor[Any]:
    """The statements in one round trip, on the connection's cursor (a read asked for later
    on a cursor of its own, which keeps its result): the last one's result is the cursor's."""
    cur = _cursor(driver)
    if len(statements) == 1 and statements[0][3] is None:
        cur.execute(*statements[0][:2], prepare=statements[0][2])
    elif statements:
        spares = iter(_spare_cursors(driver, sum(a is not None for *_, a in statements)))
        with driver.pipeline():  # sent as they come; one sync at its end
            for sql, params, prepare, answer in statements:
                on = cur
                if answer is not None:
                    on = answer.cursor = next(spares)
                on.execute(sql, params, prepare=prepare)
        for *_, answer in statements:
            if answer is not None:
                answer.take()
    return cur


def _answered(driver: psycopg.Connection[Any], sql: str, params: Any, prepare: bool | None
              ) -> psycopg.Cursor[Any]:
    """`sql` run for its answer, behind the writes deferred on its connection."""
    return _execute(driver, [*_DEFERRED.pop(driver, ()), (sql, params, prepare, None)])


def _driver(conn: Connection) -> psycopg.Connection[Any]:
    return cast("psycopg.Connection[Any]", conn.connection.driver_connection)


def _send_deferred(conn: Connection, *_: object) -> None:
    """Before a statement of SQLAlchemy's own: the writes deferred."""
    if _driver(conn) in _DEFERRED:
        on_driver(conn, psycopg.Error, "deferred writes", None,
                  lambda d: _execute(d, _DEFERRED.pop(d)))


def _send_before_commit(conn: Connection) -> None:
    """Before a commit: the writes deferred. If one fails, the transaction is rolled back
    here, as the server rolls back a commit that fails (SQLAlchemy takes the transaction for
    ended, and the connection goes back to the pool as it is)."""
    try:
        _send_deferred(conn)
    except DBAPIError:
        _driver(conn).rollback()
        raise


def _drop_deferred(conn: Connection) -> None:
    """At a rollback: what was deferred is rolled back with the rest."""
    _DEFERRED.pop(_driver(conn), None)


def _dropped_at_checkin(driver: psycopg.Connection[Any] | None, record: ConnectionPoolEntry
                        ) -> None:
    """A connection back in the pool carries nothing deferred into its next transaction;
    since when it waits there is noted (`_ping_after_idle`)."""
    record.info[_IDLE_SINCE] = time.monotonic()
    if driver is not None:
        _DEFERRED.pop(driver, None)


IDLE_PING = 1.0  # seconds in the pool after which a connection is pinged before it serves
_IDLE_SINCE = "stockout_idle_since"


def _ping_after_idle(engine: Engine, driver: DBAPIConnection, record: ConnectionPoolEntry
                     ) -> None:
    """SQLAlchemy's `pool_pre_ping`, for a connection that waited in the pool longer than
    `IDLE_PING` (the server may have closed it meanwhile: restarted, or an idle timeout).
    Pinging at every checkout cost a round trip a transaction under load, where each
    connection served a moment ago; a connection lost while busy fails its statement, and
    SQLAlchemy then replaces every connection of the pool, as after a failed ping."""
    since = record.info.get(_IDLE_SINCE)
    if since is None or time.monotonic() - since < IDLE_PING:
        return
    try:
        engine.dialect.do_ping(driver)
    except psycopg.Error as exc:  # an empty statement fails only on a lost connection
        raise InvalidatePoolError() from exc  # the pool connects again, as pre-ping does


def _on_driver(conn: Connection, sql: str, params: Sequence[Any], returning: bool
               ) -> list[tuple[Any, ...]]:
    """`sql` on the driver's own cursor, in the connection's transaction: the one way to send
    parameters in binary form (errors wrapped as SQLAlchemy's: `reads.on_driver`). Without
    `returning`, deferred to the next statement that needs an answer."""
    def run(driver: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
        if not returning:
            _defer(driver, sql, params, None)
            return []
        return [tuple(r) for r in _answered(driver, sql, params, None).fetchall()]
    return on_driver(conn, psycopg.Error, sql, None, run)


def _answer_later(driver: psycopg.Connection[Any], sql: str, params: Any, prepare: bool,
                  described: bool) -> Callable[[], _Answer]:
    """`sql` deferred with the writes, its answer kept: the answer once sent, sending what
    waits if it still waits."""
    answer = _Answer(described)
    _defer(driver, sql, params, prepare, answer)

    def sent() -> _Answer:
        if answer.rows is None:
            _execute(driver, _DEFERRED.pop(driver, ()))
        if answer.rows is None:
            raise RuntimeError("a read asked for later was dropped: its transaction ended")
        return answer
    return sent


def _read_later(driver: psycopg.Connection[Any], sql: str, params: Any, want: Want,
                keep_plan: bool) -> Callable[[], tuple[Sequence[Any], list[Any]]]:
    """A hot read (prepared, as `_run_prepared`'s) deferred with the writes: its rows once
    sent, sending what waits if it still waits."""
    sent = _answer_later(driver, sql, params, keep_plan, want is Want.DESCRIBED)

    def fetched() -> tuple[Sequence[Any], list[Any]]:
        answer = sent()
        return (answer.description if want is Want.DESCRIBED else ()), cast(list[Any],
                                                                           answer.rows)
    return fetched


def _run_prepared(driver: psycopg.Connection[Any], sql: str, params: Any, want: Want,
                  keep_plan: bool) -> tuple[Sequence[Any], list[Any]]:
    """A hot read, its plan kept by the server (prepared at once: it runs at every post)
    unless it is to be planned at each run (`reads.planned_each_run`: an unnamed statement,
    which the server plans with its parameters); a write (nothing wanted back) is deferred."""
    if want is Want.NOTHING:
        _defer(driver, sql, params, keep_plan)
        return (), []
    cur = _answered(driver, sql, params, keep_plan)
    rows = cur.fetchall()
    return (cur.description or () if want is Want.DESCRIBED else ()), rows

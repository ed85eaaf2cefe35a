"""SQLite, the embedded default: WAL, one writer at a time (BEGIN IMMEDIATE, and a lock per
process so that threads queue instead of polling), durable against a killed process."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, create_engine, event, insert, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.elements import ColumnElement

T = TypeVar("T")
_WRITERS: dict[str, threading.Lock] = {}
_WRITERS_GUARD = threading.Lock()


class SqliteDialect:
    name = "sqlite"

    def __init__(self, url: str) -> None:
        self.url = url
        self._statements: dict[str, Any] = {}
        database = make_url(url).database or ""
        with _WRITERS_GUARD:
            self._writer = _WRITERS.setdefault(database, threading.Lock())

    def make_engine(self) -> Engine:
        database = make_url(self.url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(self.url, connect_args={"timeout": 60})

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
        if not rows:
            return []

        def build() -> Any:
            stmt = (sqlite_insert(table).on_conflict_do_nothing(index_elements=list(ignore))
                    if ignore else insert(table))
            return stmt.returning(*[table.c[c] for c in returning]) if returning else stmt

        stmt = self.prepared(f"insert:{table.name}:{','.join(ignore)}:{','.join(returning)}",
                             build)
        if returning:
            return [tuple(r) for r in conn.execute(stmt, list(rows))]
        conn.execute(stmt, list(rows))
        return []

    def update_rows(self, conn: Connection, table: Table, key: str,
                    rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        columns = [c for c in rows[0] if c != key]
        stmt = self.prepared(
            f"update:{table.name}:{key}:{','.join(columns)}",
            lambda: (update(table).where(table.c[key] == bindparam(f"b_{key}"))
                     .values({c: bindparam(f"b_{c}") for c in columns})))
        conn.execute(stmt, [{f"b_{k}": v for k, v in r.items()} for r in rows])

    def one_of(self, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
        return column.in_(list(values))

    def any_of(self, column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
        return column.in_(bindparam(name, expanding=True))

    def prepared(self, key: str, build: Callable[[], T]) -> T:
        found = self._statements.get(key)
        if found is None:
            found = self._statements[key] = build()
        return found

    def lock(self, conn: Connection, keys: list[int]) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds the database's write lock."""

    def is_retryable(self, exc: BaseException) -> bool:
        return isinstance(exc, OperationalError) and "locked" in str(exc.orig)

"""Which database a URL names, and the engine for it (built by bootstrap, never at import)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.sql.elements import ColumnElement

from stockout.domain.errors import StockoutError

T = TypeVar("T")



class BadDatabaseUrl(StockoutError, ValueError):
    """`--db` names no database stockout can use."""

    family = "bad-database-url"


class StoreDialect(Protocol):
    """What differs between SQLite and PostgreSQL (one module per technology)."""

    name: str

    def make_engine(self) -> Engine: ...
    def writer(self) -> AbstractContextManager[None]: ...
    def insert_rows(self, conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *,
                    ignore: Sequence[str] = (), returning: Sequence[str] = ()
                    ) -> list[tuple[Any, ...]]:
        """Insert many rows (skipping conflicts on `ignore`); the `returning` columns of the
        rows written, in no particular order."""
        ...
    def update_rows(self, conn: Connection, table: Table, key: str,
                    rows: Sequence[dict[str, Any]], only: Mapping[str, str] | None = None
                    ) -> None:
        """Rewrite the given columns of the rows found by `key` (and, with `only`, whose
        columns still hold those values: a row that changed meanwhile is left alone)."""
        ...
    def one_of(self, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
        """`column IN (values)`, spelled the way the database handles best."""
        ...
    def any_of(self, column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
        """`column IN` the list bound as parameter `name`: for statements built once
        (`prepared`) and executed with `{name: [...]}`."""
        ...
    def prepared(self, key: str, build: Callable[[], T]) -> T:
        """The statement `build` makes, built once per store and kept under `key`: building
        and hashing a statement costs more than running a small one."""
        ...
    def rows(self, conn: Connection, statement: Any, params: Mapping[str, Any]
             ) -> list[tuple[Any, ...]]:
        """A statement kept by `prepared`, run on the driver's cursor (`reads`): its rows
        as tuples."""
        ...
    def records(self, conn: Connection, statement: Any, params: Mapping[str, Any]
                ) -> list[dict[str, Any]]:
        """`rows` as dicts, column name -> value."""
        ...
    def later(self, conn: Connection, statement: Any, params: Mapping[str, Any]
              ) -> Callable[[], list[tuple[Any, ...]]]:
        """`rows`, sent with the next statement that needs an answer (one round trip for
        independent reads): call the result for them."""
        ...
    def later_records(self, conn: Connection, statement: Any, params: Mapping[str, Any]
                      ) -> Callable[[], list[dict[str, Any]]]:
        """`later`, its rows as dicts (as `records`)."""
        ...
    def run(self, conn: Connection, statement: Any, params: Mapping[str, Any]) -> None:
        """A write kept by `prepared` (no RETURNING), run as `rows` runs a read."""
        ...
    def lock(self, conn: Connection, keys: list[int]) -> None: ...
    def try_lock_later(self, conn: Connection, keys: list[int]) -> Callable[[], bool]:
        """`lock` without waiting, its answer called for when needed (as a read `later`):
        False if another transaction holds one of the keys."""
        ...
    def is_retryable(self, exc: BaseException) -> bool: ...


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'stockout.db'}"


def normalize_url(url: str) -> str:
    """`postgresql://` and `postgres://` use psycopg 3; `sqlite:///FILE` as given."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def dialect_for(url: str) -> StoreDialect:
    url = normalize_url(url)
    try:
        backend = make_url(url).get_backend_name()
    except Exception as exc:  # sqlalchemy raises ArgumentError with its own wording
        raise BadDatabaseUrl(f"--db: not a database URL: {url!r} ({exc})") from None
    if backend == "sqlite":
        from stockout.store.sqlite import SqliteDialect

        return SqliteDialect(url)
    if backend == "postgresql":
        from stockout.store.postgres import PostgresDialect

        return PostgresDialect(url)
    raise BadDatabaseUrl(f"--db: use sqlite:///FILE or postgresql://..., not {backend!r}")


@dataclass(slots=True)
class Store:
    """An engine and what its database needs; `uow()` opens a unit of work on it."""

    url: str
    dialect: StoreDialect
    engine: Engine

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str) -> Store:
    dialect = dialect_for(url)
    return Store(normalize_url(url), dialect, dialect.make_engine())

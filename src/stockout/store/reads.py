"""Hot reads on the driver's own cursor: a statement built once (`StoreDialect.prepared`) is
compiled once per store into its SQL text, the order of its parameters and how each bound and
read value is converted; each execution then skips SQLAlchemy's per-statement work (the compiled
cache lookup, parameter processing, result wrapping), which cost more than a small read itself.
The values read are the ones SQLAlchemy would give (its own bind and result processors, or a
store's own reader of a column type that gives the same values cheaper)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import Any, TypeVar, cast

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler

Row = tuple[Any, ...]
T = TypeVar("T")
Fetched = tuple[Sequence[Any], list[Any]]  # the driver's description (when wanted), its rows
Run = Callable[[Any, str, Any, "Want", bool], Fetched]
"""(driver connection, sql, parameters, want, whether its plan is kept) -> (description, rows)"""
Reader = Callable[[Any], Callable[[Any], Any] | None]
"""A store's own converter of a column type's values read from its driver (None: SQLAlchemy's)."""


class Want(Enum):
    """What a run of a statement hands back: no rows (a write), the rows, or the rows and
    the driver's description of their columns (needed once per statement: the driver builds
    it anew at each call)."""

    NOTHING = 0
    ROWS = 1
    DESCRIBED = 2


PLANNED_EACH_RUN = "stockout_planned_each_run"
E = TypeVar("E", bound=Executable)


def planned_each_run(statement: E) -> E:
    """A hot read the server plans anew at each run, knowing its parameters, instead of
    keeping one plan for every run (where the server keeps plans: PostgreSQL). For a read of
    a set of keys (`column = ANY(:ids)`) on a table of a few thousand rows: a kept (generic)
    plan is made for a guessed ten keys, and chose a sequential scan that compared every row
    with every key given (hundreds: 20 ms a run, a sixth of PostgreSQL's CPU of a batched
    post); planned knowing the keys, the scan looks each row up in a hash of them (or the
    index is used). Planning such a read costs a few hundredths of a millisecond."""
    return statement.execution_options(**{PLANNED_EACH_RUN: True})


class ReadPlan:
    """One statement compiled for one dialect."""

    def __init__(self, statement: ClauseElement, dialect: Dialect, reader: Reader) -> None:
        options: Mapping[str, Any] = getattr(statement, "get_execution_options", dict)()
        self.keep_plan = not options.get(PLANNED_EACH_RUN, False)
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self.sql = compiled.string
        if "POSTCOMPILE" in self.sql:
            raise ValueError(f"a read on the driver takes no expanding IN: {self.sql}")
        processors: Mapping[str, Any] = compiled._bind_processors
        # The values the statement carries itself (`status = 'active'`), converted once.
        self.fixed: dict[str, Any] = {}
        for name, bind in compiled.binds.items():
            if not bind.required:
                f = processors.get(name)
                self.fixed[name] = f(bind.effective_value) if f else bind.effective_value
        names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
        self.positional = compiled.positional
        self.binds = [(n, processors.get(n)) for n in names]
        self.dialect = dialect
        self.reader = reader
        columns = compiled._result_columns or []
        self.types = [c[3] for c in columns]
        self.keys = tuple(c[0] for c in columns)
        self.readers: list[tuple[int, Any]] = []  # made at the first run, from the driver's types
        self.read = False

    def want(self) -> Want:
        if not self.keys:
            return Want.NOTHING
        return Want.ROWS if self.read else Want.DESCRIBED

    def params(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        fixed = self.fixed
        pairs = [(n, fixed[n] if n in fixed else f(values[n]) if f is not None else values[n])
                 for n, f in self.binds]
        return [v for _, v in pairs] if self.positional else dict(pairs)

    def rows(self, description: Sequence[Any], fetched: list[Any]) -> list[Row]:
        if not self.read and description:
            # As SQLAlchemy does: each column's converter for the type the driver reports.
            made = [self.reader(t) or t._cached_result_processor(self.dialect, d[1])
                    for t, d in zip(self.types, description, strict=True)]
            self.readers = [(i, f) for i, f in enumerate(made) if f is not None]
            self.read = True
        readers = self.readers
        if not readers:
            return [tuple(r) for r in fetched]
        out = []
        for r in fetched:
            values = list(r)
            for i, f in readers:  # only the columns that have a converter
                values[i] = f(values[i])
            out.append(tuple(values))
        return out


def on_driver(conn: Connection, error: type[Exception], sql: str, params: Any,
              call: Callable[[Any], T]) -> T:
    """`call` on the driver's own connection, in `conn`'s transaction; a driver error (of base
    class `error`) is raised as SQLAlchemy would wrap it, so retries (a locked database, a
    deadlock) and error mapping see the same exceptions."""
    try:
        return call(conn.connection.driver_connection)
    except error as exc:
        raise DBAPIError.instance(sql, params, exc, error, dialect=conn.dialect) from exc


class Reads:
    """A store's read plans, each made at its statement's first use."""

    def __init__(self, error: type[Exception], run: Run, reader: Reader = lambda _: None,
                 ahead: Callable[[Any, str, Any, Want, bool], Callable[[], Fetched]] | None
                 = None) -> None:
        self._plans: dict[int, tuple[ClauseElement, ReadPlan]] = {}
        self._error = error  # the driver's base exception, wrapped as SQLAlchemy wraps it
        self._run = run
        self._reader = reader
        # The same, sent later (`later`); by default at once: a round trip costs nothing.
        self._ahead = ahead or _at_once(run)

    def plan(self, conn: Connection, statement: ClauseElement) -> ReadPlan:
        found = self._plans.get(id(statement))
        if found is None or found[0] is not statement:
            found = self._plans[id(statement)] = (statement, ReadPlan(statement, conn.dialect,
                                                                      self._reader))
        return found[1]

    def rows(self, conn: Connection, statement: ClauseElement, values: Mapping[str, Any]
             ) -> list[Row]:
        """The rows of a statement kept by `prepared`, as tuples of its columns."""
        plan = self.plan(conn, statement)
        params, want = plan.params(values), plan.want()
        description, fetched = on_driver(conn, self._error, plan.sql, params,
                                         lambda driver: self._run(driver, plan.sql, params, want,
                                                                   plan.keep_plan))
        return plan.rows(description, fetched)

    def later(self, conn: Connection, statement: ClauseElement, values: Mapping[str, Any]
              ) -> Callable[[], list[Row]]:
        """`rows`, called for when they are needed: where a round trip costs (PostgreSQL),
        the read waits to travel with the next statement that needs an answer, so reads
        asked for one after the other, none needing another's answer, share one round trip;
        elsewhere it runs at once."""
        plan = self.plan(conn, statement)
        params, want = plan.params(values), plan.want()
        fetched = on_driver(conn, self._error, plan.sql, params,
                            lambda driver: self._ahead(driver, plan.sql, params, want,
                                                       plan.keep_plan))
        return lambda: plan.rows(*on_driver(conn, self._error, plan.sql, params,
                                            lambda _: fetched()))

    def later_records(self, conn: Connection, statement: ClauseElement,
                      values: Mapping[str, Any]) -> Callable[[], list[dict[str, Any]]]:
        """`later`, its rows as `records` gives them."""
        keys = self.plan(conn, statement).keys
        rows = self.later(conn, statement, values)
        return lambda: [dict(zip(keys, r, strict=True)) for r in rows()]

    def run(self, conn: Connection, statement: ClauseElement, values: Mapping[str, Any]
            ) -> None:
        """A write kept by `prepared` (an update without RETURNING, a lock), run as `rows`
        runs a read."""
        self.rows(conn, statement, values)

    def records(self, conn: Connection, statement: ClauseElement, values: Mapping[str, Any]
                ) -> list[dict[str, Any]]:
        """The same rows as dicts, column name -> value."""
        keys = self.plan(conn, statement).keys
        return [dict(zip(keys, r, strict=True)) for r in self.rows(conn, statement, values)]


def _at_once(run: Run) -> Callable[[Any, str, Any, Want, bool], Callable[[], Fetched]]:
    """Reads asked for `later`, run at once (a store whose round trips cost nothing)."""
    def ahead(driver: Any, sql: str, params: Any, want: Want, keep_plan: bool
              ) -> Callable[[], Fetched]:
        fetched = run(driver, sql, params, want, keep_plan)
        return lambda: fetched
    return ahead

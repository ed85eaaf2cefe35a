"""The columnar judge on Apache Spark: SQLGlot's Spark text of `rules.sql` over Parquet files.

Spark is for data that outgrows one machine; `local_session` starts a local one (tests, laptops).
The rules run stage by stage (`stages`): each CTE of `rules.sql` becomes a temporary view, and
the ones worth keeping are checkpointed, so that Spark never plans the whole query as one tree
(inlined, its CTEs took minutes to optimise even for one order). The phrase matchers run as
pandas UDFs, only on merchant chats and refund reasons.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from stockout.batch.parquet_io import EventSource, parquet_rows
from stockout.batch.rules_sql import rules_query
from stockout.batch.schema import rule_columns
from stockout.batch.spark_archive import ClassArchive, class_archive, exit_jvm
from stockout.batch.udfs import pandas_finder
from stockout.domain.announcements import Announcement
from stockout.domain.rulebook import RuleBook

# Non-ANSI semantics (an array index past the end is NULL, as in DuckDB); times in UTC.
SESSION_CONF = {
    "spark.sql.ansi.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}

# The JVM of a local session that judges up to `QUICK_JVM_ROWS` events runs a minute or two: its
# JIT compiling Spark's code and the generated code of each stage with C2 cost more CPU than the
# faster code saved (at 1M orders, about 35 % of the judge's CPU); C1 alone compiles quickly. The
# parallel collector spends less CPU than G1 (no concurrent marking) on a heap of short-lived
# rows. On larger inputs the data work dominates and the JVM's defaults are faster (10M orders:
# 784 s with these options, 656 s without).
QUICK_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseParallelGC"
QUICK_JVM_ROWS = 20_000_000

_INPUT = "SELECT " + rule_columns("`", "unix_micros") + "{extra} FROM stockout_input"


def _builder(master: str, driver_memory: str) -> Any:
    from pyspark.sql import SparkSession

    # The Python workers must be this interpreter, the one that has stockout installed (on a
    # cluster, each worker's Python needs stockout installed too).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (SparkSession.builder.master(master).appName("stockout")
               .config("spark.pyspark.python", sys.executable)
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.memory", driver_memory))
    for key, value in SESSION_CONF.items():
        builder = builder.config(key, value)
    return builder


def _started(builder: Any) -> Any:
    started = builder.getOrCreate()
    started.sparkContext.setLogLevel("ERROR")
    return started


def local_session(cores: int = 2, shuffle_partitions: int = 8, driver_memory: str = "2g",
                  adaptive: bool = True, quick_jvm: bool = True, jvm_options: str = "") -> Any:
    """A local SparkSession on `cores` cores, without the web UI (`adaptive=False` saves
    planning time on the small inputs of tests; `quick_jvm`: `QUICK_JVM_OPTIONS`), its JVM
    started with `jvm_options` too."""
    builder = _builder(f"local[{cores}]", driver_memory)
    options = " ".join(o for o in (QUICK_JVM_OPTIONS if quick_jvm else "", jvm_options) if o)
    if options:
        builder = builder.config("spark.driver.extraJavaOptions", options)
    return _started(builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
                    .config("spark.sql.adaptive.enabled", str(adaptive).lower()))


# Where `stockout judge --engine spark` runs: a master URL (`local[2]`, the default;
# `spark://host:7077`, ...) or a Spark Connect server (`sc://host:15002`).
ADDRESS_VARIABLE = "STOCKOUT_SPARK"
_STOPS = (signal.SIGTERM, signal.SIGINT)  # what stops a command, and the JVM it started


def session(address: str, driver_memory: str = "2g", rows: int | None = None,
            jvm_options: str = "") -> Any:
    """A session on `address`: a Spark Connect server (`sc://...`) or a master URL; a local one
    for an input of `rows` events (if known) starts its JVM with `QUICK_JVM_OPTIONS` when they
    are at most `QUICK_JVM_ROWS`, and with `jvm_options`."""
    if address.startswith("sc://"):
        from pyspark.sql import SparkSession

        return SparkSession.builder.remote(address).getOrCreate()
    if address.startswith("local"):
        cores = address.removeprefix("local").strip("[]")
        return local_session(cores=int(cores) if cores.isdigit() else 2,
                             driver_memory=driver_memory,
                             quick_jvm=rows is None or rows <= QUICK_JVM_ROWS,
                             jvm_options=jvm_options)
    return _started(_builder(address, driver_memory))


@contextlib.contextmanager
def command_session(address: str | None = None, rows: int | None = None) -> Iterator[Any]:
    """A session for one command (on `address`, else `$STOCKOUT_SPARK`, else `local[2]`) that
    judges `rows` events (if known: `session`), stopped at the end. If the command is stopped
    (Ctrl-C, SIGTERM) or fails, the JVM it started is killed at once: nothing it started
    outlives it (a JVM left to stop itself can spin on for minutes after an out-of-memory
    error). A local JVM maps the class archive of `spark_archive`, or writes it on leaving."""
    address = address or os.environ.get(ADDRESS_VARIABLE) or "local[2]"
    main = threading.current_thread() is threading.main_thread()
    previous = {s: signal.getsignal(s) for s in _STOPS}
    before = _descendants(os.getpid())
    jvm = not address.startswith("sc://")  # a Connect client starts no JVM
    stop = _stopper(before if jvm else None)
    archive = class_archive() if address.startswith("local") else None
    if main:  # also when started with Ctrl-C ignored (a shell's background job)
        for signum in _STOPS:
            signal.signal(signum, stop)
    try:
        started = session(address, rows=rows, jvm_options=archive.options if archive else "")
        if main:  # PySpark installs its own Ctrl-C handler, which calls the JVM from inside
            # the signal while the main thread may be waiting on that JVM: ours kills the JVM
            # and leaves
            signal.signal(signal.SIGINT, stop)
        yield started
        started.stop()
        if archive is not None and archive.partial is not None:
            _exit_jvm_keeping(archive)
    finally:
        if jvm:
            _kill_jvm()
            _kill_started(before)  # stopped while Spark was still starting
        if archive is not None:
            archive.discard()
        if main:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def _stopper(before: set[int] | None) -> Callable[[int, Any], None]:
    """The handler of a stop signal: it kills the JVM (if `before`, the processes started
    since), then leaves. Killed first, because leaving runs cleanups that call the JVM (dropping
    the views, stopping the session), and a JVM that no longer answers (out of heap, stopped)
    would keep them waiting on its socket forever; a dead one fails them at once."""

    def stop(signum: int, frame: Any) -> None:
        if before is not None:
            _kill_jvm()
            _kill_started(before)
        _exit_on_term(signum, frame)

    return stop


def _exit_jvm_keeping(archive: ClassArchive) -> None:
    """Let the JVM this process launched exit by itself, writing the class archive, and keep it."""
    from pyspark import SparkContext

    exit_jvm(getattr(SparkContext._gateway, "proc", None))
    archive.keep()


def _exit_on_term(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _kill_jvm() -> None:
    """Kill the JVM this process launched for Spark, if it still runs, and forget it (a later
    session launches another)."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    proc = getattr(gateway, "proc", None)
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait(timeout=30)
    if gateway is not None:
        with contextlib.suppress(Exception):
            gateway.shutdown()
    SparkContext._gateway = None
    SparkContext._jvm = None
    SparkContext._active_spark_context = None


def _descendants(pid: int) -> set[int]:
    """The processes descending from `pid` (none where there is no /proc)."""
    children: dict[int, list[int]] = {}
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    with open(f"/proc/{entry}/stat") as f:
                        parent = int(f.read().rsplit(")", 1)[1].split()[1])
                    children.setdefault(parent, []).append(int(entry))
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def _kill_started(before: set[int]) -> None:
    """Kill the processes this one started since `before` (Spark's launcher scripts and JVM),
    until none is left: a JVM still starting is not yet known to PySpark."""
    for _ in range(10):
        started = _descendants(os.getpid()) - before
        if not started:
            return
        for pid in started:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in started:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, 0)


def _input_frame(spark: Any, source: EventSource | None, table: pa.Table | None) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    if table is not None:
        return spark.createDataFrame(table)
    assert source is not None
    # The schema of the first file, as Spark would infer it, but without the job that reads it
    return (spark.read.schema(from_arrow_schema(pq.read_schema(source.files[0])))
            .parquet(*(str(f) for f in source.files)))


# Stages kept (checkpointed) beside those `rules.sql` marks MATERIALIZED: the events when their
# layout is computed (window functions over every row), the facts of each order (the joins of
# every rule), and the keys of its triggers (their CASE expressions are not inlined further).
CHECKPOINTED = frozenset({"facts", "keyed"})
_VIEW_PREFIX = "stockout_"


# Relations that Spark joins by broadcasting them (`/*+ BROADCAST */`) instead of shuffling and
# sorting both sides, by stage: the per-order results of the rules on a few events, joined to
# every order in `facts`. Spark cannot see that they are small (a checkpoint keeps the estimate
# of the plan it replaced, far above the threshold of an automatic broadcast), so it is told.
# A stage's `IN (subquery)` (a semi-join) broadcasts its subquery: the few events named.
BROADCAST: dict[str, tuple[str, ...]] = {
    "facts": ("merchant_refund", "chat_hit", "induced", "report", "reuse", "claim", "route"),
    "said_pk": ("s",), "induced": ("m",), "reports": ("e",), "shared": ("u",),
    "within": ("x", "b"), "claim": ("d", "cf"), "same_instant": ("IN",), "tie_ids": ("IN",),
}
# Broadcast too while the input has at most `BROADCAST_ROWS` events: relations of one row per
# order (or per verdict); beyond that they stay shuffled joins, which need no room in memory.
BROADCAST_SMALL: dict[str, tuple[str, ...]] = {
    "o": ("a",), "route": ("d",), "names": ("IN",),
    "": ("n0", "n1", "n2"),
}
BROADCAST_ROWS = 20_000_000


def _broadcast(query: Any, relations: Sequence[str]) -> None:
    """Hint the query blocks of `query` to broadcast `relations` (aliases of the tables or
    subqueries they join; "IN": the subqueries of its IN tests). Spark reads a hint in the
    query block that names the relation, so each goes where its alias is."""
    hints: dict[int, tuple[exp.Select, list[str]]] = {}
    for node in query.find_all(exp.Table, exp.Subquery):
        block = node.parent_select
        if node.alias_or_name in relations and block is not None:
            hints.setdefault(id(block), (block, []))[1].append(node.alias_or_name)
    for block, names in hints.values():
        block.set("hint", _hint(names))
    if "IN" in relations:
        for test in list(query.find_all(exp.In)):
            subquery = test.args.get("query")
            if subquery is not None:
                inner = exp.select("*").from_(exp.Subquery(
                    this=subquery.this, alias=exp.TableAlias(this=exp.to_identifier("s"))))
                inner.set("hint", _hint(["s"]))
                subquery.set("this", inner)


def _hint(names: Sequence[str]) -> exp.Hint:
    return exp.Hint(expressions=[exp.Anonymous(
        this="BROADCAST", expressions=[exp.to_identifier(n) for n in sorted(set(names))])])


# Stages whose rows are spread evenly over the session's partitions by their order (`ok`)
# before they are kept: in a judge-ready file the placed orders sit in a few row groups, so `o`
# and every stage of one row per order after it (`facts`, `keyed`, `verdicts`, the final join)
# ran in the one or two file splits that hold them (at 1M orders, 69 % of the orders in one
# task, none in another), on one core.
SPREAD = frozenset({"o"})


def _spread(query: Any, parts: int) -> None:
    """Hint `query` to repartition its rows by `ok` into `parts` partitions (beside its other
    hints)."""
    hint = query.args.get("hint") or exp.Hint(expressions=[])
    hint.append("expressions", exp.Anonymous(
        this="REPARTITION", expressions=[exp.Literal.number(parts), exp.column("ok")]))
    query.set("hint", hint)


@dataclass(frozen=True, slots=True)
class Stage:
    """One CTE of the rules as a Spark SQL statement, registered as the view `view`."""

    view: str
    sql: str
    keep: bool


def stages(duckdb_sql: str, keep: frozenset[str] = CHECKPOINTED,
           broadcast: dict[str, tuple[str, ...]] | None = None,
           parts: int | None = None) -> tuple[list[Stage], str]:
    """The rules' CTEs, in order, as Spark statements reading each other's views (prefixed
    `stockout_`), and the final SELECT (the stage ""). A stage is kept if `rules.sql`
    materialises it or its name is in `keep`; the relations `broadcast` names for a stage are
    hinted to be broadcast; given `parts`, the rows of the `SPREAD` stages are spread over that
    many partitions. The text stays the one of `rules.sql`, only run in pieces."""
    tree = sqlglot.parse_one(duckdb_sql, read="duckdb")
    key = "with_" if "with_" in tree.args else "with"  # the name changed in SQLGlot 28
    ctes = tree.args[key].expressions
    names = {cte.alias for cte in ctes}
    for cte in ctes:
        _broadcast(cte.this, (broadcast or {}).get(cte.alias, ()))
        if parts and cte.alias in SPREAD:
            _spread(cte.this, parts)
    _broadcast(tree, (broadcast or {}).get("", ()))
    for table in tree.find_all(exp.Table):
        if table.name in names and not table.args.get("db"):
            if not table.alias:  # columns qualified by the CTE's name still resolve
                table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name)))
            table.set("this", exp.to_identifier(_VIEW_PREFIX + table.name))
    out = [Stage(_VIEW_PREFIX + cte.alias, cte.this.sql(dialect="spark"),
                 bool(cte.args.get("materialized")) or cte.alias in keep) for cte in ctes]
    tree.set(key, None)
    return out, tree.sql(dialect="spark")


def judge(spark: Any, book: RuleBook, now: datetime,
          announcements: Sequence[Announcement] = (), *, source: EventSource | None = None,
          table: pa.Table | None = None, unique: bool = False) -> pa.Table:
    """Every verdict as an Arrow table of `records.RESULT_COLUMNS`, unsorted."""
    from pyspark.sql.pandas.functions import pandas_udf
    from pyspark.util import PythonEvalType

    for key, value in SESSION_CONF.items():
        spark.conf.set(key, value)
    layout = False
    if source is not None and table is None:
        unique, layout = source.unique, source.layout
    _input_frame(spark, source, table).createOrReplaceTempView("stockout_input")
    spark.sql(_INPUT.format(extra=", ok, eid, kr" if layout else "")
              ).createOrReplaceTempView("events")
    query = rules_query(book, now, announcements, unique=unique, layout=layout)
    for fn in query.functions:
        warnings.filterwarnings("ignore", "In Python 3", UserWarning)
        spark.udf.register(fn.name, pandas_udf(pandas_finder(fn.matcher), "string",
                                                PythonEvalType.SQL_SCALAR_PANDAS_UDF))
    # A file in the layout is read where each stage needs it (columns and row groups pruned);
    # otherwise the layout is computed once, over every row, and kept.
    broadcast = dict(BROADCAST)
    if input_rows(source, table) <= BROADCAST_ROWS:
        broadcast.update(BROADCAST_SMALL)
    steps, final = stages(query.duckdb, CHECKPOINTED if layout else CHECKPOINTED | {"ev"},
                          broadcast, int(spark.conf.get("spark.sql.shuffle.partitions")))
    named = _named_later(steps, final)
    with _views(spark, [s.view for s in steps]):
        for step, later in zip(steps, named, strict=True):
            frame = spark.sql(step.sql)
            if step.keep:
                frame = _pruned(frame, later).localCheckpoint()
            frame.createOrReplaceTempView(step.view)
        return _collected(spark, spark.sql(final))


def _named_later(steps: Sequence[Stage], final: str) -> list[frozenset[str]]:
    """For each stage, every word (lower case) of the statements after it."""
    named: list[frozenset[str]] = []
    words: frozenset[str] = frozenset()
    for sql in [final, *(s.sql for s in reversed(steps[1:]))]:
        words |= {t.text.lower() for t in sqlglot.tokenize(sql, read="spark")}
        named.append(words)
    return named[::-1]


def _pruned(frame: Any, named: frozenset[str]) -> Any:
    """`frame` without the columns that no later statement names, before it is kept: the
    stages pass each other's rows on with `*`, and only the verdicts name what they use. A
    kept stage is stored row by row, every column computed and held in the heap, while Spark
    prunes a view's columns only within one statement (at 1M orders: `keyed` 53 -> 29
    columns, `facts` 38 -> 29)."""
    columns = [c for c in frame.columns if c.lower() in named]
    return frame.select(*columns) if len(columns) < len(frame.columns) else frame


def _collected(spark: Any, frame: Any) -> pa.Table:
    """The result as Arrow. With a local master, the executors write it as Parquet and Python
    reads it back: `toArrow` would first gather every verdict in the JVM's heap (out of heap at
    10M orders). A cluster's or a Spark Connect server's files are not ours: there it is
    collected."""
    connect = type(spark).__module__.startswith("pyspark.sql.connect")
    if connect or not str(spark.conf.get("spark.master", "")).startswith("local"):
        result = frame.toArrow()
        assert isinstance(result, pa.Table)
        return result
    with tempfile.TemporaryDirectory(prefix="stockout-spark-") as tmp:
        frame.write.parquet(f"{tmp}/verdicts")
        return pq.read_table(f"{tmp}/verdicts")


def input_rows(source: EventSource | None, table: pa.Table | None) -> int:
    """The events of the input, from the Parquet footers."""
    if table is not None:
        return int(table.num_rows)
    assert source is not None
    return parquet_rows(source.files)


@contextlib.contextmanager
def _views(spark: Any, views: Sequence[str]) -> Iterator[None]:
    """The stages' views, dropped afterwards (their checkpoints are then released)."""
    try:
        yield
    finally:
        # Not dropped where the JVM is gone (the command was stopped): the error of the
        # judge, or the stop, is the one that leaves
        with contextlib.suppress(Exception):
            for view in views:
                spark.catalog.dropTempView(view)

"""The one preparation every engine judges from: any input of the event contract as one
judge-ready Parquet file (the integer layout of `schema.LAYOUT_COLUMNS`), streamed, in bounded
memory.

Input: JSON Lines (each line validated by the Pydantic models), a Parquet file, or a folder of
Parquet parts with the contract's columns in any order, extra columns ignored, optional columns
missing, rows in any order, with or without `seq`. Arrival order, which decides the duplicate
that is kept, is the order of the parts (file names, sorted), then `seq` within a part, then the
row's place in its file (a file without `seq`: its rows' order). A Parquet row that is not a
valid event is rejected with its file and row number (`validation`), the rest is judged.

The rows are put into buckets by a hash of the order id; then each few buckets (all the events
of their orders: a slice) are de-duplicated, numbered and written by type (`_write_layout`, two
slices side by side). Parquet input of up to `IN_MEMORY_ROWS` rows (`Holding`: fewer for the
pure engine) is read and checked part by part into memory, put in bucket order
(`parts.read_parts`), and sliced there. Larger input is staged: read the same way a few parts
at a time and written into bucket folders as Arrow files (`_stage_parts`); JSON Lines are
written into them through DuckDB with a memory limit (spilling to disk past it). The buckets
are then read back a slice at a time (`lay_out`). A file already in the layout is judged as it
is.
"""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from stockout.adapters.event_file import Rejection, parsed_lines
from stockout.batch.duckdb_engine import arrow_table
from stockout.batch.parquet_io import (
    EventSource,
    is_parquet,
    json_lines_table,
    open_events,
    parquet_files,
    parquet_rows,
)
from stockout.batch.parts import FEW_VALUES, read_parts
from stockout.batch.schema import (
    EVENT_FIELDS,
    EVENT_SCHEMA,
    LAYOUT_COLUMNS,
    LAYOUT_SCHEMA,
    events_table,
)
from stockout.batch.validation import (
    CARRIED,
    BadInput,
    kept_sql,
    projection,
    reason_sql,
    seq_usable,
)

# Layout files are read far more often than written: LZ4 decompresses faster than ZSTD. Their
# rows are in row groups of `LAYOUT_ROW_GROUP` rows at most, of one event type each.
LAYOUT_COMPRESSION = "lz4"
# Min/max statistics only for the columns the engines' filters prune row groups by (the type,
# the time, the layout numbers): for every column, they were two fifths of the writer's time
# (1M orders: 7.3 against 4.4 thread-CPU-s), and no judge read them.
LAYOUT_STATISTICS = ["type", "at", *LAYOUT_COLUMNS]
LAYOUT_ROW_GROUP = 1 << 18
# Rows laid out at a time (a few buckets): what is held in memory at once (twice, as Arrow).
SLICE_ROWS = 1_000_000
# Rows laid out at a time from input held in memory (`IN_MEMORY_ROWS`): smaller, as two slices
# are laid out at once beside the input.
MEMORY_SLICE_ROWS = 250_000
BUCKETS = 16  # at least; one more for each `BUCKET_ROWS` rows of input
BUCKET_ROWS = 1_000_000
# Parquet input of up to this many rows is bucketed in memory, unstaged: staging (writing and
# reading back every row) cost most of the preparation. 1M orders (8.2M rows) peak at 3 GB.
IN_MEMORY_ROWS = 10_000_000
# Larger Parquet input is read the same way a few parts at a time, up to this many rows, and
# staged into buckets (`_stage_parts`).
STAGE_ROWS = 5_000_000
JSON_LINE_BYTES = 200  # about the size of a line, to guess a JSON Lines file's rows
JSON_CHUNK = 200_000  # JSON lines validated, then staged, at a time
MEMORY_LIMIT = "3GB"
_T = TypeVar("_T")
_COLUMNS = ", ".join(f'"{name}"' for name in EVENT_SCHEMA.names)
# Two rows' bodies differ in a field that either row's type carries (the others are dropped).
_BODY = " OR ".join(f"{kept_sql(n, 'a')} IS DISTINCT FROM {kept_sql(n, 'f')}"
                    for n in EVENT_FIELDS)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A judge-ready source, and what preparing the input found."""

    source: EventSource
    rejections: tuple[Rejection, ...] = ()
    duplicates: int = 0
    rows: int = 0
    workdir: Path | None = None  # a temporary folder the engines may spill to


@dataclass(frozen=True, slots=True)
class Holding:
    """How many rows of Parquet input the preparation holds in memory: all of them, read in one
    pass, up to `whole` rows; above that, `staged` rows at a time, staged on disk by bucket."""

    whole: int
    staged: int


def holding() -> Holding:
    """The default: the most a 6 GB budget allows (`IN_MEMORY_ROWS`, `STAGE_ROWS`)."""
    return Holding(IN_MEMORY_ROWS, STAGE_ROWS)


@dataclass(slots=True)
class _Found:
    rejections: list[Rejection] = field(default_factory=list)
    duplicates: int = 0
    rows: int = 0


def connect(tmpdir: Path, memory_limit: str | None = MEMORY_LIMIT,
            threads: int | None = None) -> Any:
    import duckdb

    config: dict[str, Any] = {"temp_directory": str(tmpdir / "spill"),
                              "preserve_insertion_order": False}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if threads:
        config["threads"] = threads
    con = duckdb.connect(config=config)
    con.execute("SET enable_progress_bar = false")
    return con


@contextlib.contextmanager
def prepared(path: Path, *, memory_limit: str | None = MEMORY_LIMIT,
             temp_directory: Path | None = None, threads: int | None = None,
             held: Holding | None = None) -> Iterator[Prepared]:
    """The input at `path` as a judge-ready source, kept until the block ends (a temporary
    file, unless the input is already judge-ready). Raises `BadInput` or `FileNotFoundError`."""
    if is_parquet(path):
        source = _judge_ready(path)
        if source is not None:
            yield Prepared(source)
            return
    elif not path.exists():
        raise FileNotFoundError(f"{path}: file not found")
    with tempfile.TemporaryDirectory(prefix="stockout-prepare-", dir=temp_directory) as tmp:
        target = Path(tmp) / "events.parquet"
        found = prepare(path, target, Path(tmp), memory_limit=memory_limit, threads=threads,
                        held=held)
        yield Prepared(open_events(target), tuple(found.rejections), found.duplicates,
                       found.rows, Path(tmp))


def _judge_ready(path: Path) -> EventSource | None:
    files = parquet_files(path)
    for f in files:
        try:
            pq.read_schema(f)
        except (pa.ArrowException, OSError) as exc:
            raise BadInput(f"{f}: not a readable Parquet file ({_first_line(exc)})") from None
    source = open_events(path)
    return source if source.layout else None


def convert_events(path: Path, out: Path, *, memory_limit: str | None = "2GB",
                   buckets: int | None = None, temp_directory: Path | None = None) -> int:
    """Any event input as one judge-ready Parquet file at `out`. Returns the rows written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="stockout-convert-",
                                     dir=temp_directory or out.parent) as tmp:
        return prepare(path, out, Path(tmp), memory_limit=memory_limit, buckets=buckets).rows


@contextlib.contextmanager
def _system_allocator() -> Iterator[None]:
    """Arrow allocates through the C library's allocator while the block runs (the parts read
    into memory and laid out): with Arrow's default (mimalloc), reading the parts spent several
    CPU-seconds of the kernel's on zeroing fresh pages (1M orders: 7.4-8.0 system CPU-s of the
    whole process, against 4.3-4.9)."""
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def prepare(path: Path, target: Path, tmpdir: Path, *, memory_limit: str | None = MEMORY_LIMIT,
            buckets: int | None = None, threads: int | None = None,
            held: Holding | None = None) -> _Found:
    held = held or holding()
    con = connect(tmpdir, memory_limit, threads)
    try:
        staged = tmpdir / "b"
        found = _Found()
        if is_parquet(path):
            files = parquet_files(path)
            names = [f.relative_to(path).as_posix() if path.is_dir() else f.name for f in files]
            selects = [_part_select(f, part) for part, f in enumerate(files)]
            rows = parquet_rows(files)
            if buckets is None and rows <= held.whole:
                with _system_allocator():
                    read = read_parts(con, files, selects,
                                      max(1, -(-rows // MEMORY_SLICE_ROWS)))
                    if read is not None:
                        _lay_out_read(con, *read, target, found, names)
                        pa.default_memory_pool().release_unused()  # for the judge that follows
                        return _sorted(found)
            buckets = buckets or _buckets(rows)
            with _system_allocator():
                _stage_parts(con, files, selects, staged, buckets, held.staged)
        else:
            buckets = buckets or _buckets(path.stat().st_size // JSON_LINE_BYTES)
            found.rejections += _stage_jsonl(con, path, staged, buckets)
            names = []
        with _system_allocator():
            lay_out(con, staged, buckets, target, found, names)
        return _sorted(found)
    finally:
        con.close()


def _sorted(found: _Found) -> _Found:
    found.rejections.sort(key=lambda r: (r.file or "", r.line))
    return found


def _lay_out_read(con: Any, tables: list[pa.Table], counts: np.ndarray, target: Path,
                  found: _Found, names: list[str]) -> None:
    """The parts read by `parts.read_parts` laid out a few buckets at a time, as `lay_out` does
    with staged buckets: each slice's rows are cut from the front of every part without a
    copy, and the parts let go of them (`tables` is emptied as it goes)."""

    def cut() -> Iterator[pa.Table]:
        for group in _slices(counts.sum(axis=0).tolist(), MEMORY_SLICE_ROWS):
            rows = counts[:, group[0]:group[-1] + 1].sum(axis=1).tolist()
            yield pa.concat_tables(t.slice(0, n) for t, n in zip(tables, rows, strict=True))
            tables[:] = [t.slice(n) for t, n in zip(tables, rows, strict=True)]

    _write_layout(con, cut(), target, found, names)


def _buckets(rows: int) -> int:
    """How many buckets the rows are staged into: a slice (`SLICE_ROWS`) holds a few."""
    return max(BUCKETS, -(-rows // BUCKET_ROWS))


def _copy_to_buckets(con: Any, select: str, folder: Path, buckets: int, name: str) -> None:
    con.execute(f"COPY (SELECT *, hash(order_id) % {buckets} AS bucket FROM ({select})) "
                f"TO '{_path(folder)}' (FORMAT parquet, COMPRESSION lz4, PARTITION_BY (bucket), "
                f"FILENAME_PATTERN '{name}_{{i}}', OVERWRITE_OR_IGNORE)")


def _path(p: Path) -> str:
    return p.as_posix().replace("'", "''")


def _part_select(f: Path, part: int) -> str:
    """The query of one Parquet file's rows, cast to the contract's columns and checked
    (`invalid`: NULL or the reasons), with their `part` and `row`. A field that the row's type
    does not carry is left as it is: the layout writes only the fields each type carries."""
    try:
        schema = pq.read_schema(f)
    except (pa.ArrowException, OSError) as exc:
        raise BadInput(f"{f}: not a readable Parquet file ({_first_line(exc)})") from None
    columns = projection(f, schema)
    seq = 'coalesce("seq", file_row_number)' if seq_usable(f, schema) else "file_row_number"
    return (f"SELECT *, {reason_sql()} AS invalid FROM ("
            f"SELECT {', '.join(columns)}, CAST({seq} AS BIGINT) AS seq, {part} AS part, "
            f"file_row_number + 1 AS \"row\" "
            f"FROM read_parquet('{_path(f)}', file_row_number = true))")


def _stage_parts(con: Any, files: list[Path], selects: list[str], folder: Path,
                 buckets: int, at_once: int) -> None:
    """Parquet parts into the bucket folders, a few parts (`at_once` rows) at a time: read
    and checked in memory as input held whole is (`read_parts`), then each
    bucket's rows of those parts written as one file. Parts that cannot be read so are staged
    by DuckDB file by file (`_stage_parquet`: an error names its file)."""
    sizes = [parquet_rows([f]) for f in files]
    first = 0
    while first < len(files):
        end, rows = first + 1, sizes[first]
        while end < len(files) and rows + sizes[end] <= at_once:
            rows += sizes[end]
            end += 1
        read = read_parts(con, files[first:end], selects[first:end], buckets, first)
        if read is None:
            for part in range(first, end):
                _stage_parquet(con, files[part], selects[part], f"p{part:05d}", folder, buckets)
        else:
            _write_buckets(*read, folder, f"a{first:05d}.arrow")
        del read  # the next parts are read without these
        first = end


def _write_buckets(tables: list[pa.Table], counts: np.ndarray, folder: Path, name: str) -> None:
    """Parts in bucket order (`read_parts`: `counts` rows of each bucket in each part) written
    into the bucket folders, one file `name` a bucket."""
    ends = counts.cumsum(axis=1)
    for bucket in np.flatnonzero(counts.sum(axis=0)).tolist():
        rows = pa.concat_tables(t.slice(end - n, n) for t, end, n in zip(
            tables, ends[:, bucket].tolist(), counts[:, bucket].tolist(), strict=True))
        into = folder / f"bucket={bucket}"
        into.mkdir(parents=True, exist_ok=True)
        schema = rows.schema.with_metadata({_ROWS: str(rows.num_rows)})
        with pa.ipc.new_stream(into / name, schema, options=_STAGED) as writer:
            writer.write_table(rows)  # a stream: each part's dictionaries are its own


# Staged Arrow files are IPC streams compressed with LZ4: written and read back at little more
# than a copy each way, where Parquet's encoding cost a quarter of the whole preparation.
# Uncompressed, they took 25 GB of temporary disk at 10M orders, for 15 % less CPU.
_STAGED = pa.ipc.IpcWriteOptions(compression="lz4")
_ROWS = b"rows"  # a staged Arrow file's rows, in its schema's metadata (read without its rows)


def _mapped(f: Path) -> pa.Table:
    """A staged Arrow file (`_STAGED`), read through a memory map."""
    return pa.ipc.open_stream(pa.memory_map(str(f))).read_all()


def _staged_rows(folder: Path) -> int:
    """The rows staged in a bucket folder (Parquet files by DuckDB, Arrow files by Arrow)."""
    if not folder.exists():
        return 0
    return parquet_rows(folder.glob("*.parquet")) + sum(
        int(pa.ipc.open_stream(pa.memory_map(str(f))).schema.metadata[_ROWS])
        for f in folder.glob("*.arrow"))


def _staged(files: list[Path], columns: list[str]) -> pa.Table:
    """The rows of staged files (Parquet or Arrow), in the columns `columns`."""
    return pa.concat_tables(
        _mapped(f).select(columns) if f.suffix == ".arrow"
        else pq.read_table(f, columns=columns, partitioning=None,
                           read_dictionary=FEW_VALUES)
        for f in files)


def _stage_parquet(con: Any, f: Path, select: str, name: str, folder: Path,
                   buckets: int) -> None:
    """One Parquet file's rows (`_part_select`) into the buckets."""
    import duckdb

    try:
        _copy_to_buckets(con, select, folder, buckets, name)
    except duckdb.Error as exc:
        raise BadInput(f"{f}: cannot read its rows ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _stage_jsonl(con: Any, path: Path, folder: Path, buckets: int) -> list[Rejection]:
    """JSON lines validated as the pure judge reads them, `JSON_CHUNK` at a time, into the
    buckets; returns the rejected lines."""
    rejections: list[Rejection] = []
    with path.open("rb") as handle:
        lines = parsed_lines(handle)
        chunk = 0
        while batch := list(islice(lines, JSON_CHUNK)):
            events, numbers = [], []
            for number, parsed in batch:
                if isinstance(parsed, Rejection):
                    rejections.append(parsed)
                else:
                    events.append(parsed)
                    numbers.append(number)
            table = events_table(events)
            lines_col = pa.array(numbers, type=pa.int64())
            table = table.set_column(table.schema.get_field_index("seq"), "seq", lines_col)
            table = table.append_column("part", pa.array([0] * len(numbers), type=pa.int32()))
            table = table.append_column("row", lines_col).append_column(
                "invalid", pa.nulls(len(numbers), type=pa.string()))
            con.register("staged_lines", table)
            _copy_to_buckets(con, "SELECT * FROM staged_lines", folder, buckets, f"j{chunk:05d}")
            con.unregister("staged_lines")
            chunk += 1
    return rejections


def lay_out(con: Any, folder: Path, buckets: int, target: Path, found: _Found | None = None,
            names: list[str] | None = None) -> int:
    """The staged buckets (all the rows of their orders), a few at a time (`SLICE_ROWS`), laid
    out into `target` (`_write_layout`). Rejected rows and duplicates are added to `found`;
    returns the rows written."""
    found = found if found is not None else _Found()
    folders = [folder / f"bucket={b}" for b in range(buckets)]
    sizes = [_staged_rows(f) for f in folders]
    columns = [*EVENT_SCHEMA.names, "part", "row", "invalid"]
    # Two slices at a time (`WORKERS`), as from memory: on 22M staged rows, 25.7 s against 45.0 s
    # one at a time, for the same CPU and memory.
    _write_layout(con, (_staged(sorted(f for b in group for f in folders[b].iterdir()), columns)
                        for group in _slices(sizes)), target, found, names or [])
    return found.rows


# Slices of input held in memory are laid out two at a time, in threads (Arrow, NumPy and
# DuckDB release the GIL): one is written while the next is laid out.
WORKERS = 2


def _write_layout(con: Any, slices: Iterable[pa.Table], target: Path, found: _Found,
                  names: list[str], workers: int = WORKERS) -> None:
    """Slices of rows (all the events of their orders: `EVENT_SCHEMA`, `part`, `row`,
    `invalid`) laid out (`_laid_out`, `workers` at a time) and appended to the judge-ready file
    `target` in order, the orders and events of each numbered on from the slices before."""
    from stockout.batch.parquet_io import _metadata

    first_order = first_event = 0
    with (pq.ParquetWriter(target, _WRITTEN_SCHEMA, compression=LAYOUT_COMPRESSION,
                           use_dictionary=_ENCODED, store_schema=False,
                           write_statistics=LAYOUT_STATISTICS) as writer,
          ThreadPoolExecutor(workers) as pool):
        writer.add_key_value_metadata(_metadata(uuid.uuid4().hex, layout=True))
        # Each slice has a DuckDB cursor of its own, opened here (in this thread).
        for done in _ahead(pool, workers, lambda item: _laid_out(item[0], item[1], names),
                           ((con.cursor(), table) for table in slices)):
            for run in done.runs:
                writer.write_table(_numbered_on(run, first_order, first_event),
                                   row_group_size=LAYOUT_ROW_GROUP)
            first_order += done.orders
            first_event += done.found.rows
            found.rows += done.found.rows
            found.duplicates += done.found.duplicates
            found.rejections += done.found.rejections


def _ahead(pool: ThreadPoolExecutor, workers: int, fn: Callable[[Any], _T],
           items: Iterable[Any]) -> Iterator[_T]:
    """`fn` of each item, run in `pool` at most `workers` - 1 items ahead of the caller (who
    writes one slice while the next is laid out), in order."""
    pending: deque[Future[_T]] = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) == workers:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _numbered_on(run: pa.Table, first_order: int, first_event: int) -> pa.Table:
    """A run of `_laid_out` (numbered from 0) numbered from `first_order` and `first_event`."""
    for name, first in (("ok", first_order), ("eid", first_event)):
        if first:
            i = LAYOUT_SCHEMA.get_field_index(name)
            run = run.set_column(i, LAYOUT_SCHEMA.field(name), pc.add(run[name], first))
    return run


@dataclass(frozen=True, slots=True)
class _Slice:
    """A slice laid out: each type's rows in order (`LAYOUT_SCHEMA`, the orders and events
    numbered from 0), how many orders, and what was found (`rows`: the events)."""

    runs: list[pa.Table]
    orders: int
    found: _Found


def _laid_out(con: Any, table: pa.Table, names: list[str]) -> _Slice:
    """Rows of `EVENT_SCHEMA` with their `part`, `row` and `invalid` (NULL or the reasons),
    all the events of their orders: the invalid ones are rejected; of the rest, the first
    arrival of each event id is kept, orders and events are numbered from 0
    (`schema.LAYOUT_COLUMNS`) and the rows are put by type, each type's rows sorted by
    (ok, eid). `con` is a DuckDB cursor of this slice's own, closed at the end.

    The rows are numbered over their keys only (the row's place `r`, its order, type, time
    and id: `numbered`); Arrow then puts each type's rows in their places (`take`), moving
    only the columns the type carries: sorting every column through DuckDB's window
    operator cost four times more."""
    found = _Found()
    try:
        table = _valid(table, found, names)
        if table.num_rows == 0:
            return _Slice([], 0, found)
        table = table.combine_chunks().append_column("r", pa.array(np.arange(table.num_rows)))
        con.register("slice_rows", table)
        ((count, distinct),) = con.execute(
            "SELECT count(*), count(DISTINCT event_id) FROM slice_rows").fetchall()
        keys = table.select(["r", "order_id", "type", "at", "event_id"])
        if distinct < count:
            _duplicates(con, "slice_rows", found, names)
            keys = arrow_table(con.sql(
                "SELECT r, order_id, type, \"at\", event_id FROM (SELECT *, row_number() "
                "OVER (PARTITION BY event_id ORDER BY part, seq, \"row\") AS arrival "
                "FROM slice_rows) WHERE arrival = 1"))
        keys = numbered(keys, 0, 0)
        found.rows = keys.num_rows
        return _Slice(_by_type(table, keys), pc.max(keys["ok"]).as_py() + 1, found)
    finally:
        con.close()


def _valid(table: pa.Table, found: _Found, names: list[str]) -> pa.Table:
    """The valid rows of `table`; the others are added to the rejections."""
    invalid = table["invalid"]
    if invalid.null_count < table.num_rows:
        bad = table.filter(pc.is_valid(invalid)).select(["part", "row", "invalid"])
        for part, row, reason in zip(*bad.to_pydict().values(), strict=True):
            found.rejections.append(Rejection(row, reason, _file(names, part)))
        table = table.filter(pc.is_null(invalid))
    return table.drop_columns(["invalid"])


def numbered(keys: pa.Table, first_order: int, first_event: int) -> pa.Table:
    """The layout numbers of the rows `keys` (`r`, `order_id`, `type`, `at`, `event_id`: all the
    events of their orders): `ok` numbers the orders by id from `first_order`, `eid` the events
    by (order, at, event_id) from `first_event`, `kr` is the place (from 1) of an event among
    its order's events of its type. Returns (`r`, `type` dictionary-encoded, `ok`, `eid`, `kr`)
    sorted by type, then `ok` and `eid`.

    The order ids and types are ranked through their few distinct values; one sort of the
    integer order number and time then compares event ids only at a tie of both. DuckDB's
    window functions (a sort each) cost twice as much as sorting the keys, and sorting by the
    order ids themselves half again as much."""
    n = keys.num_rows
    _, order_rank = _ranks(keys["order_id"])
    by_event = pc.sort_indices(
        pa.table({"ok": order_rank, "at": keys["at"], "event_id": keys["event_id"]}),
        sort_keys=[("ok", "ascending"), ("at", "ascending"), ("event_id", "ascending")],
    ).to_numpy()
    types, kinds = _ranks(keys["type"])
    # each type's rows keep their (ok, eid) order; few kinds: a radix sort
    by_type = np.argsort(kinds[by_event].astype(np.int16), kind="stable")
    moved = by_event[by_type]
    kinds, ok, eid = kinds[moved], first_order + order_rank[moved], first_event + by_type
    first = np.ones(n, dtype=bool)
    first[1:] = (kinds[1:] != kinds[:-1]) | (ok[1:] != ok[:-1])
    place = np.arange(n)
    kr = place - np.maximum.accumulate(np.where(first, place, 0)) + 1
    return pa.table({"r": keys["r"].take(moved), "type": types.take(moved),
                     "ok": ok, "eid": eid, "kr": kr})


def _ranks(column: pa.ChunkedArray) -> tuple[pa.DictionaryArray, np.ndarray]:
    """The column dictionary-encoded, and the rank of each row's value among the column's
    distinct values in ascending order (from 0)."""
    encoded = pc.dictionary_encode(column.combine_chunks())
    rank = np.empty(len(encoded.dictionary), dtype=np.int64)
    rank[pc.sort_indices(encoded.dictionary).to_numpy()] = np.arange(len(encoded.dictionary))
    return encoded, rank[encoded.indices.to_numpy(zero_copy_only=False)]


# The layout as it is written: the columns of few distinct values as the dictionary arrays they
# are read as (`parts.FEW_VALUES`), so that the writer takes their values as they are, without
# decoding and hashing them again. The file does not store this Arrow schema: it is read as
# `LAYOUT_SCHEMA`. Dictionary-encoded in the file: those, and the shop id (`_ENCODED`; read as
# text, whose tens of thousands of values a part each slice would have to unify); not the ids
# of orders and events, nor texts.
_ENCODED = [*FEW_VALUES, "shop_id"]
_WRITTEN_SCHEMA = pa.schema([
    f.with_type(pa.dictionary(pa.int32(), f.type)) if f.name in FEW_VALUES else f
    for f in LAYOUT_SCHEMA])


def _by_type(table: pa.Table, keys: pa.Table) -> list[pa.Table]:
    """The rows of `table` in the order of `keys` (sorted by type, then `ok` and `eid`), one
    table of `LAYOUT_SCHEMA` per type; only the columns a type carries are moved."""
    types = keys["type"].combine_chunks()
    codes = types.indices.to_numpy()
    ends = [*(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist(), len(codes)]
    out, start = [], 0
    for end in ends:
        kind = types.dictionary[codes[start]].as_py()
        rows = keys.slice(start, end - start)
        carried = CARRIED[kind]
        moved = table.select(list(carried)).take(rows["r"])
        columns = [moved[f.name] if f.name in carried else pa.nulls(len(rows), f.type)
                   for f in EVENT_SCHEMA]
        columns += [rows[name] for name in LAYOUT_COLUMNS]
        out.append(pa.Table.from_arrays(columns, names=_WRITTEN_SCHEMA.names).cast(
            _WRITTEN_SCHEMA))
        start = end
    return out


def _file(names: list[str], part: int) -> str | None:
    return names[part] if names else None


def _duplicates(con: Any, rows: str, found: _Found, names: list[str]) -> None:
    """EventLog.add: a later arrival of an id is a duplicate; with another body, a rejection."""
    for part, row, event_id, differs in con.execute(
            f"WITH d AS (SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY event_id "
            f"ORDER BY part, seq, \"row\") AS arrival FROM {rows} WHERE "
            f"event_id IN (SELECT event_id FROM {rows} GROUP BY event_id HAVING count(*) > 1))) "
            f"SELECT a.part, a.\"row\", a.event_id, {_BODY} FROM d AS a "
            f"JOIN d AS f ON a.event_id = f.event_id AND f.arrival = 1 WHERE a.arrival > 1"
            ).fetchall():
        found.duplicates += 1
        if differs:
            found.rejections.append(Rejection(
                row, f"event_id {event_id!r} was seen before with a different body; the first "
                     "one is kept", _file(names, part)))


def _slices(sizes: list[int], limit: int | None = None) -> Iterator[list[int]]:
    """Consecutive buckets (of `sizes` rows each) grouped up to `limit` rows (`SLICE_ROWS`;
    one bucket at least; empty buckets left out)."""
    group: list[int] = []
    size = 0
    for bucket, rows in enumerate(sizes):
        if not rows:
            continue
        if group and size + rows > (limit or SLICE_ROWS):
            yield group
            group, size = [], 0
        group.append(bucket)
        size += rows
    if group:
        yield group


def write_simulated(lines: Iterator[str], out: Path, *, memory_limit: str = "2GB",
                    chunk: int = 1_000_000, buckets: int = 64) -> int:
    """Write simulator lines as judge-ready Parquet in the integer layout, never holding more
    than `chunk` lines. Returns the number of lines read.

    The lines come in arrival order. Each chunk is parsed by Arrow and split by a hash of the
    order id into `buckets` temporary folders; then each bucket in turn (a small fraction of the
    data) is laid out by `prepare.lay_out`. A repeated event id is a repeated delivery of an
    order's event (the simulator's duplicates), so it always falls in its order's bucket.
    `out` is a file, or a folder (holding `events.parquet`) when it has no `.parquet` suffix.
    """
    target = out if out.suffix == ".parquet" else out / "events.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="stockout-sim-", dir=target.parent) as tmp:
        tmpdir = Path(tmp)
        con = connect(tmpdir, memory_limit)
        n = part = 0
        while batch := list(islice(lines, chunk)):
            con.register("chunk", json_lines_table(batch, n))
            con.execute(f"COPY (SELECT *, 0 AS part, seq + 1 AS \"row\", "
                        f"CAST(NULL AS VARCHAR) AS invalid, hash(order_id) % {buckets} AS bucket "
                        f"FROM chunk) "
                        f"TO '{(tmpdir / 'b').as_posix()}' (FORMAT parquet, PARTITION_BY (bucket), "
                        f"FILENAME_PATTERN 'c{part:05d}_{{i}}', OVERWRITE_OR_IGNORE)")
            con.unregister("chunk")
            n += len(batch)
            part += 1
        lay_out(con, tmpdir / "b", buckets, target)
        con.close()
    return n

"""Orders per second of the bulk judges from Parquet, and their peak memory, on this machine.

    python benchmarks/bulk.py --orders 1000000 --orders 10000000 --data DIR
        [--engines python,duckdb,spark,baseline] [--memory-limit 4GB] [--spark-memory 3g]
        [--repeat N]

For each size, simulated events are written once to DIR/events-N.parquet (`stockout simulate
--format parquet`: judge-ready, in the integer layout of `batch.schema.LAYOUT_COLUMNS`); a file
of an older layout found there is converted once to DIR/layout-N.parquet (timed apart, printed,
never counted in the figures). Then each engine judges that same file in a fresh process:

- python:   the pure judge (domain.judge) on the timelines, not counting reading Parquet into
            events (1M only: at 10M the timelines alone do not fit in 6 GB);
- duckdb:   rules.sql on DuckDB, from the Parquet file to an Arrow table of verdicts;
- spark:    the same rules transpiled to Spark SQL, local[cores], from the Parquet file;
- baseline: one hand-written DuckDB query over the same file computing only late shipments
            (48 h after confirmation, no pickup by then, not closed before), grouping by the
            integer order key and reading only the first event of each type (`kr = 1`), as the
            layout allows.

With --repeat N, each engine runs N times (each in a fresh process) and the median time is shown,
with the range of the runs. Peak memory is the largest sum of the resident sizes of the process
tree (Python, DuckDB's threads, Spark's JVM and Python workers), sampled every 50 ms; "spill" is
the largest size of the engine's temporary directory. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

NOW_DAYS = 45  # judged as of the start of the simulated month + 45 days


def _tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, ()))
    return total


def _dir_size(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.path.getsize(os.path.join(root, name))
    return total


def measure(args: list[str], spill: Path) -> tuple[dict[str, object], int, int]:
    """Run a child; its JSON line, the peak RSS of its process tree and the peak spill size."""
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)
    peak = [0, 0]
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            peak[1] = max(peak[1], _dir_size(spill))
            time.sleep(0.05)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    stdout, _ = proc.communicate()
    done.set()
    poller.join()
    if proc.returncode != 0:
        raise SystemExit(f"{args[0]} failed with exit status {proc.returncode}")
    return json.loads(stdout.strip().splitlines()[-1]), peak[0], peak[1]


def _now():  # type: ignore[no-untyped-def]
    from stockout.simulation.marketplace import DEFAULT_START

    return DEFAULT_START + timedelta(days=NOW_DAYS)


def child(engine: str, path: Path, memory_limit: str, spill: Path,
          spark_memory: str, cores: int) -> dict[str, object]:
    """Runs in the measured process: judge `path` with `engine`, return the figures."""
    from stockout.rulepacks import resolve_rules

    book = resolve_rules("pdd")
    if engine == "python":
        from stockout.domain.judge import judge_timelines
        from stockout.services.judging.files import pack_chooser

        timelines = clustered_timelines(path)
        t0 = time.perf_counter()
        verdicts = sum(len(j.verdicts) for j in judge_timelines(
            timelines, pack_chooser(book, _now()), _now()))
        return {"seconds": time.perf_counter() - t0, "verdicts": verdicts}
    if engine in ("duckdb", "baseline"):
        from stockout.batch import duckdb_engine
        from stockout.batch.parquet_io import open_events

        con = duckdb_engine.connect(memory_limit, spill, cores)
        source = open_events(path)
        t0 = time.perf_counter()
        if engine == "duckdb":
            n = duckdb_engine.judge(con, book, _now(), source=source).num_rows
        else:
            n = con.execute(baseline_query(source.files, _now())).fetchall()[0][0]
        return {"seconds": time.perf_counter() - t0, "verdicts": n}
    import pyarrow.parquet as pq

    from stockout.batch import spark_engine
    from stockout.batch.parquet_io import open_events

    os.environ["SPARK_LOCAL_DIRS"] = str(spill)
    # A partition of a few million events at most: the sorts of 10M orders in 8 partitions ran
    # out of a 3g heap (UnsafeExternalSorter); AQE merges small partitions again.
    partitions = max(4 * cores, pq.ParquetFile(path).metadata.num_rows // 1_000_000)
    session = spark_engine.local_session(cores=cores, shuffle_partitions=partitions,
                                         driver_memory=spark_memory)
    t0 = time.perf_counter()
    n = spark_engine.judge(session, book, _now(), source=open_events(path)).num_rows
    seconds = time.perf_counter() - t0
    session.stop()
    return {"seconds": seconds, "verdicts": n}


def clustered_timelines(path: Path) -> list[object]:
    """The timelines of a judge-ready file, read in order of the order key `ok` (DuckDB sorts,
    spilling if it must) and built batch by batch, so that only the domain events are held."""
    import duckdb

    from stockout.batch.bulk import events_of
    from stockout.batch.parquet_io import record_batches
    from stockout.domain.timeline import Timeline

    timelines: list[object] = []
    current: list[object] = []
    sql = f"SELECT * FROM read_parquet('{path.as_posix()}') ORDER BY ok, eid"
    for batch in record_batches(duckdb.connect().sql(sql)):
        for event in events_of(batch):
            if current and event.order_id != current[0].order_id:  # type: ignore[attr-defined]
                timelines.append(Timeline.of(current[0].order_id, current))  # type: ignore[attr-defined,arg-type]
                current = []
            current.append(event)
    if current:
        timelines.append(Timeline.of(current[0].order_id, current))  # type: ignore[attr-defined,arg-type]
    return timelines


def baseline_query(files: object, now: object) -> str:
    """Late shipments only, written by hand for DuckDB: the yardstick of the columnar judge."""
    from stockout.batch.rules_sql import micros

    paths = ", ".join(f"'{Path(str(f)).as_posix()}'" for f in files)  # type: ignore[attr-defined]
    now_us = micros(now)  # type: ignore[arg-type]
    return f"""
        SELECT count(*) FROM (
          SELECT min(ts) FILTER (WHERE type = 'order_confirmed') + 172800000000 AS due,
                 min(ts) FILTER (WHERE type = 'carrier_scan') AS pickup,
                 min(ts) FILTER (WHERE type IN ('group_failed', 'order_cancelled',
                                                'refund_completed')) AS closed
          FROM (SELECT ok, type, epoch_us("at") AS ts FROM read_parquet([{paths}])
                WHERE kr = 1 AND epoch_us("at") <= {now_us})
          GROUP BY ok)
        WHERE due <= {now_us} AND (pickup IS NULL OR pickup > due)
          AND (closed IS NULL OR due <= closed)"""


def ensure_data(data: Path, orders: int) -> tuple[Path, int]:
    """DIR/events-N.parquet, simulated if missing; converted once to DIR/layout-N.parquet when
    it is not in the integer layout (again if that file is of an older layout version). Returns
    the file the engines read and its rows."""
    import pyarrow.parquet as pq

    from stockout.batch.parquet_io import convert_events, open_events, write_simulated
    from stockout.simulation import simulate_events

    path = data / f"events-{orders}.parquet"
    if not path.exists():
        t0 = time.perf_counter()
        rows = write_simulated(simulate_events(orders, 7).lines(), path, memory_limit="3GB")
        print(f"wrote {path.name}: {rows:,} event lines in {time.perf_counter() - t0:,.0f} s",
              flush=True)
    if not open_events(path).layout:
        laid = data / f"layout-{orders}.parquet"
        if not laid.exists() or not open_events(laid).layout:  # absent, or an older version
            t0 = time.perf_counter()
            rows = convert_events(path, laid, memory_limit="3GB")
            print(f"converted {path.name} to {laid.name} (not counted below): {rows:,} rows in "
                  f"{time.perf_counter() - t0:,.0f} s", flush=True)
        path = laid
    return path, pq.ParquetFile(path).metadata.num_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, action="append")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "stockout-bench")
    parser.add_argument("--engines", default="python,duckdb,spark,baseline")
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB's memory_limit")
    parser.add_argument("--spark-memory", default="3g", help="Spark's driver memory")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each engine and size; the median time is shown")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    spill = args.data / "spill"
    if args.child:
        engine, path = args.child
        result = child(engine, Path(path), args.memory_limit, spill, args.spark_memory,
                       args.cores)
        print(json.dumps(result))
        return
    args.data.mkdir(parents=True, exist_ok=True)
    rows = []
    for orders in args.orders or [1_000_000]:
        path, events = ensure_data(args.data, orders)
        for engine in args.engines.split(","):
            if engine == "python" and orders > 1_000_000:
                continue
            spill.mkdir(parents=True, exist_ok=True)
            load = os.getloadavg()[0]  # the machine may be shared: say how busy it was
            runs = [measure(["--child", engine, str(path), "--memory-limit", args.memory_limit,
                             "--spark-memory", args.spark_memory, "--cores", str(args.cores),
                             "--data", str(args.data)], spill) for _ in range(args.repeat)]
            times = sorted(float(r[0]["seconds"]) for r in runs)  # type: ignore[arg-type]
            seconds = times[len(times) // 2]  # the median run, each in a fresh process
            figures = runs[0][0]
            peak, spilled = max(r[1] for r in runs), max(r[2] for r in runs)
            loads = f"{load:.2f}-{os.getloadavg()[0]:.2f}"
            if len(times) > 1:
                loads += f" (runs {times[0]:.2f}-{times[-1]:.2f} s)"
            row = (engine, orders, events, seconds, orders / seconds, peak / 2**30,
                   spilled / 2**30, figures["verdicts"], loads)
            rows.append(row)
            print(f"{engine:<9} {orders:>11,} orders {events:>12,} events {seconds:8.2f} s "
                  f"{orders / seconds:>12,.0f} orders/s  peak {peak / 2**30:5.2f} GiB  "
                  f"spill {spilled / 2**30:5.2f} GiB  {figures['verdicts']:,} verdicts  "
                  f"load {loads}", flush=True)
    print("\n| engine | orders | events | seconds | orders/s | peak RSS (GiB) | spill (GiB) |"
          " verdicts | load avg (1 min, before-after) |\n|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for engine, orders, events, seconds, rate, peak_gb, spill_gb, verdicts, loads in rows:
        print(f"| {engine} | {orders:,} | {events:,} | {seconds:.2f} | {rate:,.0f} | "
              f"{peak_gb:.2f} | {spill_gb:.2f} | {verdicts:,} | {loads} |")


if __name__ == "__main__":
    main()

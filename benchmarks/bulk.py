"""Whole processes of `stockout judge` in bulk: every engine, from two kinds of input, with the
peak memory of the process tree.

    python benchmarks/bulk.py --orders 1000000 --orders 10000000 [--data DIR]
        [--engines python,duckdb,spark] [--inputs ready,export] [--max python=1000000]
        [--max spark=1000000] [--repeat N] [--floor/--no-floor]

For each size N, two inputs of the same simulated events are written once under DIR (a
temporary folder by default; their writing is timed apart, never counted below):

- ready:  DIR/ready-N.parquet, `stockout simulate --format parquet` (judge-ready: the integer
          layout, each type's rows in row groups of their own);
- export: DIR/export-N/, a plain export as a platform would write it: the contract's columns
          only (no `seq`, no layout columns), rows shuffled, in parts of about a million rows.

Then each engine judges each input in a fresh process, exactly as a user runs it:
`stockout judge INPUT --engine E --at T --out verdicts.parquet` (and, for duckdb on the ready
file, `--out verdicts.jsonl` too: the cost of JSON Lines). The time is the whole process (start,
preparation, judging, writing); peak memory is the largest sum of the resident sizes of the
process tree (Python, DuckDB's threads, Spark's JVM and its Python workers), sampled every 50 ms.
With `--floor` (the default), a process that only reads every column of each input (DuckDB,
`reading`) is timed first: the least any engine's whole process on that input can take here.
Every engine's verdict file of an input is compared with the first engine's. `--max E=N` skips
engine E above N orders (printed with the reason); the defaults keep the pure engine and Spark at
1M. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

NOW_DAYS = 45  # judged as of the start of the simulated month + 45 days
READING = "reading"  # the floor: a process that reads every column of the input, nothing else
READ = "--read"  # this script's option that runs it
SKIP_REASON = {
    "python": "the pure engine's goal is 1M orders (one Python process: 6 to 8 minutes per 1M)",
    "spark": "Spark on local[2] at 10M takes 5 to 10 minutes on 2 cores (raise --max spark=N)",
}


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


def measure(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run `stockout ARGS` (or, ARGS starting with `--read`, this script reading an input);
    its wall time and the peak RSS of its process tree."""
    t0 = time.perf_counter()
    command = [__file__] if args[0] == READ else ["-m", "stockout"]
    proc = subprocess.Popen([sys.executable, *command, *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            time.sleep(0.05)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    _, stderr = proc.communicate()
    seconds = time.perf_counter() - t0
    done.set()
    poller.join()
    if proc.returncode != 0:
        raise SystemExit(f"stockout {' '.join(args)} failed ({proc.returncode}):\n{stderr}")
    return seconds, peak[0]


def _now() -> str:
    from stockout.simulation.marketplace import DEFAULT_START

    return (DEFAULT_START + timedelta(days=NOW_DAYS)).isoformat()


def ensure_inputs(data: Path, orders: int) -> dict[str, Path]:
    """DIR/ready-N.parquet (simulated) and DIR/export-N/ (a shuffled plain export of it)."""
    import duckdb

    from stockout.batch.parquet_io import open_events
    from stockout.batch.prepare import write_simulated
    from stockout.batch.schema import EVENT_SCHEMA
    from stockout.simulation import simulate_events

    ready = data / f"ready-{orders}.parquet"
    if not ready.exists() or not open_events(ready).layout:
        t0 = time.perf_counter()
        rows = write_simulated(simulate_events(orders, 7).lines(), ready, memory_limit="3GB")
        print(f"wrote {ready.name}: {rows:,} event lines in {time.perf_counter() - t0:,.0f} s",
              flush=True)
    export = data / f"export-{orders}"
    if not export.exists():
        t0 = time.perf_counter()
        tmp = data / f"export-{orders}.tmp"
        columns = ", ".join(f'"{c}"' for c in EVENT_SCHEMA.names if c != "seq")
        con = duckdb.connect(config={"memory_limit": "3GB", "preserve_insertion_order": True,
                                     "temp_directory": str(data / "spill")})
        con.execute(f"COPY (SELECT {columns} FROM read_parquet('{ready.as_posix()}') "
                    f"ORDER BY hash(event_id, 'shuffle')) TO '{tmp.as_posix()}' "
                    "(FORMAT parquet, COMPRESSION zstd, FILE_SIZE_BYTES '40MB', "
                    "FILENAME_PATTERN 'part-{i}')")
        con.close()
        tmp.rename(export)
        print(f"wrote {export.name}/ ({len(list(export.iterdir()))} parts, shuffled) in "
              f"{time.perf_counter() - t0:,.0f} s", flush=True)
    return {"ready": ready, "export": export}


def read_every_column(path: Path) -> None:
    """Decode every value of an input with DuckDB (its threads, no memory limit) and keep
    nothing: the least time any engine's whole process on it can take."""
    import duckdb

    from stockout.batch.duckdb_engine import parquet_scan
    from stockout.batch.parquet_io import parquet_files

    source = parquet_scan(parquet_files(path))
    con = duckdb.connect()
    columns = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    every = ", ".join(f'max(length("{n}"))' if kind == "VARCHAR" else f'max("{n}")'
                      for n, kind, *_ in columns)
    con.execute(f"SELECT count(*), {every} FROM {source}").fetchall()


def _same(a: Path, b: Path) -> bool:
    import pyarrow.parquet as pq

    return pq.read_table(a).equals(pq.read_table(b))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, action="append")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "stockout-bench")
    parser.add_argument("--engines", default="python,duckdb,spark")
    parser.add_argument("--inputs", default="ready,export")
    parser.add_argument("--max", action="append", default=[], metavar="ENGINE=N",
                        help="skip ENGINE above N orders")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the median is shown")
    parser.add_argument(READ, type=Path, metavar="INPUT", help=argparse.SUPPRESS)
    parser.add_argument("--floor", action=argparse.BooleanOptionalAction, default=True,
                        help="also time a process that only reads every column of each input")
    args = parser.parse_args()
    if args.read is not None:
        read_every_column(args.read)
        return
    limits = {"python": 1_000_000, "spark": 1_000_000}
    for item in args.max:
        engine, _, n = item.partition("=")
        limits[engine] = int(n)
    args.data.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "STOCKOUT_LANG": "en"}
    rows = []
    for orders in args.orders or [1_000_000]:
        inputs = ensure_inputs(args.data, orders)
        for kind in args.inputs.split(","):
            first: Path | None = None
            runs = [(e, ".parquet") for e in args.engines.split(",")]
            if kind == "ready" and "duckdb" in args.engines.split(","):
                runs.append(("duckdb", ".jsonl"))
            if args.floor:
                runs.insert(0, (READING, ""))
            for engine, suffix in runs:
                if orders > limits.get(engine, orders):
                    print(f"skipped {engine} at {orders:,} orders: {SKIP_REASON[engine]}",
                          flush=True)
                    continue
                out = args.data / "out" / f"{kind}-{orders}-{engine}{suffix}"
                out.parent.mkdir(parents=True, exist_ok=True)
                command = ([READ, str(inputs[kind])] if engine == READING else
                           ["judge", str(inputs[kind]), "--engine", engine, "--at", _now(),
                            "--out", str(out)])
                load = os.getloadavg()[0]  # the machine may be shared: say how busy it was
                measured = sorted(measure(command, env) for _ in range(args.repeat))
                seconds, peak = measured[len(measured) // 2]
                same = ""
                if suffix == ".parquet":
                    if first is None:
                        first = out
                    else:
                        same = "yes" if _same(first, out) else "NO"
                row = (kind, engine, suffix[1:] or "-", orders, seconds, orders / seconds,
                       peak / 2**30, same, f"{load:.2f}-{os.getloadavg()[0]:.2f}",
                       ("python benchmarks/bulk.py " if engine == READING else "stockout ")
                       + " ".join(command).replace(str(args.data), "DIR"))
                rows.append(row)
                print(f"{kind:<6} {engine:<7} {row[2]:<7} {orders:>11,} orders "
                      f"{seconds:8.2f} s {orders / seconds:>10,.0f} orders/s  "
                      f"peak {peak / 2**30:5.2f} GiB  same {same or '-'}  load {row[8]}",
                      flush=True)
                with contextlib.suppress(OSError):
                    if suffix == ".jsonl":
                        out.unlink()
    print("\n| input | engine | out | orders | whole process (s) | orders/s | peak RSS (GiB) |"
          " same verdicts | load avg (1 min, before-after) | command |\n"
          "|---|---|---|---:|---:|---:|---:|---|---|---|")
    for kind, engine, fmt, orders, seconds, rate, peak, same, load, command in rows:
        print(f"| {kind} | {engine} | {fmt} | {orders:,} | {seconds:.1f} | {rate:,.0f} | "
              f"{peak:.2f} | {same or '(reference)' if fmt == 'parquet' else same} | {load} | "
              f"`{command}` |")


if __name__ == "__main__":
    main()

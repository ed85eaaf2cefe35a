"""Ingestion throughput of a real `stockout serve`, on SQLite and on PostgreSQL.

    python benchmarks/ingest.py [--orders 4000] [--stores sqlite,postgresql] [--clients 32]
                                [--workers 4] [--streams 8] [--steps/--no-steps]
                                [--floor/--no-floor]

For each store: starts `stockout serve` (uvicorn) on a free port of 127.0.0.1 with a fresh
database -- PostgreSQL is a throw-away cluster from the machine's binaries, durable settings
as shipped (fsync on) -- then:

1. posts a simulated month of events in batches of 500, one batch after the other, and prints
   events/s (every post re-judges the orders it touches, records verdicts, coupons and notices);
2. posts single events from 32 concurrent clients and prints the p50/p99 latency, twice: with
   httpx clients, then (other orders, the same simulation) with the standard library's
   `http.client`, each a keep-alive connection in a thread of this process. The clients share
   the machine with the server, and httpx spent about as much CPU a post as the server did
   (~1 ms): the lighter client leaves more of the cores to the server, so its latencies are the
   fairer measure of the server. Both are printed, each with the clients' own CPU a post
   (the http.client connections are opened, and warmed with one GET, before the clock runs;
   the httpx clients are timed from their first connection, as before);
3. on PostgreSQL, serves again with `--workers N` on a fresh database and posts the batches from
   several clients at once (the orders split into streams, each stream in time order): the
   events/s a multi-process server reaches.

With `--floor` (the default), first the machine's floor: the same single posts from the same
http.client clients against `noop_server.py` (stockout's HTTP stack answering without any work),
and what the p50 goal then leaves a post; and after each store's single posts, the
application's CPU a single-event post without HTTP, committed in groups of 1, 8 and 32 posts
(in this process, on the store just measured). The floor moves with the machine as stockout's
figures do: compare them within one run.

With `--steps` (the default) the server also counts the CPU time of each step of the online
path (`STOCKOUT_STEP_TIMES`) and the table of the batched run is printed: each step's share of
the server process's CPU and the events per CPU-second it alone would allow. What is not in a
step is the HTTP framework (the body's JSON, routing, the answer) and the database driver
outside the steps; PostgreSQL's own processes are in the total, not in any step.

The server's clock is the system clock, so every simulated event is history: each order is
judged as of today when its first events arrive, and judged again (verdicts voided and
replaced) as its later events come in. That is the heavy case of re-judging.
Goals (issue 19, 2 cores): at least 5,000 events per server CPU-second batched on either store,
5,000 events/s with several workers on PostgreSQL; single posts p50 < 25 ms, p99 < 150 ms.
Concurrent single posts are committed together (group commit), so their CPU per post is far
below a lone post's; their latencies are wall times shared with the 32 client threads, so the
load average is printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.pgserver: the throw-away PostgreSQL of the test suite


def simulated(orders: int, seed: int, prefix: str = "") -> list[dict[str, Any]]:
    from stockout.simulation import simulate_events

    events = [dict(e) for e in simulate_events(orders, seed, days=30)]
    if prefix:
        for e in events:
            e["event_id"] = prefix + str(e["event_id"])
            e["order_id"] = prefix + str(e["order_id"])
    return events


def platform_token(url: str) -> str:
    from stockout.services.access.principals import Role
    from stockout.services.access.tokens import create_token
    from stockout.services.common.clock import SystemClock
    from stockout.store.engine import open_store
    from stockout.store.migrate import upgrade
    from stockout.store.uow import UnitOfWork

    store = open_store(url)
    upgrade(store)
    token = create_token(UnitOfWork(store), SystemClock(), Role.PLATFORM).secret
    store.dispose()
    return token


def serve(url: str, port: int, log: Path, workers: int = 1, steps: Path | None = None
          ) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    if steps is not None:
        steps.mkdir(parents=True, exist_ok=True)
        env["STOCKOUT_STEP_TIMES"] = str(steps)
    return started([sys.executable, "-m", "stockout", "serve", "--port", str(port), "--db", url,
                    "--sweep-every", "0", "--workers", str(workers)], port, log, env)


def started(command: list[str], port: int, log: Path, env: dict[str, str] | None = None
            ) -> subprocess.Popen[bytes]:
    """Start a server; return once GET /healthz answers."""
    proc = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"server did not start: {log.read_text()}")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (Linux /proc), to tell the server's own cost
    from the wall time, which other load on the machine stretches."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if ppid == parent:
                found.append(int(entry.name))
    return found


def stockout_pids(proc: subprocess.Popen[bytes]) -> list[int]:
    """The stockout server and its worker processes (`--workers`)."""
    return [proc.pid, *children(proc.pid)]


def server_pids(proc: subprocess.Popen[bytes], pg: Any) -> list[int]:
    """The stockout server, and every process of the PostgreSQL cluster when there is one."""
    return stockout_pids(proc) + pg_pids(pg)


def step_times(proc: subprocess.Popen[bytes], folder: Path) -> dict[str, float]:
    """CPU seconds per step so far, summed over the server's processes (each writes its own
    table when sent SIGUSR1)."""
    pids = stockout_pids(proc)
    started = time.time()
    for pid in pids:
        os.kill(pid, signal.SIGUSR1)
    files = [folder / f"steps-{pid}.json" for pid in pids]
    total: dict[str, float] = {}
    deadline = time.monotonic() + 10
    for f in files:
        while time.monotonic() < deadline and not (f.exists() and f.stat().st_mtime >= started):
            time.sleep(0.05)
        if f.exists() and f.stat().st_mtime >= started:
            for name, figures in json.loads(f.read_text())["steps"].items():
                total[name] = total.get(name, 0.0) + figures["cpu_seconds"]
    return total


def print_steps(store: str, before: dict[str, float], after: dict[str, float], events: int,
                process_cpu: float) -> None:
    spent = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
    spent["other: HTTP, framework, driver"] = max(0.0, process_cpu - sum(spent.values()))
    print(f"{store:>10}: where the server process's CPU went ({process_cpu:.1f} s):")
    for name, cpu in sorted(spent.items(), key=lambda kv: -kv[1]):
        rate = f"{events / cpu:>12,.0f}" if cpu > 0 else f"{'-':>12}"
        print(f"{'':>12}{name:<32}{100 * cpu / process_cpu:5.1f} %  {rate} events per "
              "CPU-second", flush=True)


def batched(base: str, token: str, events: list[dict[str, Any]], size: int, streams: int = 1
            ) -> tuple[float, int]:
    """Post the events in batches of `size`; with several `streams`, the orders are split
    between that many clients posting at once (each its orders' events in time order)."""
    parts: list[list[dict[str, Any]]] = [[] for _ in range(streams)]
    for e in events:
        parts[zlib.crc32(e["order_id"].encode()) % streams].append(e)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    issued = [0] * streams

    def post(n: int) -> None:
        part = parts[n]
        bodies = [json.dumps(part[i:i + size], ensure_ascii=False).encode("utf-8")
                  for i in range(0, len(part), size)]
        with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
            for body in bodies:
                answer = client.post("/v1/events", content=body)
                answer.raise_for_status()
                issued[n] += answer.json()["verdicts_issued"]

    elapsed = _run_all([threading.Thread(target=post, args=(n,)) for n in range(streams)])
    return len(events) / elapsed, sum(issued)


def _run_all(threads: list[threading.Thread]) -> float:
    """Start the threads together and wait for all: the seconds they took."""
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


CLIENTS = ("httpx", "http.client")


def singles(base: str, token: str, events: list[dict[str, Any]], clients: int,
            kind: str = "httpx") -> tuple[float, float, float, float]:
    """Post each event alone from `clients` threads, each its own keep-alive connection, the
    next post when the answer came (a closed loop): p50 and p99 latency (ms), posts/s, and
    the CPU this benchmark process (the clients) spent a post (ms). `kind`: the client, httpx
    or the standard library's `http.client` (lighter: more of the machine left to the server)."""
    bodies = [json.dumps([e], ensure_ascii=False).encode("utf-8") for e in events]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    lock = threading.Lock()

    def with_httpx(part: list[bytes]) -> list[float]:
        mine: list[float] = []
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            for body in part:
                t0 = time.perf_counter()
                client.post("/v1/events", content=body).raise_for_status()
                mine.append(time.perf_counter() - t0)
        return mine

    def with_http_client(part: list[bytes]) -> list[float]:
        import http.client
        import socket
        from urllib.parse import urlsplit

        where = urlsplit(base)
        conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=120)
        mine: list[float] = []
        try:
            # Connected and warmed before the clock runs (one GET /healthz): with several
            # workers, 32 connections opened at once sometimes waited a second for the
            # accept (a SYN sent again), which is not the time of a post.
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            for body in part:
                t0 = time.perf_counter()
                conn.request("POST", "/v1/events", body=body, headers=headers)
                answer = conn.getresponse()
                answer.read()
                if answer.status != 200:
                    raise SystemExit(f"POST /v1/events: {answer.status}")
                mine.append(time.perf_counter() - t0)
        finally:
            conn.close()
        return mine

    post = with_httpx if kind == "httpx" else with_http_client

    def worker(part: list[bytes]) -> None:
        mine = post(part)
        with lock:
            latencies.extend(mine)

    cpu = time.process_time()
    elapsed = _run_all([threading.Thread(target=worker, args=(bodies[i::clients],))
                        for i in range(clients)])
    cpu = time.process_time() - cpu
    q = statistics.quantiles(latencies, n=100)
    return q[49] * 1000, q[98] * 1000, len(latencies) / elapsed, 1000 * cpu / len(latencies)


def load() -> str:
    """The machine's load average: latencies are wall times, which other work stretches
    (the CPU per post is the figure to compare across runs)."""
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def run(store: str, args: argparse.Namespace, events: list[dict[str, Any]],
        single: dict[str, list[dict[str, Any]]], work: Path) -> None:
    pg = None
    if store == "sqlite":
        url = f"sqlite:///{work / 'bench.db'}"
    else:
        from tests.pgserver import ThrowawayPostgres

        pg = ThrowawayPostgres(durable=True).start()
        url = pg.create_database("bench")
    port = free_port()
    proc = None
    steps = work / "steps" if args.steps else None
    try:
        token = platform_token(url)
        proc = serve(url, port, work / f"serve-{store}.log", steps=steps)
        base = f"http://127.0.0.1:{port}"
        cpu_before = cpu_seconds(server_pids(proc, pg))
        own_before = cpu_seconds(stockout_pids(proc))
        steps_before = step_times(proc, steps) if steps is not None else {}
        rate, issued = batched(base, token, events, args.batch)
        cpu = cpu_seconds(server_pids(proc, pg)) - cpu_before
        own = cpu_seconds(stockout_pids(proc)) - own_before
        print(f"{store:>10}: batches of {args.batch}: {rate:,.0f} events/s "
              f"({len(events):,} events, {issued:,} verdicts issued; server CPU "
              f"{cpu:.1f} s = {len(events) / cpu:,.0f} events per CPU-second)", flush=True)
        if steps is not None:
            print_steps(store, steps_before, step_times(proc, steps), len(events), own)
        for kind in CLIENTS:
            own_before = cpu_seconds(stockout_pids(proc))
            steps_before = step_times(proc, steps) if steps is not None else {}
            p50, p99, rps, client = singles(base, token, single[kind], args.clients, kind)
            own = cpu_seconds(stockout_pids(proc)) - own_before
            n = len(single[kind])
            print(f"{store:>10}: single-event posts, {args.clients} {kind} clients: p50 "
                  f"{p50:.1f} ms, p99 {p99:.1f} ms ({rps:,.0f} posts/s, {n:,} posts; server "
                  f"process CPU {1000 * own / n:.2f} ms a post, clients' {client:.2f} ms; "
                  f"{load()})", flush=True)
            if steps is not None:
                print_steps(store, steps_before, step_times(proc, steps), n, own)
        stop(proc)
        proc = None
        if args.floor:
            app_alone(store, url, pg, args)
        if pg is not None and args.workers > 1:
            url = pg.create_database("bench_workers")
            token = platform_token(url)
            proc = serve(url, port, work / f"serve-{store}-workers.log", workers=args.workers)
            cpu_before = cpu_seconds(server_pids(proc, pg))
            rate, issued = batched(base, token, events, args.batch, args.streams)
            cpu = cpu_seconds(server_pids(proc, pg)) - cpu_before
            print(f"{store:>10}: {args.workers} workers, {args.streams} clients posting batches "
                  f"of {args.batch}: {rate:,.0f} events/s ({issued:,} verdicts issued; server "
                  f"CPU {cpu:.1f} s = {len(events) / cpu:,.0f} events per CPU-second)",
                  flush=True)
            for kind in CLIENTS:
                p50, p99, rps, client = singles(base, token, single[kind], args.clients, kind)
                print(f"{store:>10}: {args.workers} workers, single-event posts, "
                      f"{args.clients} {kind} clients: p50 {p50:.1f} ms, p99 {p99:.1f} ms "
                      f"({rps:,.0f} posts/s; clients' CPU {client:.2f} ms a post; {load()})",
                      flush=True)
    finally:
        if proc is not None:
            stop(proc)
        if pg is not None:
            pg.stop()


GOAL_P50_MS = 25
GROUPS = (1, 8, 32)


def floor(args: argparse.Namespace, events: list[dict[str, Any]], work: Path) -> None:
    """The machine's floor: the same single posts from the same clients against a server that
    parses each post and answers without any work (`noop_server.py`), and what the p50 goal
    then leaves to the application."""
    port = free_port()
    proc = started([sys.executable, str(ROOT / "benchmarks" / "noop_server.py"), str(port)],
                   port, work / "noop.log")
    try:
        before = cpu_seconds([proc.pid])
        p50, p99, rps, client = singles(f"http://127.0.0.1:{port}", "-", events, args.clients,
                                        "http.client")
        own = cpu_seconds([proc.pid]) - before
    finally:
        stop(proc)
    need = args.clients / (GOAL_P50_MS / 1000)
    print(f"{'floor':>10}: single-event posts, {args.clients} http.client clients, against a "
          f"server that parses each post and answers, nothing else: p50 {p50:.1f} ms, p99 "
          f"{p99:.1f} ms ({rps:,.0f} posts/s; server process CPU "
          f"{1000 * own / len(events):.2f} ms a post, clients' {client:.2f} ms; {load()})\n"
          f"{'':>12}with {args.clients} clients in a closed loop, p50 under {GOAL_P50_MS} ms "
          f"needs about {need:,.0f} posts/s: at most {1000 / need:.2f} ms of CPU a post for a "
          "server process (one Python thread at a time), HTTP included", flush=True)


def app_alone(store: str, url: str, pg: Any, args: argparse.Namespace) -> None:
    """The application's CPU a single-event post without HTTP: fresh orders' events posted
    one by one and committed in groups of each size of `GROUPS` (as the server's group commit
    does with the posts that arrive together), in this process, on the store just measured;
    on PostgreSQL its processes' CPU counts too."""
    from stockout.bootstrap import build_runtime, load_settings, server_settings
    from stockout.services.access.principals import Principal, Role
    from stockout.services.judging.ingest import received
    from stockout.services.judging.ingest_groups import commit_posts

    settings = load_settings()
    rt = build_runtime(settings, server_settings(settings, db=url), migrate=False)
    who = Principal(Role.PLATFORM, "bench")
    figures = []
    try:
        for n, size in enumerate(GROUPS):
            events = simulated(args.single_orders, args.seed + 2 + n, prefix=f"g{size}-")
            before = time.process_time()
            database = {pid: cpu_seconds([pid]) for pid in pg_pids(pg)}
            for i in range(0, len(events), size):
                posts = [received([e], who) for e in events[i:i + size]]
                for answer in commit_posts(rt.uow(), rt.rules, rt.clock, posts):
                    if isinstance(answer, Exception):
                        raise SystemExit(f"a post failed: {answer}")
            # PostgreSQL's processes now, with the connections' backends forked meanwhile
            spent = time.process_time() - before + sum(
                cpu_seconds([pid]) - database.get(pid, 0.0) for pid in pg_pids(pg))
            figures.append(f"{size}: {1000 * spent / len(events):.2f} ms")
    finally:
        rt.close()
    print(f"{store:>10}: the application alone (no HTTP), CPU a single-event post committed in "
          f"groups of {', '.join(figures)} ({load()})", flush=True)


def pg_pids(pg: Any) -> list[int]:
    """Every process of the PostgreSQL cluster (none without one)."""
    if pg is None or pg.data_dir is None:
        return []
    postmaster = int((pg.data_dir / "postmaster.pid").read_text().split()[0])
    return [postmaster, *children(postmaster)]


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=4000)
    parser.add_argument("--single-orders", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=4,
                        help="server processes of the multi-worker run (PostgreSQL; 1: none)")
    parser.add_argument("--streams", type=int, default=8,
                        help="clients posting batches at once in the multi-worker run")
    parser.add_argument("--steps", action=argparse.BooleanOptionalAction, default=True,
                        help="count and print the CPU time of each step of the online path")
    parser.add_argument("--floor", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure the machine's floor (a server doing nothing) and the "
                        "application's CPU a post without HTTP")
    args = parser.parse_args()
    events = simulated(args.orders, args.seed)
    # Each client posts its own orders (the same simulation, other ids): the same work twice.
    single = {kind: simulated(args.single_orders, args.seed + 1, prefix=f"{n}-")
              for n, kind in zip("st", CLIENTS, strict=True)}
    print(f"{len(events):,} events of {args.orders:,} orders batched; "
          f"{len(single['httpx']):,} single posts with each client", flush=True)
    if args.floor:
        with tempfile.TemporaryDirectory(prefix="stockout-bench-") as tmp:
            floor(args, single["http.client"], Path(tmp))
    for store in args.stores.split(","):
        with tempfile.TemporaryDirectory(prefix="stockout-bench-") as tmp:
            run(store.strip(), args, events, single, Path(tmp))


if __name__ == "__main__":
    main()

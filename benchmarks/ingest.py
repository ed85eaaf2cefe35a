"""Ingestion throughput of a real `stockout serve`, on SQLite and on PostgreSQL.

    python benchmarks/ingest.py [--orders 4000] [--stores sqlite,postgresql] [--clients 32]

For each store: starts `stockout serve` (uvicorn) on a free port of 127.0.0.1 with a fresh
database -- PostgreSQL is a throw-away cluster from the machine's binaries, durable settings
as shipped (fsync on) -- then:

1. posts a simulated month of events in batches of 500, one batch after the other, and prints
   events/s (every post re-judges the orders it touches, records verdicts, coupons and notices);
2. posts single events from 32 concurrent clients and prints the p50/p99 latency.

The server's clock is the system clock, so every simulated event is history: each order is
judged as of today when its first events arrive, and judged again (verdicts voided and
replaced) as its later events come in. That is the heavy case of re-judging.
Goal (issue "Online adjudication"): at least 2,000 events/s batched, on either store, 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
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


def serve(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "stockout", "serve", "--port", str(port),
                             "--db", url, "--sweep-every", "0"], stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)
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


def server_pids(proc: subprocess.Popen[bytes], pg: Any) -> list[int]:
    """The stockout server, and every process of the PostgreSQL cluster when there is one."""
    pids = [proc.pid]
    if pg is not None and pg.data_dir is not None:
        postmaster = int((pg.data_dir / "postmaster.pid").read_text().split()[0])
        pids.append(postmaster)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except OSError:
                    continue
                if ppid == postmaster:
                    pids.append(int(entry.name))
    return pids


def batched(base: str, token: str, events: list[dict[str, Any]], size: int) -> tuple[float, int]:
    bodies = [json.dumps(events[i:i + size], ensure_ascii=False).encode("utf-8")
              for i in range(0, len(events), size)]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    issued = 0
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        started = time.perf_counter()
        for body in bodies:
            answer = client.post("/v1/events", content=body)
            answer.raise_for_status()
            issued += answer.json()["verdicts_issued"]
        elapsed = time.perf_counter() - started
    return len(events) / elapsed, issued


def singles(base: str, token: str, events: list[dict[str, Any]], clients: int
            ) -> tuple[float, float, float]:
    bodies = [json.dumps([e], ensure_ascii=False).encode("utf-8") for e in events]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(part: list[bytes]) -> None:
        mine: list[float] = []
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            for body in part:
                t0 = time.perf_counter()
                client.post("/v1/events", content=body).raise_for_status()
                mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(bodies[i::clients],))
               for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return q[49] * 1000, q[98] * 1000, len(latencies) / elapsed


def run(store: str, args: argparse.Namespace, events: list[dict[str, Any]],
        single: list[dict[str, Any]], work: Path) -> None:
    pg = None
    if store == "sqlite":
        url = f"sqlite:///{work / 'bench.db'}"
    else:
        from tests.pgserver import ThrowawayPostgres

        pg = ThrowawayPostgres(durable=True).start()
        url = pg.create_database("bench")
    port = free_port()
    proc = None
    try:
        token = platform_token(url)
        proc = serve(url, port, work / f"serve-{store}.log")
        base = f"http://127.0.0.1:{port}"
        cpu_before = cpu_seconds(server_pids(proc, pg))
        rate, issued = batched(base, token, events, args.batch)
        cpu = cpu_seconds(server_pids(proc, pg)) - cpu_before
        print(f"{store:>10}: batches of {args.batch}: {rate:,.0f} events/s "
              f"({len(events):,} events, {issued:,} verdicts issued; server CPU "
              f"{cpu:.1f} s = {len(events) / cpu:,.0f} events per CPU-second)", flush=True)
        p50, p99, rps = singles(base, token, single, args.clients)
        print(f"{store:>10}: single-event posts, {args.clients} clients: p50 {p50:.1f} ms, "
              f"p99 {p99:.1f} ms ({rps:,.0f} posts/s, {len(single):,} posts)", flush=True)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
        if pg is not None:
            pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=4000)
    parser.add_argument("--single-orders", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args()
    events = simulated(args.orders, args.seed)
    single = simulated(args.single_orders, args.seed + 1, prefix="s-")
    print(f"{len(events):,} events of {args.orders:,} orders batched; {len(single):,} single "
          f"posts", flush=True)
    for store in args.stores.split(","):
        with tempfile.TemporaryDirectory(prefix="stockout-bench-") as tmp:
            run(store.strip(), args, events, single, Path(tmp))


if __name__ == "__main__":
    main()

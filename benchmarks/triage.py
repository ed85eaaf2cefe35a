"""Shortage triage on simulated shortage days: the total cost of first come first served,
earliest deadline first and the optimiser, the savings, and the optimiser's time.

    python benchmarks/triage.py [--days 100] [--sizes 100,1000,10000] [--time-limit 4]

Each day is one shop's open orders (see `stockout.simulation.shortage`: less stock than orders,
daily capacity, receipts, campaign orders, open remedy offers, buyers waiting; margin 20 %).
The optimiser's time is the whole `solve` call (model, HiGHS, explanation), per day. Goal
(issue 17): never above EDF's cost on any day, and at 10,000 orders a plan within 5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from stockout.domain.money import format_yuan
from stockout.domain.triage import all_options, edf, fcfs
from stockout.rulepacks import builtin_packs
from stockout.services.triage.solver import solve
from stockout.simulation.shortage import shortage_day

START = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--time-limit", type=float, default=4.0)
    args = parser.parse_args()
    pack = next(p for p in builtin_packs() if p.id == "pdd-2025")
    console = Console(width=170)
    table = Table(title=f"Shortage triage, {args.days} simulated days per size "
                        f"(time limit {args.time_limit:g} s)")
    for col in ("orders/shop", "FCFS", "EDF", "optimiser", "saved vs EDF", "saved vs FCFS",
                "days above EDF", "optimal / best found / rounded / greedy", "time median", "time worst"):
        table.add_column(col, justify="right")
    for size in (int(x) for x in args.sizes.split(",")):
        totals = {"fcfs": 0, "edf": 0, "opt": 0}
        times: list[float] = []
        above = 0
        methods = {"optimal": 0, "best_found": 0, "rounded": 0, "greedy": 0}
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"{size:,} orders", total=args.days)
            for day in range(args.days):
                s = shortage_day(size * 1000 + day, size, START + timedelta(days=day), pack)
                opts = all_options(s)
                f, e = fcfs(s, opts).cost_cents, edf(s, opts).cost_cents
                t0 = time.perf_counter()
                plan = solve(s, args.time_limit)
                times.append(time.perf_counter() - t0)
                totals["fcfs"] += f
                totals["edf"] += e
                totals["opt"] += plan.cost_cents
                above += plan.cost_cents > e
                methods[plan.method] += 1
                progress.advance(task)
        table.add_row(f"{size:,}", format_yuan(totals["fcfs"]), format_yuan(totals["edf"]),
                      format_yuan(totals["opt"]),
                      f"{format_yuan(totals['edf'] - totals['opt'])} "
                      f"({(totals['edf'] - totals['opt']) / max(totals['edf'], 1):.1%})",
                      f"{(totals['fcfs'] - totals['opt']) / max(totals['fcfs'], 1):.1%}",
                      str(above), " / ".join(str(n) for n in methods.values()),
                      f"{statistics.median(times):.2f} s", f"{max(times):.2f} s")
    console.print(table)
    load = os.getloadavg()
    console.print(f"load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on "
                  f"{os.cpu_count()} CPUs (uptime)")


if __name__ == "__main__":
    main()

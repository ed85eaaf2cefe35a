"""Orders per second of the pure judge on simulated orders, one core.

    python benchmarks/judge.py [--orders 100000] [--seed 7]

Prints the time to parse the event lines and, separately, the time of the pure judge (folding
timelines, building the cross-order context, evaluating every rule) on the parsed timelines.
Goal (issue "The core"): at least 50,000 orders/s for the pure judge.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import timedelta

from stockout.adapters.event_file import read_events
from stockout.domain.judge import judge_timelines
from stockout.rulepacks import resolve_rules
from stockout.services.judging import pack_chooser
from stockout.simulation import simulate_events
from stockout.simulation.marketplace import DEFAULT_START


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    lines = [json.dumps(e, ensure_ascii=False) for e in simulate_events(args.orders, args.seed)]
    t0 = time.perf_counter()
    log = read_events(lines)
    parse_s = time.perf_counter() - t0
    timelines = list(log.timelines())
    book = resolve_rules("pdd")
    choose = pack_chooser(book)
    now = DEFAULT_START + timedelta(days=45)

    best = float("inf")
    verdicts = 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        judgements = list(judge_timelines(timelines, choose, now))
        best = min(best, time.perf_counter() - t0)
        verdicts = sum(len(j.verdicts) for j in judgements)
    orders = len(timelines)
    print(f"orders: {orders:,}  events: {log.events:,}  verdicts: {verdicts:,}")
    print(f"parse (JSON + validation): {parse_s:6.2f} s  {log.lines / parse_s:>10,.0f} lines/s")
    print(f"pure judge (best of {args.repeat}): {best:6.2f} s  {orders / best:>10,.0f} orders/s")


if __name__ == "__main__":
    main()

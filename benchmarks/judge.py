"""Orders per second of the pure judge on simulated orders, one core.

    python benchmarks/judge.py [--orders 100000] [--seed 7]

Prints the time to parse the event lines and, separately, the time of the pure judge (folding
timelines, building the cross-order context, evaluating every rule) on the parsed timelines.
Goal (issue "The core"): at least 50,000 orders/s for the pure judge.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import time
from datetime import timedelta

from stockout.adapters.event_file import read_events
from stockout.bootstrap import bulk_work
from stockout.domain.judge import judge_timelines
from stockout.rulepacks import resolve_rules
from stockout.services.judging.files import pack_chooser
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
    with bulk_work():
        log = read_events(lines)
    parse_s = time.perf_counter() - t0
    timelines = list(log.timelines())
    book = resolve_rules("pdd")
    now = DEFAULT_START + timedelta(days=45)
    choose = pack_chooser(book, now)

    orders = len(timelines)

    def best_of(pause_gc: bool) -> tuple[float, int]:
        best, verdicts = float("inf"), 0
        for _ in range(args.repeat):
            gc.collect()
            with bulk_work() if pause_gc else contextlib.nullcontext():
                t0 = time.perf_counter()
                judgements = list(judge_timelines(timelines, choose, now))
                best = min(best, time.perf_counter() - t0)
            verdicts = sum(len(j.verdicts) for j in judgements)
            del judgements
        return best, verdicts

    paused, verdicts = best_of(pause_gc=True)
    collected, _ = best_of(pause_gc=False)
    print(f"orders: {orders:,}  events: {log.events:,}  verdicts: {verdicts:,}")
    print(f"parse (JSON + validation): {parse_s:6.2f} s  {log.lines / parse_s:>10,.0f} lines/s")
    print(f"pure judge, collector paused as the CLI runs it (best of {args.repeat}): "
          f"{paused:6.2f} s  {orders / paused:>10,.0f} orders/s")
    print(f"pure judge, collector running (best of {args.repeat}):                 "
          f"{collected:6.2f} s  {orders / collected:>10,.0f} orders/s")


if __name__ == "__main__":
    main()

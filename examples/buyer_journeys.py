"""Scripted buyer journeys, printed as Rich tables: waiting after a stockout for the default
refund; a refund the merchant refuses and the platform grants; a return after delivery; an
empty parcel (fraud verdict, legal claim); complaints answered in time and overdue; product
feedback answered. Then, for each state an order passes through, the answers a buyer gets.

    .venv/bin/python examples/buyer_journeys.py [--lang en] [--db URL]

Without --db it runs on a throw-away SQLite file."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from stockout.cli_buyer import PHASES, QUESTIONS, answers_table
from stockout.domain.times import human_time
from stockout.simulation.journeys import answers_by_phase, run_journeys
from stockout.store.engine import open_store
from stockout.store.migrate import upgrade

HEAD = {
    "zh": {"time": "时间", "who": "谁", "what": "做了什么", "outcome": "结果",
           "states": "各状态下买家得到的回答", "notes": "通知：{n} 条已送达"},
    "en": {"time": "time", "who": "who", "what": "what", "outcome": "outcome",
           "states": "What a buyer is told in each state", "notes": "Notifications: {n} delivered"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("zh", "en"),
                        default=os.environ.get("STOCKOUT_LANG", "zh"))
    parser.add_argument("--db", help="a database URL (default: a throw-away SQLite file)")
    args = parser.parse_args()
    h, i = HEAD[args.lang], 0 if args.lang == "zh" else 1
    with tempfile.TemporaryDirectory() as scratch:
        store = open_store(args.db or f"sqlite:///{Path(scratch) / 'buyer-journeys.db'}")
        upgrade(store)
        try:
            result = run_journeys(store)
        finally:
            store.dispose()
    out = Console()
    for n, journey in enumerate(result.journeys, start=1):
        table = Table(title=f"{n}. {journey.title[i]}")
        for c in ("time", "who", "what", "outcome"):
            table.add_column(h[c], overflow="fold")
        for s in journey.steps:
            outcome = s.outcome
            if s.asked is not None:
                snap, question = s.asked
                record = snap.answers[args.lang]
                said = next(a for a in record["answers"] if a["question"] == question)
                outcome = f"[{PHASES[snap.phase][i]}] {QUESTIONS[question][i]} {said['answer']}"
            table.add_row(human_time(s.at, args.lang), s.who, s.what[i], outcome)
        out.print(table)
    out.print(f"[bold]{h['states']}[/]")
    for phase, snap in answers_by_phase(result).items():
        out.print(f"[bold]{PHASES[phase][i]}[/]")
        out.print(answers_table(snap.answers[args.lang], args.lang))
    out.print(h["notes"].format(n=result.delivered))


if __name__ == "__main__":
    main()

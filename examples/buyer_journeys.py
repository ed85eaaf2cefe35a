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

from stockout.cli.buyer import journey_tables
from stockout.simulation.journeys import run_journeys
from stockout.store.engine import open_store
from stockout.store.migrate import upgrade


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("zh", "en"),
                        default=os.environ.get("STOCKOUT_LANG", "zh"))
    parser.add_argument("--db", help="a database URL (default: a throw-away SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        store = open_store(args.db or f"sqlite:///{Path(scratch) / 'buyer-journeys.db'}")
        upgrade(store)
        try:
            result = run_journeys(store)
        finally:
            store.dispose()
    out = Console()
    for shown in journey_tables(result, args.lang):
        out.print(shown)
    out.print(("通知：{n} 条已送达" if args.lang == "zh" else "Notifications: {n} delivered")
              .format(n=result.delivered))


if __name__ == "__main__":
    main()

"""A scripted month of four shops on a throw-away SQLite store, printed as Rich tables:

    python examples/scripted_month.py            # Simplified Chinese
    python examples/scripted_month.py --lang en  # English

The month itself lives in `stockout.simulation.month` (its end states are asserted by
`tests/integration/test_scripted_month.py`)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from stockout.cli.appeals import appeals_table, measures_table, reputation_table
from stockout.domain.explain import Lang, name
from stockout.domain.verdicts import Violation
from stockout.i18n import Texts
from stockout.simulation.month import CHECKPOINTS, SHOPS, MonthReport, run_month
from stockout.store.engine import open_store
from stockout.store.migrate import upgrade


def show(report: MonthReport, t: Texts, console: Console) -> None:
    steps = Table(title=t("month_title"))
    for key in ("month_when", "shop", "month_what", "month_result"):
        steps.add_column(t(key))
    for s in sorted(report.steps, key=lambda s: s.at):
        result = t(f"state_{s.result}") if f"state_{s.result}" in _KEYS else s.result
        words = result.split(" ")
        if len(words) == 2 and words[1] in {v.value for v in Violation}:
            result = f"{words[0]} {name(Violation(words[1]), t.lang)}"
        steps.add_row(s.at.strftime("%m-%d %H:%M"), s.shop, t(f"month_{s.what}"), result)
    console.print(steps)
    console.print(appeals_table(t, report.appeals))
    coupon = report.used_coupon
    console.print(t("month_coupon_line", state=t("coupon_redeemed") if coupon["state"] ==
                    "redeemed" else coupon["state"], who=t(f"who_{coupon['charged_to']}")),
                  highlight=False)
    mid = report.measures_mid["current"] + report.measures_mid["past"]
    console.print(measures_table(t, "s-fake (03-12)", mid))
    console.print(measures_table(t, "s-fake (03-31)",
                                 report.measures["current"] + report.measures["past"]))
    scores = Table(title=t("month_scores_title"))
    scores.add_column(t("shop"))
    for c in CHECKPOINTS:
        scores.add_column(c, justify="right")
    for shop in SHOPS:
        scores.add_row(shop, *(f"{report.scores[shop][c]:g}" for c in CHECKPOINTS))
    console.print(scores)
    for shop in ("s-late", "s-fake"):
        console.print(reputation_table(t, report.reputations[shop], top=5))


_KEYS = {f"state_{s}" for s in ("pending", "approved", "rejected", "active", "scheduled",
                                "ended", "lifted")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'month.db'}")
        try:
            upgrade(store)
            report = run_month(store)
        finally:
            store.dispose()
    show(report, Texts(Lang(args.lang)), Console(width=160))


if __name__ == "__main__":
    main()

"""A scripted few days of one shop, printed as Rich tables: a T-shirt runs out, the merchant
reports it (缺货报备), each buyer's remedy, the worker's defaults and checks, the restock; then
the stock, orders, coupons and notifications a merchant would expect.

    .venv/bin/python examples/scripted_day.py [--lang en] [--db URL]

Without --db it runs on a throw-away SQLite file."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from stockout.domain.money import format_yuan
from stockout.simulation.day import buyer_message, run_day
from stockout.store.engine import open_store
from stockout.store.migrate import upgrade

HEAD = {
    "zh": {"steps": "演练：一家店的几天（北京时间）", "time": "时间", "who": "谁", "what": "做了什么",
           "outcome": "结果", "stock": "库存（期末）", "sku": "商品", "on_hand": "在库",
           "reserved": "预留", "listing": "上架状态", "orders": "订单（期末）", "order": "订单",
           "state": "订单状态", "verdicts": "判定", "remedy": "买家处理方式", "by": "由",
           "coupons": "赔付券", "key": "幂等键", "amount": "金额", "cstate": "券状态", "notes": "通知（按收件人）",
           "to": "收件人", "topics": "主题 × 条数", "sample": "示例通知（买家 b4，承诺未兑现）"},
    "en": {"steps": "Walkthrough: a few days of one shop (Beijing time)", "time": "time",
           "who": "who", "what": "what", "outcome": "outcome", "stock": "Stock at the end",
           "sku": "SKU", "on_hand": "on hand", "reserved": "reserved", "listing": "listing",
           "orders": "Orders at the end", "order": "order", "state": "order state",
           "verdicts": "verdicts", "remedy": "buyer's remedy", "by": "by",
           "coupons": "Coupons", "key": "idempotency key", "amount": "amount",
           "cstate": "coupon state",
           "notes": "Notifications by recipient", "to": "recipient",
           "topics": "topic × count", "sample": "A notification (buyer b4, promise missed)"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("zh", "en"),
                        default=os.environ.get("STOCKOUT_LANG", "zh"))
    parser.add_argument("--db", help="a database URL (default: a throw-away SQLite file)")
    args = parser.parse_args()
    h = HEAD[args.lang]
    with tempfile.TemporaryDirectory() as scratch:
        store = open_store(args.db or f"sqlite:///{Path(scratch) / 'scripted-day.db'}")
        upgrade(store)
        try:
            result = run_day(store)
            sample = buyer_message(store, "b4", "remedy_missed", args.lang)
        finally:
            store.dispose()
    out = Console()
    steps = Table(title=h["steps"])
    for c in ("time", "who", "what", "outcome"):
        steps.add_column(h[c])
    for s in result.steps:
        steps.add_row(s.at.strftime("%m-%d %H:%M"), s.who, s.what[0 if args.lang == "zh" else 1],
                      s.outcome)
    out.print(steps)
    skus = Table(title=h["stock"])
    for c in ("sku", "on_hand", "reserved", "listing"):
        skus.add_column(h[c])
    for r in result.stock:
        skus.add_row(r["sku_id"], str(r["on_hand"]), str(r["reserved"]), r["listing"])
    out.print(skus)
    orders = Table(title=h["orders"])
    for c in ("order", "state", "verdicts", "remedy", "by"):
        orders.add_column(h[c])
    for o in result.orders:
        orders.add_row(o["order_id"], o["state"] or "", ", ".join(o["verdicts"]) or "—",
                       o["remedy"] or "—", o["chosen_by"] or "")
    out.print(orders)
    coupons = Table(title=h["coupons"])
    for c in ("key", "amount", "cstate"):
        coupons.add_column(h[c])
    for c in result.coupons:
        coupons.add_row(c["key"], format_yuan(c["amount_cents"]), c["state"])
    out.print(coupons)
    notes = Table(title=h["notes"])
    for c in ("to", "topics"):
        notes.add_column(h[c])
    by_recipient: dict[str, list[str]] = {}
    for (recipient, topic), n in sorted(result.notifications.items()):
        by_recipient.setdefault(recipient, []).append(f"{topic} × {n}")
    for recipient, topics in by_recipient.items():
        notes.add_row(recipient, ", ".join(topics))
    out.print(notes)
    out.print(f"[bold]{h['sample']}[/]")
    out.print(sample, highlight=False)


if __name__ == "__main__":
    main()

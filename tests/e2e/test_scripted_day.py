"""The scripted days (stockout.simulation.day) end with the stock, listings, verdicts, coupons,
remedies and notifications a merchant would expect, on both stores; the example prints them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from stockout.simulation.day import buyer_message, run_day
from stockout.store.engine import Store

ROOT = Path(__file__).resolve().parents[2]


def test_scripted_days_end_as_a_merchant_expects(store: Store) -> None:
    day = run_day(store)
    assert {s["sku_id"]: (s["on_hand"], s["reserved"], s["listing"]) for s in day.stock} == {
        "K1": (10, 0, "listed"),  # 3 + 10 received, O1, O6, O7 shipped; relisted by hand
        "K2": (4, 0, "listed"),  # the substitute O3 took
        "K3": (10, 0, "listed"),
    }
    orders = {o["order_id"]: o for o in day.orders}
    reported = ("O2", "O3", "O4", "O5", "O6")
    assert all(orders[o]["verdicts"] == ["stockout/self_report"] for o in reported)
    assert orders["O1"]["verdicts"] == []
    # O7 was a campaign order: its report was refused, it shipped late.
    assert orders["O7"]["verdicts"] == ["late_shipment/no_pickup_by_deadline"]
    assert {o: (orders[o]["remedy"], orders[o]["chosen_by"], orders[o]["state"])
            for o in reported} == {
        "O2": ("refund", "buyer", "closed"),
        "O3": ("fulfilled", "buyer", "open"),  # its substitute shipped within the limit
        "O4": ("missed", "buyer", "closed"),
        "O5": ("refund", "default", "closed"),
        "O6": ("fulfilled", "buyer", "open"),
    }
    assert sorted((c["key"], c["amount_cents"], c["state"]) for c in day.coupons) == [
        ("O2/stockout/1", 500, "issued"), ("O3/stockout/1", 500, "issued"),
        ("O4/stockout/1", 500, "issued"), ("O4/stockout/wait_missed", 500, "issued"),
        ("O5/stockout/1", 500, "issued"), ("O6/stockout/1", 500, "issued"),
        ("O7/late_shipment/1", 300, "issued")]
    n = day.notifications
    assert all(n[(f"b{o[1]}", "remedy_offer")] == 1 for o in reported)
    assert n[("b4", "remedy_missed")] == 1 and n[("b5", "remedy_chosen")] == 1
    assert n[("s1", "verdict")] == 6 and n[("s1", "stock_shortfall")] == 4
    assert "全额退款 ¥50.00" in buyer_message(store, "b5", "remedy_chosen")
    assert "another ¥5.00" in buyer_message(store, "b4", "remedy_missed", "en")
    assert any("pdd-2025/self_report/campaign" in s.outcome for s in day.steps)


def test_example_prints_the_walkthrough(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "scripted_day.py"),
                           "--lang", "en"], capture_output=True, text=True, encoding="utf-8",
                          env={"COLUMNS": "200", "NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
                          timeout=300, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for text in ("Walkthrough", "O4/stockout/wait_missed", "report K1 out of stock",
                 "Stock at the end", "promise missed"):
        assert text in done.stdout

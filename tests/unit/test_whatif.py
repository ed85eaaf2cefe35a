"""What-if arithmetic: counts and compensation per violation, per shop and in total, A vs B."""

from __future__ import annotations

import pyarrow as pa

from stockout.batch.records import RESULT_SCHEMA
from stockout.batch.whatif import compare


def _result(rows: list[tuple[str, str, int]]) -> pa.Table:
    """(shop, violation, compensation) rows as an engine's result table."""
    return pa.Table.from_pylist([
        {"order_id": f"o{i}", "shop_id": shop, "paid_cents": 0, "violation": violation,
         "trigger": "x", "detected_us": 0, "deadline_us": None, "compensation_cents": cents,
         "rule": "r", "evidence": ["e"]} for i, (shop, violation, cents) in enumerate(rows)],
        schema=RESULT_SCHEMA)


def test_whatif_counts_and_sums_each_violation_and_shop_under_both_rule_books() -> None:
    a = _result([("s1", "late_shipment", 300), ("s1", "stockout", 500), ("s2", "late_shipment", 300)])
    b = _result([("s1", "late_shipment", 3000), ("s2", "fake_shipment", 500)])
    w = compare(a, b, "A", "B")
    late = next(c for c in w.by_violation if c.key == "late_shipment")
    assert (late.count_a, late.count_b, late.cents_a, late.cents_b) == (2, 1, 600, 3000)
    assert [c.key for c in w.by_violation] == ["late_shipment", "stockout", "fake_shipment",
                                               "fraudulent_shipment"]
    assert (w.total.count_a, w.total.count_b, w.total.cents_delta) == (3, 2, 3500 - 1100)
    assert [(c.key, c.cents_delta) for c in w.by_shop] == [("s1", 2200), ("s2", 200)]


def test_whatif_of_identical_results_changes_nothing() -> None:
    a = _result([("s1", "stockout", 500)])
    w = compare(a, a, "A", "A")
    assert all(c.count_delta == 0 and c.cents_delta == 0 for c in (*w.by_violation, *w.by_shop))

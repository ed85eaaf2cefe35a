"""The scripted month's end states on both stores (the walkthrough `examples/scripted_month.py`
prints): every appeal outcome, the used coupon, the spike's measures and the scores."""

from __future__ import annotations

from stockout.simulation.month import SPIKE, run_month
from stockout.store.engine import Store


def test_the_scripted_month_ends_as_a_person_would_expect(store: Store) -> None:
    report = run_month(store)
    by_order = {a["order_id"]: a for a in report.appeals}
    assert (by_order["W1"]["state"], by_order["W1"]["announcement_id"]) == (
        "approved", "hubei-rainstorm-0303")
    assert by_order["L1"]["state"] == "rejected" and "揽收记录" in by_order["L1"]["decision_reason"]
    assert by_order["L2"]["state"] == "approved"
    # The buyer had used the coupon: it stays used and the platform, not the shop, bears it.
    assert (report.used_coupon["state"], report.used_coupon["charged_to"]) == (
        "redeemed", "platform")
    [mid] = report.measures_mid["current"]
    assert (mid["rule"], mid["offences"], mid["state"]) == ("fake_shipment_spike", SPIKE,
                                                            "active")
    assert mid["starts"] == "2025-03-12T00:00:00+08:00"
    assert report.measures["current"] == []
    assert [m["state"] for m in report.measures["past"]] == ["ended"]
    s = report.scores
    assert s["s-good"] == {k: 100.0 for k in s["s-good"]}
    assert s["s-weather"]["03-04"] < 100 and s["s-weather"]["03-31"] == 100  # the appeal
    assert s["s-fake"]["03-11"] == 0 < s["s-fake"]["03-31"]  # 31 fakes: floored, then fading
    assert 90 < s["s-late"]["03-31"] < 100  # only L1's late shipment still counts
    assert [c["order_id"] for c in report.reputations["s-late"]["costs"]] == ["L1"]
    topics = {n["topic"] for n in report.notices}
    assert {"appeal_approved", "appeal_rejected", "measure_applied", "measure_ended"} <= topics

"""Measures kept in step with verdicts and shipments on both stores: a per-product measure
follows its day's shipments, comes back (told and audited) when its cause does, and ends once
even when the sweep and a review both find it due."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from stockout.services.access.principals import CLI
from stockout.services.appeals.workflow import decide_appeal, file_appeal
from stockout.services.common.tx import in_transaction
from stockout.services.reputation.measures import end_due_measures
from stockout.store.measures import MeasureRepo
from tests.helpers import Order
from tests.integration.test_appeals_contract import (
    CST,
    PDF,
    H,
    T,
    audit,
    honest_shipments,
    spike,
    verdict_row,
)
from tests.online import Bench, merchant


def measures(bench: Bench) -> list[dict[str, Any]]:
    return bench.rows("SELECT key, offences, base, state, change_reason FROM measures "
                      "ORDER BY id")


def fake(order_id: str, sku: str = "k1") -> Order:
    o = Order(order_id, T - H, shop_id="s9", buyer_id=f"b{order_id}")
    o.events[0]["sku_id"] = sku
    o.confirm(T)
    o.upload(T + 2 * H)  # Mar 3, never scanned
    return o


def test_a_measure_counts_shipments_of_its_day_that_arrive_after_it_was_applied(
        bench: Bench) -> None:
    spike(bench, 31)  # 31 of 31 shipped on Mar 3
    assert measures(bench)[0]["base"] == 31
    # Honest shipments of Mar 3 reported late: no verdict changes, the sweep counts them
    # (31 of 71, still 43 %).
    honest = honest_shipments(40, T + H)
    bench.at(T + 31 * H).post([e for o in honest for e in o.events])
    bench.sweep()
    [m] = [m for m in measures(bench) if m["key"].startswith("fake_shipment_spike/")]
    assert (m["offences"], m["base"], m["state"]) == (31, 71, "active")
    # More of them: 31 of 171 (18 %) is under the rule's share, and the sweep lifts it.
    more = honest_shipments(140, T + H)[40:]
    bench.at(T + 32 * H).post([e for o in more for e in o.events])
    report = bench.sweep()
    [m] = [m for m in measures(bench) if m["key"].startswith("fake_shipment_spike/")]
    assert m["state"] == "lifted"
    assert report.measures_ended == 1


def test_a_lifted_product_measure_whose_cause_comes_back_is_applied_again_told_and_audited(
        bench: Bench) -> None:
    spike(bench, 31)
    vid = int(verdict_row(bench, "F00", "fake_shipment")["id"])  # type: ignore[call-overload]
    appeal = file_appeal(bench.uow(), bench.rules, bench.clock, merchant("s9"), vid,
                         "carrier_fault", "", (PDF,))
    decide_appeal(bench.uow(), bench.rules, bench.clock, CLI, int(appeal["id"]),
                  approve=True, reason="快递网点停运")
    assert [(m["state"], m["offences"]) for m in measures(bench)] == [("lifted", 31)]
    # Another fake shipment of the same product and day, reported late: 31 again.
    bench.at(T + 40 * H).post(fake("F99"))
    [m] = measures(bench)
    assert (m["state"], m["offences"], m["change_reason"]) == ("active", 31, "cause_restored")
    actions = [a for a in audit(bench) if a.startswith("measure.")]
    assert actions == ["measure.applied", "measure.lifted", "measure.applied"]
    told = bench.rows("SELECT payload FROM outbox WHERE topic = 'measure_applied' ORDER BY id")
    assert len(told) == 2
    assert "F99" in json.loads(told[1]["payload"])["data"]["orders"]


def test_a_measure_the_sweep_finds_due_is_ended_once_even_if_another_transaction_ended_it(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    spike(bench, 31)
    later = datetime(2025, 3, 12, 0, 1, tzinfo=CST)
    with bench.uow().reader() as r:
        stale = r.measures.ending_by(later)  # read before the other transaction ended them
    assert [m["state"] for m in stale] == ["active"]
    bench.at(later).sweep()  # its judging reviews the shop, which ends the measure
    assert [m["state"] for m in measures(bench) if m["key"] == stale[0]["key"]] == ["ended"]
    monkeypatch.setattr(MeasureRepo, "ending_by", lambda self, now: [dict(m) for m in stale])
    ended = in_transaction(bench.uow(), lambda uow: end_due_measures(uow, later, "worker"))
    assert ended == 0
    assert audit(bench).count("measure.ended") == 1
    assert bench.rows("SELECT count(*) AS n FROM outbox WHERE topic = 'measure_ended'"
                      )[0]["n"] == 1

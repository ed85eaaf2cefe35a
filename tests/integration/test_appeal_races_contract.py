"""Appeals decided while something else changes the same order, on both stores: what another
transaction committed between a read and the order's lock is read again under the lock."""

from __future__ import annotations

from typing import Any

import pytest

from stockout.domain.appeals import AppealRefusal
from stockout.services.access.principals import CLI
from stockout.services.appeals import workflow as appeal_service
from stockout.services.appeals.workflow import AppealRefused, decide_appeal
from stockout.services.judging import adjudicate
from stockout.services.judging.announcements import post_announcement
from stockout.store.uow import UnitOfWork
from tests.helpers import Order
from tests.integration.test_appeals_contract import (
    PDF,
    H,
    T,
    audit,
    file,
    stockout_order,
    verdict_row,
)
from tests.online import Bench

STORM = {"id": "storm", "starts": T.isoformat(), "ends": (T + 24 * H).isoformat(),
         "extend_hours": 24, "ship_from_regions": ["湖北"]}


def before_the_lock(monkeypatch: pytest.MonkeyPatch, meanwhile: Any) -> None:
    """Run `meanwhile(uow, order_ids)` once, just before the service takes the order's lock:
    what a transaction that committed in that gap leaves behind."""
    real = adjudicate.lock_orders
    done: list[bool] = []

    def lock_orders(uow: UnitOfWork, order_ids: list[str]) -> None:
        if not done:
            done.append(True)
            meanwhile(uow, order_ids)
        real(uow, order_ids)

    monkeypatch.setattr(appeal_service, "lock_orders", lock_orders)


def test_an_announcement_skips_an_appeal_rejected_after_it_listed_the_pending_ones(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    bench.at(T + 10 * H).post([e for o in (stockout_order("A", ship_from_region="湖北"),
                                           stockout_order("B", ship_from_region="湖北"))
                               for e in o.events])
    first = file(bench, "A", "force_majeure", (PDF,))
    second = file(bench, "B", "force_majeure", (PDF,))
    assert first["state"] == second["state"] == "pending"

    def rejected(uow: UnitOfWork, order_ids: list[str]) -> None:
        assert "A" in order_ids
        assert uow.appeals.decide(int(first["id"]), "rejected", T + 11 * H,  # type: ignore[call-overload]
                                  "reviewer", "no proof")

    before_the_lock(monkeypatch, rejected)
    # The announcement is posted (not rolled back with a conflict): the appeal rejected in
    # the meantime stays rejected, the other one it proves is approved.
    post_announcement(bench.uow(), bench.rules, bench.at(T + 12 * H).clock, STORM, CLI)
    states = bench.rows("SELECT order_id, state, decided_by FROM appeals ORDER BY order_id")
    assert states == [{"order_id": "A", "state": "rejected", "decided_by": "reviewer"},
                      {"order_id": "B", "state": "approved", "decided_by": "auto-approval"}]
    assert verdict_row(bench, "A")["status"] == "active"
    assert verdict_row(bench, "B")["status"] == "voided"
    assert bench.rows("SELECT count(*) AS n FROM announcements")[0]["n"] == 1


def test_an_announcement_approves_every_pending_appeal_it_proves_page_after_page(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(appeal_service, "PAGE", 2)
    ids = [f"A{i}" for i in range(5)]
    bench.at(T + 10 * H).post([e for i in ids for e in stockout_order(
        i, ship_from_region="湖北" if i != "A2" else "河南").events])
    for i in ids:
        assert file(bench, i, "force_majeure", (PDF,))["state"] == "pending"
    post_announcement(bench.uow(), bench.rules, bench.at(T + 12 * H).clock, STORM, CLI)
    states = bench.rows("SELECT order_id, state FROM appeals ORDER BY order_id")
    assert states == [{"order_id": i, "state": "pending" if i == "A2" else "approved"}
                      for i in ids]


def test_an_appeal_filed_while_a_rejudging_voids_its_verdict_is_refused(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    bench.at(T + 10 * H).post(stockout_order("A"))
    vid = int(verdict_row(bench, "A")["id"])  # type: ignore[call-overload]

    def voided(uow: UnitOfWork, order_ids: list[str]) -> None:
        uow.verdicts.void([vid], T + 11 * H, ["grounds_removed"], ["test"])

    before_the_lock(monkeypatch, voided)
    with pytest.raises(AppealRefused) as refused:
        file(bench, "A", "carrier_fault", (PDF,))
    assert refused.value.refusal is AppealRefusal.VERDICT_VOID
    assert bench.rows("SELECT count(*) AS n FROM appeals")[0]["n"] == 0


def test_approving_an_appeal_whose_verdict_was_replaced_voids_nothing_and_makes_it_moot(
        bench: Bench) -> None:
    o = stockout_order("A")
    bench.at(T + 10 * H).post(o)
    appeal = file(bench, "A", "carrier_fault", (PDF,))
    late = Order("A", T - H, shop_id="s1", buyer_id="b1")
    late.events.clear()
    late.add("chat_message", T + 2 * H, "early", sender="merchant", text="不好意思，缺货了")
    bench.at(T + 11 * H).post(late)  # the verdict is replaced by an earlier one
    old, new = bench.rows("SELECT id, status FROM verdicts ORDER BY id")
    assert (old["status"], new["status"]) == ("voided", "active")
    # An appeal left pending on the dead verdict (as a filing that raced the re-judging could).
    with bench.store.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE appeals SET state = 'pending', decided_at = NULL, "
                          "decided_by = NULL, decision_reason = NULL"))
    decided = decide_appeal(bench.uow(), bench.rules, bench.at(T + 12 * H).clock, CLI,
                            int(appeal["id"]), approve=True, reason="ok")  # type: ignore[call-overload]
    assert (decided["state"], decided["decision_reason"]) == ("moot", "verdict_no_longer_active")
    # The newer verdict, which nobody appealed, stands; the violation may be issued again.
    assert bench.rows("SELECT id, status FROM verdicts ORDER BY id") == [old, new]
    assert "appeal.approved" not in audit(bench)
    assert bench.rows("SELECT count(*) AS n FROM outbox WHERE topic = 'appeal_approved'"
                      )[0]["n"] == 0

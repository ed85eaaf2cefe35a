"""Appeals, used coupons and measures on both stores: an approved appeal voids the verdict and
its coupon (a used coupon stays the buyer's and stops costing the merchant) and the violation is
never issued again; a rejection keeps the verdict; measures follow the verdicts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from stockout.services.access.principals import CLI, Forbidden, NotFound
from stockout.services.appeals.workflow import (
    AppealAlreadyDecided,
    AppealRefused,
    BadAppeal,
    BadEvidence,
    EvidenceFile,
    decide_appeal,
    file_appeal,
    get_evidence,
    list_appeals,
)
from stockout.services.coupons.redemption import CouponNotRedeemable, redeem_coupon
from stockout.services.judging.announcements import post_announcement
from stockout.services.reputation.score import shop_measures, shop_reputation
from tests.helpers import Order
from tests.online import Bench, buyer, merchant

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
T = datetime(2025, 3, 3, 10, 0, tzinfo=CST)
PDF = EvidenceFile("承运商证明.pdf", b"%PDF-1.4 carrier suspended pickups\n")
PNG = EvidenceFile("chat.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)


def stockout_order(order_id: str, shop: str = "s1", buyer_id: str = "b1", **kw: object) -> Order:
    o = Order(order_id, T - H, shop_id=shop, buyer_id=buyer_id, **kw)  # type: ignore[arg-type]
    o.confirm(T)
    o.chat(T + 5 * H, "亲，没货了")
    return o


def verdict_row(bench: Bench, order_id: str, violation: str = "stockout") -> dict[str, object]:
    return bench.rows("SELECT * FROM verdicts WHERE order_id = :o AND violation = :v "
                      "ORDER BY id DESC", o=order_id, v=violation)[0]


def file(bench: Bench, order_id: str, ground: str, files: tuple[EvidenceFile, ...] = (),
         who: object = None) -> dict[str, object]:
    vid = int(verdict_row(bench, order_id)["id"])  # type: ignore[call-overload]
    return file_appeal(bench.uow(), bench.rules, bench.clock, who or merchant("s1"), vid,
                       ground, "说明", files)


def audit(bench: Bench) -> list[str]:
    return [r["action"] for r in bench.rows("SELECT action FROM audit_log ORDER BY id")]


def test_force_majeure_proved_by_an_announcement_is_approved_at_once_and_never_issued_again(
        bench: Bench) -> None:
    o = stockout_order("A", ship_from_region="湖北")
    bench.at(T + 10 * H).post(o)
    post_announcement(bench.uow(), bench.rules, bench.clock, {
        "id": "storm-0303", "starts": T.isoformat(), "ends": (T + 24 * H).isoformat(),
        "extend_hours": 24, "ship_from_regions": ["湖北"]}, CLI)
    appeal = file(bench, "A", "force_majeure")
    assert (appeal["state"], appeal["announcement_id"], appeal["decided_by"]) == (
        "approved", "storm-0303", "auto-approval")
    first = verdict_row(bench, "A")
    assert (first["status"], first["void_reason"]) == ("voided", "appeal_approved")
    assert bench.rows("SELECT state FROM coupons")[0]["state"] == "voided"
    # New events and the sweep re-judge the order: the stockout is not issued again.
    o.chat(T + 12 * H, "还是没货，抱歉")
    bench.at(T + 13 * H).post(o)
    bench.at(T + 200 * H).sweep()
    stockouts = bench.rows("SELECT status FROM verdicts WHERE violation = 'stockout'")
    assert stockouts == [{"status": "voided"}]
    assert "appeal.filed" in audit(bench) and "appeal.approved" in audit(bench)
    notice = bench.rows("SELECT payload FROM outbox WHERE topic = 'appeal_approved'")
    texts = json.loads(notice[0]["payload"])["texts"]
    assert "storm-0303" in texts["zh"]["body"] and "approved" in texts["en"]["body"]


def test_a_pending_force_majeure_appeal_is_approved_when_the_announcement_comes_later(
        bench: Bench) -> None:
    bench.at(T + 10 * H).post(stockout_order("A", ship_from_region="河南"))
    long_text = EvidenceFile("说明.txt", ("因疫情管控，快递停止揽收。" * 400).encode())
    assert len(long_text.content) > 4096
    pending = file(bench, "A", "force_majeure", (long_text,))
    assert pending["state"] == "pending"
    assert pending["evidence"][0]["media_type"] == "text/plain"  # type: ignore[index]
    post_announcement(bench.uow(), bench.rules, bench.at(T + 20 * H).clock, {
        "id": "henan-control", "starts": T.isoformat(), "ends": (T + 24 * H).isoformat(),
        "extend_hours": 48, "ship_from_regions": ["河南"]}, CLI)
    row = bench.rows("SELECT state, decided_by, announcement_id FROM appeals")[0]
    assert row == {"state": "approved", "decided_by": "auto-approval",
                   "announcement_id": "henan-control"}
    assert verdict_row(bench, "A")["status"] == "voided"


def test_other_grounds_wait_in_the_queue_oldest_first_and_a_rejection_keeps_the_verdict(
        bench: Bench) -> None:
    bench.at(T + 10 * H).post([e for o in (stockout_order("A"), stockout_order("B"))
                               for e in o.events])
    first = file(bench, "B", "carrier_fault", (PDF,))
    bench.at(T + 11 * H)
    second = file(bench, "A", "buyer_requested_delay", (PNG,))
    queue, _ = list_appeals(bench.uow().reader().__enter__(), CLI, T + 90 * H, state="pending",
                            shop_id=None, after=None, limit=10)
    assert [a["id"] for a in queue] == [first["id"], second["id"]]
    assert queue[0]["review_due_at"] == (T + 82 * H).isoformat()
    assert [a["overdue"] for a in queue] == [True, True]
    with bench.uow().reader() as r:
        assert list_appeals(r, merchant("s2"), T, state=None, shop_id=None, after=None,
                            limit=10)[0] == []
        with pytest.raises(NotFound):
            get_evidence(r, merchant("s2"), int(first["id"]), 1)  # type: ignore[call-overload]
        with pytest.raises(Forbidden):
            list_appeals(r, buyer("b1"), T, state=None, shop_id=None, after=None, limit=10)
    with pytest.raises(BadAppeal, match="reason"):
        decide_appeal(bench.uow(), bench.rules, bench.clock, CLI, int(first["id"]),  # type: ignore[call-overload]
                      approve=False)
    with pytest.raises(Forbidden):
        decide_appeal(bench.uow(), bench.rules, bench.clock, merchant("s1"),
                      int(first["id"]), approve=True)  # type: ignore[call-overload]
    done = decide_appeal(bench.uow(), bench.rules, bench.clock, CLI, int(first["id"]),  # type: ignore[call-overload]
                         approve=False, reason="承运商证明与揽收记录不符")
    assert (done["state"], done["decision_reason"]) == ("rejected", "承运商证明与揽收记录不符")
    assert verdict_row(bench, "B")["status"] == "active"
    assert bench.rows("SELECT state FROM coupons WHERE order_id = 'B'")[0]["state"] == "issued"
    with pytest.raises(AppealAlreadyDecided):
        decide_appeal(bench.uow(), bench.rules, bench.clock, CLI, int(first["id"]),  # type: ignore[call-overload]
                      approve=True)
    # A decided appeal says so first, even to a rejection without a reason.
    with pytest.raises(AppealAlreadyDecided, match="already rejected"):
        decide_appeal(bench.uow(), bench.rules, bench.clock, CLI, int(first["id"]),  # type: ignore[call-overload]
                      approve=False)
    with bench.uow().reader() as r:
        ev = get_evidence(r, merchant("s1"), int(first["id"]),  # type: ignore[call-overload]
                          int(first["evidence"][0]["id"]))  # type: ignore[index]
    assert (ev["content"], ev["media_type"]) == (PDF.content, "application/pdf")
    assert ev["stored_name"] != PDF.name and "/" not in ev["stored_name"]


def test_approval_after_the_buyer_used_the_coupon_leaves_it_with_the_buyer(bench: Bench
                                                                           ) -> None:
    bench.at(T + 10 * H).post(stockout_order("A"))
    bench.deliver()  # the buyer was told
    coupon_id = int(bench.rows("SELECT id FROM coupons")[0]["id"])
    with pytest.raises(NotFound):
        redeem_coupon(bench.uow(), bench.clock, buyer("b2"), coupon_id)
    used = redeem_coupon(bench.uow(), bench.clock, buyer("b1"), coupon_id)
    assert (used["state"], used["charged_to"]) == ("redeemed", "merchant")
    with pytest.raises(CouponNotRedeemable):
        redeem_coupon(bench.uow(), bench.clock, buyer("b1"), coupon_id)
    appeal = file(bench, "A", "platform_fault", (PDF,))
    decide_appeal(bench.uow(), bench.rules, bench.clock, CLI, int(appeal["id"]),  # type: ignore[call-overload]
                  approve=True, reason="平台系统故障")
    coupon = bench.rows("SELECT state, charged_to FROM coupons")[0]
    assert coupon == {"state": "redeemed", "charged_to": "platform"}
    refund = bench.rows("SELECT amount_cents FROM audit_log WHERE action = "
                        "'coupon.merchant_refunded'")
    assert refund == [{"amount_cents": -500}]
    assert bench.rows("SELECT count(*) AS n FROM outbox WHERE topic = "
                      "'compensation_withdrawn'")[0]["n"] == 0
    bench.deliver()
    [told] = [json.loads(r["payload"]) for r in bench.rows(
        "SELECT payload FROM outbox WHERE recipient_role = 'merchant' AND topic = "
        "'verdict_voided'")]
    assert "仍归买家所有" in told["texts"]["zh"]["body"]
    assert "已取消" not in told["texts"]["zh"]["body"]


def test_an_appeal_is_refused_with_what_and_where(bench: Bench) -> None:
    bench.at(T + 10 * H).post([e for o in (stockout_order("A"), stockout_order("B"))
                               for e in o.events])
    html = EvidenceFile("../../etc/x.png", b"<html><script>alert(1)</script></html>")
    with pytest.raises(BadEvidence, match=r"evidence\[1\] \('x.png'\)") as bad:
        file(bench, "A", "carrier_fault", (PDF, html))
    assert bad.value.index == 1
    with pytest.raises(BadAppeal, match="at least one file"):
        file(bench, "A", "carrier_fault")
    with pytest.raises(BadAppeal, match="ground"):
        file(bench, "A", "bad_luck", (PDF,))
    with pytest.raises(Forbidden):
        file(bench, "A", "carrier_fault", (PDF,), who=buyer("b1"))
    with pytest.raises(NotFound):
        file(bench, "A", "carrier_fault", (PDF,), who=merchant("s2"))
    file(bench, "A", "carrier_fault", (PDF,))
    with pytest.raises(AppealRefused, match="already appealed"):
        file(bench, "A", "carrier_fault", (PDF,))
    # The verdict's appealability comes before what the request's evidence lacks.
    with pytest.raises(AppealRefused, match="already appealed"):
        file(bench, "A", "carrier_fault")
    with pytest.raises(AppealRefused, match="already appealed"):
        file(bench, "A", "carrier_fault", (html,))
    bench.at(T + 5 * H + 7 * 24 * H + H)
    with pytest.raises(AppealRefused, match="window closed"):
        file(bench, "B", "carrier_fault", (PDF,))
    assert bench.rows("SELECT count(*) AS n FROM appeals")[0]["n"] == 1


def spike(bench: Bench, n: int, shop: str = "s9") -> list[Order]:
    orders = []
    for i in range(n):
        o = Order(f"F{i:02d}", T - H, shop_id=shop, buyer_id=f"fb{i}")
        o.events[0]["sku_id"] = "k1"
        o.confirm(T)
        o.upload(T + 2 * H)  # a tracking number no carrier ever scans
        orders.append(o)
    bench.at(T + 3 * H).post([e for o in orders for e in o.events])
    bench.at(T + 30 * H).sweep()
    return orders


def test_a_fake_shipment_spike_applies_measures_and_an_approved_appeal_lifts_them(
        bench: Bench) -> None:
    spike(bench, 31)
    with bench.uow().reader() as r:
        seen = shop_measures(r, merchant("s9"), "s9", T + 30 * H)
    [m] = seen["current"]
    assert (m["rule"], m["sku_id"], m["offences"], m["state"]) == (
        "fake_shipment_spike", "k1", 31, "scheduled")
    assert m["starts"] == "2025-03-05T00:00:00+08:00" and len(m["orders"]) == 31
    assert "withdrawal_hold" in m["measures"]
    applied = bench.rows("SELECT payload FROM outbox WHERE topic = 'measure_applied'")
    assert "限制提现" in json.loads(applied[0]["payload"])["texts"]["zh"]["body"]
    with bench.uow().reader() as r, pytest.raises(NotFound):
        shop_measures(r, merchant("s1"), "s9", T)
    vid = int(verdict_row(bench, "F00", "fake_shipment")["id"])  # type: ignore[call-overload]
    appeal = file_appeal(bench.uow(), bench.rules, bench.clock, merchant("s9"), vid,
                         "carrier_fault", "", (PDF,))
    decide_appeal(bench.uow(), bench.rules, bench.clock, CLI, int(appeal["id"]),  # type: ignore[call-overload]
                  approve=True, reason="快递网点停运")
    with bench.uow().reader() as r:
        seen = shop_measures(r, CLI, "s9", T + 31 * H)
        rep = shop_reputation(r, bench.rules, CLI, "s9", T + 31 * H)
    assert seen["current"] == [] and seen["past"][0]["state"] == "lifted"
    assert seen["past"][0]["change_reason"] == "cause_removed"
    assert {c["order_id"] for c in rep["costs"]} == {f"F{i:02d}" for i in range(1, 31)}
    assert rep["score"] < 100


def test_a_measure_ends_on_the_sweep_once_its_time_passed(bench: Bench) -> None:
    spike(bench, 31)
    bench.at(datetime(2025, 3, 12, 0, 1, tzinfo=CST)).sweep()
    rows = bench.rows("SELECT rule_id, state, change_reason FROM measures ORDER BY rule_id")
    # The same orders, never picked up, also became stockouts (tracking upload + 120 h): 31 in
    # 30 days is over the shop threshold, a measure of its own that is still running.
    assert rows == [
        {"rule_id": "fake_shipment_spike", "state": "ended", "change_reason": "window_passed"},
        {"rule_id": "stockout_repeat", "state": "active", "change_reason": None}]
    ended = bench.rows("SELECT payload FROM outbox WHERE topic = 'measure_ended'")
    assert "到期解除" in json.loads(ended[0]["payload"])["texts"]["zh"]["body"]


def honest_shipments(n: int, at: datetime, shop: str = "s9", sku: str = "k1") -> list[Order]:
    honest = []
    for i in range(n):
        o = Order(f"H{i:03d}", at - 2 * H, shop_id=shop, buyer_id=f"hb{i}")
        o.events[0]["sku_id"] = sku
        o.confirm(at - H)
        o.ship(at)
        honest.append(o)
    return honest


def test_a_spike_that_is_a_small_share_of_the_products_shipments_that_day_is_no_crossing(
        bench: Bench) -> None:
    # 31 fake of 111 shipped on Mar 3 (the day the fakes were uploaded) is 28 %: under 30 %.
    honest = honest_shipments(80, T + H)
    bench.at(T + 3 * H).post([e for o in honest for e in o.events])
    spike(bench, 31)
    assert bench.rows("SELECT count(*) AS n FROM verdicts WHERE violation = 'fake_shipment'"
                      )[0]["n"] == 31
    assert bench.rows("SELECT count(*) AS n FROM measures")[0]["n"] == 0


@pytest.mark.parametrize("honest_first", [True, False], ids=["honest-first", "fakes-first"])
def test_fake_shipments_count_against_the_shipments_of_the_day_they_were_uploaded(
        bench: Bench, honest_first: bool) -> None:
    """A "no scan after upload" is found a day after the upload; it still counts on the upload
    day, against that day's shipments: 40 fake of 40 shipped on Mar 3 is 100 %, whatever was
    shipped honestly on Mar 4 (the day they were found) and in whatever order events came."""
    honest = [e for o in honest_shipments(200, T + 14 * H) for e in o.events]  # Mar 4 00:00
    fakes = []
    for i in range(40):
        o = Order(f"F{i:02d}", T - 2 * H, shop_id="s9", buyer_id=f"fb{i}")
        o.events[0]["sku_id"] = "k1"
        o.confirm(T - H)
        o.upload(T)  # Mar 3 10:00, never scanned
        fakes += o.events
    for batch in ([honest, fakes] if honest_first else [fakes, honest]):
        bench.at(T + 30 * H).post(batch)
    bench.at(T + 30 * H).sweep()
    assert bench.rows("SELECT count(*) AS n FROM verdicts WHERE violation = 'fake_shipment' "
                      "AND status = 'active'")[0]["n"] == 40
    [m] = bench.rows("SELECT key, offences, base, state FROM measures")
    assert m == {"key": "fake_shipment_spike/s9/k1/2025-03-03", "offences": 40, "base": 40,
                 "state": "active"}
    with bench.uow().reader() as r:
        [seen] = shop_measures(r, CLI, "s9", T + 30 * H)["current"]
    assert seen["starts"] == "2025-03-05T00:00:00+08:00"  # the day after the fakes were found
    assert seen["rate"] == 1.0


def test_a_verdict_replaced_after_its_coupon_was_used_does_not_pay_the_buyer_twice(
        bench: Bench) -> None:
    o = stockout_order("A")
    bench.at(T + 10 * H).post(o)
    bench.deliver()
    coupon_id = int(bench.rows("SELECT id FROM coupons")[0]["id"])
    redeem_coupon(bench.uow(), bench.clock, buyer("b1"), coupon_id)
    late = Order("A", T - H, shop_id="s1", buyer_id="b1")
    late.events.clear()
    late.add("chat_message", T + 2 * H, "early", sender="merchant", text="不好意思，缺货了")
    bench.at(T + 11 * H).post(late)
    first, second = bench.rows("SELECT status, trigger, detected_at, compensation_cents "
                               "FROM verdicts ORDER BY id")
    assert (first["status"], second["status"]) == ("voided", "active")
    assert first["compensation_cents"] == second["compensation_cents"] > 0
    # The used coupon already paid what the replacing verdict owes: no second coupon.
    assert bench.rows("SELECT state, charged_to FROM coupons") == [
        {"state": "redeemed", "charged_to": "merchant"}]


def test_a_pending_appeal_closes_as_moot_when_new_events_void_its_verdict(bench: Bench) -> None:
    o = stockout_order("A")
    bench.at(T + 10 * H).post(o)
    appeal = file(bench, "A", "carrier_fault", (PDF,))
    assert appeal["state"] == "pending"
    late = Order("A", T - H, shop_id="s1", buyer_id="b1")
    late.events.clear()
    late.scan(T + 4 * H)  # picked up before the merchant's message: no stockout after all
    bench.at(T + 11 * H).post(late)
    assert verdict_row(bench, "A")["status"] == "voided"
    closed = bench.rows("SELECT state, decision_reason FROM appeals")
    assert closed == [{"state": "moot", "decision_reason": "grounds_removed"}]
    with bench.uow().reader() as r:
        queue, _ = list_appeals(r, CLI, T + 11 * H, state="pending", shop_id=None, after=None,
                                limit=10)
    assert queue == []
    assert "appeal.moot" in audit(bench)
    [note] = bench.rows("SELECT payload FROM outbox WHERE topic = 'appeal_moot'")
    assert "重新申诉" in json.loads(note["payload"])["texts"]["zh"]["body"]
    with pytest.raises(AppealAlreadyDecided):
        decide_appeal(bench.uow(), bench.rules, bench.clock, CLI, int(appeal["id"]),  # type: ignore[call-overload]
                      approve=True)

"""The buyer's remedies after a stockout, on both stores: the offer opens with the verdict; a
refund closes the order and releases its stock; a substitute moves the reservation and refunds
the difference; a wait accepts the merchant's date, and a missed one refunds and compensates
again; no choice within the window means the default refund, carried out by the sweep."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from stockout.domain.events import Remedy
from stockout.domain.remedies import RefusalReason, RemedyRefused
from stockout.domain.times import format_time
from stockout.services.access.principals import Forbidden, NotFound
from stockout.services.remedies.choices import choose, propose_restock, remedy_view
from stockout.services.stock import movements as stock
from stockout.services.stock.self_report import report_order
from tests.helpers import Order
from tests.online import Bench, buyer, merchant

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
T = datetime(2025, 3, 3, 10, 0, tzinfo=CST)
REPORTED = T + 2 * H
B1, S1 = buyer("b1"), merchant("s1")


def sku(bench: Bench, sku_id: str, title: str, price: int, on_hand: int,
        category: str = "服装") -> None:
    stock.register_sku(bench.uow(), bench.clock, sku_id, "s1", title=title, category=category,
                       price_cents=price)
    if on_hand:
        stock.receive(bench.uow(), bench.clock, sku_id, on_hand)


def reported(bench: Bench, order_id: str = "A") -> Order:
    """K1 has one unit, sold to order A, then reported out of stock; K2-K4 are candidates."""
    bench.at(T - 3 * H)
    sku(bench, "K1", "纯棉短袖T恤 白色 L码", 5000, 1)
    sku(bench, "K2", "纯棉短袖T恤 黑色 L码", 4500, 3)
    sku(bench, "K3", "纯棉短袖T恤 灰色", 7000, 3)  # outside the ±20 % band
    sku(bench, "K4", "陶瓷马克杯", 5000, 3, category="家居")  # another category
    o = Order(order_id, T - H, shop_id="s1", buyer_id="b1", paid_cents=5000)
    o.events[0].update(sku_id="K1")
    o.confirm(T)
    bench.at(T).post(o)
    report_order(bench.at(REPORTED).uow(), bench.rules, bench.clock, S1, order_id, "断货")
    return o


def held(bench: Bench, sku_id: str) -> int:
    return stock.stock_of(bench.uow(), sku_id).balance.reserved


def topics(bench: Bench, role: str = "buyer") -> list[str]:
    return [r["topic"] for r in bench.rows(
        "SELECT topic FROM outbox WHERE recipient_role = :r ORDER BY id", r=role)]


def test_stockout_opens_an_offer_the_buyer_is_told_of_with_window_and_default(
        bench: Bench) -> None:
    reported(bench)
    view = remedy_view(bench.uow(), bench.rules, B1, "A")
    assert (view["state"], view["default"]) == ("offered", "refund")
    assert view["choose_by"] == (REPORTED + 48 * H).isoformat()
    assert [s["sku_id"] for s in view["substitutes"]] == ["K2"]
    assert view["substitutes"][0]["refund_cents"] == 500
    [offer] = [json.loads(r["payload"]) for r in bench.rows(
        "SELECT payload FROM outbox WHERE topic = 'remedy_offer'")]
    assert "请在2025年3月5日 12:00（北京时间）前选择" in offer["texts"]["zh"]["body"]
    assert "Until 5 Mar 2025 12:00 (Beijing time) you may choose" in offer["texts"]["en"]["body"]
    assert offer["data"]["choose_by"] == "2025-03-05T12:00:00+08:00"  # data stay RFC 3339
    assert "全额退款" in offer["texts"]["zh"]["body"]
    assert "full refund" in offer["texts"]["en"]["body"]
    with pytest.raises(NotFound):
        remedy_view(bench.uow(), bench.rules, buyer("b2"), "A")


def test_refund_at_once_closes_the_order_in_full_and_releases_its_stock(bench: Bench) -> None:
    reported(bench)
    assert held(bench, "K1") == 1
    done = choose(bench.at(REPORTED + H).uow(), bench.rules, bench.clock, B1, "A", Remedy.REFUND)
    assert (done["state"], done["refund_cents"]) == ("refund", 5000)
    assert held(bench, "K1") == 0
    assert bench.rows("SELECT state FROM orders")[0]["state"] == "closed"
    refunds = bench.rows("SELECT raw FROM events WHERE type = 'refund_completed'")
    assert json.loads(refunds[0]["raw"])["amount_cents"] == 5000
    assert [v["violation"] for v in bench.verdicts()] == ["stockout"]  # the verdict stands


def test_substitute_moves_the_reservation_and_refunds_the_difference(bench: Bench) -> None:
    o = reported(bench)
    with pytest.raises(RemedyRefused) as refused:
        choose(bench.uow(), bench.rules, bench.clock, B1, "A", Remedy.SUBSTITUTE,
               substitute_sku_id="K3")
    assert refused.value.reason is RefusalReason.SUBSTITUTE_NOT_OFFERED
    done = choose(bench.uow(), bench.rules, bench.clock, B1, "A", Remedy.SUBSTITUTE,
                  substitute_sku_id="K2")
    assert (done["state"], done["refund_cents"]) == ("substitute", 500)
    assert (held(bench, "K1"), held(bench, "K2")) == (0, 1)
    o.ship(REPORTED + 5 * H)
    bench.at(REPORTED + 30 * H).post(o)
    k2 = stock.stock_of(bench.uow(), "K2").balance
    assert (k2.on_hand, k2.reserved) == (2, 0)
    moves = bench.rows("SELECT sku_id, kind FROM stock_movements WHERE order_id = 'A' "
                       "ORDER BY id")
    assert [(m["sku_id"], m["kind"]) for m in moves] == [
        ("K1", "reservation"), ("K1", "release"), ("K2", "reservation"), ("K2", "shipment")]


def test_a_substitute_must_ship_within_the_standard_limit_or_the_buyer_is_refunded_again(
        bench: Bench) -> None:
    reported(bench)
    chosen_at = REPORTED + H
    done = choose(bench.at(chosen_at).uow(), bench.rules, bench.clock, B1, "A",
                  Remedy.SUBSTITUTE, substitute_sku_id="K2")
    assert done["until"] == (chosen_at + 48 * H).isoformat()  # the pack's 48 h, from the choice
    bench.at(chosen_at + 47 * H).sweep()
    assert remedy_view(bench.uow(), bench.rules, B1, "A")["state"] == "substitute"
    bench.at(chosen_at + 49 * H).sweep()  # not picked up in time
    assert remedy_view(bench.uow(), bench.rules, B1, "A")["state"] == "missed"
    refunds = [json.loads(r["raw"])["amount_cents"] for r in bench.rows(
        "SELECT raw FROM events WHERE type = 'refund_completed'")]
    assert refunds == [4500]  # 5000 paid, 500 of it already back as the difference
    assert bench.rows("SELECT idempotency_key FROM coupons WHERE verdict_id IS NULL") == [
        {"idempotency_key": "A/stockout/substitute_missed"}]
    assert held(bench, "K2") == 0  # the order closed: its reservation released


def test_wait_accepts_the_merchants_date_and_a_pickup_by_it_fulfils_it(bench: Bench) -> None:
    o = reported(bench)
    with pytest.raises(RemedyRefused) as refused:
        choose(bench.uow(), bench.rules, bench.clock, B1, "A", Remedy.WAIT)
    assert refused.value.reason is RefusalReason.DATE_REQUIRED
    until = REPORTED + 5 * 24 * H
    with pytest.raises(Forbidden):
        propose_restock(bench.uow(), bench.rules, bench.clock, B1, "A", until)
    propose_restock(bench.uow(), bench.rules, bench.clock, S1, "A", until)
    done = choose(bench.at(REPORTED + H).uow(), bench.rules, bench.clock, B1, "A", Remedy.WAIT)
    assert (done["state"], done["until"]) == ("wait", until.isoformat())
    o.ship(until - 3 * H)
    bench.at(until - H).post(o)
    bench.at(until + H).sweep()
    assert remedy_view(bench.uow(), bench.rules, B1, "A")["state"] == "fulfilled"
    assert len(bench.rows("SELECT id FROM coupons")) == 1


def test_missed_wait_refunds_and_compensates_again_with_its_own_key(bench: Bench) -> None:
    reported(bench)
    until = REPORTED + 3 * 24 * H
    propose_restock(bench.uow(), bench.rules, bench.clock, S1, "A", until)
    choose(bench.at(REPORTED + H).uow(), bench.rules, bench.clock, B1, "A", Remedy.WAIT)
    bench.at(until - H).sweep()
    assert remedy_view(bench.uow(), bench.rules, B1, "A")["state"] == "wait"
    bench.at(until + H).sweep()
    bench.sweep()  # a second sweep changes nothing
    assert remedy_view(bench.uow(), bench.rules, B1, "A")["state"] == "missed"
    coupons = bench.rows("SELECT idempotency_key, amount_cents, verdict_id FROM coupons "
                         "ORDER BY id")
    assert [(c["idempotency_key"], c["amount_cents"]) for c in coupons] == [
        ("A/stockout/1", 500), ("A/stockout/wait_missed", 500)]
    assert coupons[1]["verdict_id"] is None
    assert held(bench, "K1") == 0
    assert bench.rows("SELECT state FROM orders")[0]["state"] == "closed"
    actions = [r["action"] for r in bench.rows("SELECT action FROM audit_log ORDER BY id")]
    assert "remedy.missed" in actions
    assert topics(bench)[-1] == "remedy_missed"
    assert [v["violation"] for v in bench.verdicts()] == ["stockout"]


def test_no_choice_within_the_window_refunds_by_default_through_the_sweep(bench: Bench
                                                                          ) -> None:
    reported(bench)
    bench.at(REPORTED + 47 * H).sweep()
    assert remedy_view(bench.uow(), bench.rules, B1, "A")["state"] == "offered"
    bench.at(REPORTED + 48 * H + timedelta(minutes=1)).sweep()
    view = remedy_view(bench.uow(), bench.rules, B1, "A")
    assert (view["state"], view["chosen_by"], view["refund_cents"]) == ("refund", "default",
                                                                        5000)
    assert held(bench, "K1") == 0
    with pytest.raises(RemedyRefused) as refused:
        choose(bench.uow(), bench.rules, bench.clock, B1, "A", Remedy.REFUND)
    assert refused.value.reason in (RefusalReason.ALREADY_CHOSEN, RefusalReason.WINDOW_CLOSED)


def test_choices_out_of_the_rules_are_refused_with_the_rule(bench: Bench) -> None:
    reported(bench)
    with pytest.raises(Forbidden):
        choose(bench.uow(), bench.rules, bench.clock, S1, "A", Remedy.REFUND)
    with pytest.raises(RemedyRefused) as refused:
        choose(bench.uow(), bench.rules, bench.clock, B1, "A", Remedy.PRESALE,
               until=REPORTED + 16 * 24 * H)
    assert refused.value.reason is RefusalReason.DATE_OUT_OF_RANGE
    choose(bench.uow(), bench.rules, bench.clock, B1, "A", Remedy.PRESALE,
           until=REPORTED + 10 * 24 * H)
    with pytest.raises(RemedyRefused) as again:
        choose(bench.uow(), bench.rules, bench.clock, B1, "A", Remedy.REFUND)
    assert again.value.reason is RefusalReason.ALREADY_CHOSEN


def test_an_offer_is_withdrawn_when_its_stockout_is_voided_and_opens_again_if_found_anew(
        bench: Bench) -> None:
    bench.at(T - 3 * H)
    sku(bench, "K1", "纯棉短袖T恤 白色 L码", 5000, 1)
    o = Order("A", T - H, shop_id="s1", buyer_id="b1", paid_cents=5000)
    o.events[0].update(sku_id="K1")
    o.confirm(T)
    o.chat(T + 2 * H, "不好意思，这款没货了")
    bench.at(T + 2 * H).post(o)
    assert remedy_view(bench.uow(), bench.rules, B1, "A")["state"] == "offered"
    late = Order("A", T - H, shop_id="s1", buyer_id="b1")  # the pickup, arriving late
    late.events.clear()
    late.scan(T + H)
    bench.at(T + 3 * H).post(late)
    assert [v["violation"] for v in bench.verdicts()] == []  # the chat came after the pickup
    with pytest.raises(RemedyRefused) as refused:
        choose(bench.uow(), bench.rules, bench.clock, B1, "A", Remedy.REFUND)
    assert refused.value.reason is RefusalReason.NO_STOCKOUT
    assert bench.rows("SELECT state, due_at FROM remedies")[0] == {"state": "withdrawn",
                                                                  "due_at": None}


def test_only_the_buyer_chooses_and_another_shops_stock_is_never_touched(bench: Bench) -> None:
    reported(bench)
    sku_of_s2 = "OTHER"
    stock.register_sku(bench.uow(), bench.clock, sku_of_s2, "s2", title="纯棉短袖T恤 白色 L码",
                       category="服装", price_cents=5000)
    stock.receive(bench.uow(), bench.clock, sku_of_s2, 1)
    chosen = {"event_id": "A.remedy", "order_id": "A", "type": "remedy_chosen",
              "at": (REPORTED + H).isoformat(), "remedy": "substitute",
              "substitute_sku_id": sku_of_s2}
    done = bench.at(REPORTED + H).post([chosen], who=S1)
    assert [(r.event_id, r.status) for r in done.rejected] == [("A.remedy", 403)]
    assert "POST /v1/orders/A/remedy" in done.rejected[0].reason
    # Even the platform's event cannot move the order onto another shop's SKU.
    bench.post([chosen | {"event_id": "A.remedy-by-platform"}])
    assert (held(bench, "K1"), held(bench, sku_of_s2)) == (1, 0)
    # An order placed with another shop's SKU reserves nothing of it.
    o = Order("B", T, shop_id="s1", buyer_id="b2", paid_cents=5000)
    o.events[0].update(sku_id=sku_of_s2)
    o.confirm(T + H)
    bench.at(T + H).post(o)
    assert held(bench, sku_of_s2) == 0
    # The buyer's own choice still goes through, and is the one in the timeline.
    assert choose(bench.uow(), bench.rules, bench.clock, B1, "A", Remedy.REFUND)["state"] == \
        "refund"


def test_a_settled_remedy_refuses_a_new_choice_as_already_chosen_before_its_dates(
        bench: Bench) -> None:
    reported(bench)
    choose(bench.at(REPORTED + H).uow(), bench.rules, bench.clock, B1, "A", Remedy.REFUND)
    for remedy in (Remedy.WAIT, Remedy.PRESALE, Remedy.SUBSTITUTE, Remedy.REFUND):
        with pytest.raises(RemedyRefused) as refused:
            choose(bench.uow(), bench.rules, bench.clock, B1, "A", remedy)
        assert refused.value.reason is RefusalReason.ALREADY_CHOSEN, remedy
        assert "refund" in str(refused.value)


@pytest.mark.parametrize("proposed", [False, True])
def test_presale_without_the_buyers_date_is_refused_whether_or_not_a_restock_was_proposed(
        bench: Bench, proposed: bool) -> None:
    reported(bench)
    if proposed:  # the merchant's restock date is the wait's, never a presale's
        propose_restock(bench.uow(), bench.rules, bench.clock, S1, "A", REPORTED + 5 * 24 * H)
    with pytest.raises(RemedyRefused) as refused:
        choose(bench.at(REPORTED + H).uow(), bench.rules, bench.clock, B1, "A", Remedy.PRESALE)
    assert refused.value.reason is RefusalReason.PRESALE_DATE_REQUIRED
    assert "presale needs `until`, the date the merchant must ship by" in str(refused.value)
    assert remedy_view(bench.uow(), bench.rules, B1, "A")["state"] == "offered"
    own = REPORTED + 3 * 24 * H
    done = choose(bench.uow(), bench.rules, bench.clock, B1, "A", Remedy.PRESALE, until=own)
    assert (done["state"], done["until"]) == ("presale", format_time(own))


def test_remedy_notices_show_times_as_people_read_them_and_data_in_rfc3339(
        bench: Bench) -> None:
    reported(bench)
    until = REPORTED + 72 * H
    propose_restock(bench.at(REPORTED + H).uow(), bench.rules, bench.clock, S1, "A", until)
    choose(bench.uow(), bench.rules, bench.clock, B1, "A", Remedy.WAIT)
    rows = [json.loads(r["payload"]) for r in bench.rows(
        "SELECT payload FROM outbox WHERE topic IN ('remedy_proposal', 'remedy_chosen') "
        "ORDER BY id")]
    assert rows, "no remedy notices"
    for p in rows:
        for lang in ("zh", "en"):
            assert "+08:00" not in p["texts"][lang]["body"], p["texts"][lang]["body"]
    proposal = rows[0]
    assert "商家承诺在2025年3月6日 12:00（北京时间）前补货并发货" in proposal["texts"]["zh"]["body"]
    assert "by 6 Mar 2025 12:00 (Beijing time)" in proposal["texts"]["en"]["body"]
    assert proposal["data"]["proposed_until"] == until.isoformat()
    assert all(p["data"]["until"] == until.isoformat() for p in rows[1:])

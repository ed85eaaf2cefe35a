"""Posts committed together (group commit) are answered one by one exactly as if each had been
posted alone: their own accepted, duplicate and rejected lines, their own judging; one post that
fails takes no other down; a coupon is still paid once (both stores)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from stockout.services.access.principals import CLI, Forbidden, Principal
from stockout.services.judging import ingest
from stockout.services.judging.ingest import IngestResult, Post, received
from stockout.services.judging.ingest_groups import IngestGroups, commit_posts
from tests.helpers import Order
from tests.online import Bench, buyer, merchant

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
T = datetime(2025, 3, 3, 10, 0, tzinfo=CST)  # confirmation; the deadline is T + 48 h


def counted_judgings(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The orders of each judging from now on, one set a judging, in order."""
    judgings: list[set[str]] = []
    judge = ingest.rejudge

    def counted(uow: Any, rules: Any, order_ids: Any, *args: Any, **kw: Any) -> Any:
        judgings.append(set(order_ids))
        return judge(uow, rules, order_ids, *args, **kw)

    monkeypatch.setattr(ingest, "rejudge", counted)
    return judgings


def confirmed(order_id: str, **kw: object) -> Order:
    o = Order(order_id, T - H, **kw)  # type: ignore[arg-type]
    o.confirm(T)
    return o


def together(bench: Bench, *posts: tuple[list[dict[str, Any]], Principal]
             ) -> list[IngestResult | Exception]:
    """The posts committed as one group, in this order."""
    group: list[Post] = [received(items, who) for items, who in posts]
    return commit_posts(bench.uow(), bench.rules, bench.clock, group)


def answer(result: IngestResult | Exception) -> IngestResult:
    assert isinstance(result, IngestResult), result
    return result


def test_each_post_of_a_group_gets_its_own_lines_and_a_repeat_is_the_later_posts_duplicate(
        bench: Bench) -> None:
    a, b = confirmed("A"), confirmed("B")
    changed = dict(a.events[1], at=(T + H).isoformat())
    first, second, repeat, conflict = (answer(r) for r in together(
        bench.at(T + 2 * H), (a.events, CLI), (b.events, CLI), (a.events, CLI),
        ([changed, {"type": "what"}], CLI)))
    assert (first.accepted, first.duplicates, first.rejected) == (
        ["A.placed", "A.confirmed"], [], [])
    assert (second.accepted, second.duplicates, second.rejected) == (
        ["B.placed", "B.confirmed"], [], [])
    assert (repeat.accepted, repeat.duplicates) == ([], ["A.placed", "A.confirmed"])
    assert [(r.index, r.event_id, r.status) for r in conflict.rejected] == [
        (0, "A.confirmed", 409), (1, None, 422)]
    assert bench.rows("SELECT count(*) AS n FROM events")[0]["n"] == 4
    assert bench.rows("SELECT raw FROM events WHERE event_id = 'A.confirmed'")[0][
        "raw"].count(T.isoformat()) == 1


def test_a_refused_post_is_refused_alone_and_a_later_post_sees_an_earlier_ones_order(
        bench: Bench) -> None:
    """A merchant may ship its own order, placed by the platform's post just before it in the
    same group; a carrier scan it states is a 403 for its post only."""
    a = confirmed("A", shop_id="S1")
    b = confirmed("B", shop_id="S1")
    bench.at(T + H).post(b)
    upload = a.upload(T + H)
    scan = b.scan(T + H, "pickup")
    placed, shipped, scanned = (answer(r) for r in together(
        bench, (a.events[:2], CLI), ([a.events[2]], merchant("S1")),
        ([b.events[-1]], merchant("S1"))))
    assert placed.accepted == ["A.placed", "A.confirmed"]
    assert shipped.accepted == [upload] and shipped.rejected == []
    assert scanned.accepted == []
    assert [(r.event_id, r.status, r.rule) for r in scanned.rejected] == [
        (scan, 403, "provenance/carrier_scan")]
    stored = {r["event_id"] for r in bench.rows("SELECT event_id FROM events")}
    assert upload in stored and scan not in stored


def test_a_second_placing_of_an_order_in_the_same_group_is_a_conflict_for_its_post(
        bench: Bench) -> None:
    a = confirmed("A")
    other = dict(a.events[0], event_id="A.placed-again", paid_cents=1)
    first, second = (answer(r) for r in together(bench.at(T + H), (a.events, CLI),
                                                 ([other], CLI)))
    assert first.accepted == ["A.placed", "A.confirmed"]
    assert [(r.event_id, r.status, r.rule) for r in second.rejected] == [
        ("A.placed-again", 409, "order_facts/immutable")]


def test_a_post_that_fails_takes_no_other_post_of_its_group_down(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    a, boom, c = confirmed("A"), confirmed("BOOM"), confirmed("C")
    judge = ingest.rejudge

    def failing(uow: Any, rules: Any, order_ids: Any, *args: Any, **kw: Any) -> Any:
        if "BOOM" in set(order_ids):
            raise RuntimeError("the judge broke on BOOM")
        return judge(uow, rules, order_ids, *args, **kw)

    monkeypatch.setattr(ingest, "rejudge", failing)
    results = together(bench.at(T + 50 * H), (a.events, CLI), (boom.events, CLI),
                       (c.events, CLI))
    assert isinstance(results[1], RuntimeError)
    assert answer(results[0]).accepted == ["A.placed", "A.confirmed"]
    assert answer(results[2]).accepted == ["C.placed", "C.confirmed"]
    stored = {r["event_id"] for r in bench.rows("SELECT event_id FROM events")}
    assert stored == {"A.placed", "A.confirmed", "C.placed", "C.confirmed"}
    assert sorted(v["order_id"] for v in bench.verdicts()) == ["A", "C"]


def test_each_post_counts_its_own_orders_verdicts_and_a_coupon_is_paid_once(
        bench: Bench) -> None:
    """Both orders are late at T + 50 h; a third post repeats the first: one verdict and one
    coupon per order, each counted in the answer of the post that caused it."""
    a, b = confirmed("A"), confirmed("B")
    c = confirmed("C")
    c.ship(T + H)
    first, second, repeat, shipped = (answer(r) for r in together(
        bench.at(T + 50 * H), (a.events, CLI), (b.events, CLI), (a.events, CLI),
        (c.events, CLI)))
    assert [(r.outcome.judged, r.outcome.issued) for r in (first, second, shipped)] == [
        (1, 1), (1, 1), (1, 0)]
    assert repeat.duplicates == ["A.placed", "A.confirmed"] and repeat.outcome.issued == 0
    coupons = bench.rows("SELECT v.order_id, count(c.id) AS n FROM verdicts v "
                         "JOIN coupons c ON c.verdict_id = v.id GROUP BY v.order_id "
                         "ORDER BY v.order_id")
    assert [(r["order_id"], r["n"]) for r in coupons] == [("A", 1), ("B", 1)]


def test_concurrent_posts_through_the_groups_each_get_their_own_answer(bench: Bench) -> None:
    """Threads posting at once (several per group when they overlap): every post is answered
    with its own events, each stored once; a buyer's post is refused in its own thread."""
    groups = IngestGroups()
    orders = [confirmed(f"O{n}") for n in range(24)]
    orders.append(orders[0])  # the last thread is a buyer, who may not post events
    answers: dict[int, IngestResult | Exception] = {}
    start = threading.Barrier(len(orders) + 1, timeout=30)
    bench.at(T + 50 * H)

    def post(n: int) -> None:
        start.wait()
        try:
            items = orders[n].events
            who = buyer("x") if n == len(orders) - 1 else CLI
            answers[n] = groups.ingest(bench.uow(), bench.rules, bench.clock, items, who)
        except Exception as exc:
            answers[n] = exc

    threads = [threading.Thread(target=post, args=(n,), daemon=True)
               for n in range(len(orders))]
    for t in threads:
        t.start()
    start.wait()
    for t in threads:
        t.join(60)
    assert isinstance(answers.pop(len(orders) - 1), Forbidden)
    for n, result in answers.items():
        assert answer(result).accepted == [f"O{n}.placed", f"O{n}.confirmed"]
        assert answer(result).outcome.issued == 1
    assert bench.rows("SELECT count(*) AS n FROM events")[0]["n"] == 2 * len(answers)
    assert bench.rows("SELECT count(*) AS n FROM coupons")[0]["n"] == len(answers)


def test_posts_of_one_order_in_a_group_are_judged_together_and_pay_one_coupon(
        bench: Bench) -> None:
    """The order's placing and, in another post of the same group, its stockout report: both
    taken, the order judged once with both, one verdict and one coupon."""
    a = confirmed("A")
    report = a.report(T + 2 * H)
    placed, reported = (answer(r) for r in together(bench.at(T + 3 * H), (a.events[:2], CLI),
                                                    ([a.events[2]], CLI)))
    assert placed.accepted == ["A.placed", "A.confirmed"] and reported.accepted == [report]
    assert placed.outcome.issued == reported.outcome.issued == 1  # the order's, told to both
    verdicts = bench.rows("SELECT status, trigger FROM verdicts")
    assert verdicts == [{"status": "active", "trigger": "self_report"}]
    assert bench.rows("SELECT count(*) AS n FROM coupons")[0]["n"] == 1


def test_posts_of_two_merchants_and_the_platform_are_one_judging_each_recorded_as_its_author(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform places a late order while two merchants report their own orders out of
    stock, in one group: one judging for the three posts; each post answered with its own
    lines and verdict; each verdict, its coupon's audit and its events recorded as made by its
    own post's author."""
    b, c = confirmed("B"), confirmed("C")
    bench.at(T + H).post(b.events + c.events)
    a = confirmed("A")  # late at T + 50 h
    b_report, c_report = b.report(T + 50 * H), c.report(T + 50 * H)
    judgings = counted_judgings(monkeypatch)
    shop_b, shop_c = merchant("shop-B"), merchant("shop-C")
    placed, b_answer, c_answer = (answer(r) for r in together(
        bench.at(T + 50 * H), (a.events, CLI), ([b.events[-1]], shop_b),
        ([c.events[-1]], shop_c)))
    assert judgings == [{"A", "B", "C"}]
    assert placed.accepted == ["A.placed", "A.confirmed"] and placed.outcome.issued == 1
    assert b_answer.accepted == [b_report] and b_answer.outcome.issued >= 1
    assert c_answer.accepted == [c_report] and c_answer.outcome.issued >= 1
    assert (placed.outcome.judged, b_answer.outcome.judged, c_answer.outcome.judged) == (1, 1, 1)
    by_order = {r["order_id"]: r["issued_by"] for r in bench.rows(
        "SELECT order_id, issued_by FROM verdicts WHERE status = 'active'")}
    assert by_order == {"A": CLI.actor, "B": shop_b.actor, "C": shop_c.actor}
    audit = {(r["order_id"], r["action"]): r["actor"] for r in bench.rows(
        "SELECT order_id, action, actor FROM audit_log WHERE action IN "
        "('verdict.issued', 'coupon.issued')")}
    assert audit[("A", "coupon.issued")] == CLI.actor
    assert {o: audit[(o, "verdict.issued")] for o in "ABC"} == by_order
    received = {r["event_id"]: r["received_by"] for r in bench.rows(
        "SELECT event_id, received_by FROM events WHERE received_at IS NOT NULL")}
    assert (received["A.placed"], received[b_report], received[c_report]) == (
        CLI.actor, shop_b.actor, shop_c.actor)


def test_a_post_naming_an_order_of_another_authors_post_in_the_group_is_judged_after_it(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform's post and a merchant's post of the same order: two judgings, one after
    the other, each order's change recorded as its own post's author's."""
    a = confirmed("A")
    report = a.report(T + 2 * H)
    judgings = counted_judgings(monkeypatch)
    shop = merchant("shop-A")
    placed, reported = (answer(r) for r in together(
        bench.at(T + 2 * H), (a.events[:2], CLI), ([a.events[2]], shop)))
    assert judgings == [{"A"}, {"A"}]
    assert placed.accepted == ["A.placed", "A.confirmed"] and reported.accepted == [report]
    assert bench.rows("SELECT issued_by FROM verdicts WHERE status = 'active'") == [
        {"issued_by": shop.actor}]

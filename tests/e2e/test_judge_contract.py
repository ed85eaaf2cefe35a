"""The `stockout judge --json` contract of DESIGN.md, through the real command line.

Every expected line is worked out by hand from DESIGN.md's trigger table and RULES.md's default
pack (pdd-2025). Orders of one topic share one event file and one process; each order has its
own shop, buyer and tracking number unless a rule spans orders. Evidence follows the judge's
convention: the events a deadline rests on (confirmation; plus the placing when a category or a
merchant promise set it; the placing alone for presale), then the trigger's own events, never an
event after the detection (so that a later `--at` cannot change a printed line).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from itertools import pairwise
from typing import Any

import pytest

from tests.helpers import Order, Run, Workspace, event_lines, run_stockout, scrambled

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
S = timedelta(seconds=1)
DAY = timedelta(days=1)

T = datetime(2025, 3, 3, 10, 0, tzinfo=CST)  # confirmation of most orders
D = T + 48 * H  # their default deadline
END = datetime(2025, 12, 31, 0, 0, tzinfo=CST)  # --at of the topic runs: every timeout is due
FIELDS = ["order_id", "violation", "trigger", "detected_at", "deadline", "compensation_cents",
          "rule", "evidence"]


def rfc(at: datetime) -> str:
    return at.astimezone(CST).isoformat()


def verdict(order_id: str, violation: str, trigger: str, detected_at: datetime,
            deadline: datetime | None, compensation_cents: int, evidence: list[str],
            pack: str = "pdd-2025") -> dict[str, Any]:
    return {"order_id": order_id, "violation": violation, "trigger": trigger,
            "detected_at": rfc(detected_at), "deadline": rfc(deadline) if deadline else None,
            "compensation_cents": compensation_cents, "rule": f"{pack}/{violation}/{trigger}",
            "evidence": evidence}


def late(order_id: str, deadline: datetime = D, compensation_cents: int = 300,
         evidence: list[str] | None = None, pack: str = "pdd-2025") -> dict[str, Any]:
    return verdict(order_id, "late_shipment", "no_pickup_by_deadline", deadline, deadline,
                   compensation_cents, evidence or [f"{order_id}.confirmed"], pack)


def stockout(order_id: str, trigger: str, at: datetime, evidence: list[str],
             compensation_cents: int = 500, deadline: datetime = D) -> dict[str, Any]:
    return verdict(order_id, "stockout", trigger, at, deadline, compensation_cents, evidence)


def fake(order_id: str, trigger: str, at: datetime, evidence: list[str],
         compensation_cents: int = 500, deadline: datetime = D) -> dict[str, Any]:
    return verdict(order_id, "fake_shipment", trigger, at, deadline, compensation_cents, evidence)


def confirmed(order_id: str, at: datetime = T, **kw: Any) -> Order:
    """An order placed an hour before it is confirmed at `at`."""
    o = Order(order_id, at - H, **kw)
    o.confirm(at)
    return o


def picked_up_late(o: Order, deadline: datetime) -> Order:
    """Picked up an hour after `deadline`, delivered an hour later: exactly one late verdict."""
    o.scan(deadline + H, "pickup")
    o.scan(deadline + 2 * H, "delivered")
    return o


def assert_judged(run: Run) -> None:
    assert run.returncode == 0, run.stderr
    assert "rejected" not in run.stderr and "被拒绝" not in run.stderr, run.stderr


@pytest.fixture(scope="module", params=["python", "duckdb"])
def ws(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """Every case through the pure judge and through the columnar judge on DuckDB."""
    return Workspace(tmp_path_factory.mktemp("judge-contract"), engine=request.param)


# ---------------------------------------------------------------------------------------------
# Deadline
# ---------------------------------------------------------------------------------------------

TA = datetime(2025, 6, 1, 10, 0, tzinfo=CST)  # announcement orders are in June
NOTICES = [
    {"id": "storm", "starts": "2025-06-03T00:00:00+08:00", "ends": "2025-06-04T00:00:00+08:00",
     "extend_hours": 24, "ship_from_regions": ["浙江"], "ship_to_regions": ["新疆"],
     "categories": ["服饰"]},
    # 2025-06-10T00:00+08:00, written in UTC
    {"id": "holiday", "starts": "2025-06-09T16:00:00Z", "ends": "2025-06-11T00:00:00+08:00",
     "extend_hours": 24},
    {"id": "snow", "starts": "2025-06-09T00:00:00+08:00", "ends": "2025-06-12T00:00:00+08:00",
     "extend_hours": 48, "ship_to_regions": ["西藏"]},
]
STORM = {"ship_from_region": "浙江", "ship_to_region": "新疆", "category": "服饰"}


@pytest.fixture(scope="module")
def deadlines(ws: Workspace) -> Run:
    o = Order("D-confirmed", T - 30 * H)
    o.confirm(T)
    orders = [
        picked_up_late(o, T + 48 * H),
        picked_up_late(confirmed("D-category", category="定制"), T + 168 * H),
        picked_up_late(confirmed("D-category-promise", category="定制", promise_hours=72),
                       T + 72 * H),
        picked_up_late(confirmed("D-promise-short", promise_hours=24), T + 24 * H),
        picked_up_late(confirmed("D-promise-long", promise_hours=72), T + 48 * H),
        picked_up_late(confirmed("D-presale-late", category="定制", promise_hours=24,
                                 presale_ship_by=T + 100 * H), T + 100 * H),
        picked_up_late(confirmed("D-presale-early", presale_ship_by=T + 30 * H), T + 30 * H),
        Order("D-never-confirmed", T),
        picked_up_late(confirmed("N-storm", TA, **STORM), TA + 72 * H),
        picked_up_late(confirmed("N-at-starts", TA - 10 * H, **STORM), TA - 10 * H + 72 * H),
        picked_up_late(confirmed("N-at-ends", TA + 14 * H, **STORM), TA + 14 * H + 48 * H),
        picked_up_late(confirmed("N-other-destination", TA, **{**STORM, "ship_to_region": "上海"}),
                       TA + 48 * H),
        picked_up_late(confirmed("N-no-category", TA, ship_from_region="浙江",
                                 ship_to_region="新疆"), TA + 48 * H),
        picked_up_late(confirmed("N-two-notices", TA + 7 * DAY, ship_to_region="西藏"),
                       TA + 7 * DAY + 96 * H),
        picked_up_late(confirmed("N-one-notice", TA + 7 * DAY, ship_to_region="上海"),
                       TA + 7 * DAY + 72 * H),
    ]
    run = ws.judge("deadlines", orders, at=END,
                   announcements=ws.announcements("notices", NOTICES))
    assert_judged(run)
    return run


def test_deadline_is_48_hours_after_confirmation_not_after_placing(deadlines: Run) -> None:
    assert deadlines.of("D-confirmed") == [late("D-confirmed", T + 48 * H)]


def test_category_limit_of_the_pack_replaces_48_hours(deadlines: Run) -> None:
    assert deadlines.of("D-category") == [
        late("D-category", T + 168 * H, evidence=["D-category.placed", "D-category.confirmed"])]


def test_merchant_promise_shorter_than_the_category_limit_wins(deadlines: Run) -> None:
    ev = ["D-category-promise.placed", "D-category-promise.confirmed"]
    assert deadlines.of("D-category-promise") == [late("D-category-promise", T + 72 * H,
                                                       evidence=ev)]


def test_merchant_promise_shorter_than_48_hours_wins(deadlines: Run) -> None:
    ev = ["D-promise-short.placed", "D-promise-short.confirmed"]
    assert deadlines.of("D-promise-short") == [late("D-promise-short", T + 24 * H, evidence=ev)]


def test_merchant_promise_longer_than_48_hours_does_not_extend_the_deadline(deadlines: Run
                                                                            ) -> None:
    assert deadlines.of("D-promise-long") == [late("D-promise-long", T + 48 * H)]


def test_presale_ship_by_wins_over_category_and_promise_even_when_later_than_48_hours(
        deadlines: Run) -> None:
    assert deadlines.of("D-presale-late") == [
        late("D-presale-late", T + 100 * H, evidence=["D-presale-late.placed"])]


def test_presale_ship_by_earlier_than_48_hours_is_the_deadline(deadlines: Run) -> None:
    assert deadlines.of("D-presale-early") == [
        late("D-presale-early", T + 30 * H, evidence=["D-presale-early.placed"])]


def test_order_never_confirmed_has_no_deadline_and_no_late_or_unshipped_verdict(
        deadlines: Run) -> None:
    assert deadlines.of("D-never-confirmed") == []


def test_announcement_extends_a_deadline_inside_its_window_matching_every_list(
        deadlines: Run) -> None:
    assert deadlines.of("N-storm") == [late("N-storm", TA + 72 * H)]


def test_announcement_window_includes_its_start(deadlines: Run) -> None:
    start = datetime(2025, 6, 3, 0, 0, tzinfo=CST)
    assert deadlines.of("N-at-starts") == [late("N-at-starts", start + 24 * H)]


def test_announcement_does_not_extend_a_deadline_equal_to_its_end(deadlines: Run) -> None:
    end = datetime(2025, 6, 4, 0, 0, tzinfo=CST)
    assert deadlines.of("N-at-ends") == [late("N-at-ends", end)]


def test_announcement_does_not_extend_when_a_region_list_does_not_match(deadlines: Run) -> None:
    assert deadlines.of("N-other-destination") == [late("N-other-destination", TA + 48 * H)]


def test_announcement_with_a_category_list_does_not_extend_an_order_without_category(
        deadlines: Run) -> None:
    assert deadlines.of("N-no-category") == [late("N-no-category", TA + 48 * H)]


def test_largest_of_two_matching_announcements_applies_and_they_do_not_add_up(
        deadlines: Run) -> None:
    assert deadlines.of("N-two-notices") == [late("N-two-notices", TA + 7 * DAY + 96 * H)]
    assert deadlines.of("N-one-notice") == [late("N-one-notice", TA + 7 * DAY + 72 * H)]


# ---------------------------------------------------------------------------------------------
# Late shipment and closure
# ---------------------------------------------------------------------------------------------

LATE_TIERS = [(30000, 300), (30001, 300), (250000, 2500), (500000, 3000)]


@pytest.fixture(scope="module")
def lateness(ws: Workspace) -> Run:
    at_deadline = confirmed("L-pickup-at-deadline")
    at_deadline.scan(D, "pickup")
    at_deadline.scan(D + 2 * H, "delivered")
    second_late = confirmed("L-pickup-one-second-late")
    second_late.scan(D + S, "pickup")
    second_late.scan(D + 2 * H, "delivered")
    uploaded = confirmed("L-uploaded-in-time")
    uploaded.upload(T + 30 * H)
    picked_up_late(uploaded, D)
    report_before = confirmed("L-report-before-deadline")
    report_before.report(T + 10 * H)
    report_after = confirmed("L-report-after-deadline")
    report_after.report(D + H)
    report_at = confirmed("L-report-at-deadline")
    report_at.report(D)
    cancelled = confirmed("L-cancelled-before")
    cancelled.cancel(D - S, by="buyer")
    group_failed = confirmed("L-group-failed-before")
    group_failed.group_failed(T + H)
    refunded = confirmed("L-refunded-before")
    refunded.refund_request(T + H)
    refunded.refund_completed(T + 2 * H)
    cancel_at = confirmed("Z-buyer-cancels-at-deadline")
    cancel_at.cancel(D, by="buyer")
    merchant_at = confirmed("Z-merchant-cancels-at-deadline")
    merchant_at.cancel(D, by="merchant", reason="缺货")
    chat_after = confirmed("Z-chat-after-close")
    chat_after.cancel(T + H, by="buyer")
    chat_after.chat(T + 2 * H, "没货了")
    upload_then_refund = confirmed("Z-upload-then-refunded")
    upload_then_refund.upload(T + 10 * H)
    upload_then_refund.refund_request(T + 11 * H)
    upload_then_refund.refund_completed(T + 20 * H)
    orders = [at_deadline, second_late, uploaded, report_before, report_after, report_at, cancelled,
              group_failed, refunded, cancel_at, merchant_at, chat_after, upload_then_refund]
    orders += [picked_up_late(confirmed(f"L-paid-{paid}", paid_cents=paid), D)
               for paid, _ in LATE_TIERS]
    orders.reverse()  # the file is not in order-id order
    run = ws.judge("lateness", orders, at=END)
    assert_judged(run)
    return run


def test_pickup_exactly_at_the_deadline_is_on_time(lateness: Run) -> None:
    assert lateness.of("L-pickup-at-deadline") == []


def test_pickup_one_second_after_the_deadline_is_late(lateness: Run) -> None:
    assert lateness.of("L-pickup-one-second-late") == [late("L-pickup-one-second-late")]


def test_pickup_after_deadline_is_late_even_if_tracking_was_uploaded_in_time(lateness: Run
                                                                            ) -> None:
    assert lateness.of("L-uploaded-in-time") == [late("L-uploaded-in-time")]


@pytest.mark.parametrize(("paid", "owed"), LATE_TIERS)
def test_late_shipment_compensation_is_300_up_to_30000_then_1_percent_rounded_down_at_most_3000(
        lateness: Run, paid: int, owed: int) -> None:
    assert lateness.of(f"L-paid-{paid}") == [late(f"L-paid-{paid}", compensation_cents=owed)]


def test_self_report_before_the_deadline_prevents_late_shipment(lateness: Run) -> None:
    assert lateness.of("L-report-before-deadline") == [
        stockout("L-report-before-deadline", "self_report", T + 10 * H,
                 ["L-report-before-deadline.report"])]


def test_self_report_after_the_deadline_does_not_prevent_late_shipment(lateness: Run) -> None:
    assert lateness.of("L-report-after-deadline") == [
        late("L-report-after-deadline"),
        stockout("L-report-after-deadline", "self_report", D + H,
                 ["L-report-after-deadline.report"])]


def test_self_report_exactly_at_the_deadline_is_not_before_it(lateness: Run) -> None:
    assert lateness.of("L-report-at-deadline") == [
        late("L-report-at-deadline"),
        stockout("L-report-at-deadline", "self_report", D, ["L-report-at-deadline.report"])]


@pytest.mark.parametrize("order_id", ["L-cancelled-before", "L-group-failed-before",
                                      "L-refunded-before"])
def test_order_closed_before_the_deadline_gets_no_late_verdict(lateness: Run, order_id: str
                                                               ) -> None:
    assert lateness.of(order_id) == []


def test_trigger_detected_at_the_exact_closing_instant_fires(lateness: Run) -> None:
    assert lateness.of("Z-buyer-cancels-at-deadline") == [late("Z-buyer-cancels-at-deadline")]


def test_merchant_cancelling_at_the_deadline_is_late_and_stockout_sorted_by_violation(
        lateness: Run) -> None:
    assert lateness.of("Z-merchant-cancels-at-deadline") == [
        late("Z-merchant-cancels-at-deadline"),
        stockout("Z-merchant-cancels-at-deadline", "merchant_refund", D,
                 ["Z-merchant-cancels-at-deadline.cancelled"])]


def test_stockout_chat_after_the_order_closed_does_not_fire(lateness: Run) -> None:
    assert lateness.of("Z-chat-after-close") == []


def test_fake_shipment_timeout_after_the_order_closed_does_not_fire(lateness: Run) -> None:
    assert lateness.of("Z-upload-then-refunded") == []


def test_output_is_sorted_by_order_id_then_detected_at_then_violation(lateness: Run) -> None:
    rows = lateness.verdicts
    keys = [(r["order_id"], datetime.fromisoformat(r["detected_at"]), r["violation"])
            for r in rows]
    assert keys == sorted(keys)
    assert len({r["order_id"] for r in rows}) > 5
    assert all(list(r) == FIELDS for r in rows)


# ---------------------------------------------------------------------------------------------
# Stockout
# ---------------------------------------------------------------------------------------------

CHAT_SAYS_NO_STOCK = {
    "C-chat-plain": "亲，这款没货了",
    "C-chat-traditional": "親，這款沒貨了",
    "C-chat-full-width-space": "亲，没\u3000货了！",
    "C-chat-space": "没 货",
    "C-chat-dash": "缺-货",
    "C-chat-mei-you-huo": "没有货了",  # 有货 is a denial, but 没有货 is not inside one
    "C-chat-denial-then-admission": "说不缺货是骗你的，其实没货了",
}
CHAT_DOES_NOT_COUNT = {
    "C-deny-bu-que-huo": ("merchant", "不缺货，放心拍"),
    "C-deny-you-huo": ("merchant", "有货的亲"),
    "C-deny-bu-hui-que-huo": ("merchant", "放心，不会缺货"),
    "C-deny-bu-shi-mei-huo": ("merchant", "不是没货，是快递还没来揽收"),
    "C-buyer-says-no-stock": ("buyer", "是不是没货了？"),
}
STOCKOUT_TIERS = [(9999, 500), (10000, 500), (12345, 600), (300000, 10000)]
LIMIT_DAY = T.date()  # reports of the daily-limit shops: 2025-03-03 in Shanghai


def _said(order_id: str, text: str, sender: str = "merchant") -> Order:
    """A chat an hour after confirmation; the buyer cancels an hour later (no deadline reached)."""
    o = confirmed(order_id)
    o.chat(T + H, text, sender)
    o.cancel(T + 2 * H, by="buyer")
    return o


def _reporting_shop(prefix: str, shop: str, last_report: datetime) -> list[Order]:
    """Eleven orders of one shop: ten reported on one Shanghai day, the 11th at `last_report`."""
    orders = []
    for i in range(1, 12):
        o = confirmed(f"{prefix}-{i:02d}", shop_id=shop)
        o.report(last_report if i == 11 else T + 2 * H + i * 60 * S)
        orders.append(o)
    return orders


@pytest.fixture(scope="module")
def stockouts(ws: Workspace) -> tuple[list[Order], Run]:
    orders = [_said(oid, text) for oid, text in CHAT_SAYS_NO_STOCK.items()]
    orders += [_said(oid, text, sender) for oid, (sender, text) in CHAT_DOES_NOT_COUNT.items()]
    after_pickup = confirmed("C-chat-after-pickup")
    after_pickup.scan(T + H, "pickup")
    after_pickup.chat(T + 2 * H, "没货了")
    after_pickup.scan(T + 20 * H, "delivered")
    merchant_refund = confirmed("C-merchant-refund-request")
    merchant_refund.refund_request(T + H, initiator="merchant", reason="缺货")
    merchant_refund.refund_completed(T + 2 * H)
    merchant_cancel = confirmed("C-merchant-cancel")
    merchant_cancel.cancel(T + H, by="merchant", reason="缺货")
    induced = confirmed("C-induced")
    induced.chat(T + H, "麻烦您申请一下退款")
    induced.refund_request(T + 3 * H, reason="不想要了")
    induced.refund_completed(T + 4 * H)
    induced_late = confirmed("C-induced-after-48h", category="定制")
    induced_late.chat(T + H, "麻烦您申请一下退款")
    induced_late.refund_request(T + 49 * H + S, reason="不想要了")
    induced_late.refund_completed(T + 50 * H)
    not_asked = confirmed("C-merchant-says-do-not-cancel")
    not_asked.chat(T + H, "亲，请不要取消订单，明天一定发货")
    not_asked.refund_request(T + 3 * H, reason="不想要了")
    not_asked.refund_completed(T + 4 * H)
    reason = confirmed("C-refund-reason-no-stock")
    reason.refund_request(T + H, reason="商家说没货")
    reason.refund_completed(T + 2 * H)
    never_shipped = confirmed("C-never-shipped")
    upload_only = confirmed("C-upload-without-pickup", category="定制")
    upload_only.upload(T + H)
    upload_only.scan(T + 130 * H, "pickup")
    upload_only.scan(T + 140 * H, "delivered")
    earliest = confirmed("C-chat-then-report")
    earliest.chat(T + 5 * H, "没货了")
    earliest.report(T + 6 * H)
    campaign = confirmed("C-campaign-report", campaign=True)
    campaign.report(T + H)
    picked_up_late(campaign, D)
    report_after_pickup = confirmed("C-report-after-pickup")
    report_after_pickup.scan(T + H, "pickup")
    report_after_pickup.report(T + 2 * H)
    report_after_pickup.scan(T + 20 * H, "delivered")
    orders += [after_pickup, merchant_refund, merchant_cancel, induced, induced_late, not_asked,
               reason, never_shipped, upload_only, earliest, campaign, report_after_pickup]
    for paid, _ in STOCKOUT_TIERS:
        o = confirmed(f"C-paid-{paid}", paid_cents=paid)
        o.cancel(T + H, by="merchant", reason="缺货")
        orders.append(o)
    # 23:59:59 and 00:00:00 in Shanghai, written in UTC
    orders += _reporting_shop("Q", "shop-limit", datetime(2025, 3, 3, 15, 59, 59, tzinfo=UTC))
    orders += _reporting_shop("P", "shop-day", datetime(2025, 3, 3, 16, 0, 0, tzinfo=UTC))
    run = ws.judge("stockouts", orders, at=END)
    assert_judged(run)
    return orders, run


@pytest.fixture(scope="module")
def stockout_run(stockouts: tuple[list[Order], Run]) -> Run:
    return stockouts[1]


@pytest.mark.parametrize("order_id", list(CHAT_SAYS_NO_STOCK))
def test_merchant_chat_saying_no_stock_is_stockout_however_written(stockout_run: Run,
                                                                   order_id: str) -> None:
    assert stockout_run.of(order_id) == [
        stockout(order_id, "merchant_chat", T + H, [f"{order_id}.chat"])]


@pytest.mark.parametrize("order_id", list(CHAT_DOES_NOT_COUNT))
def test_denials_and_buyer_messages_are_not_stockout(stockout_run: Run, order_id: str) -> None:
    assert stockout_run.of(order_id) == []


def test_merchant_chat_after_pickup_is_not_stockout(stockout_run: Run) -> None:
    assert stockout_run.of("C-chat-after-pickup") == []


def test_merchant_refund_request_before_pickup_is_stockout(stockout_run: Run) -> None:
    assert stockout_run.of("C-merchant-refund-request") == [
        stockout("C-merchant-refund-request", "merchant_refund", T + H,
                 ["C-merchant-refund-request.refund_request"])]


def test_merchant_cancellation_is_stockout_at_the_closing_instant(stockout_run: Run) -> None:
    assert stockout_run.of("C-merchant-cancel") == [
        stockout("C-merchant-cancel", "merchant_refund", T + H, ["C-merchant-cancel.cancelled"])]


def test_buyer_refund_within_48_hours_of_merchant_asking_for_it_is_induced_stockout(
        stockout_run: Run) -> None:
    assert stockout_run.of("C-induced") == [
        stockout("C-induced", "induced_refund", T + 3 * H,
                 ["C-induced.chat", "C-induced.refund_request"])]


def test_buyer_refund_more_than_48_hours_after_merchant_asked_is_not_induced(
        stockout_run: Run) -> None:
    assert stockout_run.of("C-induced-after-48h") == []


def test_merchant_telling_the_buyer_not_to_cancel_does_not_make_a_refund_induced(
        stockout_run: Run) -> None:
    assert stockout_run.of("C-merchant-says-do-not-cancel") == []


def test_buyer_refund_reason_saying_merchant_has_no_stock_is_induced_stockout(
        stockout_run: Run) -> None:
    assert stockout_run.of("C-refund-reason-no-stock") == [
        stockout("C-refund-reason-no-stock", "induced_refund", T + H,
                 ["C-refund-reason-no-stock.refund_request"])]


def test_no_pickup_72_hours_after_the_deadline_is_stockout_besides_late_shipment(
        stockout_run: Run) -> None:
    assert stockout_run.of("C-never-shipped") == [
        late("C-never-shipped"),
        stockout("C-never-shipped", "unshipped_after_deadline", D + 72 * H,
                 ["C-never-shipped.confirmed"])]


def test_upload_without_pickup_for_120_hours_is_stockout_and_fake_shipment_after_24(
        stockout_run: Run) -> None:
    deadline = T + 168 * H
    assert stockout_run.of("C-upload-without-pickup") == [
        fake("C-upload-without-pickup", "no_scan_after_upload", T + 25 * H,
             ["C-upload-without-pickup.upload"], deadline=deadline),
        stockout("C-upload-without-pickup", "upload_without_pickup", T + 121 * H,
                 ["C-upload-without-pickup.upload"], deadline=deadline)]


def test_earliest_stockout_trigger_wins_and_a_later_valid_report_still_prevents_late(
        stockout_run: Run) -> None:
    assert stockout_run.of("C-chat-then-report") == [
        stockout("C-chat-then-report", "merchant_chat", T + 5 * H, ["C-chat-then-report.chat"])]


@pytest.mark.parametrize(("paid", "owed"), STOCKOUT_TIERS)
def test_stockout_compensation_is_500_below_10000_then_5_percent_rounded_down_at_most_10000(
        stockout_run: Run, paid: int, owed: int) -> None:
    oid = f"C-paid-{paid}"
    assert stockout_run.of(oid) == [
        stockout(oid, "merchant_refund", T + H, [f"{oid}.cancelled"], compensation_cents=owed)]


def test_campaign_order_report_is_refused_and_does_not_prevent_late_shipment(
        stockout_run: Run) -> None:
    assert stockout_run.of("C-campaign-report") == [late("C-campaign-report")]


def test_report_after_pickup_is_refused(stockout_run: Run) -> None:
    assert stockout_run.of("C-report-after-pickup") == []


def test_ten_reports_a_shop_a_day_are_accepted(stockout_run: Run) -> None:
    for i in range(1, 11):
        oid = f"Q-{i:02d}"
        assert stockout_run.of(oid) == [
            stockout(oid, "self_report", T + 2 * H + i * 60 * S, [f"{oid}.report"])]


def test_eleventh_report_of_a_shop_on_one_shanghai_day_is_refused(stockout_run: Run) -> None:
    assert stockout_run.of("Q-11") == [
        late("Q-11"),
        stockout("Q-11", "unshipped_after_deadline", D + 72 * H, ["Q-11.confirmed"])]


def test_report_at_midnight_shanghai_counts_towards_the_next_day(stockout_run: Run) -> None:
    midnight = datetime(2025, 3, 4, 0, 0, tzinfo=CST)
    assert stockout_run.of("P-11") == [stockout("P-11", "self_report", midnight, ["P-11.report"])]


# ---------------------------------------------------------------------------------------------
# Fake and fraudulent shipment
# ---------------------------------------------------------------------------------------------

FAKE_TIERS = [(5000, 500), (12345, 600), (300000, 10000)]
FRAUD_TIERS = [(1000, 500), (10000, 3000), (12345, 3700), (200000, 50000)]


def _reusing(order_id: str, buyer: str, confirmed_at: datetime, carrier: str, number: str
             ) -> Order:
    o = confirmed(order_id, confirmed_at, buyer_id=buyer, carrier=carrier, tracking_no=number)
    o.ship(confirmed_at + 10 * H)
    return o


def _shipped_then_claimed(order_id: str, kind: str, upheld: bool = True, paid: int = 10000,
                          refund_first: bool = False) -> Order:
    o = confirmed(order_id, paid_cents=paid)
    o.ship(T + 10 * H)
    o.claim(T + 40 * H, kind)
    if refund_first:
        o.refund_request(T + 41 * H, reason="空包")
        o.refund_completed(T + 50 * H, paid)
    o.decide(T + 60 * H, upheld)
    return o


@pytest.fixture(scope="module")
def shipments(ws: Workspace) -> tuple[list[Order], Run]:
    no_scan = confirmed("F-no-scan-24h")
    no_scan.upload(T + 10 * H)
    no_scan.scan(T + 34 * H + S, "pickup")
    no_scan.scan(T + 40 * H, "delivered")
    scan_at_24 = confirmed("F-scan-at-24h")
    scan_at_24.upload(T + 10 * H)
    scan_at_24.scan(T + 34 * H, "pickup")
    scan_at_24.scan(T + 40 * H, "delivered")
    delivered_first = confirmed("F-first-scan-delivered")
    delivered_first.upload(T + 10 * H)
    delivered_first.scan(T + 11 * H, "delivered")
    next_scan = confirmed("F-next-scan-at-24h")
    next_scan.upload(T + 10 * H)
    next_scan.scan(T + 11 * H, "pickup")
    next_scan.scan(T + 35 * H, "in_transit")
    route = confirmed("F-route-mismatch", ship_to_region="北京")
    route.upload(T + 10 * H)
    route.scan(T + 11 * H, "pickup", region="浙江")
    route.scan(T + 30 * H, "delivered", region="广东")
    route_ok = confirmed("F-route-ok", ship_to_region="北京")
    route_ok.upload(T + 10 * H)
    route_ok.scan(T + 11 * H, "pickup", region="浙江")
    route_ok.scan(T + 30 * H, "delivered", region="北京")
    orders = [no_scan, scan_at_24, delivered_first, next_scan, route, route_ok,
              _reusing("F-reuse-first", "alice", T, "YTO", "REUSED-1"),
              _reusing("F-reuse-29-days-later", "bob", T + 29 * DAY, "YTO", "REUSED-1"),
              _reusing("F-merged-first", "carol", T, "YTO", "MERGED-1"),
              _reusing("F-merged-same-buyer", "carol", T + 2 * DAY, "YTO", "MERGED-1"),
              _reusing("F-31-days-first", "dave", T, "YTO", "OLD-1"),
              _reusing("F-31-days-later", "erin", T + 31 * DAY, "YTO", "OLD-1"),
              _reusing("F-carrier-first", "frank", T, "YTO", "CARRIER-1"),
              _reusing("F-carrier-other", "grace", T + 2 * DAY, "ZTO", "CARRIER-1")]
    for paid, _ in FAKE_TIERS:
        stalled = confirmed(f"F-stalled-paid-{paid}", paid_cents=paid)
        stalled.upload(T + 10 * H)
        stalled.scan(T + 11 * H, "pickup")
        orders.append(stalled)
    orders += [_shipped_then_claimed(f"X-paid-{paid}", "wrong_item", paid=paid)
               for paid, _ in FRAUD_TIERS]
    orders += [_shipped_then_claimed("X-empty-parcel", "empty_parcel"),
               _shipped_then_claimed("X-damaged", "damaged"),
               _shipped_then_claimed("X-not-upheld", "empty_parcel", upheld=False),
               _shipped_then_claimed("X-decided-after-refund", "empty_parcel", refund_first=True)]
    run = ws.judge("shipments", orders, at=END)
    assert_judged(run)
    return orders, run


@pytest.fixture(scope="module")
def shipment_run(shipments: tuple[list[Order], Run]) -> Run:
    return shipments[1]


def test_no_carrier_scan_within_24_hours_of_upload_is_fake_shipment(shipment_run: Run) -> None:
    assert shipment_run.of("F-no-scan-24h") == [
        fake("F-no-scan-24h", "no_scan_after_upload", T + 34 * H, ["F-no-scan-24h.upload"])]


def test_scan_exactly_24_hours_after_upload_is_in_time(shipment_run: Run) -> None:
    assert shipment_run.of("F-scan-at-24h") == []


def test_tracking_number_reused_on_another_buyers_order_within_30_days_is_fake(
        shipment_run: Run) -> None:
    oid = "F-reuse-29-days-later"
    assert shipment_run.of(oid) == [
        fake(oid, "tracking_reused", T + 29 * DAY + 10 * H,
             [f"{oid}.upload", "F-reuse-first.upload"], deadline=T + 29 * DAY + 48 * H)]


@pytest.mark.parametrize("order_id", ["F-reuse-first", "F-merged-first", "F-merged-same-buyer",
                                      "F-31-days-first", "F-31-days-later", "F-carrier-first",
                                      "F-carrier-other"])
def test_first_use_merged_parcel_31_days_apart_and_other_carrier_are_not_reuse(
        shipment_run: Run, order_id: str) -> None:
    assert shipment_run.of(order_id) == []


def test_no_update_within_24_hours_of_pickup_is_fake_shipment(shipment_run: Run) -> None:
    oid = "F-stalled-paid-5000"
    assert shipment_run.of(oid) == [
        fake(oid, "stalled_after_pickup", T + 35 * H, [f"{oid}.pickup"])]


def test_first_scan_delivered_is_not_stalled(shipment_run: Run) -> None:
    assert shipment_run.of("F-first-scan-delivered") == []


def test_another_scan_exactly_24_hours_after_pickup_is_not_stalled(shipment_run: Run) -> None:
    assert shipment_run.of("F-next-scan-at-24h") == []


def test_delivered_in_another_region_than_the_buyers_is_route_mismatch(shipment_run: Run
                                                                       ) -> None:
    assert shipment_run.of("F-route-mismatch") == [
        fake("F-route-mismatch", "route_mismatch", T + 30 * H, ["F-route-mismatch.delivered"])]
    assert shipment_run.of("F-route-ok") == []


@pytest.mark.parametrize(("paid", "owed"), FAKE_TIERS)
def test_fake_shipment_compensation_is_5_percent_rounded_down_between_500_and_10000(
        shipment_run: Run, paid: int, owed: int) -> None:
    oid = f"F-stalled-paid-{paid}"
    assert shipment_run.of(oid) == [
        fake(oid, "stalled_after_pickup", T + 35 * H, [f"{oid}.pickup"], compensation_cents=owed)]


def _fraud(order_id: str, compensation_cents: int) -> dict[str, Any]:
    return verdict(order_id, "fraudulent_shipment", "claim_upheld", T + 60 * H, D,
                   compensation_cents, [f"{order_id}.claim", f"{order_id}.decided"])


def test_upheld_empty_parcel_claim_is_fraudulent_shipment_at_the_decision(shipment_run: Run
                                                                          ) -> None:
    assert shipment_run.of("X-empty-parcel") == [_fraud("X-empty-parcel", 3000)]


@pytest.mark.parametrize(("paid", "owed"), FRAUD_TIERS)
def test_fraud_compensation_is_30_percent_rounded_down_between_500_and_50000(
        shipment_run: Run, paid: int, owed: int) -> None:
    assert shipment_run.of(f"X-paid-{paid}") == [_fraud(f"X-paid-{paid}", owed)]


@pytest.mark.parametrize("order_id", ["X-damaged", "X-not-upheld"])
def test_damaged_claim_or_claim_not_upheld_is_not_fraud(shipment_run: Run, order_id: str
                                                        ) -> None:
    assert shipment_run.of(order_id) == []


def test_fraud_decided_after_the_order_was_refunded_still_fires(shipment_run: Run) -> None:
    assert shipment_run.of("X-decided-after-refund") == [_fraud("X-decided-after-refund", 3000)]


# ---------------------------------------------------------------------------------------------
# --at
# ---------------------------------------------------------------------------------------------

AT_TIMES = [D - S, D, D + 72 * H - S, D + 72 * H, END]


@pytest.fixture(scope="module")
def at_runs(ws: Workspace) -> list[Run]:
    orders = [picked_up_late(confirmed("AT-picked-up-late"), D), confirmed("AT-never-shipped"),
              _said("AT-chat", "没货")]
    runs = [ws.judge("at", orders, at=at) for at in AT_TIMES]
    for run in runs:
        assert_judged(run)
    return runs


def test_nothing_detected_after_at_is_printed_and_timeouts_are_judged_as_of_it(
        at_runs: list[Run]) -> None:
    chat = stockout("AT-chat", "merchant_chat", T + H, ["AT-chat.chat"])
    at_deadline = [chat, late("AT-never-shipped"), late("AT-picked-up-late")]
    unshipped = stockout("AT-never-shipped", "unshipped_after_deadline", D + 72 * H,
                         ["AT-never-shipped.confirmed"])
    with_unshipped = [chat, late("AT-never-shipped"), unshipped, late("AT-picked-up-late")]
    assert [r.verdicts for r in at_runs] == [
        [chat], at_deadline, at_deadline, with_unshipped, with_unshipped]


def test_a_later_at_never_removes_or_changes_a_line(at_runs: list[Run]) -> None:
    for earlier, later in pairwise(at_runs):
        assert set(earlier.stdout.splitlines()) <= set(later.stdout.splitlines())


# ---------------------------------------------------------------------------------------------
# Robustness of the event file
# ---------------------------------------------------------------------------------------------

def test_bad_lines_are_reported_with_their_line_number_and_valid_lines_are_still_judged(
        ws: Workspace) -> None:
    good = _said("G-good", "没货")
    no_placed = confirmed("G-placed-rejected")
    no_placed.report(T + H)
    placed_line, confirmed_line = event_lines([good])[:2]
    lines = [
        placed_line,                                                         # 1
        "{this is not json",                                                 # 2
        '{"event_id": "u1", "order_id": "G-good", "type": "order_shipped", '
        '"at": "2025-03-03T12:00:00+08:00"}',                                # 3 unknown type
        '{"event_id": "m1", "order_id": "G-placed-rejected", "type": "order_placed", '
        '"at": "2025-03-03T09:00:00+08:00", "buyer_id": "b", "sku_id": "k", "quantity": 1, '
        '"paid_cents": 5000}',                                               # 4 no shop_id
        '{"event_id": "w1", "order_id": "G-other", "type": "order_placed", '
        '"at": "2025-03-03T09:00:00+08:00", "shop_id": "s", "buyer_id": "b", "sku_id": "k", '
        '"quantity": 1, "paid_cents": "5000"}',                              # 5 wrong type
        confirmed_line,                                                      # 6
        '{"event_id": "n1", "order_id": "G-good", "type": "chat_message", '
        '"at": "2025-03-03T10:30:00", "sender": "merchant", "text": "没货"}',  # 7 no offset
        *event_lines([good])[2:],                                            # 8, 9
        *event_lines([no_placed])[1:],                                       # 10, 11
    ]
    run = ws.judge("bad-lines", at=END, lines=lines)
    assert run.returncode == 0
    assert run.verdicts == [stockout("G-good", "merchant_chat", T + H, ["G-good.chat"])]
    rejected = {n for n in range(1, len(lines) + 1) if f"第 {n} 行被拒绝" in run.stderr}
    assert rejected == {2, 3, 4, 5, 7}
    for words in ["not JSON", "order_shipped", "shop_id", "paid_cents", "without offset"]:
        assert words in run.stderr


def test_duplicated_event_ids_and_scrambled_lines_give_the_same_output(
        ws: Workspace, stockouts: tuple[list[Order], Run],
        shipments: tuple[list[Order], Run]) -> None:
    for name, (orders, original) in [("stockouts", stockouts), ("shipments", shipments)]:
        lines = scrambled(event_lines(orders))
        again = ws.judge(f"{name}-scrambled", at=END, lines=lines)
        assert_judged(again)
        assert again.stdout == original.stdout


def test_missing_event_file_is_exit_status_2(ws: Workspace) -> None:
    run = run_stockout("judge", ws.root / "no-such-file.jsonl", "--json", "--at", rfc(END))
    assert (run.returncode, run.stdout) == (2, "")
    assert "no-such-file.jsonl" in run.stderr


def test_unknown_rules_is_exit_status_2(ws: Workspace) -> None:
    path = ws.events("unknown-rules", [_said("U-1", "没货")])
    run = run_stockout("judge", path, "--json", "--at", rfc(END), "--rules", "taobao-1999")
    assert (run.returncode, run.stdout) == (2, "")
    assert "taobao-1999" in run.stderr


def test_at_without_offset_is_exit_status_2(ws: Workspace) -> None:
    path = ws.events("naive-at", [_said("U-1", "没货")])
    run = run_stockout("judge", path, "--json", "--at", "2025-12-31T00:00:00")
    assert (run.returncode, run.stdout) == (2, "")
    assert "--at" in run.stderr


# ---------------------------------------------------------------------------------------------
# Rule packs
# ---------------------------------------------------------------------------------------------

LAST_2024 = datetime(2024, 12, 31, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Shanghai
FIRST_2025 = datetime(2024, 12, 31, 16, 0, 0, tzinfo=UTC)  # 2025-01-01T00:00+08:00


@pytest.fixture(scope="module")
def versioned() -> list[Order]:
    return [picked_up_late(confirmed("V-2024", LAST_2024, paid_cents=50000), LAST_2024 + 48 * H),
            picked_up_late(confirmed("V-2025", FIRST_2025, paid_cents=50000),
                           FIRST_2025 + 48 * H)]


def test_family_pdd_judges_each_order_by_the_version_in_force_at_confirmation(
        ws: Workspace, versioned: list[Order]) -> None:
    run = ws.judge("family", versioned, at=END, rules="pdd")
    assert_judged(run)
    assert run.verdicts == [
        late("V-2024", LAST_2024 + 48 * H, 300, pack="pdd-2023"),  # flat 300, paid 50000
        late("V-2025", FIRST_2025 + 48 * H, 500)]


def test_pack_id_pdd_2025_judges_every_order_by_that_pack(ws: Workspace, versioned: list[Order]
                                                          ) -> None:
    run = ws.judge("one-pack", versioned, at=END, rules="pdd-2025")
    assert_judged(run)
    assert run.verdicts == [late("V-2024", LAST_2024 + 48 * H, 500),
                            late("V-2025", FIRST_2025 + 48 * H, 500)]


def _pack_text() -> str:
    return (resources.files("stockout.rulepacks") / "pdd-2025.toml").read_text(encoding="utf-8")


def _edited_pack(ws: Workspace, name: str, *edits: tuple[str, str]) -> str:
    """pdd-2025.toml with each (old, new) replaced once, written beside the event files."""
    text = _pack_text()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    path = ws.root / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_rules_can_be_a_pack_file(ws: Workspace, versioned: list[Order]) -> None:
    pack = _edited_pack(ws, "shop-24h", ('id = "pdd-2025"', 'id = "shop-24h"'),
                        ("default_hours = 48", "default_hours = 24"))
    run = ws.judge("pack-file", versioned[1:], at=END, rules=pack)
    assert_judged(run)
    assert run.verdicts == [late("V-2025", FIRST_2025 + 24 * H, 500, pack="shop-24h")]


def test_pack_file_missing_a_key_is_exit_status_2_naming_the_key(ws: Workspace) -> None:
    pack = _edited_pack(ws, "no-default-hours", ("default_hours = 48\n", ""))
    path = ws.events("missing-key", [_said("U-1", "没货")])
    run = run_stockout("judge", path, "--json", "--at", rfc(END), "--rules", pack)
    assert (run.returncode, run.stdout) == (2, "")
    assert "deadline.default_hours" in run.stderr


def test_pack_file_with_minimum_above_maximum_is_exit_status_2_naming_the_key(ws: Workspace
                                                                              ) -> None:
    pack = _edited_pack(ws, "min-above-max",
                        ("{ percent = 5, min_cents = 500, max_cents = 10000 }",
                         "{ percent = 5, min_cents = 20000, max_cents = 10000 }"))
    path = ws.events("min-above-max", [_said("U-1", "没货")])
    run = run_stockout("judge", path, "--json", "--at", rfc(END), "--rules", pack)
    assert (run.returncode, run.stdout) == (2, "")
    assert "fake_shipment.compensation" in run.stderr


# ---------------------------------------------------------------------------------------------
# explain
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def explain_file(ws: Workspace) -> str:
    campaign = confirmed("E-campaign", campaign=True)
    campaign.report(T + H)
    picked_up_late(campaign, D)
    return str(ws.events("explain", [_said("E-chat", "亲，没货了"), campaign]))


def test_explain_prints_the_timeline_and_why_in_chinese_by_default(explain_file: str) -> None:
    run = run_stockout("explain", "E-chat", explain_file, "--at", rfc(END))
    assert run.returncode == 0, run.stderr
    for words in ["E-chat.chat", "E-chat.cancelled", "发货时限 2025-03-05T10:00:00+08:00",
                  "缺货", "聊天中表示缺货", "“没货”", "赔付买家 ¥5.00 无门槛券",
                  "pdd-2025/stockout/merchant_chat"]:
        assert words in run.stdout


def test_explain_speaks_english_with_lang_en(explain_file: str) -> None:
    run = run_stockout("--lang", "en", "explain", "E-chat", explain_file, "--at", rfc(END))
    assert run.returncode == 0, run.stderr
    for words in ["Ship by 2025-03-05T10:00:00+08:00", "out of stock",
                  "merchant told the buyer there is no stock", "¥5.00 no-threshold coupon"]:
        assert words in run.stdout


def test_explain_says_why_a_report_was_refused(explain_file: str) -> None:
    run = run_stockout("explain", "E-campaign", explain_file, "--at", rfc(END))
    assert run.returncode == 0, run.stderr
    for words in ["E-campaign.report", "活动订单不可报备缺货", "延迟发货",
                  "截至发货时限仍无揽收记录", "¥3.00"]:
        assert words in run.stdout

"""Pure parts of the online judge: event normalisation, cursors, who sees what,
notification texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from stockout.adapters.event_schema import parse_event_object
from stockout.domain.verdicts import Trigger, Verdict, Violation
from stockout.rulepacks import resolve_rules
from stockout.services.access.principals import Principal, Role
from stockout.services.notifications import notices
from stockout.store.mapping import event_fields, event_from_fields, normalised
from stockout.store.types import UTCDateTime

CST = timezone(timedelta(hours=8))


def test_a_stored_event_reads_back_equal_to_the_posted_one() -> None:
    event = parse_event_object({
        "event_id": "e1", "order_id": "o1", "type": "order_placed",
        "at": "2025-03-03T10:00:00+08:00", "shop_id": "s", "buyer_id": "b", "sku_id": "k",
        "quantity": 1, "paid_cents": 100, "presale_ship_by": "2025-03-10T00:00:00+08:00",
        "campaign": True, "promise_hours": 24})
    text, _ = normalised(event)
    assert event_from_fields(text) == event
    scan = parse_event_object({"event_id": "e2", "order_id": "o1", "type": "carrier_scan",
                               "at": "2025-03-03T10:00:00Z", "carrier": "YTO",
                               "tracking_no": "T", "status": "pickup"})
    assert event_from_fields(normalised(scan)[0]) == scan


def test_a_posted_event_of_every_type_reads_back_as_itself_field_for_field() -> None:
    """What lets ingestion hand its parsed events to re-judging (`read_back_as`): the posted
    event and the one its stored fields read back as agree in every field's value and type."""
    from stockout.domain.events import EventType
    from stockout.simulation import simulate_events

    at = "2025-03-03T10:00:00.250000+08:00"
    more = [{"type": "refund_decided", "by": "platform", "upheld": False, "reason": "no"},
            {"type": "return_requested"}, {"type": "return_decided", "by": "merchant",
                                           "upheld": True},
            {"type": "return_shipped", "carrier": "YTO", "tracking_no": "T9"},
            {"type": "return_received"}, {"type": "aftersale_escalated", "reason": "退款"},
            {"type": "remedy_chosen", "remedy": "presale", "until": at},
            {"type": "order_placed", "shop_id": "s", "buyer_id": "b", "sku_id": "k",
             "quantity": 2, "paid_cents": 100, "promise_hours": 36, "campaign": False}]
    posted = [dict(e) for e in simulate_events(300, 3, days=30)]
    posted += [{"event_id": f"x{n}", "order_id": "o9", "at": at, **e} for n, e in enumerate(more)]
    events = [parse_event_object(e) for e in posted]
    assert {e.type for e in events} == set(EventType)
    for event in events:
        back = event_from_fields(normalised(event)[0])
        assert back == event
        assert [type(v) for v in back] == [type(v) for v in event]
        assert [v.tzinfo for v in back if isinstance(v, datetime)] == [
            v.tzinfo for v in event if isinstance(v, datetime)]


def test_the_same_instant_written_with_another_offset_is_the_same_event() -> None:
    base = {"event_id": "e1", "order_id": "o1", "type": "order_confirmed"}
    a = parse_event_object(dict(base, at="2025-03-03T10:00:00+08:00"))
    b = parse_event_object(dict(base, at="2025-03-03T02:00:00Z"))
    c = parse_event_object(dict(base, at="2025-03-03T10:00:01+08:00"))
    assert normalised(a)[1] == normalised(b)[1] != normalised(c)[1]
    assert event_fields(a)["at"] == "2025-03-03T02:00:00+00:00"


def test_a_time_without_offset_never_reaches_the_database() -> None:
    column = UTCDateTime()
    with pytest.raises(ValueError, match="aware"):
        column.process_bind_param(datetime(2025, 1, 1), None)  # type: ignore[arg-type]


def test_cursors_round_trip_and_a_forged_cursor_is_a_400_problem() -> None:
    from stockout.api.pagination import decode, encode
    from stockout.api.problems import Problem

    at = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
    assert decode(encode(["o1", at, "stockout"]), times=(1,)) == ["o1", at, "stockout"]
    with pytest.raises(Problem) as caught:
        decode("not-a-cursor", times=(1,))
    assert caught.value.status == 400


def test_a_merchant_sees_and_posts_for_its_shops_and_a_buyer_only_sees_its_orders() -> None:
    merchant = Principal(Role.MERCHANT, "t1", frozenset({"s1"}))
    buyer = Principal(Role.BUYER, "t2", buyer_id="b1")
    platform = Principal(Role.PLATFORM, "t3")
    assert merchant.sees_order("s1", "bx") and not merchant.sees_order("s2", "b1")
    assert buyer.sees_order("s9", "b1") and not buyer.sees_order("s1", "b2")
    assert merchant.may_post_for("s1") and not merchant.may_post_for(None)
    assert not buyer.may_post_for("s1") and platform.may_post_for(None)
    assert not buyer.sees_shop("s1") and merchant.sees_shop("s1") and platform.sees_shop("x")


def test_notices_are_written_in_chinese_and_english_and_carry_a_dedupe_key() -> None:
    pack = resolve_rules("pdd-2025").packs[0]
    at = datetime(2025, 3, 5, 10, 0, tzinfo=CST)
    v = Verdict("o1", Violation.STOCKOUT, Trigger.SELF_REPORT, at, at, 500,
                "pdd-2025/stockout/self_report", ("o1.report",), "s1", 5000)
    row = notices.coupon_issued(v, "o1/stockout/1", "b1", pack, at)
    assert row["dedupe_key"] == "coupon:o1/stockout/1:issued"
    assert (row["recipient_role"], row["recipient_id"]) == ("buyer", "b1")
    import json

    texts = notices.with_texts(json.loads(row["payload"]))["texts"]  # made when read
    assert "¥5.00" in texts["zh"]["title"] and "很抱歉" in texts["zh"]["body"]
    assert "We are sorry" in texts["en"]["body"] and "refund" in texts["en"]["body"]
    warning = notices.at_risk("o1", "s1", at, 300, at - timedelta(hours=6))
    assert "6.0" in json.loads(warning["payload"])["texts"]["en"]["body"]

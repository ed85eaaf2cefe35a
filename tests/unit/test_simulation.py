"""The marketplace simulator: deterministic, true to the event-file contract, and covering every
trigger of the trigger table in a month of 20,000 orders."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockout.simulation import simulate_announcements, simulate_events, write_jsonl

Event = dict[str, object]
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")
TRACKING = re.compile(r"^(ZT\d{12}|YT\d{13}|YD\d{13}|ST\d{12}|JT\d{13}|98\d{11}|SF\d{13})$")
CARRIERS = {"中通", "圆通", "申通", "韵达", "极兔", "顺丰", "邮政"}
STATUSES = {"pickup", "depart", "in_transit", "arrive", "out_for_delivery", "delivered",
            "exception", "returned"}
CLAIM_KINDS = {"empty_parcel", "wrong_item", "damaged", "not_received", "other"}
REMEDIES = {"wait", "substitute", "presale", "refund"}
COMMON = {"event_id": str, "order_id": str, "type": str, "at": "time"}
# type -> {field: its type, or the set of its allowed values}; OPTIONAL names those that may
# be absent
FIELDS: dict[str, dict[str, object]] = {
    "order_placed": {"shop_id": str, "buyer_id": str, "sku_id": str, "quantity": int,
                     "paid_cents": int, "category": str, "promise_hours": int,
                     "presale_ship_by": "time", "campaign": bool, "ship_from_region": str,
                     "ship_to_region": str},
    "order_confirmed": {},
    "group_failed": {},
    "order_cancelled": {"by": {"buyer", "merchant", "platform"}, "reason": str},
    "shipment_uploaded": {"carrier": CARRIERS, "tracking_no": str},
    "carrier_scan": {"carrier": CARRIERS, "tracking_no": str, "status": STATUSES, "region": str},
    "stockout_reported": {"reason": str},
    "chat_message": {"sender": {"merchant", "buyer"}, "text": str},
    "refund_requested": {"initiator": {"buyer", "merchant"}, "reason": str},
    "refund_completed": {"amount_cents": int},
    "after_sale_claim": {"claim_id": str, "kind": CLAIM_KINDS},
    "claim_decided": {"claim_id": str, "upheld": bool},
    "remedy_chosen": {"remedy": REMEDIES, "until": "time", "substitute_sku_id": str},
}
OPTIONAL = {"category", "promise_hours", "presale_ship_by", "campaign", "region", "until",
            "substitute_sku_id"}
ORDERS = 20_000


@cache
def t(value: object) -> datetime:
    assert isinstance(value, str)
    return datetime.fromisoformat(value)


@pytest.fixture(scope="module")
def month() -> list[Event]:
    return list(simulate_events(ORDERS, seed=2025))


@pytest.fixture(scope="module")
def orders(month: list[Event]) -> dict[str, list[Event]]:
    """Each order's distinct events, in time order."""
    by_order: dict[str, dict[str, Event]] = defaultdict(dict)
    for ev in month:
        by_order[str(ev["order_id"])].setdefault(str(ev["event_id"]), ev)
    # every time is written in +08:00 to the second, so the strings sort as the instants do
    return {oid: sorted(evs.values(), key=lambda e: (str(e["at"]), str(e["event_id"])))
            for oid, evs in by_order.items()}


def of(evs: list[Event], kind: str) -> list[Event]:
    return [e for e in evs if e["type"] == kind]


def contract_problems(ev: Event) -> list[str]:
    spec = FIELDS.get(str(ev.get("type")))
    if spec is None:
        return [f"unknown type {ev.get('type')!r}"]
    problems = []
    for name, want in {**COMMON, **spec}.items():
        if name not in ev:
            if name not in OPTIONAL:
                problems.append(f"missing {name}")
            continue
        value = ev[name]
        if want == "time":
            if not (isinstance(value, str) and TIME.match(value)):
                problems.append(f"{name} is not RFC 3339 with +08:00: {value!r}")
        elif isinstance(want, set):
            if value not in want:
                problems.append(f"{name}={value!r} not in the contract's values")
        elif type(value) is not want:
            problems.append(f"{name} is {type(value).__name__}, not {want}")
    problems += [f"unexpected field {k}" for k in ev if k not in COMMON and k not in spec]
    if ev["type"] == "order_placed":
        if not (isinstance(ev["quantity"], int) and ev["quantity"] >= 1):
            problems.append("quantity < 1")
        if not (isinstance(ev["paid_cents"], int) and ev["paid_cents"] >= 0):
            problems.append("paid_cents < 0")
    return problems


# ---- determinism ---------------------------------------------------------------------------


def test_the_same_arguments_write_byte_identical_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert write_jsonl(simulate_events(800, seed=7), a) == write_jsonl(simulate_events(800, 7), b)
    assert a.read_bytes() == b.read_bytes()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**40), orders=st.integers(0, 60), days=st.integers(1, 40))
def test_the_same_seed_gives_the_same_events(seed: int, orders: int, days: int) -> None:
    assert list(simulate_events(orders, seed, days=days)) == list(
        simulate_events(orders, seed, days=days))


def test_different_seeds_give_different_events() -> None:
    assert list(simulate_events(200, seed=1)) != list(simulate_events(200, seed=2))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**40))
def test_the_fast_writer_writes_exactly_the_json_of_the_dicts(seed: int) -> None:
    """write_jsonl renders a fresh simulation without dicts; it must match encoding the dicts."""
    fast = list(simulate_events(300, seed).lines())
    slow = [json.dumps(e, ensure_ascii=False, separators=(",", ":"))
            for e in simulate_events(300, seed)]
    assert fast == slow


def test_writing_dicts_or_a_fresh_stream_gives_the_same_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    written: list[int] = []
    n = write_jsonl(simulate_events(3000, seed=11), a, progress=written.append)
    assert written and written[-1] == n
    assert write_jsonl(iter(list(simulate_events(3000, seed=11))), b) == n
    assert a.read_bytes() == b.read_bytes()
    assert a.read_text(encoding="utf-8").count("\n") == n


# ---- the contract --------------------------------------------------------------------------


def test_every_event_satisfies_the_event_file_contract(month: list[Event]) -> None:
    bad = [(ev["event_id"], p) for ev in month for p in contract_problems(ev)]
    assert bad == []


def test_repeated_event_ids_are_exact_duplicates(month: list[Event]) -> None:
    first: dict[object, Event] = {}
    repeats = 0
    for ev in month:
        if ev["event_id"] in first:
            repeats += 1
            assert ev == first[ev["event_id"]]
        else:
            first[ev["event_id"]] = ev
    assert 0.001 < repeats / len(month) < 0.004


def test_events_arrive_in_time_order_except_a_few_late_ones(month: list[Event]) -> None:
    latest, late = "", 0
    for ev in month:
        at = str(ev["at"])  # same offset, same format: strings order as the instants
        if at < latest:
            late += 1
        latest = max(latest, at)
    assert 0.002 < late / len(month) < 0.01


def test_each_order_starts_with_its_placement(orders: dict[str, list[Event]]) -> None:
    assert len(orders) == ORDERS
    for evs in orders.values():
        assert evs[0]["type"] == "order_placed" and len(of(evs, "order_placed")) == 1


def test_the_event_count_grows_linearly_with_the_orders() -> None:
    small = sum(1 for _ in simulate_events(1500, seed=3))
    large = sum(1 for _ in simulate_events(6000, seed=3))
    assert 3.7 < large / small < 4.3


def test_a_start_without_offset_is_refused() -> None:
    with pytest.raises(ValueError):
        simulate_events(10, 1, start=datetime(2025, 6, 1))


def test_orders_are_placed_from_the_start_over_the_days_in_china_time() -> None:
    start = datetime(2025, 3, 1, 0, 0, tzinfo=timezone(timedelta(hours=8)))
    placed = [t(e["at"]) for e in simulate_events(2000, 5, start=start, days=10)
              if e["type"] == "order_placed"]
    assert start <= min(placed) and max(placed) < start + timedelta(days=10)
    evening = sum(19 <= p.hour <= 22 for p in placed)
    small_hours = sum(2 <= p.hour <= 5 for p in placed)
    assert evening > 5 * small_hours


def test_the_promotion_day_is_the_busiest(orders: dict[str, list[Event]]) -> None:
    per_day = Counter(t(evs[0]["at"]).date() for evs in orders.values())
    assert per_day.most_common(1)[0][0] == datetime(2025, 6, 18).date()


# ---- the cast --------------------------------------------------------------------------------


def test_thousands_of_shops_skus_buyers_and_regions(month: list[Event]) -> None:
    placed = [e for e in month if e["type"] == "order_placed"]
    shops = {e["shop_id"] for e in placed}
    assert len(shops) > 400 and len({e["sku_id"] for e in placed}) > 2 * len(shops)
    assert len({e["buyer_id"] for e in placed}) > 3000
    assert {"新疆", "西藏"} <= {e["ship_to_region"] for e in placed}
    assert {"服饰", "食品", "生鲜", "家居", "数码", "美妆"} <= {e.get("category") for e in placed}
    assert any("category" not in e for e in placed)
    assert {e["carrier"] for e in month if e["type"] == "shipment_uploaded"} == CARRIERS
    assert all(TRACKING.match(str(e["tracking_no"])) for e in month
               if e["type"] == "shipment_uploaded")


def test_prices_reach_both_sides_of_every_threshold(month: list[Event]) -> None:
    paid = [int(str(e["paid_cents"])) for e in month if e["type"] == "order_placed"]
    assert any(p < 2000 for p in paid) and any(2000 <= p < 10000 for p in paid)
    assert any(10000 <= p <= 30000 for p in paid) and any(p > 30000 for p in paid)
    assert 30000 in paid and max(paid) > 200000
    assert sorted(paid)[len(paid) // 2] < 10000  # mostly cheap


def test_promises_presales_and_campaigns_appear(month: list[Event]) -> None:
    placed = [e for e in month if e["type"] == "order_placed"]
    assert any(e.get("promise_hours") == 24 for e in placed)
    assert any(e.get("campaign") is True for e in placed)
    for e in placed:
        if "presale_ship_by" in e:
            assert timedelta(days=5) <= t(e["presale_ship_by"]) - t(e["at"]) <= timedelta(days=16)
    assert any("presale_ship_by" in e for e in placed)


def test_announcements_follow_their_contract_and_the_seed() -> None:
    notices = simulate_announcements(2025)
    assert notices == simulate_announcements(2025)
    assert len(notices) >= 3 and len({n["id"] for n in notices}) == len(notices)
    lists = {"ship_from_regions", "ship_to_regions", "categories"}
    for n in notices:
        assert set(n) <= {"id", "starts", "ends", "extend_hours"} | lists
        assert TIME.match(str(n["starts"])) and TIME.match(str(n["ends"]))
        assert t(n["starts"]) < t(n["ends"]) and isinstance(n["extend_hours"], int)
        assert all(isinstance(n[k], list) and n[k] for k in lists & set(n))
    assert any(set(n) == {"id", "starts", "ends", "extend_hours"} for n in notices)  # promotion
    assert any("ship_from_regions" in n for n in notices)


# ---- every trigger of the trigger table, and the look-alikes that must not fire -------------

INDUCE = ("申请退款", "申请一下退款", "退款吧", "取消订单")
H24, H48 = timedelta(hours=24), timedelta(hours=48)


@pytest.fixture(scope="module")
def notices() -> list[dict[str, object]]:
    return simulate_announcements(2025)


def deadline(evs: list[Event], notices: list[dict[str, object]]) -> datetime | None:
    """The pdd-2025 deadline as the simulator means it (no category limits)."""
    placed, confirmed = evs[0], of(evs, "order_confirmed")
    if not confirmed:
        return None
    if "presale_ship_by" in placed:
        base = t(placed["presale_ship_by"])
    else:
        hours = placed.get("promise_hours", 48)
        assert isinstance(hours, int)
        base = t(confirmed[0]["at"]) + timedelta(hours=hours)
    extend = 0
    for n in notices:
        if not t(n["starts"]) <= base < t(n["ends"]):
            continue
        wanted = {"ship_from_regions": placed["ship_from_region"],
                  "ship_to_regions": placed["ship_to_region"], "categories": placed.get("category")}
        if all(value in n[key] for key, value in wanted.items() if key in n):  # type: ignore[operator]
            extend += int(str(n["extend_hours"]))
    return base + timedelta(hours=extend)


def closed_at(evs: list[Event]) -> datetime | None:
    closing = [t(e["at"]) for e in evs
               if e["type"] in ("group_failed", "order_cancelled", "refund_completed")]
    return min(closing, default=None)


def texts(evs: list[Event], sender: str) -> list[str]:
    return [str(e["text"]) for e in of(evs, "chat_message") if e["sender"] == sender]


def test_every_event_type_and_scan_status_appears(month: list[Event]) -> None:
    assert {e["type"] for e in month} == set(FIELDS)
    assert {e["status"] for e in month if e["type"] == "carrier_scan"} == STATUSES
    delivered = [e for e in month if e.get("status") == "delivered"]
    assert all("region" in e for e in delivered)


def test_group_buys_form_later_or_fail(orders: dict[str, list[Event]]) -> None:
    waits = [t(of(evs, "order_confirmed")[0]["at"]) - t(evs[0]["at"])
             for evs in orders.values() if of(evs, "order_confirmed")]
    assert sum(w > timedelta(minutes=5) for w in waits) > len(waits) / 3
    assert sum(w < timedelta(seconds=5) for w in waits) > len(waits) / 4
    failed = [evs for evs in orders.values() if of(evs, "group_failed")]
    assert 0.005 * ORDERS < len(failed) < 0.05 * ORDERS
    assert all(len(evs) == 2 for evs in failed)


def test_pickups_after_the_deadline_some_uploaded_in_time(
        orders: dict[str, list[Event]], notices: list[dict[str, object]]) -> None:
    late = uploaded_in_time = excused = 0
    for evs in orders.values():
        due, scans, uploads = deadline(evs, notices), of(evs, "carrier_scan"), of(
            evs, "shipment_uploaded")
        if due is None or not scans:
            continue
        pickup = t(scans[0]["at"])
        if pickup > due:
            late += 1
            uploaded_in_time += t(uploads[0]["at"]) <= due
        elif due - pickup < timedelta(hours=24) and deadline(evs, []) != due:
            excused += pickup > (deadline(evs, []) or due)  # in the slack a notice granted
    assert late > 0.02 * ORDERS and uploaded_in_time > 0 and excused > 0


def test_orders_never_shipped_some_refunded_later(
        orders: dict[str, list[Event]], notices: list[dict[str, object]]) -> None:
    silent = refunded = 0
    for evs in orders.values():
        kinds = {e["type"] for e in evs}
        if kinds == {"order_placed", "order_confirmed"}:
            silent += 1
        elif kinds == {"order_placed", "order_confirmed", "refund_requested", "refund_completed"}:
            due, request = deadline(evs, notices), of(evs, "refund_requested")[0]
            refunded += request["initiator"] == "buyer" and due is not None and t(
                request["at"]) > due
    assert silent > 0 and refunded > 0


def test_stockouts_reported_before_and_after_the_deadline(
        orders: dict[str, list[Event]], notices: list[dict[str, object]]) -> None:
    before = after = 0
    for evs in orders.values():
        scans = of(evs, "carrier_scan")
        for report in of(evs, "stockout_reported"):
            due = deadline(evs, notices)
            assert due is not None
            assert not scans or t(report["at"]) < t(scans[0]["at"])  # reported before pickup
            before += t(report["at"]) <= due
            after += t(report["at"]) > due
    assert before > 0 and after > 0


def test_one_oversold_shop_reports_more_than_ten_stockouts_in_a_day(month: list[Event]) -> None:
    shop = {e["order_id"]: e["shop_id"] for e in month if e["type"] == "order_placed"}
    per_shop_day = Counter((shop[e["order_id"]], t(e["at"]).date())
                           for e in month if e["type"] == "stockout_reported")
    assert max(per_shop_day.values()) > 10


def test_merchants_admit_stockouts_in_many_disguises(month: list[Event]) -> None:
    said = [str(e["text"]) for e in month
            if e["type"] == "chat_message" and e["sender"] == "merchant"]
    for needle in ("没货", "没有货了", "这款缺货了", "暂时断货", "库存不足发不了货", "卖完了",
                   "缺貨", "沒貨", "没 货", "缺-货", "缺　货"):
        assert any(needle in text for text in said), needle


def test_merchants_deny_stockouts_and_chat_about_shipping(orders: dict[str, list[Event]]) -> None:
    denials = small_talk = 0
    for evs in orders.values():
        merchant, buyer = texts(evs, "merchant"), texts(evs, "buyer")
        shipped = bool(of(evs, "carrier_scan"))
        denials += shipped and any(d in m for m in merchant
                                   for d in ("不缺货哦", "有货的亲", "放心不会缺货"))
        small_talk += shipped and "今天发" in merchant and "什么时候发货？" in buyer
    assert denials > 0 and small_talk > 0


def test_merchants_refund_or_cancel_before_shipping(orders: dict[str, list[Event]]) -> None:
    refunds, cancels = Counter[str](), Counter[str]()
    for evs in orders.values():
        if of(evs, "shipment_uploaded"):
            continue
        refunds.update(str(e["initiator"]) for e in of(evs, "refund_requested"))
        cancels.update(str(e["by"]) for e in of(evs, "order_cancelled"))
    assert refunds["merchant"] > 0 and refunds["buyer"] > 0
    assert cancels["merchant"] > 0 and cancels["buyer"] > 0 and cancels["platform"] > 0


def test_merchants_ask_buyers_to_refund_and_buyers_do(orders: dict[str, list[Event]]) -> None:
    induced, reasons = 0, Counter[str]()
    for evs in orders.values():
        asks = [t(e["at"]) for e in of(evs, "chat_message")
                if e["sender"] == "merchant" and any(p in str(e["text"]) for p in INDUCE)]
        refunds = [e for e in of(evs, "refund_requested") if e["initiator"] == "buyer"]
        if asks and refunds and not of(evs, "carrier_scan"):
            gap = t(refunds[0]["at"]) - asks[0]
            induced += timedelta(0) < gap <= H48
        reasons.update(str(e["reason"]) for e in refunds)
    assert induced > 0 and reasons["商家说没货"] > 0


def test_fake_shipments_of_every_kind(orders: dict[str, list[Event]]) -> None:
    never_scanned = unscanned_120h = late_first_scan = stalled = relabelled = 0
    for evs in orders.values():
        uploads, scans = of(evs, "shipment_uploaded"), of(evs, "carrier_scan")
        if not uploads:
            continue
        first = t(uploads[0]["at"])
        closed = closed_at(evs)
        if not scans:
            never_scanned += 1
            unscanned_120h += closed is None or closed > first + timedelta(hours=120)
            continue
        late_first_scan += t(scans[0]["at"]) > first + H24
        if scans[0]["status"] != "delivered":
            stalled += len(scans) == 1 or t(scans[1]["at"]) > t(scans[0]["at"]) + H24
        relabelled += len({u["tracking_no"] for u in uploads}) > 1
    assert never_scanned > 0 and unscanned_120h > 0 and late_first_scan > 0
    assert stalled > 0 and relabelled > 0


def test_tracking_numbers_reused_for_other_buyers_and_merged_parcels(month: list[Event]) -> None:
    buyer = {e["order_id"]: e["buyer_id"] for e in month if e["type"] == "order_placed"}
    uses: dict[tuple[object, object], dict[object, datetime]] = defaultdict(dict)
    for e in month:
        if e["type"] == "shipment_uploaded":
            uses[(e["carrier"], e["tracking_no"])].setdefault(e["order_id"], t(e["at"]))
    reused = merged = 0
    for by_order in uses.values():
        if len(by_order) < 2:
            continue
        buyers = {buyer[o] for o in by_order}
        span = max(by_order.values()) - min(by_order.values())
        reused += len(buyers) > 1 and span <= timedelta(days=30)
        merged += len(buyers) == 1
    assert reused > 0 and merged > 0


def test_deliveries_to_the_wrong_region(orders: dict[str, list[Event]]) -> None:
    wrong = sum(any(s["status"] == "delivered" and s["region"] != evs[0]["ship_to_region"]
                    for s in of(evs, "carrier_scan")) for evs in orders.values())
    assert 0 < wrong < 0.02 * ORDERS


def test_after_sale_claims_of_each_kind_are_decided_both_ways(
        orders: dict[str, list[Event]]) -> None:
    decided: dict[str, set[object]] = defaultdict(set)
    for evs in orders.values():
        for claim in of(evs, "after_sale_claim"):
            decisions = [d for d in of(evs, "claim_decided") if d["claim_id"] == claim["claim_id"]]
            assert len(decisions) == 1 and t(decisions[0]["at"]) > t(claim["at"])
            decided[str(claim["kind"])].add(decisions[0]["upheld"])
    for kind in ("empty_parcel", "wrong_item", "damaged", "not_received"):
        assert decided[kind] == {True, False}, kind


def test_buyers_choose_each_remedy_after_a_stockout(orders: dict[str, list[Event]]) -> None:
    chosen = Counter[str]()
    for evs in orders.values():
        for remedy in of(evs, "remedy_chosen"):
            known = [e for e in evs if e["type"] == "stockout_reported" or (
                e["type"] == "chat_message" and e["sender"] == "merchant")]
            assert known and t(known[0]["at"]) <= t(remedy["at"])
            kind = str(remedy["remedy"])
            chosen[kind] += 1
            if kind in ("wait", "presale"):
                assert t(remedy["until"]) > t(remedy["at"])
            if kind == "substitute":
                assert remedy["substitute_sku_id"] != evs[0]["sku_id"]
    assert set(chosen) == REMEDIES

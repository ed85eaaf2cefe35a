"""Hypothesis strategies: small marketplaces whose events crowd the rules' edges
(ties at deadlines, closures, presale, announcements, reused tracking, chat variants)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from stockout.domain.announcements import Announcement
from stockout.domain.events import ClaimKind, Event, EventType, Party, ScanStatus

T0 = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
EDGE_HOURS = [0, 1, 23, 24, 25, 47, 48, 49, 71, 72, 96, 120, 121, 144, 168, 192, 240]
TEXTS = ["今天发货", "亲，没货了", "沒 貨", "缺-货了", "不缺货哦", "有货的亲", "放心不会缺货",
         "麻烦申请一下退款", "退款吧", "ｍｅｉ货", "库存不足发不了货", "好的"]
REGIONS = ["广东", "新疆"]
CARRIERS = ["中通", "圆通"]
TRACKING = ["ZT1", "ZT2", "ZT3"]

offsets = st.one_of(
    st.sampled_from(EDGE_HOURS).map(lambda h: timedelta(hours=h)),
    st.integers(min_value=0, max_value=260 * 60).map(lambda m: timedelta(minutes=m)),
)


@st.composite
def order_events(draw: st.DrawFn, order_no: int) -> list[Event]:
    oid = f"o{order_no}"
    n = 0

    def at() -> datetime:
        return T0 + draw(offsets)

    def eid() -> str:
        nonlocal n
        n += 1
        return f"{oid}-e{n}"

    events = [Event(eid(), oid, EventType.ORDER_PLACED, T0,
                    shop_id=draw(st.sampled_from(["s1", "s2"])),
                    buyer_id=draw(st.sampled_from(["b1", "b2", "b3"])), sku_id="k1", quantity=1,
                    paid_cents=draw(st.sampled_from([0, 999, 1999, 9999, 10000, 30000, 30001,
                                                     123456, 999999])),
                    category=draw(st.sampled_from([None, "定制", "食品"])),
                    # 2**-11 h is half a microsecond past a whole one: the rounding edge.
                    promise_hours=draw(st.sampled_from([None, 24.0, 72.0, 0.00048828125])),
                    presale_ship_by=draw(st.sampled_from([None, T0 + timedelta(hours=96)])),
                    campaign=draw(st.booleans()),
                    ship_from_region=draw(st.sampled_from(REGIONS)),
                    ship_to_region=draw(st.sampled_from(REGIONS)))]
    if draw(st.integers(0, 9)) > 0:
        events.append(Event(eid(), oid, EventType.ORDER_CONFIRMED, T0 + draw(
            st.sampled_from([timedelta(0), timedelta(minutes=30)]))))
    kinds = st.sampled_from(["upload", "scan", "chat", "report", "refund", "cancel", "close",
                             "claim", "decide", "aftersale"])
    for kind in draw(st.lists(kinds, max_size=7)):
        if kind == "upload":
            events.append(Event(eid(), oid, EventType.SHIPMENT_UPLOADED, at(),
                                carrier=draw(st.sampled_from(CARRIERS)),
                                tracking_no=draw(st.sampled_from(TRACKING))))
        elif kind == "scan":
            events.append(Event(eid(), oid, EventType.CARRIER_SCAN, at(), carrier=CARRIERS[0],
                                tracking_no=TRACKING[0],
                                status=draw(st.sampled_from(list(ScanStatus))),
                                region=draw(st.sampled_from([None, *REGIONS]))))
        elif kind == "chat":
            events.append(Event(eid(), oid, EventType.CHAT_MESSAGE, at(),
                                sender=draw(st.sampled_from([Party.MERCHANT, Party.BUYER])),
                                text=draw(st.sampled_from(TEXTS))))
        elif kind == "report":
            events.append(Event(eid(), oid, EventType.STOCKOUT_REPORTED, at(), reason="缺货"))
        elif kind == "refund":
            events.append(Event(eid(), oid, EventType.REFUND_REQUESTED, at(),
                                initiator=draw(st.sampled_from([Party.MERCHANT, Party.BUYER])),
                                reason=draw(st.sampled_from(["不想要了", "商家说没货"]))))
        elif kind == "cancel":
            events.append(Event(eid(), oid, EventType.ORDER_CANCELLED, at(),
                                by=draw(st.sampled_from(list(Party))), reason="x"))
        elif kind == "close":
            events.append(Event(eid(), oid, draw(st.sampled_from(
                [EventType.GROUP_FAILED, EventType.REFUND_COMPLETED])), at(), amount_cents=0))
        elif kind == "claim":
            events.append(Event(eid(), oid, EventType.AFTER_SALE_CLAIM, at(), claim_id="c1",
                                kind=draw(st.sampled_from(list(ClaimKind)))))
        elif kind == "decide":
            events.append(Event(eid(), oid, EventType.CLAIM_DECIDED, at(), claim_id="c1",
                                upheld=draw(st.booleans())))
        else:  # the after-sales steps: every engine must accept and ignore them
            events.append(draw(st.sampled_from(_aftersale_steps(eid(), oid, at()))))
    return events


def _aftersale_steps(event_id: str, oid: str, at: datetime) -> list[Event]:
    return [Event(event_id, oid, EventType.REFUND_DECIDED, at, by=Party.MERCHANT, upheld=False,
                  reason="no"),
            Event(event_id, oid, EventType.RETURN_REQUESTED, at, reason=""),
            Event(event_id, oid, EventType.RETURN_DECIDED, at, by=Party.PLATFORM, upheld=True,
                  reason="ok"),
            Event(event_id, oid, EventType.RETURN_SHIPPED, at, carrier=CARRIERS[1],
                  tracking_no=TRACKING[1]),
            Event(event_id, oid, EventType.RETURN_RECEIVED, at, by=Party.MERCHANT),
            Event(event_id, oid, EventType.AFTERSALE_ESCALATED, at, reason="")]


@st.composite
def marketplaces(draw: st.DrawFn, max_orders: int = 4) -> list[Event]:
    """The events of 1..max_orders orders, in arrival order."""
    count = draw(st.integers(1, max_orders))
    events: list[Event] = []
    for i in range(count):
        events.extend(draw(order_events(i)))
    return events


announcements = st.lists(
    st.builds(
        lambda start, length, hours, regions: Announcement(
            f"a{start}-{length}-{hours}", T0 + timedelta(hours=start),
            T0 + timedelta(hours=start + length), hours, regions),
        st.sampled_from([24, 40, 48, 90]), st.sampled_from([8, 24, 72]),
        st.sampled_from([12.0, 24.0, 48.0]),
        st.sampled_from([None, frozenset({"广东"}), frozenset({"新疆"})]),
    ),
    max_size=2,
)

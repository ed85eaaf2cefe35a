"""What can happen to an order, one function per scenario, and the mix each shop profile draws:
enough rare trouble that every trigger of the DESIGN.md table turns up in a simulated month."""

from __future__ import annotations

from bisect import bisect
from collections.abc import Callable
from itertools import accumulate

from stockout.simulation import chat
from stockout.simulation.lifecycle import Order, OrderMaker, Timeline
from stockout.simulation.world import CARRIERS, DAY, HOUR, REGION_NAMES

Play = Callable[[OrderMaker, Order], None]


def normal(m: OrderMaker, o: Order) -> None:
    p = m.on_time(o)
    if m.rng.random() < 0.08:
        m.talk(o, o.c + 300, p, m.rng.choice(chat.SMALL_TALK))
    m.ship(o, p, o.c)


def late(m: OrderMaker, o: Order) -> None:
    """Picked up after the deadline; a quarter upload in time first (the 预发货 trick)."""
    rng = m.rng
    p = o.due + int(rng.triangular(HOUR, 70 * HOUR, 3 * HOUR))
    if rng.random() < 0.3:
        m.talk(o, o.c + 600, o.due, rng.choice(chat.SMALL_TALK))
    upload = None
    if rng.random() < 0.25:
        upload = max(o.c + 300, o.due - m.between(600, 6 * HOUR), p - 23 * HOUR)
    m.ship(o, p, o.c, upload_at=upload)


def never_shipped(m: OrderMaker, o: Order) -> None:
    """Nothing after confirmation; about half the buyers give up and get their money back."""
    rng = m.rng
    if rng.random() < 0.55:
        t = o.due + int(rng.triangular(6 * HOUR, 150 * HOUR, 30 * HOUR))
        m.refund(o, t, "buyer", chat.UNSHIPPED_REFUND_REASONS)


def _report(m: OrderMaker, o: Order, r: int) -> None:
    o.tl.add(r, "stockout_reported", {"reason": m.rng.choice(chat.STOCKOUT_REPORT_REASONS)})
    m.remedy(o, r)


def report_early(m: OrderMaker, o: Order) -> None:
    _report(m, o, o.c + m.between(1800, max(1801, o.due - o.c - 600)))


def report_late(m: OrderMaker, o: Order) -> None:
    _report(m, o, o.due + m.between(600, 70 * HOUR))


def chat_stockout(m: OrderMaker, o: Order) -> None:
    """The merchant tells the buyer there is no stock, before or after the deadline."""
    rng = m.rng
    t = o.c + m.between(HOUR, o.due - o.c + 30 * HOUR)
    if rng.random() < 0.5:
        ask = rng.choice((*chat.DOUBT_LINES, *chat.NUDGE_LINES))
        m.say(o, max(o.c + 60, t - m.between(600, 5 * HOUR)), "buyer", ask)
    m.say(o, t, "merchant", chat.stockout_line(rng))
    x = rng.random()
    if x < 0.3:
        m.refund(o, t + m.between(600, 12 * HOUR), "merchant", chat.MERCHANT_REFUND_REASONS)
    elif x < 0.55:
        m.refund(o, t + m.between(600, 20 * HOUR), "buyer", ("商家说没货", "缺货", "商家缺货"))
    elif x < 0.8:
        m.remedy(o, t)
    else:
        m.ship(o, max(t, o.due) + m.between(2 * HOUR, 48 * HOUR), t)


def merchant_refund(m: OrderMaker, o: Order) -> None:
    t = o.c + m.between(2 * HOUR, o.due - o.c + 48 * HOUR)
    m.refund(o, t, "merchant", chat.MERCHANT_REFUND_REASONS)


def merchant_cancel(m: OrderMaker, o: Order) -> None:
    rng = m.rng
    t = o.c + m.between(HOUR, o.due - o.c + 24 * HOUR)
    o.tl.add(t, "order_cancelled", {"by": "merchant", "reason": rng.choice(
        chat.MERCHANT_CANCEL_REASONS)})


def induced(m: OrderMaker, o: Order) -> None:
    """The seed's evasion: the merchant asks the buyer to refund, and the buyer does."""
    rng = m.rng
    t = o.c + m.between(2 * HOUR, o.due - o.c + 24 * HOUR)
    if rng.random() < 0.5:
        ask = rng.choice(chat.NUDGE_LINES)
        m.say(o, t - m.between(600, HOUR), "buyer", ask)
    m.say(o, t, "merchant", rng.choice(chat.INDUCE_LINES))
    # one in ten buyers only acts days later, outside the window the rule looks at
    late_reply = rng.random() < 0.1
    delay = m.between(49 * HOUR, 70 * HOUR) if late_reply else m.between(600, 20 * HOUR)
    m.refund(o, t + delay, "buyer", chat.INDUCED_REFUND_REASONS)


def denial(m: OrderMaker, o: Order) -> None:
    """The buyer fears a stockout, the merchant denies it and ships on time."""
    rng = m.rng
    p = m.on_time(o)
    m.talk(o, o.c + 300, p, (rng.choice(chat.DOUBT_LINES), rng.choice(chat.DENIAL_LINES)))
    m.ship(o, p, o.c)


def buyer_cancel(m: OrderMaker, o: Order) -> None:
    rng = m.rng
    t = o.c + m.between(300, max(301, min(o.due - o.c, 40 * HOUR)))
    o.tl.add(t, "order_cancelled", {"by": "buyer", "reason": rng.choice(
        chat.BUYER_CANCEL_REASONS)})


def platform_cancel(m: OrderMaker, o: Order) -> None:
    rng = m.rng
    t = o.c + m.between(600, 10 * HOUR)
    o.tl.add(t, "order_cancelled", {"by": "platform", "reason": rng.choice(
        chat.PLATFORM_CANCEL_REASONS)})


def _upload_in_time(m: OrderMaker, o: Order) -> int:
    return o.c + m.between(HOUR, max(HOUR + 1, o.due - o.c - HOUR))


def fake_no_scan(m: OrderMaker, o: Order) -> None:
    """A tracking number is uploaded in time and never scanned."""
    rng = m.rng
    carrier = m.carrier(o)
    u = _upload_in_time(m, o)
    m.upload(o, u, carrier, m.w.tracking_no(carrier))
    if rng.random() < 0.5:
        m.refund(o, u + m.between(3 * DAY, 8 * DAY), "buyer", chat.FAKE_REFUND_REASONS)


def late_first_scan(m: OrderMaker, o: Order) -> None:
    """Uploaded in time, but the parcel reaches the carrier one to four days later."""
    u = max(o.c + 300, m.on_time(o) - HOUR)
    m.ship(o, u + m.between(25 * HOUR, 90 * HOUR), o.c, upload_at=u)


def stalled(m: OrderMaker, o: Order) -> None:
    """Picked up, then nothing for more than a day; four in ten never move again."""
    rng = m.rng
    m.ship(o, m.on_time(o), o.c, stall=m.between(26 * HOUR, 5 * DAY), stop=rng.random() < 0.4)


def route_mismatch(m: OrderMaker, o: Order) -> None:
    wrong = m.rng.choice([r for r in REGION_NAMES if r != o.dst])
    m.ship(o, m.on_time(o), o.c, deliver_to=wrong)


def relabel(m: OrderMaker, o: Order) -> None:
    """A wrong tracking number is replaced within hours; only the second one is scanned."""
    rng = m.rng
    carrier = m.carrier(o)
    u1 = o.c + m.between(600, max(601, (o.due - o.c) // 2))
    m.upload(o, u1, carrier, m.w.tracking_no(carrier))
    if rng.random() < 0.3:
        carrier = m.between(0, len(CARRIERS))
    u2 = u1 + m.between(600, 5 * HOUR)
    m.ship(o, u2 + m.between(600, 5 * HOUR), o.c, upload_at=u2, carrier=carrier)


def reuse(m: OrderMaker, o: Order) -> bool:
    """A fraud shop uploads a tracking number it used for another buyer within 30 days."""
    rng = m.rng
    u = _upload_in_time(m, o)
    older = [r for r in m.recent.get(o.shop.shop_id, ())
             if r[3] != o.buyer and u - 29 * DAY < r[0] < u - HOUR]
    if not older:
        return False
    _, carrier, trk, _, old_dst = rng.choice(older)
    m.upload(o, u, carrier, trk)
    if rng.random() < 0.4:  # the feed shows the old parcel's delivery
        o.tl.add(u + m.between(HOUR, 20 * HOUR), "carrier_scan", {
            "carrier": CARRIERS[carrier][0], "tracking_no": trk, "status": "delivered",
            "region": old_dst})
    if rng.random() < 0.5:
        m.claim(o, u + m.between(3 * DAY, 8 * DAY), "not_received", 0.7)
    return True


def merged(m: OrderMaker, a: Order, b: Order) -> None:
    """Two orders of one buyer at one shop leave in one parcel under one tracking number."""
    rng = m.rng
    lo, hi = max(a.c, b.c) + HOUR, min(a.due, b.due) - 1800
    if hi <= lo + HOUR:  # the first one's group formed too late to wait for: two parcels
        normal(m, a)
        normal(m, b)
        return
    p = lo + int(rng.triangular(0, hi - lo, min(hi - lo, 5 * HOUR)))
    carrier = m.carrier(a)
    trk = m.w.tracking_no(carrier)
    u = max(lo - HOUR + 300, p - m.between(1200, 4 * HOUR))
    m.upload(a, u, carrier, trk)
    m.upload(b, u, carrier, trk)
    m.scans([a.tl, b.tl], p, carrier, trk, a.shop.region, a.dst)


PLAYS: dict[str, Play] = {
    "normal": normal, "late": late, "never_shipped": never_shipped,
    "report_early": report_early, "report_late": report_late, "chat_stockout": chat_stockout,
    "merchant_refund": merchant_refund, "merchant_cancel": merchant_cancel, "induced": induced,
    "denial": denial, "buyer_cancel": buyer_cancel, "platform_cancel": platform_cancel,
    "fake_no_scan": fake_no_scan, "late_first_scan": late_first_scan, "stalled": stalled,
    "route_mismatch": route_mismatch, "relabel": relabel,
}
NAMES: tuple[str, ...] = (*PLAYS, "reuse")
# Percent of confirmed orders per scenario, by shop profile (in the order of NAMES).
MIX: dict[str, tuple[float, ...]] = {
    "good": (88.4, 2.5, .4, 1.2, .4, .7, .5, .3, .4, 1, 2.5, .1, .2, .4, .4, .3, .3, 0),
    "sloppy": (62.7, 10, 3, 3, 2, 3, 2, 1, 3, 2, 3, .3, 1.5, 1.5, 1, .5, .5, 0),
    "fraud": (45, 8, 3, 0, 0, 1, 1, 0, 6, 1, 2, .5, 8, 3, 5, 4, .5, 12),
}
_CUM = {k: list(accumulate(v)) for k, v in MIX.items()}
MERGED_SHARE = 0.012  # of normal orders, which get a second order shipped in the same parcel


def place(m: OrderMaker, placed: int, room: int) -> list[Timeline]:
    """The order placed at `placed`, or two when it gets a merged twin and `room` allows."""
    rng, w = m.rng, m.w
    shop, buyer = w.pick_shop(), w.pick_buyer()
    promo = m.promo[0] <= placed < m.promo[1]
    o = m.open_order(placed, shop, buyer, promo, group_ok=True)
    if not o.confirmed:
        return [o.tl]
    cum = _CUM[shop.profile]
    name = NAMES[bisect(cum, rng.random() * cum[-1])]
    if promo and shop is w.oversold and rng.random() < 0.5:
        name = "report_early"  # oversold in the promotion: many reports by one shop in a day
    if name == "normal" and room > 1 and rng.random() < MERGED_SHARE:
        twin = m.open_order(placed + m.between(60, 1800), shop, buyer, promo, group_ok=False)
        merged(m, o, twin)
        return [o.tl, twin.tl]
    if name != "reuse":
        PLAYS[name](m, o)
    elif not reuse(m, o):  # no other buyer's recent parcel to reuse yet
        fake_no_scan(m, o)
    return [o.tl]

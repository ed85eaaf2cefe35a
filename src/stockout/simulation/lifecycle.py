"""One order's life as events: the happy path and each kind of trouble the judge must recognise.

Every confirmed order draws one scenario from its shop's reliability profile; the rare ones are
there so that every trigger of DESIGN.md's table turns up in a month of simulated orders.
"""

from __future__ import annotations

from itertools import accumulate

from stockout.simulation import chat
from stockout.simulation.world import (
    CARRIERS, DAY, HOUR, HUBS, POST, REGION_NAMES, REMOTE, Notice, Shop, World, end_of_local_day,
    fmt,
)

Entry = tuple[int, dict[str, object]]

class Timeline:
    """The events of one order, in the order they were made (ids number them)."""

    __slots__ = ("entries", "oid")

    def __init__(self, oid: str) -> None:
        self.oid = oid
        self.entries: list[Entry] = []

    def add(self, t: int, kind: str, fields: dict[str, object] | None = None) -> None:
        ev: dict[str, object] = {
            "event_id": f"{self.oid}-{len(self.entries):02d}", "order_id": self.oid,
            "type": kind, "at": fmt(t),
        }
        if fields:
            ev.update(fields)
        self.entries.append((t, ev))


class Order:
    __slots__ = ("base", "buyer", "c", "category", "dst", "due", "paid", "presale", "shop", "tl")

    def __init__(self, tl: Timeline, shop: Shop, buyer: int, dst: str, paid: int,
                 category: str | None, presale: bool) -> None:
        self.tl, self.shop, self.buyer, self.dst = tl, shop, buyer, dst
        self.paid, self.category, self.presale = paid, category, presale
        self.c = self.base = self.due = 0


class OrderMaker:
    """Draws orders one placement at a time; keeps the little state that spans orders."""

    def __init__(self, world: World, notices: list[Notice], promo: tuple[int, int]) -> None:
        self.w = world
        self.rng = world.rng
        self.notices = notices
        self.promo = promo
        self.seq = 0
        self.recent: dict[str, list[tuple[int, int, str, int, str]]] = {}
        self.count = dict.fromkeys(SCENARIOS, 0)

    def open_order(self, placed: int, shop: Shop, buyer: int, promo: bool,
              group_ok: bool) -> Order | None:
        rng, w = self.rng, self.w
        self.seq += 1
        tl = self._last = Timeline(w.order_id(self.seq, placed))
        sku = rng.choice(shop.skus)
        x = rng.random()
        qty = 1 if x < 0.82 else 2 if x < 0.94 else rng.randint(3, 10)
        paid = sku.price_cents * qty
        if rng.random() < 0.15:
            paid -= min(paid // 5, rng.choice((100, 200, 300, 500, 1000)))
        dst = w.buyer_regions[buyer]
        fields: dict[str, object] = {
            "shop_id": shop.shop_id, "buyer_id": w.buyer_id(buyer), "sku_id": sku.sku_id,
            "quantity": qty, "paid_cents": paid,
        }
        category = sku.category if rng.random() < 0.85 else None
        if category is not None:
            fields["category"] = category
        presale = rng.random() < 0.04
        if presale:
            ship_by = end_of_local_day(placed + rng.randint(5, 15) * DAY)
            fields["presale_ship_by"] = fmt(ship_by)
        elif shop.promise_hours:
            fields["promise_hours"] = shop.promise_hours
        if rng.random() < (0.7 if promo else 0.06):
            fields["campaign"] = True
        fields["ship_from_region"] = shop.region
        fields["ship_to_region"] = dst
        tl.add(placed, "order_placed", fields)
        o = Order(tl, shop, buyer, dst, paid, category, presale)
        if group_ok and rng.random() < 0.62:
            if rng.random() < 0.03:
                tl.add(placed + DAY, "group_failed")
                return None
            o.c = placed + min(int(rng.lognormvariate(6.5, 1.6)), 23 * HOUR)
        else:
            o.c = placed + rng.randrange(3)
        tl.add(o.c, "order_confirmed")
        o.base = ship_by if presale else o.c + (shop.promise_hours or 48) * HOUR
        o.due = o.base + sum(n.extension(o.base, shop.region, dst, category) for n in self.notices)
        return o

    # ---- building blocks -------------------------------------------------------------------

    def on_time(self, o: Order) -> int:
        """A pickup time by the deadline; sometimes in the slack an announcement granted."""
        rng, span = self.rng, o.due - o.c
        if o.due > o.base + 2 * HOUR and rng.random() < 0.4:
            return o.base + rng.randrange(HOUR, o.due - o.base - HOUR)
        if o.presale:
            return o.c + int(span * rng.uniform(0.55, 0.97))
        hi = min(span - 1800, 20 * HOUR) if o.category == "生鲜" else span - 1800
        return o.c + int(rng.triangular(HOUR, hi, 6 * HOUR))

    def carrier(self, o: Order) -> int:
        return POST if o.dst in REMOTE and self.rng.random() < 0.6 else o.shop.carrier

    def upload(self, o: Order, t: int, carrier: int, trk: str) -> None:
        o.tl.add(t, "shipment_uploaded", {"carrier": CARRIERS[carrier][0], "tracking_no": trk})
        if o.shop.profile == "fraud":
            mine = self.recent.setdefault(o.shop.shop_id, [])
            mine.append((t, carrier, trk, o.buyer, o.dst))
            del mine[:-40]

    def ship(self, o: Order, p: int, after: int, *, stall: int = 0, stop: bool = False,
              deliver_to: str | None = None) -> None:
        """Upload a tracking number a little before pickup `p` (never before `after`), then scan."""
        rng = self.rng
        carrier = self.carrier(o)
        trk = self.w.tracking_no(carrier)
        self.upload(o, max(after + 300, p - rng.randrange(1200, 6 * HOUR)), carrier, trk)
        done = self.scans([o.tl], p, carrier, trk, o.shop.region, o.dst, stall, stop, deliver_to)
        if done is None:
            if stop and rng.random() < 0.5:
                self.claim(o, p + rng.randrange(5 * DAY, 10 * DAY), "not_received", 0.7)
        elif done > 0:
            self.after_delivery(o, done)

    def scans(self, tls: list[Timeline], p: int, carrier: int, trk: str, src: str, dst: str,
               stall: int = 0, stop: bool = False, deliver_to: str | None = None) -> int | None:
        """Carrier scans from pickup on; the delivered time, None if it stops, -1 if returned."""
        rng, name = self.rng, CARRIERS[carrier][0]

        def scan(t: int, status: str, region: str | None) -> None:
            f: dict[str, object] = {"carrier": name, "tracking_no": trk, "status": status}
            if region is not None:
                f["region"] = region
            for tl in tls:
                tl.add(t, "carrier_scan", f)

        t = p
        scan(t, "pickup", src)
        if stop:
            return None
        t += stall + rng.randrange(HOUR, 8 * HOUR)
        scan(t, "depart", None)
        hops = 0 if src == dst else (dst in REMOTE) + (rng.random() < 0.4)
        for _ in range(hops):
            t += rng.randrange(5 * HOUR, 20 * HOUR)
            scan(t, "in_transit", rng.choice(HUBS))
        t += rng.randrange(4 * HOUR, 18 * HOUR)
        scan(t, "arrive", dst)
        x = rng.random()
        if x < 0.012:
            t += rng.randrange(2 * HOUR, 20 * HOUR)
            scan(t, "exception", dst)
            if x < 0.004:
                t += rng.randrange(DAY, 3 * DAY)
                scan(t, "returned", src)
                return -1
        t += rng.randrange(6 * HOUR, 16 * HOUR)
        scan(t, "out_for_delivery", None)
        t += rng.randrange(600, 7 * HOUR)
        scan(t, "delivered", deliver_to or dst)
        return t

    def after_delivery(self, o: Order, t: int) -> None:
        rng = self.rng
        if rng.random() >= _SHOP_CLAIMS[o.shop.profile]:
            return
        t += rng.randrange(2 * HOUR, 7 * DAY)
        if o.shop.profile == "fraud":
            kind = rng.choices(("empty_parcel", "wrong_item", "not_received", "damaged"),
                               (45, 35, 10, 10))[0]
            self.claim(o, t, kind, 0.8)
        else:
            kind = rng.choices(("damaged", "not_received", "other", "wrong_item", "empty_parcel"),
                               (45, 20, 15, 12, 8))[0]
            self.claim(o, t, kind, 0.25 if kind in ("wrong_item", "empty_parcel") else 0.6)

    def claim(self, o: Order, t: int, kind: str, p_upheld: float) -> None:
        rng = self.rng
        cid = "AS" + o.tl.oid.replace("-", "")
        o.tl.add(t, "after_sale_claim", {"claim_id": cid, "kind": kind})
        t += rng.randrange(DAY, 5 * DAY)
        upheld = rng.random() < p_upheld
        o.tl.add(t, "claim_decided", {"claim_id": cid, "upheld": upheld})
        if upheld:
            amount = o.paid // 3 if kind in ("damaged", "other") else o.paid
            o.tl.add(t + rng.randrange(60, 2 * HOUR), "refund_completed", {"amount_cents": amount})

    def refund(self, o: Order, t: int, initiator: str, reasons: tuple[str, ...]) -> None:
        o.tl.add(t, "refund_requested", {"initiator": initiator, "reason": self.rng.choice(reasons)})
        t += self.rng.randrange(60, 12 * HOUR if initiator == "merchant" else 2 * HOUR)
        o.tl.add(t, "refund_completed", {"amount_cents": o.paid})

    def talk(self, o: Order, lo: int, hi: int, pair: tuple[str, str]) -> int:
        """A buyer line and the merchant's answer somewhere in [lo, hi); returns the answer time."""
        t = lo + self.rng.randrange(max(1, (hi - lo) // 2))
        o.tl.add(t, "chat_message", {"sender": "buyer", "text": pair[0]})
        t += self.rng.randrange(60, 1800)
        o.tl.add(t, "chat_message", {"sender": "merchant", "text": pair[1]})
        return t

    def say(self, o: Order, t: int, sender: str, text: str) -> None:
        o.tl.add(t, "chat_message", {"sender": sender, "text": text})

    def remedy(self, o: Order, r: int) -> None:
        """What follows a known stockout at `r`: the buyer's choice of remedy, or nothing."""
        rng = self.rng
        t, x = r + rng.randrange(600, DAY), rng.random()
        if x < 0.3:
            until = end_of_local_day(t + rng.randint(3, 10) * DAY)
            o.tl.add(t, "remedy_chosen", {"remedy": "wait", "until": fmt(until)})
            self.ship(o, t + rng.randrange(DAY, until - t - HOUR), t)
        elif x < 0.45:
            sub = rng.choice(o.shop.skus).sku_id
            o.tl.add(t, "remedy_chosen", {"remedy": "substitute", "substitute_sku_id": sub})
            self.ship(o, t + rng.randrange(2 * HOUR, 30 * HOUR), t)
        elif x < 0.55:
            until = end_of_local_day(t + rng.randint(5, 15) * DAY)
            o.tl.add(t, "remedy_chosen", {"remedy": "presale", "until": fmt(until)})
            self.ship(o, until - rng.randrange(HOUR, 3 * DAY), t)
        elif x < 0.9:
            o.tl.add(t, "remedy_chosen", {"remedy": "refund"})
            self.refund(o, t + rng.randrange(60, HOUR), "buyer", chat.REMEDY_REFUND_REASONS)
        elif x < 0.95:
            self.refund(o, t, "merchant", chat.MERCHANT_REFUND_REASONS)

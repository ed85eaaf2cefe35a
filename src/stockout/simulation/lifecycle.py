"""Building blocks of one order's life (placement, deadline, shipping, scans, claims, refunds),
shared by the scenarios so that every scenario stays a few lines of business story."""

from __future__ import annotations

from stockout.simulation import chat
from stockout.simulation.world import (
    CARRIERS,
    DAY,
    HOUR,
    HUBS,
    POST,
    REMOTE,
    Notice,
    Shop,
    World,
    end_of_local_day,
    fmt,
)

# Share of delivered orders whose buyer files an after-sale claim, by shop profile.
CLAIM_RATE = {"good": 0.015, "sloppy": 0.03, "fraud": 0.22}


Fields = dict[str, object] | None
# (time, type, fields, members): when the maker writes JSON, the hot events (scans, uploads)
# carry their fields only as ready JSON object members (',"k":v,...'), `fields` None.
Entry = tuple[int, str, Fields, str | None]


class Timeline:
    """The events of one order, in the order they were made.

    Events are rendered once, when delivered (see `marketplace`), and numbered in this order.
    `fields` may be shared between timelines and is never changed.
    """

    __slots__ = ("entries", "oid")

    def __init__(self, oid: str) -> None:
        self.oid = oid
        self.entries: list[Entry] = []

    def add(self, t: int, kind: str, fields: Fields = None, members: str | None = None) -> None:
        self.entries.append((t, kind, fields, members))


class Order:
    """One order being drawn: what the scenarios need to know about it."""

    __slots__ = ("base", "buyer", "c", "category", "confirmed", "dst", "due", "paid", "presale",
                 "shop", "sku", "tl")

    def __init__(self, tl: Timeline, shop: Shop, sku: str, buyer: int, dst: str, paid: int,
                 category: str | None, presale: bool) -> None:
        self.tl, self.shop, self.sku, self.buyer, self.dst = tl, shop, sku, buyer, dst
        self.paid, self.category, self.presale = paid, category, presale
        self.confirmed = False
        self.c = self.base = self.due = 0  # confirmation, deadline, deadline after notices


class OrderMaker:
    """Draws orders one placement at a time; keeps the little state that spans orders."""

    def __init__(self, world: World, notices: list[Notice], promo: tuple[int, int],
                 as_json: bool) -> None:
        self.w = world
        self.as_json = as_json  # write the hot events' fields as JSON members, not dicts
        self.rng = world.rng
        self.random = world.rng.random
        self.notices = notices
        self.promo = promo
        self.seq = 0
        # per fraud shop: its recent uploads (time, carrier, tracking_no, buyer, ship_to_region)
        self.recent: dict[str, list[tuple[int, int, str, int, str]]] = {}

    def between(self, lo: int, hi: int) -> int:
        """A whole number in [lo, hi); cheaper than `randrange` on the hot path."""
        return lo + int(self.random() * (hi - lo))

    def open_order(self, placed: int, shop: Shop, buyer: int, promo: bool,
                   group_ok: bool) -> Order:
        """Place an order and confirm it, or fail its group (then `o.confirmed` is False)."""
        rng, w, random = self.rng, self.w, self.random
        self.seq += 1
        tl = Timeline(w.order_id(self.seq, placed))
        sku = shop.skus[int(random() * len(shop.skus))]
        x = random()
        qty = 1 if x < 0.82 else 2 if x < 0.94 else rng.randint(3, 10)
        paid = sku.price_cents * qty
        if random() < 0.15:
            paid -= min(paid // 5, rng.choice((100, 200, 300, 500, 1000)))
        dst = w.buyer_regions[buyer]
        category = sku.category if random() < 0.85 else None
        presale, ship_by = random() < 0.04, 0
        if presale:
            ship_by = end_of_local_day(placed + rng.randint(5, 15) * DAY)
        campaign = random() < (0.7 if promo else 0.06)
        # the optional fields, in the order they are written; absent ones are left out
        extra: dict[str, object] = {}
        if category is not None:
            extra["category"] = category
        if presale:
            extra["presale_ship_by"] = fmt(ship_by)
        elif shop.promise_hours:
            extra["promise_hours"] = shop.promise_hours
        if campaign:
            extra["campaign"] = True
        ids = (shop.shop_id, w.buyer_ids[buyer], sku.sku_id)
        if self.as_json:
            tl.add(placed, "order_placed", None,
                   _placed_json(ids, qty, paid, extra, shop.region, dst))
        else:
            tl.add(placed, "order_placed", {
                "shop_id": ids[0], "buyer_id": ids[1], "sku_id": ids[2], "quantity": qty,
                "paid_cents": paid, **extra, "ship_from_region": shop.region,
                "ship_to_region": dst})
        o = Order(tl, shop, sku.sku_id, buyer, dst, paid, category, presale)
        if group_ok and random() < 0.62:
            if random() < 0.03:
                tl.add(placed + DAY, "group_failed")
                return o
            o.c = placed + min(int(rng.lognormvariate(6.5, 1.6)), 23 * HOUR)
        else:
            o.c = placed + self.between(0, 3)
        o.confirmed = True
        tl.add(o.c, "order_confirmed")
        o.base = ship_by if presale else o.c + (shop.promise_hours or 48) * HOUR
        o.due = o.base
        for n in self.notices:
            if n.starts <= o.base < n.ends:
                o.due += n.extension(o.base, shop.region, dst, category)
        return o

    # ---- building blocks -------------------------------------------------------------------

    def on_time(self, o: Order) -> int:
        """A pickup time by the deadline; sometimes in the slack an announcement granted."""
        rng, span = self.rng, o.due - o.c
        if o.due > o.base + 2 * HOUR and rng.random() < 0.4:
            return o.base + self.between(HOUR, o.due - o.base - HOUR)
        if o.presale:
            return o.c + int(span * rng.uniform(0.55, 0.97))
        hi = min(span - 1800, 20 * HOUR) if o.category == "生鲜" else span - 1800
        return o.c + int(rng.triangular(HOUR, hi, 6 * HOUR))

    def carrier(self, o: Order) -> int:
        return POST if o.dst in REMOTE and self.rng.random() < 0.6 else o.shop.carrier

    def upload(self, o: Order, t: int, carrier: int, trk: str) -> None:
        name = CARRIERS[carrier][0]
        if self.as_json:
            o.tl.add(t, "shipment_uploaded", None, f',"carrier":"{name}","tracking_no":"{trk}"')
        else:
            o.tl.add(t, "shipment_uploaded", {"carrier": name, "tracking_no": trk})
        if o.shop.profile == "fraud":
            mine = self.recent.setdefault(o.shop.shop_id, [])
            mine.append((t, carrier, trk, o.buyer, o.dst))
            del mine[:-40]

    def ship(self, o: Order, p: int, after: int, *, upload_at: int | None = None,
             carrier: int | None = None, stall: int = 0, stop: bool = False,
             deliver_to: str | None = None) -> None:
        """Upload a tracking number (by default shortly before pickup `p`, never before `after`),
        then the carrier's scans, then perhaps an after-sale claim."""
        rng = self.rng
        if carrier is None:
            carrier = self.carrier(o)
        trk = self.w.tracking_no(carrier)
        if upload_at is None:
            upload_at = max(after + 300, p - self.between(1200, 6 * HOUR))
        self.upload(o, upload_at, carrier, trk)
        done = self.scans([o.tl], p, carrier, trk, o.shop.region, o.dst, stall, stop, deliver_to)
        if done is None:
            if rng.random() < 0.5:
                self.claim(o, p + self.between(5 * DAY, 10 * DAY), "not_received", 0.7)
        elif done > 0:
            self.after_delivery(o, done)

    def scans(self, tls: list[Timeline], p: int, carrier: int, trk: str, src: str, dst: str,
              stall: int = 0, stop: bool = False, deliver_to: str | None = None) -> int | None:
        """Carrier scans from pickup on; the delivered time, None if it stops, -1 if returned."""
        r = self.random
        steps: list[tuple[int, str, str | None]] = [(p, "pickup", src)]
        t, done = p, None
        if not stop:
            t += stall + HOUR + int(r() * 7 * HOUR)
            steps.append((t, "depart", None))
            if src != dst:
                for _ in range((dst in REMOTE) + (r() < 0.4)):
                    t += 5 * HOUR + int(r() * 15 * HOUR)
                    steps.append((t, "in_transit", HUBS[int(r() * len(HUBS))]))
            t += 4 * HOUR + int(r() * 14 * HOUR)
            steps.append((t, "arrive", dst))
            x = r()
            if x < 0.012:
                t += 2 * HOUR + int(r() * 18 * HOUR)
                steps.append((t, "exception", dst))
            if x < 0.004:
                t += DAY + int(r() * 2 * DAY)
                steps.append((t, "returned", src))
                done = -1
            else:
                t += 6 * HOUR + int(r() * 10 * HOUR)
                steps.append((t, "out_for_delivery", None))
                t += 600 + int(r() * (7 * HOUR - 600))
                steps.append((t, "delivered", deliver_to or dst))
                done = t
        name = CARRIERS[carrier][0]
        adds = [tl.entries.append for tl in tls]
        if self.as_json:
            head = f',"carrier":"{name}","tracking_no":"{trk}","status":"'
            for at, status, region in steps:
                members = head + status + ('"' if region is None else f'","region":"{region}"')
                for add in adds:
                    add((at, "carrier_scan", None, members))
        else:
            for at, status, region in steps:
                f: dict[str, object] = {"carrier": name, "tracking_no": trk, "status": status}
                if region is not None:
                    f["region"] = region
                for add in adds:
                    add((at, "carrier_scan", f, None))
        return done

    def after_delivery(self, o: Order, t: int) -> None:
        rng = self.rng
        if rng.random() >= CLAIM_RATE[o.shop.profile]:
            return
        t += self.between(2 * HOUR, 7 * DAY)
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
        t += self.between(DAY, 5 * DAY)
        upheld = rng.random() < p_upheld
        o.tl.add(t, "claim_decided", {"claim_id": cid, "upheld": upheld})
        if upheld:
            amount = o.paid // 3 if kind in ("damaged", "other") else o.paid
            o.tl.add(t + self.between(60, 2 * HOUR), "refund_completed", {"amount_cents": amount})

    def refund(self, o: Order, t: int, initiator: str, reasons: tuple[str, ...]) -> None:
        o.tl.add(t, "refund_requested", {"initiator": initiator, "reason": self.rng.choice(reasons)})
        t += self.between(60, 12 * HOUR if initiator == "merchant" else 2 * HOUR)
        o.tl.add(t, "refund_completed", {"amount_cents": o.paid})

    def talk(self, o: Order, lo: int, hi: int, pair: tuple[str, str]) -> int:
        """A buyer line and the merchant's answer somewhere in [lo, hi); returns the answer time."""
        t = lo + self.between(0, max(1, (hi - lo) // 2))
        o.tl.add(t, "chat_message", {"sender": "buyer", "text": pair[0]})
        t += self.between(60, 1800)
        o.tl.add(t, "chat_message", {"sender": "merchant", "text": pair[1]})
        return t

    def say(self, o: Order, t: int, sender: str, text: str) -> None:
        o.tl.add(t, "chat_message", {"sender": sender, "text": text})

    def remedy(self, o: Order, r: int) -> None:
        """What follows a known stockout at `r`: the buyer's choice of remedy, or nothing."""
        rng = self.rng
        t, x = r + self.between(600, DAY), rng.random()
        if x < 0.3:
            until = end_of_local_day(t + rng.randint(3, 10) * DAY)
            o.tl.add(t, "remedy_chosen", {"remedy": "wait", "until": fmt(until)})
            self.ship(o, t + self.between(DAY, until - t - HOUR), t)
        elif x < 0.45:
            sub = rng.choice([s.sku_id for s in o.shop.skus if s.sku_id != o.sku])
            o.tl.add(t, "remedy_chosen", {"remedy": "substitute", "substitute_sku_id": sub})
            self.ship(o, t + self.between(2 * HOUR, 30 * HOUR), t)
        elif x < 0.55:
            until = end_of_local_day(t + rng.randint(5, 15) * DAY)
            o.tl.add(t, "remedy_chosen", {"remedy": "presale", "until": fmt(until)})
            self.ship(o, until - self.between(HOUR, 3 * DAY), t)
        elif x < 0.9:
            o.tl.add(t, "remedy_chosen", {"remedy": "refund"})
            self.refund(o, t + self.between(60, HOUR), "buyer", chat.REMEDY_REFUND_REASONS)
        elif x < 0.95:
            self.refund(o, t, "merchant", chat.MERCHANT_REFUND_REASONS)


def _placed_json(ids: tuple[str, str, str], qty: int, paid: int, extra: dict[str, object],
                 src: str, dst: str) -> str:
    """The order_placed fields as JSON members, in the dict's order (every value is plain)."""
    shop, buyer, sku = ids
    parts = [f',"shop_id":"{shop}","buyer_id":"{buyer}","sku_id":"{sku}","quantity":{qty}'
             f',"paid_cents":{paid}']
    for k, v in extra.items():
        parts.append(f',"{k}":"{v}"' if isinstance(v, str) else
                     f',"{k}":{"true" if v is True else v}')
    parts.append(f',"ship_from_region":"{src}","ship_to_region":"{dst}"')
    return "".join(parts)

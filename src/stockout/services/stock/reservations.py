"""Orders drive stock: a confirmed order reserves its units, a closing without shipping
releases them, the first carrier scan ships them. Called for every order re-judged, with the
order's facts as of `now`; idempotency keys (`ORDER/KIND`) make a replay or a second judging
harmless. Orders of SKUs the store does not track are left alone.

A reservation refused for want of stock loses nothing: the event stays, the order is flagged
in `stock_shortfalls` (and its merchant told), and the next judging tries again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from stockout.domain.events import Remedy
from stockout.domain.inventory import InsufficientStock, Movement, MovementKind
from stockout.domain.timeline import OrderFacts
from stockout.services.notifications import notices
from stockout.services.stock.movements import apply_movement, order_key
from stockout.store.uow import UnitOfWork

_RESERVE, _RELEASE, _SHIP = MovementKind.RESERVATION, MovementKind.RELEASE, MovementKind.SHIPMENT
ACTOR = "orders"


def substitute_of(f: OrderFacts) -> str | None:
    """The SKU the buyer took instead, when a `substitute` remedy was chosen."""
    for e in reversed(f.remedies):
        if e.remedy is Remedy.SUBSTITUTE and e.substitute_sku_id:
            return e.substitute_sku_id
    return None


def follow_orders(uow: UnitOfWork, orders: Sequence[tuple[str, OrderFacts]], now: datetime
                  ) -> list[str]:
    """Bring the stock of these orders in line with their facts (inside `uow`'s transaction);
    the orders whose reservation was refused now. SKU rows are locked in SKU order.

    An order whose buyer took a substitute releases what it held of the original SKU and
    follows the substitute instead, with keys `ORDER/SKU/KIND`."""
    wanted = [(o, f) for o, f in orders if f.placed is not None and f.placed.sku_id
              and f.confirmed is not None]
    if not wanted:
        return []
    skus = {s for _, f in wanted for s in (f.placed.sku_id if f.placed else None,
                                           substitute_of(f)) if s}
    shops = uow.stock.shops_of(skus)
    if not shops:
        return []
    done = uow.stock.keys_of(o for o, _ in wanted)
    refused: list[str] = []
    tasks: list[tuple[str, str, bool, OrderFacts]] = []  # (sku, order, replaced?, facts)
    for order_id, f in wanted:
        # Only the order's own shop's SKUs move: another shop's stock is never touched.
        shop = f.placed.shop_id if f.placed else None
        original = f.placed.sku_id if f.placed else None
        own = original is not None and shops.get(original) == shop
        sub = substitute_of(f)
        if sub is not None and shops.get(sub) != shop:
            sub = None  # not one of the shop's SKUs: the order keeps its own
        if sub is not None and sub != original:
            if own:
                tasks.append((original or "", order_id, True, f))
            tasks.append((sub, order_id, False, f))
        elif own:
            tasks.append((original or "", order_id, False, f))
    for sku, order_id, replaced, f in sorted(tasks, key=lambda t: (t[0], t[1], t[2])):
        if replaced:
            _release_replaced(uow, sku, order_id, f, done, now)
        elif _follow(uow, sku, order_id, f, done, now,
                     None if sku == (f.placed.sku_id if f.placed else None) else sku):
            refused.append(order_id)
    return refused


def _release_replaced(uow: UnitOfWork, sku: str, order_id: str, f: OrderFacts, done: set[str],
                      now: datetime) -> None:
    qty = (f.placed.quantity if f.placed else None) or 1
    if (order_key(order_id, _RESERVE) in done and order_key(order_id, _RELEASE) not in done
            and order_key(order_id, _SHIP) not in done):
        apply_movement(uow, Movement(sku, _RELEASE, qty, now, order_id, "substitute chosen"),
                       now, ACTOR, order_key(order_id, _RELEASE))


def _follow(uow: UnitOfWork, sku: str, order_id: str, f: OrderFacts, done: set[str],
            now: datetime, substitute: str | None) -> bool:
    """One order on one SKU (`substitute`: the SKU, when the buyer took it instead); True when
    its reservation was refused now."""
    placed = f.placed
    assert placed is not None
    qty = placed.quantity or 1

    def key(kind: MovementKind) -> str:
        return order_key(order_id, kind, substitute)

    def move(kind: MovementKind) -> None:
        apply_movement(uow, Movement(sku, kind, qty, now, order_id), now, ACTOR, key(kind))

    reserved = key(_RESERVE) in done
    closed_unshipped = f.closed is not None and f.pickup is None
    if not reserved and not closed_unshipped:
        try:
            move(_RESERVE)
        except InsufficientStock as exc:
            if f.pickup is not None:  # it left without a reservation: the auditor's case
                uow.stock.resolve_shortfall(order_id, now)
                return True
            flagged = uow.stock.record_shortfall({
                "order_id": order_id, "sku_id": sku, "shop_id": placed.shop_id or "",
                "quantity": qty, "sellable": exc.sellable, "refused_at": now,
                "resolved_at": None})
            if flagged and placed.shop_id:
                uow.outbox.enqueue([notices.stock_shortfall(
                    order_id, placed.shop_id, sku, qty, exc.sellable, now)])
            return True
        reserved = True
        uow.stock.resolve_shortfall(order_id, now)
    if not reserved:  # shipped or closed without stock: no longer waiting for it
        uow.stock.resolve_shortfall(order_id, now)
        return False
    if f.pickup is not None:
        if key(_SHIP) not in done and key(_RELEASE) not in done:
            move(_SHIP)
    elif f.closed is not None and key(_RELEASE) not in done:
        move(_RELEASE)
        uow.stock.resolve_shortfall(order_id, now)
    return False

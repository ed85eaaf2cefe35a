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

from stockout.domain.inventory import InsufficientStock, Movement, MovementKind
from stockout.domain.timeline import OrderFacts
from stockout.services import notices
from stockout.services.stock import apply_movement, order_key
from stockout.store.uow import UnitOfWork

_RESERVE, _RELEASE, _SHIP = MovementKind.RESERVATION, MovementKind.RELEASE, MovementKind.SHIPMENT
ACTOR = "orders"


def follow_orders(uow: UnitOfWork, orders: Sequence[tuple[str, OrderFacts]], now: datetime
                  ) -> list[str]:
    """Bring the stock of these orders in line with their facts (inside `uow`'s transaction);
    the orders whose reservation was refused now. SKU rows are locked in SKU order."""
    wanted = [(o, f) for o, f in orders if f.placed is not None and f.placed.sku_id
              and f.confirmed is not None]
    if not wanted:
        return []
    tracked = uow.stock.known(f.placed.sku_id for _, f in wanted if f.placed and f.placed.sku_id)
    wanted = [(o, f) for o, f in wanted if f.placed and f.placed.sku_id in tracked]
    if not wanted:
        return []
    done = uow.stock.keys_of(o for o, _ in wanted)
    refused: list[str] = []
    by_sku = sorted((f.placed.sku_id or "", o, f) for o, f in wanted if f.placed)
    for sku, order_id, f in by_sku:  # SKU rows locked in one order: no deadlock between posts
        placed = f.placed
        assert placed is not None
        qty = placed.quantity or 1

        def move(kind: MovementKind, order_id: str = order_id, sku: str = sku,
                 qty: int = qty) -> None:
            apply_movement(uow, Movement(sku, kind, qty, now, order_id), now, ACTOR,
                           order_key(order_id, kind))

        reserved = order_key(order_id, _RESERVE) in done
        closed_unshipped = f.closed is not None and f.pickup is None
        if not reserved and not closed_unshipped:
            try:
                move(_RESERVE)
            except InsufficientStock as exc:
                refused.append(order_id)
                if f.pickup is not None:  # it left without a reservation: the auditor's case
                    uow.stock.resolve_shortfall(order_id, now)
                    continue
                flagged = uow.stock.record_shortfall({
                    "order_id": order_id, "sku_id": sku, "shop_id": placed.shop_id or "",
                    "quantity": qty, "sellable": exc.sellable, "refused_at": now,
                    "resolved_at": None})
                if flagged and placed.shop_id:
                    uow.outbox.enqueue([notices.stock_shortfall(
                        order_id, placed.shop_id, sku, qty, exc.sellable, now)])
                continue
            reserved = True
            uow.stock.resolve_shortfall(order_id, now)
        if not reserved:  # shipped or closed without stock: no longer waiting for it
            uow.stock.resolve_shortfall(order_id, now)
            continue
        if f.pickup is not None:
            if order_key(order_id, _SHIP) not in done and order_key(order_id, _RELEASE) not in done:
                move(_SHIP)
        elif f.closed is not None and order_key(order_id, _RELEASE) not in done:
            move(_RELEASE)
            uow.stock.resolve_shortfall(order_id, now)
    return refused

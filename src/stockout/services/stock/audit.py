"""The stock auditor: recompute every balance from its ledger (`replay`) and hold the ledger
against the orders -- reservations still held by closed or shipped orders, open orders holding
none. Each finding is reported; with `repair` each is fixed by an entry that says why (a
balance rewritten from the ledger goes to the audit log; a release, shipment or reservation to
the ledger). Nothing is fixed silently.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stockout.domain.events import EventType
from stockout.domain.inventory import (
    Balance,
    InsufficientStock,
    LedgerError,
    ListingState,
    Movement,
    MovementKind,
    listing_after,
    replay,
    reservations_by_order,
)
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.stock.movements import apply_movement, order_key
from stockout.store.mapping import dumps
from stockout.store.uow import UnitOfWork

ACTOR = "auditor"


@dataclass(frozen=True, slots=True)
class Finding:
    sku_id: str
    kind: str  # balance_mismatch | negative_stock | closed_order_holds | shipped_order_holds
    #            | open_order_unreserved
    detail: str
    order_id: str | None = None
    repair: str = ""  # what --repair did (or why it could not), empty when not repairing


def audit_stock(uow: UnitOfWork, clock: Clock, repair: bool = False) -> list[Finding]:
    """Every finding, by SKU then order; with `repair`, fixed in the same transaction."""
    return in_transaction(uow, lambda u: _audit(u, clock.now(), repair))


def _audit(uow: UnitOfWork, now: datetime, repair: bool) -> list[Finding]:
    findings: list[Finding] = []
    ledger: dict[str, list[Movement]] = defaultdict(list)
    for m in uow.stock.movements():
        ledger[m.sku_id].append(m)
    rows = {r["sku_id"]: r for r in uow.stock.all()}
    for sku_id, row in rows.items():
        findings += _balance(uow, row, ledger.get(sku_id, []), now, repair)
    held: dict[str, tuple[str, int]] = {}
    for sku_id, movements in ledger.items():
        for order_id, q in reservations_by_order(movements).items():
            if q > 0:
                held[order_id] = (sku_id, q)
    open_ids = set(uow.stock.open_unshipped_orders())
    order_rows = uow.orders.get_many(set(held) | open_ids)
    placed = _placed(uow, sorted(set(held) | open_ids))
    for order_id, (sku_id, q) in sorted(held.items()):
        o = order_rows.get(order_id)
        if o is None or (o["state"] != "closed" and o["picked_up_at"] is None):
            continue
        shipped = o["picked_up_at"] is not None
        kind = MovementKind.SHIPMENT if shipped else MovementKind.RELEASE
        f = Finding(sku_id, "shipped_order_holds" if shipped else "closed_order_holds",
                    f"{q} still reserved", order_id)
        if repair:
            reason = f"audit: order {o['state']}{' and shipped' if shipped else ''}, " \
                     f"{q} still reserved"
            try:
                substitute = sku_id if placed.get(order_id, (sku_id,))[0] != sku_id else None
                apply_movement(uow, Movement(sku_id, kind, q, now, order_id, reason), now,
                               ACTOR, _key(uow, order_id, kind, substitute))
                f = _with(f, f"{kind.value} {q}")
            except LedgerError as exc:
                f = _with(f, f"not repaired: {exc}")
        findings.append(f)
    for order_id in sorted(open_ids - set(held)):
        sku_qty = placed.get(order_id)
        if sku_qty is None or sku_qty[0] not in rows:
            continue
        sku_id, q = sku_qty
        f = Finding(sku_id, "open_order_unreserved", f"{q} not reserved", order_id)
        if repair:
            key = _key(uow, order_id, MovementKind.RESERVATION)
            reason = f"audit: open order held no reservation of {q}"
            try:
                apply_movement(uow, Movement(sku_id, MovementKind.RESERVATION, q, now, order_id,
                                             reason), now, ACTOR, key)
                f = _with(f, f"reservation {q}")
            except InsufficientStock as exc:
                f = _with(f, f"not repaired: {exc.sellable} sellable")
        findings.append(f)
    return findings


def _balance(uow: UnitOfWork, row: dict[str, Any], movements: list[Movement], now: datetime,
             repair: bool) -> list[Finding]:
    sku_id = row["sku_id"]
    truth, anomalies = replay(sku_id, movements)
    out = [Finding(sku_id, a.kind, a.detail, a.order_id) for a in anomalies]
    stored = Balance(row["on_hand"], row["reserved"])
    if stored == truth:
        return out
    f = Finding(sku_id, "balance_mismatch",
                f"stored on hand {stored.on_hand}, reserved {stored.reserved}; ledger on hand "
                f"{truth.on_hand}, reserved {truth.reserved}")
    if repair and truth.reserved >= 0 and truth.on_hand >= truth.reserved:
        listing = listing_after(ListingState(row["listing"]), truth, row["safety_stock"])
        uow.stock.save_balance(sku_id, truth.on_hand, truth.reserved, listing.value, now)
        uow.audit.append([{"at": now, "actor": ACTOR, "action": "stock_rebalanced",
                           "subject": sku_id, "order_id": None, "amount_cents": None,
                           "details": dumps({"reason": f.detail,
                                             "before": [stored.on_hand, stored.reserved],
                                             "after": [truth.on_hand, truth.reserved]})}])
        f = _with(f, "balance rewritten from the ledger")
    elif repair:
        f = _with(f, "not repaired: the ledger itself is negative; count and adjust by hand")
    out.append(f)
    return out


def _key(uow: UnitOfWork, order_id: str, kind: MovementKind, substitute: str | None = None
         ) -> str:
    """The order's own key when free (so following the order later sees the repair), else a
    key of the auditor's."""
    key = order_key(order_id, kind, substitute)
    return f"{key}/audit" if uow.stock.has_key(key) else key


def _with(f: Finding, repair: str) -> Finding:
    return Finding(f.sku_id, f.kind, f.detail, f.order_id, repair)


def _placed(uow: UnitOfWork, order_ids: list[str]) -> dict[str, tuple[str, int]]:
    out: dict[str, tuple[str, int]] = {}
    for order_id, events in uow.events.for_orders(order_ids).items():
        e = next((e for _, e in events if e.type is EventType.ORDER_PLACED), None)
        if e is not None and e.sku_id:
            out[order_id] = (e.sku_id, e.quantity or 1)
    return out

"""Opening the buyer's remedy offer when a re-judging finds a stockout (see
services.remedies.choices): kept apart so that adjudication imports nothing of the remedies'
use cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from stockout.domain.remedies import RemedyOffer, remedy_offer
from stockout.domain.rulebook import RulePack
from stockout.domain.timeline import OrderFacts
from stockout.domain.verdicts import Verdict
from stockout.services.remedies import notices as remedy_notices
from stockout.store.uow import UnitOfWork

OFFERED = "offered"
WITHDRAWN = "withdrawn"  # the stockout verdict was voided before the buyer chose


def open_offers(uow: UnitOfWork, judged: Sequence[tuple[OrderFacts, RulePack,
                                                        Sequence[Verdict]]],
                now: datetime) -> None:
    """Inside a re-judging: open the offer of each open, not picked-up order that now has a
    stockout verdict and no offer yet, and tell its buyer; withdraw an offer still open whose
    stockout verdict is gone (voided by a later event or announcement)."""
    fresh: list[tuple[OrderFacts, RulePack, RemedyOffer]] = []
    gone: list[str] = []
    for facts, pack, verdicts in judged:
        offer = remedy_offer(verdicts, pack.remedies, now)
        if offer is None:
            if facts.placed is not None:
                gone.append(facts.placed.order_id)
            continue
        if facts.placed is None or facts.closed is not None or facts.pickup is not None:
            continue
        fresh.append((facts, pack, offer))
    for order_id in uow.remedies.known(gone, OFFERED) if gone else ():
        uow.remedies.change(order_id, state=WITHDRAWN, due_at=None, resolved_at=now)
    if not fresh:
        return
    ids = [o.order_id for _, _, o in fresh]
    known = uow.remedies.known(ids) - uow.remedies.known(ids, WITHDRAWN)
    rows: list[dict[str, Any]] = []
    for facts, pack, offer in fresh:
        p = facts.placed
        if offer.order_id in known or p is None:
            continue
        rows.append({"order_id": offer.order_id, "shop_id": p.shop_id or "",
                     "buyer_id": p.buyer_id, "sku_id": p.sku_id, "quantity": p.quantity or 1,
                     "paid_cents": p.paid_cents or 0, "pack_id": pack.id,
                     "opened_at": offer.opened_at, "choose_by": offer.choose_by,
                     "default_remedy": offer.default.value, "state": OFFERED,
                     "refund_cents": 0, "due_at": offer.choose_by})
    written = set(uow.remedies.open_offers(rows))
    for r in rows:  # not inserted: a withdrawn offer, opened again by a stockout found anew
        if r["order_id"] not in written:
            uow.remedies.change(r["order_id"], **{k: v for k, v in r.items() if k != "order_id"},
                                resolved_at=None)
            written.add(r["order_id"])
    uow.outbox.enqueue([remedy_notices.offered(r["order_id"], r["buyer_id"], r["choose_by"],
                                               r["default_remedy"], now)
                        for r in rows if r["order_id"] in written and r["buyer_id"]])

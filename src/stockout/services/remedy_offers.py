"""Opening the buyer's remedy offer when a re-judging finds a stockout (see services.remedies):
kept apart so that adjudication imports nothing of the remedies' use cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from stockout.domain.remedies import RemedyOffer, remedy_offer
from stockout.domain.rulebook import RulePack
from stockout.domain.timeline import OrderFacts
from stockout.domain.verdicts import Verdict
from stockout.services import remedy_notices
from stockout.store.uow import UnitOfWork

OFFERED = "offered"


def open_offers(uow: UnitOfWork, judged: Sequence[tuple[OrderFacts, RulePack,
                                                        Sequence[Verdict]]],
                now: datetime) -> None:
    """Inside a re-judging: open the offer of each open, not picked-up order that now has a
    stockout verdict and no offer yet, and tell its buyer."""
    fresh: list[tuple[OrderFacts, RulePack, RemedyOffer]] = []
    for facts, pack, verdicts in judged:
        if facts.placed is None or facts.closed is not None or facts.pickup is not None:
            continue
        offer = remedy_offer(verdicts, pack.remedies)
        if offer is not None:
            fresh.append((facts, pack, offer))
    if not fresh:
        return
    known = uow.remedies.known(o.order_id for _, _, o in fresh)
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
    uow.outbox.enqueue([remedy_notices.offered(r["order_id"], r["buyer_id"], r["choose_by"],
                                               r["default_remedy"], now)
                        for r in rows if r["order_id"] in written and r["buyer_id"]])

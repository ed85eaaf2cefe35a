"""Opening the buyer's remedy offer when a re-judging finds a stockout (see
services.remedies.choices): kept apart so that adjudication imports nothing of the remedies'
use cases."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stockout.domain.remedies import RemedyOffer, RemedyState, remedy_offer
from stockout.domain.rulebook import RulePack
from stockout.domain.timeline import OrderFacts
from stockout.domain.verdicts import Verdict
from stockout.services.remedies import notices as remedy_notices
from stockout.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Offers:
    """What a judging may change of the buyers' offers: the offers to open, the orders whose
    offer may have to be withdrawn, and their stored remedy states (asked for `later`)."""
    fresh: list[tuple[OrderFacts, RulePack, RemedyOffer]]
    gone: list[str]
    states: Callable[[], dict[str, str]]


def offers_of(uow: UnitOfWork, judged: Sequence[tuple[OrderFacts, RulePack,
                                                      Sequence[Verdict]]],
              now: datetime, judged_before: Collection[str]) -> Offers:
    """Each open, not picked-up order that now has a stockout verdict is offered a remedy;
    an order whose stockout verdict is gone has its offer withdrawn. Only the orders in
    `judged_before` can hold an offer (one opens in a judging): the others need no
    withdrawal. Their remedy rows' states are read with the next statement that needs an
    answer (none changes meanwhile: remedies are written in a judging, under the orders'
    locks)."""
    fresh: list[tuple[OrderFacts, RulePack, RemedyOffer]] = []
    gone: list[str] = []
    for facts, pack, verdicts in judged:
        offer = remedy_offer(verdicts, pack.remedies, now)
        if offer is None:
            if facts.placed is not None and facts.placed.order_id in judged_before:
                gone.append(facts.placed.order_id)
            continue
        if facts.placed is None or facts.closed is not None or facts.pickup is not None:
            continue
        fresh.append((facts, pack, offer))
    if not gone and not fresh:
        return Offers(fresh, gone, dict)
    # One read for both: the offers to withdraw (still offered; an offer only becomes offered
    # in a judging, under the order's lock, so none turns offered meanwhile) and where an offer
    # opens (none yet, or only a withdrawn one: opened again, rewritten).
    return Offers(fresh, gone, uow.remedies.states_later(
        [*gone, *(o.order_id for _, _, o in fresh)]))


def open_offers(uow: UnitOfWork, offers: Offers, now: datetime) -> list[dict[str, Any]]:
    """Inside a re-judging: open the offers `offers_of` found, withdraw those still open whose
    stockout verdict is gone (voided by a later event or announcement). The notices telling
    the buyers of their offers, for the caller to add to the outbox with its own (one
    insert)."""
    fresh, gone = offers.fresh, offers.gone
    if not gone and not fresh:
        return []
    states = offers.states()
    offered = [o for o in gone if states.get(o) == RemedyState.OFFERED.value]
    if offered:
        uow.remedies.withdraw(offered, RemedyState.WITHDRAWN.value, RemedyState.OFFERED.value,
                              now)
    if not fresh:
        return []
    rows: list[dict[str, Any]] = []
    for facts, pack, offer in fresh:
        p = facts.placed
        if p is None or states.get(offer.order_id, RemedyState.WITHDRAWN.value) \
                != RemedyState.WITHDRAWN.value:
            continue
        rows.append({"order_id": offer.order_id, "shop_id": p.shop_id or "",
                     "buyer_id": p.buyer_id, "sku_id": p.sku_id, "quantity": p.quantity or 1,
                     "paid_cents": p.paid_cents or 0, "pack_id": pack.id,
                     "opened_at": offer.opened_at, "choose_by": offer.choose_by,
                     "default_remedy": offer.default.value, "state": RemedyState.OFFERED.value,
                     "refund_cents": 0, "due_at": offer.choose_by})
    written = set(uow.remedies.open_offers([r for r in rows if r["order_id"] not in states]))
    again = [r | {"resolved_at": None} for r in rows
             if r["order_id"] in states and r["order_id"] not in written]
    uow.remedies.reopen(again)
    written.update(r["order_id"] for r in again)
    return [remedy_notices.offered(r["order_id"], r["buyer_id"], r["choose_by"],
                                   r["default_remedy"], now)
            for r in rows if r["order_id"] in written and r["buyer_id"]]

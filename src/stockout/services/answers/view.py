"""Gather one order's state from the store -- its timeline folded as of now, the deadline, the
active verdicts (an approved appeal's lifted verdict is not the buyer's any more), the remedy,
the coupons, the after-sales cases and the open tickets -- and answer the buyer's questions
with the pure `domain.answers`."""

from __future__ import annotations

from typing import Any

from stockout.domain.aftersales import fold_cases
from stockout.domain.answers import (
    OpenTicket,
    OrderState,
    Owed,
    RemedyStatus,
    answer_all,
    answers_records,
)
from stockout.domain.deadline import ship_deadline
from stockout.domain.language import Lang
from stockout.domain.timeline import Timeline, fold
from stockout.domain.times import format_time
from stockout.services.access.principals import NotFound, Principal
from stockout.services.common.clock import Clock
from stockout.services.contact.tickets import open_for_order
from stockout.services.judging.rules import Rules, pack_by_id
from stockout.store.mapping import verdict_from_row
from stockout.store.uow import UnitOfWork


def _cause(key: str) -> str:
    """A coupon's cause from its idempotency key: `ORDER/VIOLATION/GEN` or
    `ORDER/stockout/wait_missed`."""
    parts = key.split("/")
    if len(parts) >= 3 and parts[-1].endswith("_missed"):
        return parts[-1]
    return parts[-2] if len(parts) >= 3 else key


def order_state(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str
                ) -> OrderState:
    """Inside a reader: what the answers read of the order; NotFound unless it is the asker's."""
    row = uow.orders.get(order_id)
    if row is None or not who.sees_order(row["shop_id"], row["buyer_id"]) \
            or row["state"] == "unplaced":
        raise NotFound(f"order {order_id!r} not found")
    now = clock.now()
    pack = pack_by_id(rules, row["pack_id"])
    stored = uow.events.for_orders([order_id]).get(order_id, [])
    timeline = Timeline.of(order_id, (e for _, e in stored))
    facts = fold(timeline, now)
    if facts.placed is None:
        raise NotFound(f"order {order_id!r} not found")
    deadline = ship_deadline(facts.placed, facts.confirmed, pack, uow.announcements.all())
    verdicts = tuple(verdict_from_row(v) for v in uow.verdicts.of_order(order_id)
                     if v["status"] == "active")
    rem = uow.remedies.get(order_id)
    remedy = None if rem is None else RemedyStatus(rem.state, rem.choose_by,
                                                   rem.default_remedy, rem.proposed_until,
                                                   rem.until)
    coupons = tuple(Owed(c["amount_cents"], c["state"], _cause(c["idempotency_key"]))
                    for c in uow.coupons.of_order(order_id))
    tickets = tuple(OpenTicket(str(t["id"]), t["respond_by"]) for t in open_for_order(uow, order_id))
    return OrderState(order_id, facts, deadline, verdicts,
                      fold_cases(timeline.events, pack.aftersales, now), pack, now, remedy,
                      coupons, tickets)


def order_answers(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
                  lang: Lang) -> dict[str, Any]:
    """`{"order_id", "as_of", "lang", "phase", "answers": [...]}` (see `domain.answers`)."""
    with uow.reader() as r:
        state = order_state(r, rules, clock, who, order_id)
    phase, answers = answer_all(state, lang)
    return {"order_id": order_id, "as_of": format_time(state.now), "lang": lang.value,
            **answers_records(phase, answers)}

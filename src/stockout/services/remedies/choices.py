"""The buyer's remedies after a stockout verdict: an offer opens with the verdict (the pack's
window to choose, its default), the merchant may propose a restock date, the buyer chooses
wait / substitute / presale / refund, and the worker carries out the default when the window
closes and checks every promised date.

Each accepted choice is a `remedy_chosen` event ingested into the order's timeline (a refund
also a `refund_completed`, which closes the order and so releases its reservation; a substitute
moves the reservation, see `order_stock`). The promised ship-by of a wait or presale lives here,
not in the judge: a missed one refunds the buyer and issues a second compensation coupon (its
own idempotency key, no verdict) with an audit entry. The judge's verdicts never change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from stockout.domain.events import EventType, Remedy
from stockout.domain.provenance import Via
from stockout.domain.remedies import (
    PROMISES,
    Listing,
    RefusalReason,
    RemedyOffer,
    RemedyRefused,
    RemedyState,
    Substitute,
    check_choice,
    rank_substitutes,
    remedy_chosen,
    remedy_settled,
)
from stockout.domain.times import format_time
from stockout.domain.verdicts import Violation
from stockout.services.access.principals import WORKER, Forbidden, NotFound, Principal, Role
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.judging.adjudicate import lock_orders
from stockout.services.judging.ingest import append_events
from stockout.services.judging.rules import Rules, pack_by_id
from stockout.services.remedies import notices as remedy_notices
from stockout.store.mapping import RemedyRecord, dumps
from stockout.store.uow import UnitOfWork


def _visible(uow: UnitOfWork, who: Principal, order_id: str, lock: bool = False
             ) -> RemedyRecord:
    order = uow.orders.get(order_id)
    if order is None or not who.sees_order(order["shop_id"], order["buyer_id"]):
        raise NotFound(f"order {order_id!r} not found")
    row = uow.remedies.get(order_id, lock=lock)
    if row is None or row.state == RemedyState.WITHDRAWN:
        raise RemedyRefused(RefusalReason.NO_STOCKOUT,
                            f"order {order_id!r} has no stockout verdict to remedy")
    return row


def _offer(row: RemedyRecord) -> RemedyOffer:
    return RemedyOffer(row.order_id, row.opened_at, row.choose_by,
                       row.default_remedy)


def substitutes(uow: UnitOfWork, rules: Rules, row: RemedyRecord) -> list[Substitute]:
    """In-stock SKUs of the order's shop and category within the pack's price band, most
    similar title first."""
    pack = pack_by_id(rules, row.pack_id)
    sku = uow.stock.get(row.sku_id) if row.sku_id else None
    order = uow.orders.get(row.order_id)
    category = sku["category"] if sku is not None else (order or {}).get("category")
    original = Listing(row.sku_id or "", row.shop_id, category,
                       sku["title"] if sku is not None else "", row.paid_cents, 0)
    candidates = [Listing(r["sku_id"], r["shop_id"], r["category"], r["title"],
                          r["price_cents"], r["on_hand"] - r["reserved"])
                  for r in uow.stock.all(row.shop_id) if r["listing"] == "listed" and r["price_cents"] is not None]
    return rank_substitutes(original, row.paid_cents, max(row.quantity, 1), candidates,
                            pack.remedies.substitute_price_band_percent)


def remedy_view(uow: UnitOfWork, rules: Rules, who: Principal, order_id: str) -> dict[str, Any]:
    """The offer or the choice made, for the order's buyer, its merchant or the platform."""
    with uow.reader() as r:
        row = _visible(r, who, order_id)
        subs = substitutes(r, rules, row) if row.state == RemedyState.OFFERED else []
    return _body(row, subs)


def _body(row: RemedyRecord, subs: Sequence[Substitute] = ()) -> dict[str, Any]:
    def t(at: datetime | None) -> str | None:
        return format_time(at) if at is not None else None

    return {"order_id": row.order_id, "state": row.state.value, "opened_at": t(row.opened_at),
            "choose_by": t(row.choose_by), "default": row.default_remedy.value,
            "options": [r.value for r in Remedy] if row.state is RemedyState.OFFERED else [],
            "proposed_until": t(row.proposed_until),
            "remedy": row.remedy.value if row.remedy else None,
            "chosen_at": t(row.chosen_at), "chosen_by": row.chosen_by,
            "until": t(row.until), "substitute_sku_id": row.substitute_sku_id,
            "refund_cents": row.refund_cents, "due_at": t(row.due_at),
            "substitutes": [{"sku_id": s.listing.sku_id, "title": s.listing.title,
                             "price_cents": s.listing.price_cents,
                             "similarity": round(s.similarity, 3),
                             "refund_cents": s.refund_cents} for s in subs]}


def propose_restock(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
                    until: datetime) -> dict[str, Any]:
    """The merchant's restock date, for the buyer to accept (a `wait`) while the offer is open."""
    return in_transaction(uow, lambda u: propose_within(u, rules, clock.now(), who, order_id,
                                                        until))


def propose_within(uow: UnitOfWork, rules: Rules, now: datetime, who: Principal, order_id: str,
                   until: datetime) -> dict[str, Any]:
    """`propose_restock` inside the caller's transaction."""
    lock_orders(uow, [order_id])  # the order first, as every re-judging takes it
    row = _visible(uow, who, order_id, lock=True)
    if who.role is Role.BUYER:
        raise Forbidden("the merchant proposes the restock date")
    pack = pack_by_id(rules, row.pack_id)
    check_choice(_offer(row), Remedy.WAIT, now, pack.remedies,
                 already_chosen=row.state != RemedyState.OFFERED, until=until)
    uow.remedies.change(order_id, proposed_until=until, proposed_at=now)
    if row.buyer_id:
        uow.outbox.enqueue([remedy_notices.proposed(order_id, row.buyer_id, until,
                                                    row.choose_by, row.default_remedy,
                                                    now)])
    return _body(uow.remedies.get(order_id) or row)


def choose(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
           remedy: Remedy, until: datetime | None = None,
           substitute_sku_id: str | None = None) -> dict[str, Any]:
    """The buyer's choice (or the platform's on the buyer's behalf); `RemedyRefused` says which
    rule refuses it."""
    if who.role is Role.MERCHANT:
        raise Forbidden("the buyer chooses the remedy")

    def work(uow: UnitOfWork) -> dict[str, Any]:
        now = clock.now()
        lock_orders(uow, [order_id])  # the order first, as every re-judging takes it
        row = _visible(uow, who, order_id, lock=True)
        pack = pack_by_id(rules, row.pack_id)
        # The state first, before any check of the new choice's own fields.
        refused = remedy_chosen(row.state, remedy)
        if isinstance(refused, RefusalReason):
            raise RemedyRefused(refused,
                                f"the remedy was already settled ({row.remedy or row.state})")
        promised = until
        if remedy is Remedy.WAIT:
            if row.proposed_until is None:
                raise RemedyRefused(RefusalReason.DATE_REQUIRED,
                                    "the merchant has not proposed a restock date yet")
            if until is not None and until != row.proposed_until:
                raise RemedyRefused(RefusalReason.DATE_OUT_OF_RANGE,
                                    "a wait accepts the merchant's proposed date "
                                    f"{format_time(row.proposed_until)}")
            promised = row.proposed_until
        # A presale is the buyer's own date (`until`), never the merchant's proposal: without
        # one, check_choice refuses it (presale_date_required), proposal or not.
        if substitute_sku_id is not None and remedy is Remedy.SUBSTITUTE:
            uow.stock.lock(substitute_sku_id)  # held until commit: its units stay sellable
        subs = substitutes(uow, rules, row) if remedy is Remedy.SUBSTITUTE else []
        order = uow.orders.get(order_id) or {}
        if order.get("state") == "closed" or order.get("picked_up_at") is not None:
            raise RemedyRefused(RefusalReason.WINDOW_CLOSED,
                                "the order is already closed or picked up")
        check_choice(_offer(row), remedy, now, pack.remedies,
                     already_chosen=False, until=promised,
                     substitute_sku_id=substitute_sku_id,
                     offered_substitutes=[s.listing.sku_id for s in subs])
        refund = next((s.refund_cents for s in subs if s.listing.sku_id == substitute_sku_id), 0)
        if remedy is Remedy.SUBSTITUTE:
            promised = now + pack.deadline.default
        if remedy is Remedy.REFUND:
            refund = row.paid_cents
        _carry_out(uow, rules, who, row, remedy, now, promised, substitute_sku_id,
                   refund, by_default=False)
        return _body(uow.remedies.get(order_id) or row)

    return in_transaction(uow, work)


def _event(order_id: str, label: str, type_: EventType, at: datetime, **fields: Any
           ) -> dict[str, Any]:
    e = {"event_id": f"{order_id}.{label}", "order_id": order_id, "type": type_.value,
         "at": format_time(at)}
    e.update({k: (format_time(v) if isinstance(v, datetime) else v)
              for k, v in fields.items() if v is not None})
    return e


def _carry_out(uow: UnitOfWork, rules: Rules, who: Principal, row: RemedyRecord, remedy: Remedy,
               now: datetime, until: datetime | None, substitute_sku_id: str | None,
               refund_cents: int, by_default: bool) -> None:
    order_id = row.order_id
    events = [_event(order_id, "remedy", EventType.REMEDY_CHOSEN, now, remedy=remedy.value,
                     until=until, substitute_sku_id=substitute_sku_id)]
    if remedy is Remedy.REFUND:
        events.append(_event(order_id, "refund", EventType.REFUND_COMPLETED, now,
                             amount_cents=refund_cents))
    actor = who.actor
    # The buyer states its choice; the refund that carries it out is the platform's doing.
    append_events(uow, rules, now, who, events, via=Via.REMEDY,
                  by_platform=[e["event_id"] for e in events[1:]])
    state = remedy_chosen(row.state, remedy)
    assert isinstance(state, RemedyState), state  # checked by the caller, under the row's lock
    promise = state in PROMISES
    uow.remedies.change(order_id, state=state.value, remedy=remedy.value, chosen_at=now,
                        chosen_by="default" if by_default else "buyer", until=until,
                        substitute_sku_id=substitute_sku_id, refund_cents=refund_cents,
                        due_at=until if promise else None, resolved_at=None if promise else now)
    audit = [{"at": now, "actor": actor, "action": f"remedy.{remedy.value}",
              "subject": f"remedy:{order_id}", "order_id": order_id,
              "amount_cents": -refund_cents if refund_cents else None,
              "details": dumps({"by_default": by_default, "until": format_time(until)
                                if until else None, "substitute_sku_id": substitute_sku_id})}]
    uow.audit.append(audit)
    uow.outbox.enqueue(remedy_notices.chosen(
        order_id, row.buyer_id, row.shop_id, remedy.value, by_default, now, until=until,
        sku=substitute_sku_id or "", refund_cents=refund_cents, choose_by=row.choose_by))


def missed_coupon_key(order_id: str, remedy: str) -> str:
    return f"{order_id}/stockout/{remedy}_missed"


def settle_due(uow: UnitOfWork, rules: Rules, clock: Clock, batch: int = 200) -> int:
    """The worker's part: apply the default when a window closed without a choice, and check
    each promised date that passed. One transaction per remedy; how many were settled."""
    with uow.reader() as r:
        due = r.remedies.due(clock.now(), batch)
    settled = 0
    for order_id in due:
        def work(u: UnitOfWork, o: str = order_id) -> int:
            return _settle(u, rules, o, clock.now())

        settled += in_transaction(uow, work)
    return settled


def _settle(uow: UnitOfWork, rules: Rules, order_id: str, now: datetime) -> int:
    lock_orders(uow, [order_id])
    row = uow.remedies.get(order_id, lock=True)
    if row is None or row.due_at is None or row.due_at > now:
        return 0
    order = uow.orders.get(order_id) or {}
    state = row.state
    settled = remedy_settled(state, order_closed=order.get("state") == "closed",
                             picked_up=order.get("picked_up_at"), until=row.until)
    if settled is None:  # the window closed without a choice: the default is carried out
        _carry_out(uow, rules, WORKER, row, row.default_remedy, now, None,
                   None, row.paid_cents, by_default=True)
    elif settled is RemedyState.MISSED:
        _missed(uow, rules, row, now)
    elif settled is not state:
        uow.remedies.change(order_id, state=settled.value, due_at=None, resolved_at=now)
    else:
        uow.remedies.change(order_id, due_at=None)
    return 1


def _missed(uow: UnitOfWork, rules: Rules, row: RemedyRecord, now: datetime) -> None:
    """A promised date passed without a pickup: refund in full (less a substitute's difference
    already paid back) and compensate again."""
    order_id = row.order_id
    assert row.until is not None  # a promise has its date
    paid = row.paid_cents - row.refund_cents
    pack = pack_by_id(rules, row.pack_id)
    append_events(uow, rules, now, WORKER, [
        _event(order_id, "remedy_missed.refund", EventType.REFUND_COMPLETED, now,
               amount_cents=paid)])
    amount = pack.stockout.compensation.for_paid(row.paid_cents)
    key = missed_coupon_key(order_id, row.state)
    audit: list[dict[str, Any]] = [{
        "at": now, "actor": WORKER.actor, "action": "remedy.missed",
        "subject": f"remedy:{order_id}", "order_id": order_id, "amount_cents": -paid,
        "details": dumps({"remedy": row.state, "until": format_time(row.until),
                          "refund_cents": paid})}]
    if row.buyer_id and amount > 0:
        ids = uow.coupons.insert([{
            "verdict_id": None, "idempotency_key": key, "order_id": order_id,
            "shop_id": row.shop_id, "buyer_id": row.buyer_id, "amount_cents": amount,
            "state": "issued", "issued_at": now, "changed_at": None, "change_reason": None}])
        audit.append({"at": now, "actor": WORKER.actor, "action": "coupon.issued",
                      "subject": f"coupon:{ids[0]}", "order_id": order_id,
                      "amount_cents": amount,
                      "details": dumps({"idempotency_key": key, "buyer_id": row.buyer_id,
                                        "cause": f"remedy:{row.state}_missed",
                                        "rule": pack.rule_id(Violation.STOCKOUT.value,
                                                             "promise_missed")})})
    uow.audit.append(audit)
    uow.outbox.enqueue(remedy_notices.missed(order_id, row.buyer_id, row.shop_id,
                                             row.state, row.until, paid, key, amount, now))
    uow.remedies.change(order_id, state=RemedyState.MISSED.value, due_at=None,
                        resolved_at=now)


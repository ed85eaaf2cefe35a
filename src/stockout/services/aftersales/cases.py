"""After-sales use cases. The buyer requests a refund (before delivery) or a return (after
delivery, within the pack's window) or files a claim; the merchant agrees or refuses within the
pack's time (silence = agreed, carried out by the worker); a refusal the buyer escalates is
decided by the platform; an agreed return is sent back with a tracking number, the merchant
confirms receipt, the refund follows and the units go back to the SKU's ledger.

Every step appends events to the order's timeline (so the judge, the fold of the cases and the
answers all read the same facts); the `aftersale_cases` rows only mirror the fold for the
worker and the platform's queue. A claim of an empty parcel or a wrong item that the platform
upholds is the judge's `fraudulent_shipment` verdict, with a full refund.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stockout.domain.aftersales import (
    AftersaleRefused,
    Case,
    CaseKind,
    CaseState,
    DueAction,
    Refusal,
    case_in,
    check_claim,
    check_refund_request,
    check_return_request,
    delivery_of,
    fold_cases,
)
from stockout.domain.events import ClaimKind, Event, EventType
from stockout.domain.inventory import Movement, MovementKind
from stockout.domain.money import format_yuan
from stockout.domain.provenance import Via
from stockout.domain.rulebook import RulePack
from stockout.domain.timeline import OrderFacts, Timeline, fold
from stockout.domain.times import format_time, human_time
from stockout.services.access.principals import WORKER, Forbidden, NotFound, Principal, Role
from stockout.services.aftersales import notices
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.judging.adjudicate import lock_orders
from stockout.services.judging.ingest import append_events
from stockout.services.judging.rules import Rules, pack_by_id
from stockout.services.stock.movements import apply_movement
from stockout.services.stock.reservations import substitute_of
from stockout.store.mapping import dumps
from stockout.store.uow import UnitOfWork

DUE_BATCH = 200
_WATCHED = frozenset({CaseState.REQUESTED, CaseState.SHIPPED_BACK, CaseState.REFUSED,
                      CaseState.AGREED})


@dataclass(slots=True)
class _Order:
    """An order as a step sees it, under its lock."""

    row: dict[str, Any]
    timeline: Timeline
    facts: OrderFacts
    pack: RulePack
    cases: tuple[Case, ...]

    @property
    def order_id(self) -> str:
        return str(self.row["order_id"])

    @property
    def paid(self) -> int:
        return int(self.row["paid_cents"] or 0)


def _load(uow: UnitOfWork, rules: Rules, who: Principal, order_id: str, now: datetime
          ) -> _Order:
    lock_orders(uow, [order_id])
    row = uow.orders.get(order_id)
    if row is None or not who.sees_order(row["shop_id"], row["buyer_id"]):
        raise NotFound(f"order {order_id!r} not found")
    stored = uow.events.for_orders([order_id]).get(order_id, [])
    timeline = Timeline.of(order_id, (e for _, e in stored))
    pack = pack_by_id(rules, row["pack_id"])
    return _Order(row, timeline, fold(timeline, now), pack,
                  fold_cases(timeline.events, pack.aftersales, now))


def _next_id(o: _Order, label: str, type_: EventType) -> str:
    """`ORDER.aftersale.NNN.LABEL`, numbered in the order the steps are taken: steps taken at
    one instant keep that order in the timeline (sorted by time, then id)."""
    n = sum(1 for e in o.timeline.events if e.event_id.startswith(f"{o.order_id}.aftersale.")
            and not e.event_id.endswith(".refund")) + 1
    return f"{o.order_id}.aftersale.{n:03d}.{label}"


def _event(event_id: str, order_id: str, type_: EventType, at: datetime, **fields: Any
           ) -> dict[str, Any]:
    e = {"event_id": event_id, "order_id": order_id, "type": type_.value, "at": format_time(at)}
    e.update({k: v for k, v in fields.items() if v is not None})
    return e


def mirror(uow: UnitOfWork, rules: Rules, order_id: str, now: datetime) -> tuple[Case, ...]:
    """Fold the order's cases again and rewrite their rows; the cases."""
    row = uow.orders.get(order_id)
    if row is None:
        return ()
    stored = uow.events.for_orders([order_id]).get(order_id, [])
    timeline = Timeline.of(order_id, (e for _, e in stored))
    pack = pack_by_id(rules, row["pack_id"])
    cases = fold_cases(timeline.events, pack.aftersales, now)
    rows = []
    for c in cases:
        # The worker looks again when a party's silence decides (a request, a parcel back) or
        # a refusal or an agreed return lapses (the row then shows it).
        action_due = c.due_at if c.state in _WATCHED and c.kind is not CaseKind.CLAIM else None
        rows.append({"case_id": c.case_id, "order_id": order_id, "shop_id": row["shop_id"] or "",
                     "buyer_id": row["buyer_id"], "kind": c.kind.value, "state": c.state.value,
                     "opened_at": c.opened_at, "due_at": c.due_at, "action_due_at": action_due,
                     "updated_at": now})
    uow.aftersales.replace_order(order_id, rows)
    return cases


def _write(uow: UnitOfWork, rules: Rules, o: _Order, now: datetime, who: Principal,
           events: list[dict[str, Any]], outbox: list[dict[str, Any]], action: str,
           amount_cents: int | None = None) -> dict[str, Any]:
    """Append the step's events (re-judging the order), mirror its cases, tell the other side
    and log who did it; the order's after-sales view."""
    actor = who.actor
    # The party states its own step; a refund that follows it is the platform's doing.
    append_events(uow, rules, now, who, events, via=Via.AFTERSALES,
                  by_platform=[e["event_id"] for e in events
                               if e["type"] == EventType.REFUND_COMPLETED.value])
    cases = mirror(uow, rules, o.order_id, now)
    uow.outbox.enqueue(outbox)
    uow.audit.append([{"at": now, "actor": actor, "action": f"aftersale.{action}",
                       "subject": f"order:{o.order_id}", "order_id": o.order_id,
                       "amount_cents": -amount_cents if amount_cents else None,
                       "details": dumps({"events": [e["event_id"] for e in events]})}])
    return view_of(o.order_id, cases, now)


def _in_transaction(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
                    work: Callable[[UnitOfWork, _Order, datetime], dict[str, Any]]
                    ) -> dict[str, Any]:
    def run(u: UnitOfWork) -> dict[str, Any]:
        now = clock.now()
        return work(u, _load(u, rules, who, order_id, now), now)

    return in_transaction(uow, run)


def _only(who: Principal, *roles: Role, what: str) -> None:
    if who.role not in roles:
        raise Forbidden(what)


def _when(at: datetime | None) -> Any:
    return lambda lang: human_time(at, lang) if at is not None else "-"


def _refund(o: _Order, now: datetime, step: dict[str, Any]) -> dict[str, Any]:
    """The full refund that follows `step` at the same instant; its id extends the step's, so
    that the timeline (by time, then id) has the decision first."""
    return _event(f"{step['event_id']}.refund", o.order_id, EventType.REFUND_COMPLETED, now,
                  amount_cents=o.paid)


# -- refunds (仅退款) -------------------------------------------------------------------------

def request_refund(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
                   reason: str) -> dict[str, Any]:
    """The buyer (or the platform for the buyer) asks for a refund before delivery."""
    _only(who, Role.BUYER, Role.PLATFORM, what="the buyer requests a refund")

    def work(u: UnitOfWork, o: _Order, now: datetime) -> dict[str, Any]:
        check_refund_request(delivery_of(o.facts), o.cases, now)
        eid = _next_id(o, "refund_request", EventType.REFUND_REQUESTED)
        due = now + o.pack.aftersales.refund_answer
        tell = notices.step(f"aftersale:{eid}:requested", "refund_requested", "merchant",
                            o.row["shop_id"], o.order_id, {"case_id": eid,
                                                           "answer_by": format_time(due)},
                            now, reason=reason or "-", until=_when(due))
        return _write(u, rules, o, now, who, [_event(
            eid, o.order_id, EventType.REFUND_REQUESTED, now, initiator="buyer",
            reason=reason)], tell, "refund_requested")

    return _in_transaction(uow, rules, clock, who, order_id, work)


def answer_refund(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
                  accept: bool, reason: str = "") -> dict[str, Any]:
    """The merchant agrees (the buyer is refunded in full at once) or refuses (the buyer may
    escalate), before the pack's time runs out."""
    _only(who, Role.MERCHANT, what="the merchant answers a refund request")

    def work(u: UnitOfWork, o: _Order, now: datetime) -> dict[str, Any]:
        c = case_in(o.cases, [CaseState.REQUESTED], "the merchant's answer", CaseKind.REFUND)
        _in_time(c, now, "aftersales.refund_answer_hours")
        if not accept and not reason.strip():
            raise AftersaleRefused(Refusal.REASON_REQUIRED, "a refusal needs a reason")
        events = [_event(_next_id(o, "refund_decision", EventType.REFUND_DECIDED), o.order_id,
                         EventType.REFUND_DECIDED, now, by="merchant", upheld=accept,
                         reason=reason)]
        if accept:
            events.append(_refund(o, now, events[0]))
        return _write(u, rules, o, now, who, events,
                      _told_refund(o, c, accept, reason, now), "refund_answered",
                      o.paid if accept else None)

    return _in_transaction(uow, rules, clock, who, order_id, work)


def _told_refund(o: _Order, c: Case, accept: bool, reason: str, now: datetime
                 ) -> list[dict[str, Any]]:
    if accept:
        return notices.step(f"aftersale:{c.case_id}:granted", "refund_granted", "buyer",
                            o.row["buyer_id"], o.order_id, {"case_id": c.case_id,
                                                            "refund_cents": o.paid}, now,
                            amount=format_yuan(o.paid))
    until = now + o.pack.aftersales.escalate_within
    return notices.step(f"aftersale:{c.case_id}:refused", "refund_refused", "buyer",
                        o.row["buyer_id"], o.order_id,
                        {"case_id": c.case_id, "escalate_by": format_time(until)}, now,
                        reason=reason, until=_when(until))


def _in_time(c: Case, now: datetime, rule: str) -> None:
    if c.due_at is not None and now > c.due_at:
        raise AftersaleRefused(Refusal.WINDOW_CLOSED, f"the time to answer passed "
                               f"{format_time(c.due_at)}: the request is granted", rule)


# -- escalation (平台介入) and the platform's decision --------------------------------------

def escalate(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
             reason: str) -> dict[str, Any]:
    """The buyer asks the platform to step in on a refused refund or return, in time."""
    _only(who, Role.BUYER, Role.PLATFORM, what="the buyer asks the platform to step in")

    def work(u: UnitOfWork, o: _Order, now: datetime) -> dict[str, Any]:
        c = case_in(o.cases, [CaseState.REFUSED], "an escalation")
        eid = _next_id(o, "escalation", EventType.AFTERSALE_ESCALATED)
        due = now + o.pack.aftersales.platform_decision
        tell = notices.step(f"aftersale:{eid}", "escalated", "merchant", o.row["shop_id"],
                            o.order_id, {"case_id": c.case_id, "decide_by": format_time(due)},
                            now, reason=reason or "-", until=_when(due))
        return _write(u, rules, o, now, who, [_event(
            eid, o.order_id, EventType.AFTERSALE_ESCALATED, now, reason=reason)], tell,
            "escalated")

    return _in_transaction(uow, rules, clock, who, order_id, work)


def decide(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
           grant: bool, reason: str) -> dict[str, Any]:
    """The platform decides an escalated refund (granted: refunded at once) or return (granted:
    the buyer sends it back); both sides are told why."""
    _only(who, Role.PLATFORM, what="the platform decides an escalated case")
    if not reason.strip():
        raise AftersaleRefused(Refusal.REASON_REQUIRED, "a decision needs a reason")

    def work(u: UnitOfWork, o: _Order, now: datetime) -> dict[str, Any]:
        c = case_in(o.cases, [CaseState.ESCALATED], "the platform's decision")
        type_ = EventType.REFUND_DECIDED if c.kind is CaseKind.REFUND else EventType.RETURN_DECIDED
        events = [_event(_next_id(o, f"{c.kind.value}_decision", type_), o.order_id, type_, now,
                         by="platform", upheld=grant, reason=reason)]
        if grant and c.kind is CaseKind.REFUND:
            events.append(_refund(o, now, events[0]))
        step = "platform_granted" if grant else "platform_refused"
        data = {"case_id": c.case_id, "granted": grant, "reason": reason}
        what = notices.WHAT[c.kind.value]
        tell = [*notices.step(f"aftersale:{c.case_id}:{step}:buyer", step, "buyer",
                              o.row["buyer_id"], o.order_id, data, now, what=what,
                              reason=reason),
                *notices.step(f"aftersale:{c.case_id}:{step}:merchant", step, "merchant",
                              o.row["shop_id"], o.order_id, data, now, what=what,
                              reason=reason)]
        if grant and c.kind is CaseKind.RETURN:
            until = now + o.pack.aftersales.return_ship_back
            tell += notices.step(f"aftersale:{c.case_id}:agreed", "return_agreed", "buyer",
                                 o.row["buyer_id"], o.order_id, data, now, until=_when(until))
        return _write(u, rules, o, now, who, events, tell, "decided",
                      o.paid if grant and c.kind is CaseKind.REFUND else None)

    return _in_transaction(uow, rules, clock, who, order_id, work)


# -- returns (退货退款) -----------------------------------------------------------------------

def request_return(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
                   reason: str = "") -> dict[str, Any]:
    """After delivery, within the pack's return window (no reason needed)."""
    _only(who, Role.BUYER, Role.PLATFORM, what="the buyer requests a return")

    def work(u: UnitOfWork, o: _Order, now: datetime) -> dict[str, Any]:
        check_return_request(delivery_of(o.facts), o.cases, o.pack.aftersales, now)
        eid = _next_id(o, "return_request", EventType.RETURN_REQUESTED)
        due = now + o.pack.aftersales.return_answer
        tell = notices.step(f"aftersale:{eid}:requested", "return_requested", "merchant",
                            o.row["shop_id"], o.order_id,
                            {"case_id": eid, "answer_by": format_time(due)}, now,
                            reason=reason or "-", until=_when(due))
        return _write(u, rules, o, now, who, [_event(
            eid, o.order_id, EventType.RETURN_REQUESTED, now, reason=reason)], tell,
            "return_requested")

    return _in_transaction(uow, rules, clock, who, order_id, work)


def answer_return(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
                  accept: bool, reason: str = "") -> dict[str, Any]:
    """The merchant agrees to the return (the buyer sends it back) or refuses it (with a
    reason; the buyer may escalate)."""
    _only(who, Role.MERCHANT, what="the merchant answers a return request")

    def work(u: UnitOfWork, o: _Order, now: datetime) -> dict[str, Any]:
        c = case_in(o.cases, [CaseState.REQUESTED], "the merchant's answer", CaseKind.RETURN)
        _in_time(c, now, "aftersales.return_answer_hours")
        if not accept and not reason.strip():
            raise AftersaleRefused(Refusal.REASON_REQUIRED, "a refusal needs a reason")
        return _write(u, rules, o, now, who, [_event(
            _next_id(o, "return_decision", EventType.RETURN_DECIDED), o.order_id,
            EventType.RETURN_DECIDED, now, by="merchant", upheld=accept, reason=reason)],
            _told_return(o, c, accept, reason, now), "return_answered")

    return _in_transaction(uow, rules, clock, who, order_id, work)


def _told_return(o: _Order, c: Case, accept: bool, reason: str, now: datetime
                 ) -> list[dict[str, Any]]:
    a = o.pack.aftersales
    until = now + (a.return_ship_back if accept else a.escalate_within)
    step = "return_agreed" if accept else "return_refused"
    return notices.step(f"aftersale:{c.case_id}:{step}", step, "buyer", o.row["buyer_id"],
                        o.order_id, {"case_id": c.case_id, "until": format_time(until)}, now,
                        reason=reason or "-", until=_when(until))


def ship_back(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
              carrier: str, tracking_no: str) -> dict[str, Any]:
    """The buyer sends an agreed return back, with the parcel's tracking number."""
    _only(who, Role.BUYER, Role.PLATFORM, what="the buyer sends the return back")
    if not carrier.strip() or not tracking_no.strip():
        raise AftersaleRefused(Refusal.TRACKING_REQUIRED, "carrier and tracking_no are required")

    def work(u: UnitOfWork, o: _Order, now: datetime) -> dict[str, Any]:
        c = case_in(o.cases, [CaseState.AGREED], "a parcel sent back", CaseKind.RETURN)
        due = now + o.pack.aftersales.return_receive
        tell = notices.step(f"aftersale:{c.case_id}:shipped", "return_shipped", "merchant",
                            o.row["shop_id"], o.order_id,
                            {"case_id": c.case_id, "carrier": carrier,
                             "tracking_no": tracking_no, "confirm_by": format_time(due)}, now,
                            what=f"{carrier} {tracking_no}", until=_when(due))
        return _write(u, rules, o, now, who, [_event(
            _next_id(o, "return_shipment", EventType.RETURN_SHIPPED), o.order_id,
            EventType.RETURN_SHIPPED, now, carrier=carrier, tracking_no=tracking_no)], tell,
            "return_shipped")

    return _in_transaction(uow, rules, clock, who, order_id, work)


def confirm_receipt(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal,
                    order_id: str) -> dict[str, Any]:
    """The merchant (or the platform) confirms the returned parcel arrived: the buyer is
    refunded in full and the units go back to the SKU's ledger."""
    _only(who, Role.MERCHANT, Role.PLATFORM, what="the merchant confirms the return arrived")

    def work(u: UnitOfWork, o: _Order, now: datetime) -> dict[str, Any]:
        return _receive(u, rules, o, now, who, "merchant" if who.role is Role.MERCHANT
                        else "platform")

    return _in_transaction(uow, rules, clock, who, order_id, work)


def _receive(uow: UnitOfWork, rules: Rules, o: _Order, now: datetime, who: Principal, by: str
             ) -> dict[str, Any]:
    c = case_in(o.cases, [CaseState.SHIPPED_BACK], "a confirmation of receipt", CaseKind.RETURN)
    received = _event(_next_id(o, "return_receipt", EventType.RETURN_RECEIVED), o.order_id,
                      EventType.RETURN_RECEIVED, now, by=by)
    events = [received, _refund(o, now, received)]
    _restock(uow, o, now, who.actor)
    tell = notices.step(f"aftersale:{c.case_id}:granted", "refund_granted", "buyer",
                        o.row["buyer_id"], o.order_id,
                        {"case_id": c.case_id, "refund_cents": o.paid}, now,
                        amount=format_yuan(o.paid))
    return _write(uow, rules, o, now, who, events, tell, "return_received", o.paid)


def _restock(uow: UnitOfWork, o: _Order, now: datetime, actor: str) -> None:
    """The returned units back on hand, once (key `ORDER/return`), on the SKU that shipped."""
    placed = o.facts.placed
    if placed is None:
        return
    sku = substitute_of(o.facts) or placed.sku_id
    known = uow.stock.get(sku) if sku else None
    if sku is None or known is None or known["shop_id"] != placed.shop_id:
        return
    apply_movement(uow, Movement(sku, MovementKind.RECEIPT, placed.quantity or 1, now,
                                 o.order_id, "return received"), now, actor,
                   f"{o.order_id}/return")


# -- claims (售后申请: empty parcel, wrong item ...) ----------------------------------------

def file_claim(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
               kind: ClaimKind, statement: str = "") -> dict[str, Any]:
    """The buyer's claim, decided by the platform within the pack's time."""
    _only(who, Role.BUYER, Role.PLATFORM, what="the buyer files a claim")

    def work(u: UnitOfWork, o: _Order, now: datetime) -> dict[str, Any]:
        check_claim(delivery_of(o.facts), o.cases, kind, o.pack.aftersales, now)
        eid = _next_id(o, "claim", EventType.AFTER_SALE_CLAIM)
        due = now + o.pack.aftersales.platform_decision
        tell = notices.step(f"aftersale:{eid}:filed", "claim_filed", "merchant",
                            o.row["shop_id"], o.order_id,
                            {"case_id": eid, "kind": kind.value, "statement": statement,
                             "decide_by": format_time(due)}, now,
                            what=notices.WHAT[kind.value], until=_when(due))
        return _write(u, rules, o, now, who, [_event(
            eid, o.order_id, EventType.AFTER_SALE_CLAIM, now, claim_id=eid, kind=kind.value)],
            tell, "claim_filed")

    return _in_transaction(uow, rules, clock, who, order_id, work)


def decide_claim(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
                 upheld: bool, reason: str) -> dict[str, Any]:
    """The platform's finding on the open claim; upheld, the buyer is refunded in full (and an
    empty parcel or a wrong item is the judge's fraudulent-shipment verdict)."""
    _only(who, Role.PLATFORM, what="the platform decides a claim")
    if not reason.strip():
        raise AftersaleRefused(Refusal.REASON_REQUIRED, "a decision needs a reason")

    def work(u: UnitOfWork, o: _Order, now: datetime) -> dict[str, Any]:
        c = case_in(o.cases, [CaseState.ESCALATED], "the platform's decision", CaseKind.CLAIM)
        events = [_event(_next_id(o, "claim_decision", EventType.CLAIM_DECIDED), o.order_id,
                         EventType.CLAIM_DECIDED, now, claim_id=c.claim_id, upheld=upheld)]
        if upheld and o.facts.closed is None:
            events.append(_refund(o, now, events[0]))
        step = "claim_upheld" if upheld else "claim_rejected"
        what = notices.WHAT[c.claim_kind.value if c.claim_kind else "other"]
        data = {"case_id": c.case_id, "upheld": upheld, "reason": reason}
        tell = [*notices.step(f"aftersale:{c.case_id}:{step}:buyer", step, "buyer",
                              o.row["buyer_id"], o.order_id, data, now, what=what,
                              reason=reason),
                *notices.step(f"aftersale:{c.case_id}:{step}:merchant", step, "merchant",
                              o.row["shop_id"], o.order_id, data, now, what=what,
                              reason=reason)]
        return _write(u, rules, o, now, who, events, tell, "claim_decided",
                      o.paid if len(events) > 1 else None)

    return _in_transaction(uow, rules, clock, who, order_id, work)


# -- reading and the worker -------------------------------------------------------------------

def _case_record(c: Case, now: datetime) -> dict[str, Any]:
    return {"case_id": c.case_id, "kind": c.kind.value, "state": c.state.value,
            "opened_at": format_time(c.opened_at), "reason": c.reason,
            "due_at": format_time(c.due_at) if c.due_at else None,
            "overdue": c.overdue(now), "claim_kind": c.claim_kind.value if c.claim_kind else None,
            "decided_by": c.decided_by.value if c.decided_by else None,
            "escalated": c.escalated, "carrier": c.carrier, "tracking_no": c.tracking_no,
            "refunded_cents": c.refunded_cents, "evidence": list(c.evidence)}


def view_of(order_id: str, cases: tuple[Case, ...], now: datetime) -> dict[str, Any]:
    return {"order_id": order_id, "cases": [_case_record(c, now) for c in cases]}


def order_cases(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str
                ) -> dict[str, Any]:
    """The order's after-sales cases, for its buyer, its merchant and the platform."""
    with uow.reader() as r:
        row = r.orders.get(order_id)
        if row is None or not who.sees_order(row["shop_id"], row["buyer_id"]):
            raise NotFound(f"order {order_id!r} not found")
        stored = r.events.for_orders([order_id]).get(order_id, [])
        now = clock.now()
        pack = pack_by_id(rules, row["pack_id"])
        events: list[Event] = [e for _, e in stored]
        return view_of(order_id, fold_cases(Timeline.of(order_id, events).events,
                                            pack.aftersales, now), now)


def queue(uow: UnitOfWork, clock: Clock, who: Principal, state: str = "escalated",
          limit: int = 100) -> list[dict[str, Any]]:
    """Cases in `state`, soonest due first, each flagged `overdue` (the platform's 介入 queue
    by default); a merchant sees its shops', a buyer its own."""
    try:
        CaseState(state)
    except ValueError:
        raise AftersaleRefused(Refusal.NO_CASE, f"state: one of "
                               f"{', '.join(s.value for s in CaseState)}") from None
    now = clock.now()
    with uow.reader() as r:
        rows = r.aftersales.queue(
            [state], sorted(who.shop_ids) if who.role is Role.MERCHANT else None,
            who.buyer_id if who.role is Role.BUYER else None, limit)
    return [{"case_id": x["case_id"], "order_id": x["order_id"], "shop_id": x["shop_id"],
             "kind": x["kind"], "state": x["state"], "opened_at": format_time(x["opened_at"]),
             "due_at": format_time(x["due_at"]) if x["due_at"] else None,
             "overdue": x["due_at"] is not None and now > x["due_at"]} for x in rows]


def settle_due(uow: UnitOfWork, rules: Rules, clock: Clock, batch: int = DUE_BATCH) -> int:
    """The worker's part: a merchant silent past its time agrees (a refund is paid, a return
    agreed), an unconfirmed parcel back is confirmed by the platform. One transaction an
    order; how many steps were taken."""
    with uow.reader() as r:
        due = r.aftersales.action_due(clock.now(), batch)
    done = 0
    for order_id in due:
        def work(u: UnitOfWork, o: str = order_id) -> int:
            now = clock.now()
            order = _load(u, rules, WORKER, o, now)
            taken = 0
            for c in order.cases:
                action = c.due_action(now)
                if action is not None:
                    _act(u, rules, order, c, action, now)
                    taken += 1
            if not taken:
                mirror(u, rules, o, now)
            return taken

        done += in_transaction(uow, work)
    return done


def _act(uow: UnitOfWork, rules: Rules, o: _Order, c: Case, action: DueAction, now: datetime
         ) -> None:
    reason = "no answer in time"
    if action is DueAction.GRANT_REFUND:
        granted = _event(_next_id(o, "refund_decision", EventType.REFUND_DECIDED), o.order_id,
                         EventType.REFUND_DECIDED, now, by="platform", upheld=True,
                         reason=reason)
        _write(uow, rules, o, now, WORKER, [granted, _refund(o, now, granted)],
               _told_refund(o, c, True, reason, now), "refund_granted_by_default", o.paid)
    elif action is DueAction.AGREE_RETURN:
        _write(uow, rules, o, now, WORKER, [
            _event(_next_id(o, "return_decision", EventType.RETURN_DECIDED), o.order_id,
                   EventType.RETURN_DECIDED, now, by="platform", upheld=True, reason=reason)],
            _told_return(o, c, True, reason, now), "return_agreed_by_default")
    else:
        _receive(uow, rules, o, now, WORKER, "platform")

"""After-sales cases folded from an order's timeline: refund requests, returns after delivery and
claims (empty parcel, wrong item...), with the merchant's answer, the platform stepping in
(平台介入) and the times of the pack's `[aftersales]`. Pure: every state is a function of the
events and `now`, so the services only append events and the answers read the same fold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from stockout.domain.errors import StockoutError
from stockout.domain.events import ClaimKind, Event, EventType, Party, ScanStatus
from stockout.domain.rulebook import AftersalesRules


class CaseKind(StrEnum):
    __hash__ = str.__hash__

    REFUND = "refund"  # 仅退款: before delivery
    RETURN = "return"  # 退货退款: after delivery
    CLAIM = "claim"  # 售后申诉: empty parcel, wrong item, damaged, not received


class CaseState(StrEnum):
    __hash__ = str.__hash__

    REQUESTED = "requested"  # the merchant answers by `due_at` (silence grants it)
    REFUSED = "refused"  # the buyer may escalate by `due_at`
    ESCALATED = "escalated"  # the platform decides, due by `due_at`
    GRANTED = "granted"  # a refund granted, the payment follows
    AGREED = "agreed"  # a return agreed: the buyer ships the parcel back by `due_at`
    SHIPPED_BACK = "shipped_back"  # the merchant confirms receipt by `due_at`
    RECEIVED = "received"  # the parcel is back, the refund follows
    UPHELD = "upheld"  # a claim upheld
    REFUNDED = "refunded"  # done: the buyer was paid back
    DENIED = "denied"  # refused for good (by the platform) or a claim not upheld
    LAPSED = "lapsed"  # a refusal not escalated, or a parcel not sent back, in time


FINAL = frozenset({CaseState.REFUNDED, CaseState.DENIED, CaseState.LAPSED})
OPEN_REFUND = frozenset({CaseState.REQUESTED, CaseState.REFUSED, CaseState.ESCALATED,
                         CaseState.GRANTED, CaseState.AGREED, CaseState.SHIPPED_BACK,
                         CaseState.RECEIVED})
FRAUD_KINDS = frozenset({ClaimKind.EMPTY_PARCEL, ClaimKind.WRONG_ITEM})


class DueAction(StrEnum):
    """What the worker does when a case's time passes without the party acting."""

    GRANT_REFUND = "grant_refund"  # the merchant did not answer: the refund is granted
    AGREE_RETURN = "agree_return"  # the merchant did not answer: the return is agreed
    CONFIRM_RECEIPT = "confirm_receipt"  # the merchant did not confirm: the platform does


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str  # the event id of the request that opened it
    kind: CaseKind
    state: CaseState
    opened_at: datetime
    reason: str
    due_at: datetime | None  # the time that matters next in this state (None: nothing waits)
    evidence: tuple[str, ...]  # the event ids of its steps
    claim_kind: ClaimKind | None = None
    claim_id: str | None = None
    decided_by: Party | None = None
    carrier: str | None = None
    tracking_no: str | None = None
    refunded_cents: int = 0
    escalated: bool = False

    @property
    def open(self) -> bool:
        return self.state not in FINAL and not (self.kind is CaseKind.CLAIM
                                                and self.state is CaseState.UPHELD)

    def overdue(self, now: datetime) -> bool:
        return self.open and self.due_at is not None and now > self.due_at

    def due_action(self, now: datetime) -> DueAction | None:
        """The worker's step once `due_at` passed, if this state has one."""
        if self.due_at is None or now <= self.due_at:
            return None
        if self.state is CaseState.REQUESTED:
            return DueAction.GRANT_REFUND if self.kind is CaseKind.REFUND else \
                DueAction.AGREE_RETURN if self.kind is CaseKind.RETURN else None
        if self.state is CaseState.SHIPPED_BACK:
            return DueAction.CONFIRM_RECEIPT
        return None


_BUYER = Party.BUYER
_PLATFORM = Party.PLATFORM


def fold_cases(events: Iterable[Event], rules: AftersalesRules, now: datetime
               ) -> tuple[Case, ...]:
    """The order's after-sales cases as of `now`, oldest first (`events` in timeline order)."""
    cases: list[Case] = []

    def latest(*kinds: CaseKind, states: frozenset[CaseState] = OPEN_REFUND) -> int | None:
        for i in range(len(cases) - 1, -1, -1):
            if cases[i].kind in kinds and cases[i].state in states:
                return i
        return None

    def step(i: int, e: Event, **changes: object) -> None:
        cases[i] = replace(cases[i], evidence=(*cases[i].evidence, e.event_id),
                           **changes)  # type: ignore[arg-type]

    for e in events:
        if e.at > now:
            break
        t = e.type
        if t is EventType.REFUND_REQUESTED and e.initiator is _BUYER:
            cases.append(Case(e.event_id, CaseKind.REFUND, CaseState.REQUESTED, e.at,
                              e.reason or "", e.at + rules.refund_answer, (e.event_id,)))
        elif t is EventType.RETURN_REQUESTED:
            cases.append(Case(e.event_id, CaseKind.RETURN, CaseState.REQUESTED, e.at,
                              e.reason or "", e.at + rules.return_answer, (e.event_id,)))
        elif t is EventType.AFTER_SALE_CLAIM:
            cases.append(Case(e.event_id, CaseKind.CLAIM, CaseState.ESCALATED, e.at, "",
                              e.at + rules.platform_decision, (e.event_id,), e.kind,
                              e.claim_id))
        elif t is EventType.REFUND_DECIDED or t is EventType.RETURN_DECIDED:
            kind = CaseKind.REFUND if t is EventType.REFUND_DECIDED else CaseKind.RETURN
            i = latest(kind, states=frozenset({CaseState.REQUESTED, CaseState.ESCALATED}))
            if i is None:
                continue
            if e.upheld:
                state = CaseState.GRANTED if kind is CaseKind.REFUND else CaseState.AGREED
                due = e.at + rules.return_ship_back if kind is CaseKind.RETURN else None
            elif e.by is _PLATFORM:
                state, due = CaseState.DENIED, None
            else:
                state, due = CaseState.REFUSED, e.at + rules.escalate_within
            step(i, e, state=state, due_at=due, decided_by=e.by)
        elif t is EventType.AFTERSALE_ESCALATED:
            i = latest(CaseKind.REFUND, CaseKind.RETURN,
                       states=frozenset({CaseState.REFUSED}))
            until = cases[i].due_at if i is not None else None
            if i is not None and until is not None and e.at <= until:
                step(i, e, state=CaseState.ESCALATED, escalated=True,
                     due_at=e.at + rules.platform_decision)
        elif t is EventType.RETURN_SHIPPED:
            i = latest(CaseKind.RETURN, states=frozenset({CaseState.AGREED}))
            if i is not None:
                step(i, e, state=CaseState.SHIPPED_BACK, carrier=e.carrier,
                     tracking_no=e.tracking_no, due_at=e.at + rules.return_receive)
        elif t is EventType.RETURN_RECEIVED:
            i = latest(CaseKind.RETURN, states=frozenset({CaseState.SHIPPED_BACK}))
            if i is not None:
                step(i, e, state=CaseState.RECEIVED, due_at=None)
        elif t is EventType.CLAIM_DECIDED:
            for i, c in enumerate(cases):
                if c.kind is CaseKind.CLAIM and c.claim_id == e.claim_id \
                        and c.state is CaseState.ESCALATED:
                    step(i, e, state=CaseState.UPHELD if e.upheld else CaseState.DENIED,
                         due_at=None, decided_by=_PLATFORM)
                    break
        elif t is EventType.REFUND_COMPLETED:
            for i, c in enumerate(cases):
                if (c.kind is not CaseKind.CLAIM and c.state in OPEN_REFUND) or (
                        c.kind is CaseKind.CLAIM and c.state is CaseState.UPHELD
                        and c.refunded_cents == 0):
                    step(i, e, state=CaseState.REFUNDED if c.kind is not CaseKind.CLAIM
                         else c.state, due_at=None, refunded_cents=e.amount_cents or 0)
        # the order closing otherwise (a cancellation) leaves nothing to refund
        elif t is EventType.ORDER_CANCELLED or t is EventType.GROUP_FAILED:
            for i, c in enumerate(cases):
                if c.kind is not CaseKind.CLAIM and c.open:
                    step(i, e, state=CaseState.DENIED, due_at=None)
    return tuple(_lapse(c, now) for c in cases)


def _lapse(case: Case, now: datetime) -> Case:
    """A refusal not escalated, or an agreed return not sent back, by its time: it lapses."""
    if case.state in (CaseState.REFUSED, CaseState.AGREED) and case.due_at is not None \
            and now > case.due_at:
        return replace(case, state=CaseState.LAPSED)
    return case


class Refusal(StrEnum):
    __hash__ = str.__hash__

    ORDER_CLOSED = "order_closed"
    NOT_PLACED = "not_placed"
    CASE_OPEN = "case_open"  # one refund or return at a time
    DELIVERED = "delivered"  # after delivery a refund goes through a return
    NOT_DELIVERED = "not_delivered"
    NOT_PICKED_UP = "not_picked_up"
    WINDOW_CLOSED = "window_closed"
    NO_CASE = "no_case"  # nothing in the state this step needs
    CLAIM_OPEN = "claim_open"
    REASON_REQUIRED = "reason_required"  # a refusal or a decision says why
    TRACKING_REQUIRED = "tracking_required"


class AftersaleRefused(StockoutError, ValueError):
    """The step is not allowed now; `reason` (the `code`) says which rule refused it, `rule` the
    pack key."""

    family = "aftersale-refused"

    def __init__(self, reason: Refusal, detail: str, rule: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}", code=reason.value)
        self.reason = reason
        self.detail = detail
        self.rule: str = rule

    def problem_fields(self) -> dict[str, Any]:
        return {"rule": self.rule or None}


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the checks read of the order itself."""

    placed: bool
    closed: bool
    picked_up_at: datetime | None
    delivered_at: datetime | None


def delivery_of(facts: object) -> Delivery:
    """From `timeline.OrderFacts`: placed, closed, first pickup and first delivered scan."""
    placed = getattr(facts, "placed", None)
    pickup = getattr(facts, "pickup", None)
    deliveries = getattr(facts, "deliveries", [])
    return Delivery(placed is not None, getattr(facts, "closed", None) is not None,
                    pickup.at if pickup is not None else None,
                    deliveries[0].at if deliveries else (
                        pickup.at if pickup is not None and pickup.status is ScanStatus.DELIVERED
                        else None))


def _open_case(cases: Iterable[Case], *kinds: CaseKind) -> Case | None:
    return next((c for c in cases if c.kind in kinds and c.open), None)


def check_refund_request(d: Delivery, cases: tuple[Case, ...], now: datetime) -> None:
    """仅退款: any time before delivery while the order is open, one case at a time."""
    _common(d, cases)
    if d.delivered_at is not None and d.delivered_at <= now:
        raise AftersaleRefused(Refusal.DELIVERED, "the order was delivered: request a return "
                               "(or a claim for an empty parcel or a wrong item)")


def check_return_request(d: Delivery, cases: tuple[Case, ...], rules: AftersalesRules,
                         now: datetime) -> None:
    """退货: after delivery, within the return window of the delivery."""
    _common(d, cases)
    if d.delivered_at is None:
        raise AftersaleRefused(Refusal.NOT_DELIVERED, "a return starts once the parcel is "
                               "delivered")
    if now > d.delivered_at + rules.return_window:
        raise AftersaleRefused(Refusal.WINDOW_CLOSED, f"returns close "
                               f"{rules.return_window.days} days after delivery",
                               "aftersales.return_window_days")


def check_claim(d: Delivery, cases: tuple[Case, ...], kind: ClaimKind, rules: AftersalesRules,
                now: datetime) -> None:
    """A claim needs the parcel picked up; all but `not_received` also its delivery; within the
    claim window of the delivery (or the pickup); one open claim at a time."""
    if not d.placed:
        raise AftersaleRefused(Refusal.NOT_PLACED, "the order was never placed")
    if _open_case(cases, CaseKind.CLAIM) is not None:
        raise AftersaleRefused(Refusal.CLAIM_OPEN, "a claim on this order is being decided")
    if d.picked_up_at is None:
        raise AftersaleRefused(Refusal.NOT_PICKED_UP, "nothing was shipped yet")
    start = d.delivered_at if kind is not ClaimKind.NOT_RECEIVED else d.picked_up_at
    if start is None:
        raise AftersaleRefused(Refusal.NOT_DELIVERED, f"a {kind.value} claim needs the delivery")
    if now > start + rules.claim_window:
        raise AftersaleRefused(Refusal.WINDOW_CLOSED,
                               f"claims close {rules.claim_window.days} days after delivery",
                               "aftersales.claim_window_days")


def _common(d: Delivery, cases: tuple[Case, ...]) -> None:
    if not d.placed:
        raise AftersaleRefused(Refusal.NOT_PLACED, "the order was never placed")
    if d.closed:
        raise AftersaleRefused(Refusal.ORDER_CLOSED, "the order is closed")
    if _open_case(cases, CaseKind.REFUND, CaseKind.RETURN) is not None:
        raise AftersaleRefused(Refusal.CASE_OPEN, "a refund or return of this order is open")


def case_in(cases: tuple[Case, ...], states: Iterable[CaseState], what: str,
            *kinds: CaseKind) -> Case:
    """The open case of `kinds` in one of `states`, or a refusal naming the step."""
    wanted = frozenset(states)
    kinds = kinds or (CaseKind.REFUND, CaseKind.RETURN)
    for c in reversed(cases):
        if c.kind in kinds and c.state in wanted:
            return c
    raise AftersaleRefused(Refusal.NO_CASE, f"no case waits for {what}")

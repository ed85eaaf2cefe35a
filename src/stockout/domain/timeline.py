"""An order's timeline: its events without duplicates, in order, folded into the facts rules read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from stockout.domain.events import CLOSING_TYPES, Event, EventType, Party


@dataclass(frozen=True, slots=True)
class Timeline:
    """The events of one order, sorted by (at, event_id); the first arrival of an id wins."""

    order_id: str
    events: tuple[Event, ...]

    @classmethod
    def of(cls, order_id: str, events: Iterable[Event]) -> Timeline:
        seen: dict[str, Event] = {}
        for event in events:
            if event.order_id != order_id:
                raise ValueError(f"event {event.event_id} belongs to {event.order_id}, not {order_id}")
            seen.setdefault(event.event_id, event)
        return cls(order_id, tuple(sorted(seen.values(), key=_sort_key)))

    @property
    def clock_start(self) -> datetime | None:
        """When the order's rules were fixed: confirmation, else placing, else its first event."""
        first: datetime | None = None
        for event in self.events:
            if event.type is EventType.ORDER_CONFIRMED:
                return event.at
            if event.type is EventType.ORDER_PLACED and first is None:
                first = event.at
        if first is None and self.events:
            first = self.events[0].at
        return first


def _sort_key(event: Event) -> tuple[datetime, str]:
    return (event.at, event.event_id)


@dataclass(slots=True)
class OrderFacts:
    """What the rules read of a timeline, as of `now` (later events are not seen)."""

    placed: Event | None = None
    confirmed: Event | None = None
    closed: Event | None = None
    pickup: Event | None = None
    uploads: list[Event] = field(default_factory=list)
    scans: list[Event] = field(default_factory=list)
    reports: list[Event] = field(default_factory=list)
    merchant_chats: list[Event] = field(default_factory=list)
    merchant_refunds: list[Event] = field(default_factory=list)
    buyer_refunds: list[Event] = field(default_factory=list)
    claims: dict[str, Event] = field(default_factory=dict)
    decisions: list[Event] = field(default_factory=list)
    remedies: list[Event] = field(default_factory=list)

    @property
    def closed_at(self) -> datetime | None:
        return self.closed.at if self.closed is not None else None

    def open_at(self, at: datetime) -> bool:
        """True unless the order closed before `at` (a trigger at the closing instant fires)."""
        return self.closed is None or at <= self.closed.at

    def before_pickup(self, at: datetime) -> bool:
        return self.pickup is None or at < self.pickup.at

    def picked_up_by(self, at: datetime) -> bool:
        return self.pickup is not None and self.pickup.at <= at


def fold(timeline: Timeline, now: datetime) -> OrderFacts:
    """One pass over the timeline up to `now`."""
    f = OrderFacts()
    T = EventType
    for e in timeline.events:
        if e.at > now:
            break
        t = e.type
        if t is T.CARRIER_SCAN:
            f.scans.append(e)
            if f.pickup is None:
                f.pickup = e
        elif t is T.SHIPMENT_UPLOADED:
            f.uploads.append(e)
        elif t is T.CHAT_MESSAGE:
            if e.sender is Party.MERCHANT:
                f.merchant_chats.append(e)
        elif t is T.ORDER_PLACED:
            if f.placed is None:
                f.placed = e
        elif t is T.ORDER_CONFIRMED:
            if f.confirmed is None:
                f.confirmed = e
        elif t is T.STOCKOUT_REPORTED:
            f.reports.append(e)
        elif t is T.REFUND_REQUESTED:
            (f.merchant_refunds if e.initiator is Party.MERCHANT else f.buyer_refunds).append(e)
        elif t is T.AFTER_SALE_CLAIM:
            if e.claim_id is not None:
                f.claims.setdefault(e.claim_id, e)
        elif t is T.CLAIM_DECIDED:
            f.decisions.append(e)
        elif t is T.REMEDY_CHOSEN:
            f.remedies.append(e)
        if t in CLOSING_TYPES:
            if t is T.ORDER_CANCELLED and e.by is Party.MERCHANT:
                f.merchant_refunds.append(e)
            if f.closed is None:
                f.closed = e
    return f

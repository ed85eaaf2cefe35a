"""An order's timeline: its events without duplicates, in order, folded into the facts rules read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from stockout.domain.events import Event, EventType, Party, ScanStatus


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

    def clock_start(self, now: datetime) -> datetime | None:
        """When the order's rules were fixed, as known at `now`: its confirmation, else its
        placing, else its first event, among the events at or before `now` (a judgement as of
        `now` never depends on a later event); None when no event is that old."""
        first: datetime | None = None
        for event in self.events:
            if event.at > now:
                break
            if event.type is EventType.ORDER_CONFIRMED:
                return event.at
            if event.type is EventType.ORDER_PLACED and first is None:
                first = event.at
        if first is None and self.events and self.events[0].at <= now:
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
    deliveries: list[Event] = field(default_factory=list)
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


# Module-level aliases: comparing members by identity is the fold's hot path (and hashing an
# Enum member calls Python code, so no set or dict lookups by type here).
_SCAN = EventType.CARRIER_SCAN
_UPLOAD = EventType.SHIPMENT_UPLOADED
_CHAT = EventType.CHAT_MESSAGE
_PLACED = EventType.ORDER_PLACED
_CONFIRMED = EventType.ORDER_CONFIRMED
_REPORT = EventType.STOCKOUT_REPORTED
_REFUND_REQUEST = EventType.REFUND_REQUESTED
_CLAIM = EventType.AFTER_SALE_CLAIM
_DECISION = EventType.CLAIM_DECIDED
_REMEDY = EventType.REMEDY_CHOSEN
_CANCELLED = EventType.ORDER_CANCELLED
_GROUP_FAILED = EventType.GROUP_FAILED
_REFUNDED = EventType.REFUND_COMPLETED
_MERCHANT = Party.MERCHANT
_DELIVERED = ScanStatus.DELIVERED


def fold(timeline: Timeline, now: datetime) -> OrderFacts:
    """One pass over the timeline up to `now`."""
    f = OrderFacts()
    events = timeline.events
    if events and events[-1].at > now:
        events = tuple(e for e in events if e.at <= now)
    for e in events:
        t = e.type
        if t is _SCAN:
            f.scans.append(e)
            if f.pickup is None:
                f.pickup = e
            if e.status is _DELIVERED:
                f.deliveries.append(e)
        elif t is _PLACED:
            if f.placed is None:
                f.placed = e
        elif t is _CONFIRMED:
            if f.confirmed is None:
                f.confirmed = e
        elif t is _UPLOAD:
            f.uploads.append(e)
        elif t is _CHAT:
            if e.sender is _MERCHANT:
                f.merchant_chats.append(e)
        elif t is _REPORT:
            f.reports.append(e)
        elif t is _REFUND_REQUEST:
            (f.merchant_refunds if e.initiator is _MERCHANT else f.buyer_refunds).append(e)
        elif t is _CLAIM:
            if e.claim_id is not None:
                f.claims.setdefault(e.claim_id, e)
        elif t is _DECISION:
            f.decisions.append(e)
        elif t is _REMEDY:
            f.remedies.append(e)
        elif t is _CANCELLED or t is _REFUNDED or t is _GROUP_FAILED:  # the closing types
            if t is _CANCELLED and e.by is _MERCHANT:
                f.merchant_refunds.append(e)
            if f.closed is None:
                f.closed = e
        # the after-sales steps (domain.aftersales) are no facts of the judge
    return f

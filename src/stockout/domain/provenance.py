"""Who may say what happened: every event type with the sources allowed to state it, and how
far from the moment it is received a party may date what it states.

The platform (its staff, its services, the worker, the command line) and its own adapters (the
Pinduoduo sync) state anything, history included. A carrier states its scans and nothing else.
A merchant states its own shipments, out-of-stock reports, cancellations, refunds and chat
messages; a buyer its own chat, refund requests, claims and remedy choices. Some statements are
taken only through the endpoint that checks them (`Via`): a remedy through the remedy endpoint,
an after-sales step through the after-sales routes. A party's own side is checked where the
event names one (`sender`, `initiator`, `by`): a merchant cannot say the buyer cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from stockout.domain.events import Event, EventType

DEFAULT_TOLERANCE = timedelta(minutes=15)


class SourceKind(StrEnum):
    PLATFORM = "platform"  # the platform itself
    SYNC = "sync"          # the platform's adapter of its open platform (`sync:pdd`)
    CARRIER = "carrier"    # a carrier: a signed push (`carrier:kuaidi100`) or a carrier token
    MERCHANT = "merchant"  # the order's shop (`merchant:<shop>`)
    BUYER = "buyer"        # the order's buyer (`buyer:<id>`)


PARTIES = frozenset({SourceKind.MERCHANT, SourceKind.BUYER})


@dataclass(frozen=True, slots=True)
class Source:
    """Who stated an event, as the store records it: `platform`, `sync:pdd`,
    `carrier:kuaidi100`, `merchant:<shop>`, `buyer:<id>`."""

    kind: SourceKind
    name: str = ""

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.name}" if self.name else self.kind.value


PLATFORM = Source(SourceKind.PLATFORM)


class Via(StrEnum):
    """The way an event came in: the generic post (or the console's forms built on it), or a
    dedicated endpoint that checks the step before writing it."""

    EVENTS = "events"          # POST /v1/events
    REPORT = "report"          # POST /v1/orders/{id}/stockout-report, /v1/skus/{id}/...
    MESSAGES = "messages"      # POST /v1/orders/{id}/messages
    AFTERSALES = "aftersales"  # POST /v1/orders/{id}/refund-request, /claims, ...
    REMEDY = "remedy"          # POST /v1/orders/{id}/remedy


ENDPOINTS = MappingProxyType({
    Via.EVENTS: "POST /v1/events", Via.REPORT: "POST /v1/orders/{order}/stockout-report",
    Via.MESSAGES: "POST /v1/orders/{order}/messages",
    Via.AFTERSALES: "POST /v1/orders/{order}/... (the after-sales routes)",
    Via.REMEDY: "POST /v1/orders/{order}/remedy"})


@dataclass(frozen=True, slots=True)
class Allowed:
    """A source kind allowed to state an event type: through any way in (`via` None) or only
    these; `own` names the field that must be the source's own side (merchant or buyer)."""

    kind: SourceKind
    via: frozenset[Via] | None = None
    own: str | None = None


_ANYONE_OF_THE_PLATFORM = (Allowed(SourceKind.PLATFORM), Allowed(SourceKind.SYNC))
_AFTERSALES = frozenset({Via.AFTERSALES})


def _row(*party: Allowed) -> tuple[Allowed, ...]:
    return (*_ANYONE_OF_THE_PLATFORM, *party)


E = EventType
K = SourceKind
STATED_BY: Mapping[EventType, tuple[Allowed, ...]] = MappingProxyType({
    E.ORDER_PLACED: _row(),
    E.ORDER_CONFIRMED: _row(),
    E.GROUP_FAILED: _row(),
    E.ORDER_CANCELLED: _row(Allowed(K.MERCHANT, own="by")),
    E.SHIPMENT_UPLOADED: _row(Allowed(K.MERCHANT)),
    E.CARRIER_SCAN: _row(Allowed(K.CARRIER)),
    E.STOCKOUT_REPORTED: _row(Allowed(K.MERCHANT)),
    E.CHAT_MESSAGE: _row(Allowed(K.MERCHANT, own="sender"),
                         Allowed(K.BUYER, frozenset({Via.MESSAGES}), own="sender")),
    E.REFUND_REQUESTED: _row(Allowed(K.MERCHANT, own="initiator"),
                             Allowed(K.BUYER, _AFTERSALES, own="initiator")),
    E.REFUND_COMPLETED: _row(Allowed(K.MERCHANT)),
    E.AFTER_SALE_CLAIM: _row(Allowed(K.BUYER, _AFTERSALES)),
    E.CLAIM_DECIDED: _row(),
    E.REMEDY_CHOSEN: _row(Allowed(K.BUYER, frozenset({Via.REMEDY}))),
    E.REFUND_DECIDED: _row(Allowed(K.MERCHANT, _AFTERSALES, own="by")),
    E.RETURN_REQUESTED: _row(Allowed(K.BUYER, _AFTERSALES)),
    E.RETURN_DECIDED: _row(Allowed(K.MERCHANT, _AFTERSALES, own="by")),
    E.RETURN_SHIPPED: _row(Allowed(K.BUYER, _AFTERSALES)),
    E.RETURN_RECEIVED: _row(Allowed(K.MERCHANT, _AFTERSALES, own="by")),
    E.AFTERSALE_ESCALATED: _row(Allowed(K.BUYER, _AFTERSALES)),
})


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a source may not state an event: the rule's name and a sentence."""

    rule: str
    reason: str


def provenance_refusal(event: Event, source: Source, via: Via) -> Refusal | None:
    """None when `source` may state `event` the way it came in."""
    kind = event.type
    rows = [a for a in STATED_BY[kind] if a.kind is source.kind]
    if not rows:
        who = "; ".join(_describe(a, event.order_id) for a in STATED_BY[kind])
        return Refusal(f"provenance/{kind.value}",
                       f"a {source.kind.value} may not state {kind.value} (stated by: {who})")
    allowed = rows[0]
    if allowed.via is not None and via not in allowed.via:
        ways = " or ".join(sorted(ENDPOINTS[v].format(order=event.order_id)
                                  for v in allowed.via))
        return Refusal(f"provenance/{kind.value}/via",
                       f"a {source.kind.value} states {kind.value} only through {ways}")
    if allowed.own is not None:
        said = getattr(event, allowed.own)
        if said is None or said.value != source.kind.value:
            return Refusal(f"provenance/{kind.value}/{allowed.own}",
                           f"a {source.kind.value} states only its own {kind.value}: "
                           f"{allowed.own} must be {source.kind.value!r}")
    return None


def _describe(allowed: Allowed, order_id: str) -> str:
    if allowed.via is None:
        return allowed.kind.value
    ways = " or ".join(sorted(ENDPOINTS[v].format(order=order_id) for v in allowed.via))
    return f"{allowed.kind.value} through {ways}"


def timing_refusal(event: Event, source: Source, received_at: datetime,
                   tolerance: timedelta = DEFAULT_TOLERANCE) -> Refusal | None:
    """A merchant or buyer states what happens now: an event dated more than `tolerance`
    before it is received (backdating) or after it (clock skew allowed, no more) is refused.
    The platform, its adapters and carriers may date events in the past (history, a delayed
    trace)."""
    if source.kind not in PARTIES:
        return None
    if event.at < received_at - tolerance:
        return Refusal("provenance/backdated",
                       f"at: {event.at.isoformat()} is more than {_minutes(tolerance)} before "
                       f"it was received ({received_at.isoformat()}); only the platform "
                       "imports history")
    if event.at > received_at + tolerance:
        return Refusal("provenance/future",
                       f"at: {event.at.isoformat()} is more than {_minutes(tolerance)} after "
                       f"it was received ({received_at.isoformat()})")
    return None


def _minutes(span: timedelta) -> str:
    return f"{span.total_seconds() / 60:g} minutes"

"""Use case: append posted events (each event id once), then re-judge the orders they touch.

The same event id posted again with the same body is a no-op (a duplicate); with another body
it is a conflict, and the first one stays. Everything of one post -- the events, the verdicts,
coupons and notices they cause -- commits in one transaction or not at all, so a client that
got no answer sends the same post again and nothing is counted twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stockout.adapters.event_schema import InvalidEvent, parse_event_object
from stockout.domain.errors import StockoutError
from stockout.domain.events import Event, EventType
from stockout.services.access.principals import Forbidden, Principal
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.judging.adjudicate import Outcome, lock_orders, rejudge
from stockout.services.judging.rules import Rules
from stockout.store.mapping import event_row, normalised
from stockout.store.uow import UnitOfWork

MAX_EVENTS = 1000
# Steps a merchant takes through the after-sales routes (checked there), never by posting them.
AFTERSALE_STEPS = frozenset({EventType.REFUND_DECIDED, EventType.RETURN_REQUESTED,
                             EventType.RETURN_DECIDED, EventType.RETURN_SHIPPED,
                             EventType.RETURN_RECEIVED, EventType.AFTERSALE_ESCALATED})


class TooManyEvents(StockoutError, ValueError):
    family = "too-many-events"

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} events in one post; at most {MAX_EVENTS}")
        self.count = count

    def problem_fields(self) -> dict[str, Any]:
        return {"count": self.count}


class EventsRefused(StockoutError, RuntimeError):
    """Events a service writes itself (a report, a remedy) were refused: the service's whole
    transaction is rolled back, so nothing half-done stands."""

    def __init__(self, rejected: Sequence[Rejection]) -> None:
        super().__init__("; ".join(f"{r.event_id}: {r.reason}" for r in rejected))
        self.rejected = list(rejected)

    family = "events-refused"

    def problem_fields(self) -> dict[str, Any]:
        return {"rejected": [{"event_id": r.event_id, "reason": r.reason,
                              "status": r.status} for r in self.rejected]}


@dataclass(frozen=True, slots=True)
class Rejection:
    index: int
    event_id: str | None
    reason: str
    status: int  # 422 invalid, 409 conflict, 404 order not found (or not the caller's)


@dataclass(slots=True)
class IngestResult:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    outcome: Outcome = field(default_factory=Outcome)


@dataclass(slots=True)
class _Item:
    index: int
    event: Event
    raw: str
    fields: str
    digest: str


def _parse(items: Sequence[object]) -> tuple[list[_Item], list[Rejection]]:
    parsed: list[_Item] = []
    rejected: list[Rejection] = []
    for index, obj in enumerate(items):
        event_id = obj.get("event_id") if isinstance(obj, dict) else None
        if not isinstance(obj, dict):
            rejected.append(Rejection(index, None, "not a JSON object", 422))
            continue
        try:
            event = parse_event_object(obj)
        except InvalidEvent as exc:
            rejected.append(Rejection(index, event_id if isinstance(event_id, str) else None,
                                      exc.reason, 422))
            continue
        raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        fields, digest = normalised(event)
        parsed.append(_Item(index, event, raw, fields, digest))
    return parsed, rejected


def ingest_events(uow: UnitOfWork, rules: Rules, clock: Clock, items: Sequence[object],
                  principal: Principal) -> IngestResult:
    if principal.role.value == "buyer":
        raise Forbidden("buyers do not post events")
    if len(items) > MAX_EVENTS:
        raise TooManyEvents(len(items))
    parsed, rejected = _parse(items)
    candidates, result = _first_of_each(parsed, rejected)
    if not candidates:
        return IngestResult(duplicates=result.duplicates, rejected=rejected)
    result = in_transaction(uow, lambda u: _append(u, rules, clock.now(), principal,
                                                   candidates, result))
    result.rejected.sort(key=lambda r: r.index)
    return result


def append_events(uow: UnitOfWork, rules: Rules, now: datetime, principal: Principal,
                  items: Sequence[object], strict: bool = True) -> IngestResult:
    """The same as `ingest_events`, inside the caller's transaction (a service that writes
    something else with the events: an out-of-stock report delists the SKU, a remedy); raises
    `EventsRefused` if any is refused (a resent duplicate is fine), unless not `strict` (a
    sync keeps the rest of its page and reports the refused)."""
    parsed, rejected = _parse(items)
    candidates, result = _first_of_each(parsed, rejected)
    result = _append(uow, rules, now, principal, candidates, result) if candidates else \
        IngestResult(duplicates=result.duplicates, rejected=rejected)
    if result.rejected and strict:
        raise EventsRefused(sorted(result.rejected, key=lambda r: r.index))
    return result


def _first_of_each(parsed: list[_Item], rejected: list[Rejection]
                   ) -> tuple[list[_Item], IngestResult]:
    first: dict[str, _Item] = {}
    candidates: list[_Item] = []
    result = IngestResult(rejected=rejected)
    for item in parsed:
        seen = first.get(item.event.event_id)
        if seen is None:
            first[item.event.event_id] = item
            candidates.append(item)
        elif seen.digest == item.digest:
            result.duplicates.append(item.event.event_id)
        else:
            rejected.append(_conflict(item))
    return candidates, result


def _append(uow: UnitOfWork, rules: Rules, now: datetime, principal: Principal,
            candidates: list[_Item], result: IngestResult) -> IngestResult:
    out = IngestResult(duplicates=list(result.duplicates), rejected=list(result.rejected))
    order_ids = sorted({i.event.order_id for i in candidates})
    lock_orders(uow, order_ids, (i.event for i in candidates))
    allowed = _allowed(uow, principal, candidates, out)
    stored = uow.events.digests([i.event.event_id for i in allowed])
    fresh: list[_Item] = []
    for item in allowed:
        known = stored.get(item.event.event_id)
        if known is None:
            fresh.append(item)
        elif known[0] == item.digest:
            out.duplicates.append(item.event.event_id)
        else:
            out.rejected.append(_conflict(item))
    rows = [event_row(i.event, i.raw, now, principal.actor, i.fields, i.digest)
            for i in fresh]
    written = uow.events.insert(rows)
    for item in fresh:  # stored meanwhile by another post: same rule as above
        if item.event.event_id in written:
            out.accepted.append(item.event.event_id)
        elif uow.events.digests([item.event.event_id]).get(
                item.event.event_id, ("", ""))[0] == item.digest:
            out.duplicates.append(item.event.event_id)
        else:
            out.rejected.append(_conflict(item))
    touched = {i.event.order_id for i in fresh if i.event.event_id in written}
    if touched:
        ids = out.accepted[:3]
        cause = "events:" + ",".join(ids) + (",..." if len(out.accepted) > 3 else "")
        out.outcome = rejudge(uow, rules, touched, now, principal.actor, cause, locked=True)
    return out


def _conflict(item: _Item) -> Rejection:
    return Rejection(item.index, item.event.event_id,
                     f"event_id {item.event.event_id!r} was already received with a different "
                     "body; the first one is kept", 409)


def _allowed(uow: UnitOfWork, principal: Principal, items: list[_Item], out: IngestResult
             ) -> list[_Item]:
    """The items the caller may post: the platform any, a merchant its own shops' orders (but
    not the buyer's remedy: that is chosen through the remedies API, by the buyer; nor an
    after-sales step: those go through the after-sales routes, which check them)."""
    if principal.is_platform:
        return items
    rows = uow.orders.get_many({i.event.order_id for i in items})
    shops: dict[str, str | None] = {o: r["shop_id"] for o, r in rows.items()}
    for i in items:
        e = i.event
        if e.type is EventType.ORDER_PLACED and shops.get(e.order_id) is None \
                and principal.may_post_for(e.shop_id):
            shops[e.order_id] = e.shop_id
    kept: list[_Item] = []
    for i in items:
        e = i.event
        if e.type is EventType.REMEDY_CHOSEN:
            out.rejected.append(Rejection(i.index, e.event_id,
                                          "remedy_chosen is the buyer's choice: POST "
                                          f"/v1/orders/{e.order_id}/remedy", 403))
        elif e.type in AFTERSALE_STEPS:
            out.rejected.append(Rejection(i.index, e.event_id,
                                          f"{e.type.value} is an after-sales step: POST "
                                          f"/v1/orders/{e.order_id}/... (see /docs)", 403))
        elif e.type is EventType.ORDER_PLACED and not principal.may_post_for(e.shop_id):
            out.rejected.append(Rejection(i.index, e.event_id,
                                          f"shop_id {e.shop_id!r} is not one of this token's "
                                          "shops", 403))
        elif not principal.may_post_for(shops.get(e.order_id)):
            out.rejected.append(Rejection(i.index, e.event_id, f"order {e.order_id!r} not found",
                                          404))
        else:
            kept.append(i)
    return kept

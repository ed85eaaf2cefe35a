"""Use case: append posted events (each event id once), then re-judge the orders they touch.

The same event id posted again with the same body is a no-op (a duplicate); with another body
it is a conflict, and the first one stays. Who may state each event is the domain's provenance
table (403 with the rule named otherwise); a merchant or buyer states only what happens now; the
first `order_placed` of an order fixes its facts (another one is a 409). Every stored event
records its source. Everything of one post -- the events, the verdicts,
coupons and notices they cause -- commits in one transaction or not at all, so a client that
got no answer sends the same post again and nothing is counted twice. Posts that arrive
together in one server process may share that transaction (`ingest_groups`, on
`append_posts`): each still gets its own answer, after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stockout.adapters.event_schema import InvalidEvent, parse_event_object
from stockout.domain.errors import StockoutError
from stockout.domain.events import Event, EventType
from stockout.domain.provenance import (
    PLATFORM,
    Refusal,
    Via,
    provenance_refusal,
    timing_refusal,
)
from stockout.services.access.principals import Forbidden, Principal, Role
from stockout.services.common.actors import narrowed
from stockout.services.common.clock import Clock
from stockout.services.common.steps import step
from stockout.services.common.tx import in_transaction
from stockout.services.judging.adjudicate import Outcome, lock_orders, rejudge
from stockout.services.judging.rules import Rules
from stockout.store.mapping import compact, event_row, normalised, read_back_as
from stockout.store.uow import UnitOfWork

MAX_EVENTS = 1000
IMMUTABLE = "order_facts/immutable"


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
    status: int  # 422 invalid, 409 conflict, 404 order not found (or not the caller's),
    #              403 the caller may not state it (`rule` names why)
    rule: str | None = None


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
    source: str = ""
    post: int = 0  # its post's place in a run of posts judged together


@dataclass(slots=True)
class Post:
    """One post, parsed: who states it, its first item of each event id, and what parsing
    already answered (invalid lines, repeats within the post)."""
    principal: Principal
    candidates: list[_Item]
    parsed: IngestResult


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
            rejected.append(Rejection(index, _echoable(event_id), exc.reason, 422))
            continue
        raw = compact(obj)
        fields, digest = normalised(event)
        read_back_as(fields, event)
        parsed.append(_Item(index, event, raw, fields, digest))
    return parsed, rejected


def _echoable(event_id: object) -> str | None:
    """The event id of an invalid event as the answer can name it: a string that is valid
    Unicode (a lone surrogate escape in the JSON, `\\ud800`, cannot be written back)."""
    if not isinstance(event_id, str):
        return None
    try:
        event_id.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return event_id


def ingest_events(uow: UnitOfWork, rules: Rules, clock: Clock, items: Sequence[object],
                  principal: Principal) -> IngestResult:
    """POST /v1/events (and the console's forms built on it), in a transaction of its own."""
    post = received(items, principal)
    if not post.candidates:
        return finished(post.parsed)
    return ingest_alone(uow, rules, clock, post)


def received(items: Sequence[object], principal: Principal) -> Post:
    """A post parsed, before any database work: refused whole when the caller may not post
    or sends too many events."""
    if principal.role is Role.BUYER:
        raise Forbidden("buyers do not post events")
    if len(items) > MAX_EVENTS:
        raise TooManyEvents(len(items))
    with step("parse"):
        parsed, rejected = _parse(items)
        candidates, result = _first_of_each(parsed, rejected)
    return Post(principal, candidates, result)


def finished(result: IngestResult) -> IngestResult:
    result.rejected.sort(key=lambda r: r.index)
    return result


def ingest_alone(uow: UnitOfWork, rules: Rules, clock: Clock, post: Post) -> IngestResult:
    """One parsed post in a transaction of its own."""
    return finished(in_transaction(uow, lambda u: append_posts(u, rules, clock.now(), [post],
                                                           Via.EVENTS, ()))[0])


def append_events(uow: UnitOfWork, rules: Rules, now: datetime, principal: Principal,
                  items: Sequence[object], strict: bool = True, *, via: Via = Via.EVENTS,
                  by_platform: Collection[str] = ()) -> IngestResult:
    """The same as `ingest_events`, inside the caller's transaction (a service that writes
    something else with the events: an out-of-stock report delists the SKU, a remedy); raises
    `EventsRefused` if any is refused (a resent duplicate is fine), unless not `strict` (a
    sync keeps the rest of its page and reports the refused). `principal` is who states the
    events, `via` the endpoint that checked them; the event ids in `by_platform` are steps the
    platform carries out on that party's word (the refund of a refund remedy)."""
    parsed, rejected = _parse(items)
    candidates, result = _first_of_each(parsed, rejected)
    if candidates:
        result = append_posts(uow, rules, now, [Post(principal, candidates, result)], via,
                         by_platform)[0]
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


def append_posts(uow: UnitOfWork, rules: Rules, now: datetime, posts: Sequence[Post],
                 via: Via, by_platform: Collection[str]) -> list[IngestResult]:
    """Inside the transaction: lock the orders of every post at once (one ordered plan), then
    each run of posts that repeat no event id and share no order with another author's post:
    keep what each caller may post, write what is new, re-judge the orders whose timelines
    grew (one judging a run, each order recorded as its author's). A later run sees what the
    earlier ones wrote, as if the posts came one after the other."""
    items = [i for p in posts for i in p.candidates]
    with step("locks"):
        lock_orders(uow, sorted({i.event.order_id for i in items}), (i.event for i in items))
    results: list[IngestResult] = []
    for run in _runs(posts):
        results.extend(_append_run(uow, rules, now, run, via, by_platform))
    return results


def _runs(posts: Sequence[Post]) -> Iterator[list[Post]]:
    """The posts in order, cut where one repeats an event id of the run or names an order that
    a post of another author in the run names. So each order of a run has one author (the
    ledger records it as that author's), and what an author may state -- which depends only
    on its own orders' stored rows, read once a run -- is what it would be were the posts
    sent one after the other. Posts of one author may share orders: an order's events of
    several posts are judged together, as one post of them would be."""
    run: list[Post] = []
    ids: set[str] = set()
    authors: dict[str, str] = {}  # order id -> the actor whose posts of the run name it
    for post in posts:
        actor = post.principal.actor
        own_ids = {i.event.event_id for i in post.candidates}
        orders = {i.event.order_id for i in post.candidates}
        if run and (not ids.isdisjoint(own_ids)
                    or any(authors.get(o, actor) != actor for o in orders)):
            yield run
            run, ids, authors = [], set(), {}
        run.append(post)
        ids |= own_ids
        authors.update(dict.fromkeys(orders, actor))
    if run:
        yield run


def _append_run(uow: UnitOfWork, rules: Rules, now: datetime, posts: list[Post], via: Via,
                by_platform: Collection[str]) -> list[IngestResult]:
    outs = [IngestResult(duplicates=list(p.parsed.duplicates), rejected=list(p.parsed.rejected))
            for p in posts]
    shown = _order_rows(uow, posts)
    allowed: list[_Item] = []
    for n, (post, out) in enumerate(zip(posts, outs, strict=True)):
        for i in _allowed(rules, now, post.principal, post.candidates, out, via, by_platform,
                          shown):
            i.post = n
            allowed.append(i)
    actors = [p.principal.actor for p in posts]
    with step("event writes"):
        touched = _write_new(uow, now, actors, allowed, outs)
    every = set().union(*touched)
    if every:
        accepted = {e for out in outs for e in out.accepted}
        by_order = narrowed({o: actors[n] for n, orders in enumerate(touched) for o in orders})
        outcome = rejudge(uow, rules, every, now, by_order, _causes(allowed, accepted),
                          locked=True)
        for out, orders in zip(outs, touched, strict=True):
            out.outcome = _share(outcome, orders, every)
    return outs


def _share(outcome: Outcome, mine: set[str], every: set[str]) -> Outcome:
    """A post's part of a judging of several posts' orders: its own orders (an order that
    several posts touched counts for each) and the orders judged again as their neighbours
    (all of it when the post was alone)."""
    if mine == every:
        return outcome
    return Outcome(
        judged=len(mine) + outcome.judged - len(every),
        issued=sum(n for o, n in outcome.issued_orders.items() if o in mine or o not in every),
        voided=sum(n for o, n in outcome.voided_orders.items() if o in mine or o not in every),
        rounds=outcome.rounds, deferred=outcome.deferred, clock_behind=outcome.clock_behind,
        ledger_at=outcome.ledger_at)


def _write_new(uow: UnitOfWork, now: datetime, actors: list[str], items: list[_Item],
               outs: list[IngestResult]) -> list[set[str]]:
    """Append the items not stored yet (one read, one insert, whatever the number of posts);
    sort each into its post's accepted, duplicate or conflict. Each post's orders whose
    timelines grew."""
    placed = _placements(uow, items)  # read with the digests, in one round trip
    stored = uow.events.digests([i.event.event_id for i in items])
    fresh: list[_Item] = []
    for item in items:
        known = stored.get(item.event.event_id)
        if known is None:
            fresh.append(item)
        elif known[0] == item.digest:
            outs[item.post].duplicates.append(item.event.event_id)
        else:
            outs[item.post].rejected.append(_conflict(item))
    fresh = _placed_once(placed, fresh, outs)
    rows = [event_row(i.event, i.raw, now, actors[i.post], i.fields, i.digest, i.source)
            for i in fresh]
    # Where writers run one at a time, the read above is the last word: nothing to skip.
    written = uow.events.insert(rows, checked=not uow.shares_writes)
    raced = [i for i in fresh if i.event.event_id not in written]
    # Stored meanwhile by another post: the same rule as above.
    again = uow.events.digests([i.event.event_id for i in raced]) if raced else {}
    touched: list[set[str]] = [set() for _ in outs]
    for item in fresh:
        out = outs[item.post]
        if item.event.event_id in written:
            out.accepted.append(item.event.event_id)
            touched[item.post].add(item.event.order_id)
        elif again.get(item.event.event_id, ("", ""))[0] == item.digest:
            out.duplicates.append(item.event.event_id)
        else:
            out.rejected.append(_conflict(item))
    return touched


def _causes(items: list[_Item], accepted: set[str]) -> dict[str, str]:
    """Each order's cause: its own accepted events (the first three), never another order's."""
    ids: dict[str, list[str]] = {}
    for item in items:
        if item.event.event_id in accepted:
            ids.setdefault(item.event.order_id, []).append(item.event.event_id)
    return {order_id: "events:" + ",".join(mine[:3]) + (",..." if len(mine) > 3 else "")
            for order_id, mine in ids.items()}


def _conflict(item: _Item) -> Rejection:
    return Rejection(item.index, item.event.event_id,
                     f"event_id {item.event.event_id!r} was already received with a different "
                     "body; the first one is kept", 409)


def _placements(uow: UnitOfWork, items: list[_Item]) -> Callable[[], dict[str, str]]:
    """The stored placings of the orders the items place (asked for before it is known which
    items are new: the read then shares the round trip of the digests)."""
    placing = {i.event.order_id for i in items if i.event.type is EventType.ORDER_PLACED}
    return uow.events.placements_later(placing) if placing else dict


def _placed_once(placed: Callable[[], dict[str, str]], fresh: list[_Item],
                 outs: list[IngestResult]) -> list[_Item]:
    """The first `order_placed` of an order fixes its shop, buyer, SKU, quantity and price:
    another one (another event id, whoever sends it) is a conflict. One query for the batch
    (`placed`: `_placements`)."""
    if not any(i.event.type is EventType.ORDER_PLACED for i in fresh):
        return fresh
    held = placed()
    kept: list[_Item] = []
    for i in fresh:
        e = i.event
        if e.type is EventType.ORDER_PLACED:
            first = held.setdefault(e.order_id, e.event_id)
            if first != e.event_id:
                outs[i.post].rejected.append(Rejection(
                    i.index, e.event_id, f"order {e.order_id!r} was already placed by event "
                    f"{first!r}; its shop, buyer, SKU, quantity and price do not change", 409,
                    IMMUTABLE))
                continue
        kept.append(i)
    return kept


def _order_rows(uow: UnitOfWork, posts: Sequence[Post]) -> dict[str, Any]:
    """The stored orders of the posts whose authors' rights depend on them (one read)."""
    wanted = {i.event.order_id for p in posts if not p.principal.is_platform
              for i in p.candidates}
    return uow.orders.get_many(wanted) if wanted else {}


def _allowed(rules: Rules, now: datetime, principal: Principal, items: list[_Item],
             out: IngestResult, via: Via, by_platform: Collection[str], rows: dict[str, Any]
             ) -> list[_Item]:
    """The items the caller may state (the provenance table, the party's own orders, no
    backdating by a party); each kept item gets its source."""
    if principal.is_platform:
        stated = str(principal.source())
        for i in items:
            i.source = stated
        return items
    party = principal.role in (Role.MERCHANT, Role.BUYER)
    kept: list[_Item] = []
    for i in items:
        e = i.event
        row = rows.get(e.order_id)
        shop = row["shop_id"] if row is not None else None
        if e.event_id in by_platform:
            source = PLATFORM
        else:
            source = principal.source(shop)
            refusal = provenance_refusal(e, source, via)
            if refusal is not None:
                out.rejected.append(_refused(i, refusal))
                continue
        if row is None or (party and not principal.sees_order(shop, row["buyer_id"])):
            out.rejected.append(Rejection(i.index, e.event_id, f"order {e.order_id!r} not found",
                                          404))
            continue
        late = timing_refusal(e, source, now, rules.backdate_tolerance)
        if late is not None:
            out.rejected.append(_refused(i, late))
            continue
        i.source = str(source)
        kept.append(i)
    return kept


def _refused(item: _Item, refusal: Refusal) -> Rejection:
    return Rejection(item.index, item.event.event_id, refusal.reason, 403, refusal.rule)

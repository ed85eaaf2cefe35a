"""Re-judging orders online with the pure core.

For a set of orders: fold their stored events as of `now`, build the `JudgeContext` from the
store (uploads of the same tracking numbers with their orders' buyers; the shop's admissible
out-of-stock reports of each Asia/Shanghai day, ranked by (at, event_id)), call `judge_facts`,
record the difference in the ledger and set each order's next due time. Ledger times never go
backwards: a clock earlier than an order's last judging (a worker run with a later `--at`, a
clock set back) is clamped to that time, logged and audited (`ledger.clock_behind`). An order whose uploads
or reports changed can change another order's verdict (a later reuse of its tracking number, a
later report's rank); those orders are re-judged in a further round of the same transaction.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from types import MappingProxyType
from typing import Any

from stockout.domain.announcements import Announcement
from stockout.domain.context import JudgeContext, Upload, report_refusal
from stockout.domain.events import Event, EventType
from stockout.domain.judge import Judgement, judge_facts, next_check_at
from stockout.domain.rulebook import RulePack
from stockout.domain.timeline import OrderFacts, Timeline, fold
from stockout.domain.times import shanghai_day
from stockout.domain.verdicts import Verdict
from stockout.services.common.actors import Actor, every_actor, joined, narrowed
from stockout.services.common.steps import step
from stockout.services.judging import ledger
from stockout.services.judging.rules import Rules
from stockout.services.notifications import notices
from stockout.services.remedies import offers as remedy_offers
from stockout.services.reputation import measures
from stockout.services.stock import reservations as order_stock
from stockout.store.events import StoredUpload
from stockout.store.locks import lock_plan
from stockout.store.uow import UnitOfWork

log = logging.getLogger("stockout.judging")
MAX_ROUNDS = 4
_PLACED = EventType.ORDER_PLACED
_UPLOAD = EventType.SHIPMENT_UPLOADED
_REPORT = EventType.STOCKOUT_REPORTED


@dataclass(slots=True)
class Outcome:
    judged: int = 0
    issued: int = 0
    voided: int = 0
    rounds: int = 0
    deferred: int = 0
    issued_orders: Counter[str] = field(default_factory=Counter)  # verdicts issued per order
    voided_orders: Counter[str] = field(default_factory=Counter)
    # shop -> the actors whose judging changed its verdicts
    shops: dict[str, set[str]] = field(default_factory=dict)
    clock_behind: datetime | None = None  # the clock, when it was earlier than the ledger
    ledger_at: datetime | None = None  # the time the ledger recorded (the clock, or clamped)


@dataclass(slots=True)
class _Order:
    order_id: str
    seqs: dict[str, int]
    timeline: Timeline
    pack: RulePack
    facts: OrderFacts
    owner: Event | None  # the first order_placed, seen or not yet
    old: dict[str, Any] | None

    @property
    def judged_seq(self) -> int:
        return max(self.seqs.values())

    @property
    def judged_before(self) -> bool:
        """Judged by an earlier round or post: only then can it hold verdicts."""
        return self.old is not None and self.old["judged_at"] is not None

    @property
    def buyer(self) -> str | None:
        """The buyer as the rules see it now (only once the placing is visible)."""
        return self.facts.placed.buyer_id if self.facts.placed is not None else None


def lock_orders(uow: UnitOfWork, order_ids: Sequence[str], incoming: Iterable[Event] = ()
                ) -> None:
    """Lock the orders and what their judging shares with others (no-op on SQLite)."""
    if not uow.shares_writes:
        return
    rows = list(uow.events.lock_hints(order_ids))
    placed: dict[str, str] = {}
    for e in incoming:
        if e.type is _PLACED and e.shop_id:
            placed.setdefault(e.order_id, e.shop_id)
        rows.append((e.order_id, e.type.value, e.at, e.carrier, e.tracking_no))
    # A report's shop-day needs its order's shop: read only when there is a report.
    reporting = {r[0] for r in rows if r[1] == _REPORT}
    shops = {o: r["shop_id"] for o, r in uow.orders.get_many(sorted(reporting)).items()
             if r["shop_id"]} if reporting else {}
    for order_id, shop in placed.items():
        shops.setdefault(order_id, shop)
    tracking: set[tuple[str, str]] = set()
    shop_days: set[tuple[str, str]] = set()
    for order_id, kind, at, carrier, tracking_no in rows:
        if kind == _UPLOAD and carrier and tracking_no:
            tracking.add((carrier, tracking_no))
        elif kind == _REPORT and order_id in shops:
            shop_days.add((shops[order_id], shanghai_day(at).isoformat()))
    uow.lock(lock_plan(order_ids, tracking, shop_days))


def rejudge(uow: UnitOfWork, rules: Rules, order_ids: Iterable[str], now: datetime,
            actor: Actor, cause: ledger.Cause, locked: bool = False) -> Outcome:
    """Judge the orders again as of `now` and record what changed (inside `uow`'s transaction).
    `cause`: one text for every order, or each order's own (the events posted for it); the
    orders judged again in later rounds (neighbours) get a `related:` cause. `actor`: who the
    changes are recorded as made by, one for every order or each order's own (the author of
    its events); neighbours are recorded as made by all of them.
    `locked`: the caller already holds the orders' locks (`lock_orders`)."""
    announced = cache(uow.announcements.all_later())  # sent with the first round's reads
    outcome = Outcome()
    pending = sorted(set(order_ids))
    round_cause, round_actor = cause, narrowed(actor)
    while pending:
        if outcome.rounds == MAX_ROUNDS:
            uow.orders.mark_due(pending, now)  # the worker finishes them
            outcome.deferred += len(pending)
            break
        if not (locked and outcome.rounds == 0):
            with step("locks"):
                lock_orders(uow, pending)
        pending = sorted(_round(uow, rules, pending, now, announced, round_actor,
                                round_cause, outcome))
        now = outcome.ledger_at or now
        outcome.rounds += 1
        round_cause, round_actor = ledger.related_cause(cause), every_actor(actor)
    if outcome.shops:
        with step("measures"):
            measures.review_shops(uow, rules.book, outcome.shops, now, narrowed(
                {shop: joined(actors) for shop, actors in outcome.shops.items()}))
    return outcome


def without_lifted(j: Judgement, lifted: set[tuple[str, str]]) -> Judgement:
    """The judgement without the violations an approved appeal lifted from the order: a
    re-judging (new events, the sweep) never issues them again."""
    kept = tuple(v for v in j.verdicts if (v.order_id, v.violation.value) not in lifted)
    return j if len(kept) == len(j.verdicts) else j._replace(verdicts=kept)


def _round(uow: UnitOfWork, rules: Rules, ids: list[str], now: datetime,
           announced: Callable[[], Sequence[Announcement]], actor: Actor, cause: ledger.Cause,
           outcome: Outcome) -> set[str]:
    with step("timelines"):
        later = uow.events.for_orders_later(ids)
        rows = uow.orders.last_judged(ids)  # one round trip: the events and the announcements
        stored, announcements = later(), announced()
        now = _not_before_ledger(uow, rows, now, actor, cause, outcome)
        orders = [_prepare(oid, evs, rows.get(oid), rules, now) for oid in ids
                  if (evs := stored.get(oid))]
    batch = {o.order_id for o in orders}
    with step("context"):
        # Asked for first, none needing another's answer: they travel with the stock's read.
        old_reports = _old_reports(uow, orders)
        uploaded = _uploaded(orders)
        stored_uploads = _stored_uploads(uow, rules, uploaded, now)
        # Appeals and offers hang on verdicts, which only an order judged before can hold.
        held = {o.order_id for o in orders if o.judged_before}
        approved = uow.appeals.approved_for_later(held) if held else set
    with step("stock"):
        order_stock.follow_orders(uow, [(o.order_id, o.facts) for o in orders], now)
    with step("context"):
        ranks, neighbours = _reports(uow, orders, batch, old_reports())
        uploads, more = _uploads(rules, orders, uploaded, batch, now, stored_uploads())
        neighbours |= more
        lifted = approved()
    context = JudgeContext(MappingProxyType(uploads), MappingProxyType(ranks))
    judged: list[ledger.Judged] = []
    # The buyer's remedy follows the stockout itself, even where an appeal lifted the penalty.
    stockouts: list[tuple[OrderFacts, RulePack, tuple[Verdict, ...]]] = []
    order_rows: list[tuple[dict[str, Any], bool]] = []
    warnings: list[dict[str, Any]] = []
    with step("judge"):
        for o in orders:
            j = judge_facts(o.order_id, o.facts, o.pack, now, announcements, context)
            if j.judged:
                judged.append(ledger.Judged(without_lifted(j, lifted), o.pack, o.buyer,
                                            o.judged_seq, o.judged_before))
                stockouts.append((j.facts, o.pack, j.verdicts))
            row, warning = _order_row(o, j, rules, now)
            order_rows.append((row, o.old is None))
            if warning is not None:
                warnings.append(warning)
    with step("remedy offers"):
        # Their stored states travel with the ledger's first read.
        offers = remedy_offers.offers_of(uow, stockouts, now, held)
    with step("ledger"):
        changes = ledger.record(uow, judged, now, actor, cause)
    with step("remedy offers"):
        offered = remedy_offers.open_offers(uow, offers, now)
    with step("order rows"):
        uow.orders.save([r for r, new in order_rows if new],
                        [r for r, new in order_rows if not new])
        # One insert, in the order of before: the ledger's notices, the buyers' offers, then
        # the at-risk warnings.
        uow.outbox.enqueue(changes.messages + offered + warnings)
    outcome.judged += len(orders)
    outcome.issued += len(changes.issued)
    outcome.voided += len(changes.voided)
    outcome.issued_orders.update(changes.issued)
    outcome.voided_orders.update(changes.voided)
    for shop, actors in changes.shops.items():
        outcome.shops.setdefault(shop, set()).update(actors)
    return neighbours - batch


def _not_before_ledger(uow: UnitOfWork, rows: dict[str, dict[str, Any]], now: datetime,
                       actor: Actor, cause: ledger.Cause, outcome: Outcome) -> datetime:
    """`now`, or the orders' last judging when the clock is earlier (said in the log and the
    audit): a verdict is never voided before it was issued, nor a later judging dated earlier."""
    last = max((r["judged_at"] for r in rows.values() if r["judged_at"] is not None),
               default=None)
    if last is not None and last > now:
        if outcome.clock_behind is None:
            outcome.clock_behind = now
        behind = sorted(o for o, r in rows.items()
                        if r["judged_at"] is not None and r["judged_at"] > now)
        causes = sorted({ledger.cause_of(cause, o) for o in behind[:20]})
        log.warning("the clock (%s) is earlier than the ledger (%s): judging and recording "
                    "as of %s (%s)", now.isoformat(), last.isoformat(), last.isoformat(),
                    "; ".join(causes))
        details = {"clock": now.isoformat(), "recorded_as_of": last.isoformat(),
                   "causes": causes, "orders": behind[:20], "count": len(behind)}
        uow.audit.append([ledger.audit_row(last, every_actor(actor), "ledger.clock_behind",
                                           "clock", details)])
        now = last
    outcome.ledger_at = now
    return now


def _prepare(order_id: str, stored: list[tuple[int, Event]], old: dict[str, Any] | None,
             rules: Rules, now: datetime) -> _Order:
    timeline = Timeline.of(order_id, (e for _, e in stored))
    facts = fold(timeline, now)
    owner = facts.placed or next((e for e in timeline.events if e.type is _PLACED), None)
    return _Order(order_id, {e.event_id: s for s, e in stored}, timeline,
                  rules.pack_for(timeline, now), facts, owner, old)


def _report_rows(o: _Order) -> list[dict[str, Any]]:
    """The order's visible reports the pack admits (the daily quota aside)."""
    f = o.facts
    if f.placed is None or not f.placed.shop_id or not f.reports:
        return []
    return [{"event_id": r.event_id, "order_id": o.order_id, "shop_id": f.placed.shop_id,
             "day": shanghai_day(r.at).isoformat(), "at": r.at}
            for r in f.reports if report_refusal(r, f, o.pack) is None]


def _old_reports(uow: UnitOfWork, orders: list[_Order]
                 ) -> Callable[[], list[dict[str, Any]]]:
    """The admitted reports stored for the orders that have a row (asked for `later`)."""
    stored = [o.order_id for o in orders if o.old is not None]
    return uow.reports.for_orders_later(stored) if stored else list


def _reports(uow: UnitOfWork, orders: list[_Order], batch: set[str],
             stored: list[dict[str, Any]]) -> tuple[dict[str, int], set[str]]:
    """Rank every report of the shop-days the batch touches (`stored`: the orders' reports
    admitted before, `_old_reports`); the orders whose later reports a change in the batch
    re-ranks."""
    fresh = {o.order_id: _report_rows(o) for o in orders}
    old: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in stored:
        old[r["order_id"]].append(r)

    def keyed(rows: list[dict[str, Any]]) -> set[tuple[str, str, datetime, str]]:
        return {(r["shop_id"], r["day"], r["at"], r["event_id"]) for r in rows}

    changed: set[tuple[str, str, datetime, str]] = set()
    changed_orders: list[str] = []
    for oid, rows in fresh.items():
        diff = keyed(rows) ^ keyed(old.get(oid, []))
        if diff:
            changed |= diff
            changed_orders.append(oid)
    days = {(s, d) for s, d, _, _ in keyed([r for rows in fresh.values() for r in rows]) | changed}
    if not days:
        return {}, set()
    by_day: dict[tuple[str, str], list[tuple[datetime, str, str]]] = defaultdict(list)
    for r in uow.reports.for_shop_days(days):
        if r["order_id"] not in batch:
            by_day[(r["shop_id"], r["day"])].append((r["at"], r["event_id"], r["order_id"]))
    for oid, rows in fresh.items():
        for r in rows:
            by_day[(r["shop_id"], r["day"])].append((r["at"], r["event_id"], oid))
    ranks: dict[str, int] = {}
    for day_rows in by_day.values():
        day_rows.sort()
        for i, (_, event_id, _) in enumerate(day_rows, start=1):
            ranks[event_id] = i
    neighbours: set[str] = set()
    for shop, day, at, event_id in changed:
        neighbours.update(oid for a, e, oid in by_day.get((shop, day), ())
                          if (a, e) > (at, event_id) and oid not in batch)
    if changed_orders:
        uow.reports.replace(changed_orders, [r for oid in changed_orders for r in fresh[oid]])
    return ranks, neighbours


def _uploaded(orders: list[_Order]) -> list[tuple[_Order, Event]]:
    """The batch's uploads that name a carrier and tracking number."""
    return [(o, u) for o in orders for u in o.facts.uploads if u.carrier and u.tracking_no]


def _stored_uploads(uow: UnitOfWork, rules: Rules, mine: list[tuple[_Order, Event]],
                    now: datetime) -> Callable[[], list[StoredUpload]]:
    """The stored uploads of the tracking numbers the batch uploaded (`mine`: `_uploaded`),
    within the reuse window (asked for `later`)."""
    if not mine:
        return list
    since = min(u.at for _, u in mine) - rules.reuse_window
    return uow.events.uploads_later({u.tracking_no for _, u in mine if u.tracking_no}, since,
                                    now)


def _uploads(rules: Rules, orders: list[_Order], mine: list[tuple[_Order, Event]],
             batch: set[str], now: datetime, stored: list[StoredUpload]
             ) -> tuple[dict[tuple[str, str], tuple[Upload, ...]], set[str]]:
    """The uploads of every tracking number the batch uploaded (`mine`: `_uploaded`), with
    their buyers (`stored`: `_stored_uploads`); the orders whose later upload of a number a
    change in the batch could make (or unmake) a reuse."""
    if not mine:
        return {}, set()
    window = rules.reuse_window
    buyers = {o.order_id: o.buyer for o in orders}
    index: dict[tuple[str, str], list[Upload]] = defaultdict(list)
    for s in stored:
        if s.order_id in buyers:
            buyer = buyers[s.order_id]
        else:
            buyer = s.buyer_id if s.placed_at is not None and s.placed_at <= now else None
        index[(s.carrier, s.tracking_no)].append(Upload(s.at, s.event_id, s.order_id, buyer))
    uploads = {k: tuple(sorted(v, key=lambda u: (u.at, u.event_id))) for k, v in index.items()}
    neighbours: set[str] = set()
    for o, u in mine:
        if not _upload_changed(o, u):
            continue
        for other in uploads.get((u.carrier or "", u.tracking_no or ""), ()):
            if other.order_id not in batch and u.at <= other.at <= u.at + window:
                neighbours.add(other.order_id)
    return uploads, neighbours


def _upload_changed(o: _Order, upload: Event) -> bool:
    """New since the order was last judged: arrived, became visible, or its buyer did."""
    old = o.old
    if old is None or old["judged_at"] is None:
        return True
    if o.seqs[upload.event_id] > old["judged_seq"] or upload.at > old["judged_at"]:
        return True
    old_buyer = old["buyer_id"] if (old["placed_at"] is not None
                                    and old["placed_at"] <= old["judged_at"]) else None
    return old_buyer != o.buyer


def _order_row(o: _Order, j: Judgement, rules: Rules, now: datetime
               ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The order's row, and an at-risk warning for its merchant when one is due."""
    f, owner, deadline = o.facts, o.owner, j.deadline
    if f.placed is None:
        state = "unplaced"
    elif f.closed is not None:
        state = "closed"
    elif f.confirmed is not None:
        state = "open"
    else:
        state = "placed"
    due = [t for t in (next_check_at(j, o.pack, now),
                       next((e.at for e in o.timeline.events if e.at > now), None)) if t]
    warning = None
    shop = owner.shop_id if owner is not None else None
    if state == "open" and f.pickup is None and deadline is not None and shop:
        warn_at = deadline.at - rules.warn_before
        if warn_at <= now < deadline.at:
            late = o.pack.late_shipment.compensation.for_paid(f.placed.paid_cents or 0
                                                              if f.placed else 0)
            warning = notices.at_risk(o.order_id, shop, deadline.at, late, now)
        elif now < warn_at:
            due.append(warn_at)
    row = {
        "order_id": o.order_id,
        "shop_id": shop,
        "buyer_id": owner.buyer_id if owner is not None else None,
        "state": state,
        "pack_id": o.pack.id,
        "paid_cents": owner.paid_cents if owner is not None else None,
        "category": owner.category if owner is not None else None,
        "ship_from_region": owner.ship_from_region if owner is not None else None,
        "ship_to_region": owner.ship_to_region if owner is not None else None,
        "placed_at": owner.at if owner is not None else None,
        "confirmed_at": f.confirmed.at if f.confirmed is not None else None,
        "closed_at": f.closed_at,
        "picked_up_at": f.pickup.at if f.pickup is not None else None,
        "first_upload_at": f.uploads[0].at if f.uploads else None,
        "deadline_at": deadline.at if deadline is not None else None,
        "deadline_base_at": deadline.base if deadline is not None else None,
        "deadline_basis": deadline.basis.value if deadline is not None else None,
        "deadline_announcement_id": deadline.announcement_id if deadline is not None else None,
        "next_due_at": min(due) if due else None,
        "judged_at": now,
        "judged_seq": o.judged_seq,
    }
    return row, warning

"""Measures against repeat offenders, kept in step with the verdicts.

Whenever a shop's verdicts change (in the same transaction) its threshold crossings are found
again with the pack in force: a new crossing applies its measures (stored, the merchant told),
a measure whose cause is gone (an appeal voided the verdicts) is lifted, one whose time passed
ends (here or on the sweep). Each change is in the audit log and the outbox.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from stockout.domain.measures import (
    Crossing,
    MeasureRefusal,
    MeasureRule,
    MeasureState,
    Offence,
    Scope,
    measure_closed,
    measure_restored,
    shop_crossing,
    shown_state,
    sku_day_crossings,
)
from stockout.domain.rulebook import RuleBook
from stockout.domain.times import SHANGHAI, shanghai_day
from stockout.domain.verdicts import Violation
from stockout.services.common.actors import Actor, actor_of
from stockout.services.notifications import notices
from stockout.store.locks import lock_key
from stockout.store.mapping import dumps
from stockout.store.uow import UnitOfWork

ACTIVE, ENDED, LIFTED = (MeasureState.ACTIVE.value, MeasureState.ENDED.value,
                         MeasureState.LIFTED.value)  # as stored


@dataclass(slots=True)
class MeasureChanges:
    applied: int = 0
    lifted: int = 0
    ended: int = 0


def crossing_key(c: Crossing, scope: Scope) -> str:
    if scope is Scope.SKU_DAY:
        day = c.day if c.day is not None else shanghai_day(c.starts - timedelta(days=1))
        return f"{c.rule_id}/{c.shop_id}/{c.sku_id}/{day}"
    return f"{c.rule_id}/{c.shop_id}/{c.starts.isoformat()}"


def _lookback(rules: Iterable[MeasureRule]) -> timedelta:
    return max((r.window or timedelta(days=1)) + r.duration for r in rules) + timedelta(days=1)


@dataclass(slots=True)
class _ShopFacts:
    shop_id: str
    offences: list[Offence]
    shipments: Counter[tuple[str, Any]]

    def orders_due(self, uow: UnitOfWork, window: timedelta, at: datetime) -> int:
        return uow.orders.due_count_of_shop(self.shop_id, at - window, at)


def _facts(uow: UnitOfWork, rules: tuple[MeasureRule, ...], shop_id: str, since: datetime,
           now: datetime) -> _ShopFacts:
    """The shop's offences; SKUs and shipments only where a per-product rule could cross (a
    product-day with more offences than the smallest count), so a big shop costs little."""
    rows = uow.verdicts.active_of_shop(shop_id, since, now)
    sku_rules = [r for r in rules if r.scope is Scope.SKU_DAY]
    needed = {r.violation.value for r in sku_rules}
    per_sku = [r["order_id"] for r in rows if r["violation"] in needed]
    skus = uow.events.skus(per_sku)
    # Per product, an offence counts on the day its order was shipped, as the base does.
    shipped = {o: r["first_upload_at"] for o, r in uow.orders.get_many(per_sku).items()}
    offences = [Offence(r["order_id"], shop_id, skus.get(r["order_id"], ""),
                        Violation(r["violation"]), r["detected_at"],
                        shipped.get(r["order_id"]) if r["violation"] in needed else None)
                for r in rows]
    least = min((r.more_than_count for r in sku_rules), default=0)
    groups = Counter((o.sku_id, o.ship_day) for o in offences if o.violation.value in needed)
    days = sorted({d for (_, d), n in groups.items() if n > least})
    shipments: Counter[tuple[str, Any]] = Counter()
    for d in days:
        start = datetime.combine(d, time.min, SHANGHAI)
        uploads = uow.orders.shop_uploads(shop_id, start, start + timedelta(days=1))
        uploaded = uow.events.skus([o for o, _ in uploads])
        shipments.update((uploaded[o], d) for o, at in uploads
                         if o in uploaded and shanghai_day(at) == d)
    return _ShopFacts(shop_id, offences, shipments)


def _row(c: Crossing, rule: MeasureRule, key: str, now: datetime) -> dict[str, Any]:
    return {"key": key, "rule_id": rule.id, "scope": rule.scope.value, "shop_id": c.shop_id,
            "sku_id": c.sku_id, "violation": rule.violation.value,
            "kinds": dumps([m.value for m in c.measures]), "offences": c.count, "base": c.base,
            "order_ids": dumps(list(c.order_ids)), "starts": c.starts, "ends": c.ends,
            "state": ACTIVE, "created_at": now, "changed_at": None, "change_reason": None}


def _rekeyed(message: dict[str, Any], tag: str) -> dict[str, Any]:
    """The outbox message under a dedupe key of its own (a measure re-applied after it was
    lifted is told again, not dropped as a duplicate of the first notice)."""
    key = f"{message['dedupe_key']}:{tag}"
    payload = json.loads(message["payload"]) | {"dedupe_key": key}
    return message | {"dedupe_key": key, "payload": dumps(payload)}


class _Review:
    def __init__(self, uow: UnitOfWork, now: datetime, actor: Actor) -> None:
        self.uow, self.now, self.actor = uow, now, actor
        self.changes = MeasureChanges()
        self.audit: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []

    def apply(self, c: Crossing, rule: MeasureRule, key: str) -> None:
        row = _row(c, rule, key, self.now)
        self.uow.measures.insert([row])
        self.changes.applied += 1
        self.audit.append(self._audit("measure.applied", key, c.shop_id, {
            "rule": rule.id, "sku_id": c.sku_id, "offences": c.count, "base": c.base,
            "measures": [m.value for m in c.measures], "starts": c.starts.isoformat(),
            "ends": c.ends.isoformat(), "orders": list(c.order_ids)}))
        self.messages.append(notices.measure_applied(row, self.now))

    def update(self, held: dict[str, Any], c: Crossing, ends: datetime) -> None:
        """Keep a held measure in step with its crossing (orders, count, base, end)."""
        orders = dumps(list(c.order_ids))
        if not isinstance(measure_restored(MeasureState(held["state"])), MeasureRefusal):
            self.reapply(held, c, ends)
        elif (held["order_ids"], held["offences"], held["base"], held["ends"]) != (
                orders, c.count, c.base, ends):
            self.uow.measures.change(held["id"], only_state=ACTIVE, offences=c.count,
                                     base=c.base, order_ids=orders, ends=ends)

    def reapply(self, held: dict[str, Any], c: Crossing, ends: datetime) -> None:
        """A lifted measure whose crossing is back (its cause stands again): active again,
        audited and told to the merchant as an application is."""
        orders = dumps(list(c.order_ids))
        if not self.uow.measures.change(held["id"], only_state=LIFTED, offences=c.count,
                                        base=c.base, order_ids=orders, ends=ends,
                                        state=ACTIVE, changed_at=self.now,
                                        change_reason="cause_restored"):
            return
        row = dict(held, offences=c.count, base=c.base, order_ids=orders, ends=ends,
                   state=ACTIVE, changed_at=self.now, change_reason="cause_restored")
        self.changes.applied += 1
        self.audit.append(self._audit("measure.applied", held["key"], held["shop_id"], {
            "rule": held["rule_id"], "sku_id": c.sku_id, "offences": c.count, "base": c.base,
            "measures": [m.value for m in c.measures], "starts": held["starts"].isoformat(),
            "ends": ends.isoformat(), "orders": list(c.order_ids), "reapplied": True}))
        # A notice of its own: the first application's is already in the outbox.
        self.messages.append(_rekeyed(notices.measure_applied(row, self.now),
                                      f"reapplied:{self.now.isoformat()}"))

    def close(self, held: dict[str, Any], cause_removed: bool, reason: str, at: datetime
              ) -> None:
        closed = measure_closed(MeasureState(held["state"]), cause_removed=cause_removed)
        if isinstance(closed, MeasureRefusal):
            return
        state = closed.value
        if not self.uow.measures.change(held["id"], only_state=ACTIVE, state=state,
                                        changed_at=at, change_reason=reason):
            return  # another transaction closed it first: told once, by that one
        if state == LIFTED:
            self.changes.lifted += 1
        else:
            self.changes.ended += 1
        self.audit.append(self._audit(f"measure.{state}", held["key"], held["shop_id"],
                                      {"reason": reason}))
        self.messages.append(notices.measure_closed(dict(held, state=state, changed_at=at,
                                                         change_reason=reason), self.now))

    def _audit(self, action: str, key: str, shop_id: str, details: dict[str, Any]
               ) -> dict[str, Any]:
        return {"at": self.now, "actor": actor_of(self.actor, shop_id), "action": action,
                "subject": f"measure:{key}", "order_id": None, "amount_cents": None,
                "details": dumps(details)}

    def flush(self) -> MeasureChanges:
        self.uow.audit.append(self.audit)
        self.uow.outbox.enqueue(self.messages)
        return self.changes


def review_shops(uow: UnitOfWork, book: RuleBook, shops: Iterable[str], now: datetime,
                 actor: Actor) -> MeasureChanges:
    """Find each shop's crossings again and bring its stored measures in line; `actor`: who
    the changes are recorded as made by, one for all or each shop's own."""
    pack = book.pack_at(now)
    review = _Review(uow, now, actor)
    if pack.measures:
        chosen = sorted(set(shops))
        # Taken last in any transaction (after its orders' locks), in one sorted batch; the
        # shops' standing is read in the same round trip as the try of the keys, and used
        # only once the keys are known to be held.
        held = uow.lock_later(sorted({lock_key("measures", shop) for shop in chosen}))
        rules = pack.measures
        standing = uow.measures.standing_later(chosen, ACTIVE, now - _lookback(rules), now)
        held()
        for shop in _may_change(rules, chosen, *standing()):
            _review_shop(review, rules, shop)
    return review.flush()


def _may_change(rules: tuple[MeasureRule, ...], shops: list[str], held: set[str],
                counts: dict[tuple[str, str], int]) -> list[str]:
    """The shops whose measures a review could change: those holding an active measure, and
    those with more offences of a rule's violation over the whole look-back than the rule's
    count (no window of a rule, nor any product-day, can then hold more). One query for all
    the shops of a post (`MeasureRepo.standing`), instead of a full review of each."""
    return [s for s in shops if s in held or any(
        counts.get((s, r.violation.value), 0) > r.more_than_count for r in rules)]


def _review_shop(review: _Review, rules: tuple[MeasureRule, ...], shop: str) -> None:
    uow, now = review.uow, review.now
    facts = _facts(uow, rules, shop, now - _lookback(rules), now)
    held_all = uow.measures.of_shop(shop, ACTIVE)
    for m in held_all:
        if m["ends"] <= now:
            review.close(m, False, "window_passed", m["ends"])
    held_all = [m for m in held_all if m["ends"] > now]
    for rule in rules:
        held = [m for m in held_all if m["rule_id"] == rule.id]
        if rule.scope is Scope.SKU_DAY:
            _review_sku_days(review, rule, facts, held)
        else:
            _review_shop_window(review, rule, facts, held)


def _review_sku_days(review: _Review, rule: MeasureRule, facts: _ShopFacts,
                     held: list[dict[str, Any]]) -> None:
    found = {crossing_key(c, rule.scope): c
             for c in sku_day_crossings(rule, facts.offences, facts.shipments)
             if c.ends > review.now}
    stored = review.uow.measures.by_keys(sorted(found))
    for key, c in found.items():
        row = stored.get(key)
        if row is None:
            review.apply(c, rule, key)
        elif row["state"] != ENDED:
            review.update(row, c, c.ends)
    for m in held:
        if m["key"] not in found:
            review.close(m, True, "cause_removed", review.now)


def _review_shop_window(review: _Review, rule: MeasureRule, facts: _ShopFacts,
                        held: list[dict[str, Any]]) -> None:
    assert rule.window is not None
    uow, now = review.uow, review.now
    fresh = shop_crossing(rule, facts.shop_id, facts.offences,
                          facts.orders_due(uow, rule.window, now), now)
    for m in held:
        if fresh is not None:
            review.update(m, fresh, max(m["ends"], fresh.ends))
            continue
        then = shop_crossing(rule, facts.shop_id, facts.offences,
                             facts.orders_due(uow, rule.window, m["starts"]), m["starts"])
        if then is None:
            review.close(m, True, "cause_removed", now)
        else:
            review.update(m, then, m["ends"])
    if fresh is not None and not held:
        key = crossing_key(fresh, rule.scope)
        if key not in uow.measures.by_keys([key]):
            review.apply(fresh, rule, key)


def review_product_measures(uow: UnitOfWork, book: RuleBook, now: datetime, actor: str
                            ) -> MeasureChanges:
    """The sweep's look at the shops holding a per-product measure: shipments that arrived on
    their own (no verdict changed) still change its base, and may lift it."""
    shops = uow.measures.shops_with_active(Scope.SKU_DAY.value)
    return review_shops(uow, book, shops, now, actor) if shops else MeasureChanges()


def end_due_measures(uow: UnitOfWork, now: datetime, actor: str) -> int:
    """End every active measure whose time passed (the sweep)."""
    review = _Review(uow, now, actor)
    due = uow.measures.ending_by(now)
    if due:
        # The shops' measure locks, as a review takes them (one sorted batch), so a review
        # and the sweep never end the same measure twice; then what is still due.
        uow.lock(sorted({lock_key("measures", m["shop_id"]) for m in due}))
        for m in uow.measures.ending_by(now):
            review.close(m, False, "window_passed", m["ends"])
    return review.flush().ended


def measure_view(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    from stockout.domain.times import format_time

    state = shown_state(MeasureState(row["state"]), row["starts"], row["ends"], now)
    return {"id": row["id"], "rule": row["rule_id"], "scope": row["scope"],
            "sku_id": row["sku_id"], "violation": row["violation"],
            "measures": json.loads(row["kinds"]), "state": state,
            "starts": format_time(row["starts"]), "ends": format_time(row["ends"]),
            "offences": row["offences"], "base": row["base"],
            "rate": round(row["offences"] / row["base"], 4) if row["base"] else None,
            "orders": json.loads(row["order_ids"]),
            "changed_at": format_time(row["changed_at"]) if row["changed_at"] else None,
            "change_reason": row["change_reason"]}

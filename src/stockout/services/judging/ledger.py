"""Recording what the judge decided: a verdict is issued once, with its coupon and notices; a
verdict whose grounds are gone or changed is voided with a reason (never deleted), its coupon
voided (the buyer had not been told yet) or clawed back (the buyer had been told); a coupon the
buyer already used stays the buyer's and is charged to the platform instead of the merchant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from stockout.domain.judge import Judgement
from stockout.domain.rulebook import RulePack
from stockout.domain.verdicts import Verdict
from stockout.services.common.actors import Actor, actor_of
from stockout.services.notifications import notices
from stockout.store.mapping import dumps, verdict_columns, verdict_from_row
from stockout.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Judged:
    """One order's fresh judgement with what the ledger needs besides it."""

    judgement: Judgement
    pack: RulePack
    buyer_id: str | None
    judged_seq: int
    known: bool = True  # judged before, so it may hold verdicts (False: none to read)


@dataclass(slots=True)
class LedgerChanges:
    issued: list[str] = field(default_factory=list)
    voided: list[str] = field(default_factory=list)
    # shop -> the actors whose judging changed its verdicts (measures follow)
    shops: dict[str, set[str]] = field(default_factory=dict)
    # (order, violation) → fen the buyer already used of a coupon whose verdict is replaced:
    # the replacing verdict's coupon pays only what is still owed.
    used: dict[tuple[str, str], int] = field(default_factory=dict)
    # What `record` leaves for its caller to add to the outbox (with the caller's own notices,
    # in one insert), in the order the decisions were made.
    messages: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class _Writes:
    """What one recording adds to the outbox and the audit log, written once at its end (one
    statement each, however many verdicts were voided, moved and issued), in the order the
    decisions were made."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    cancel: list[str] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)

    def flush(self, uow: UnitOfWork, messages: bool = True) -> None:
        """Write them; the messages too unless `messages` is False (the caller adds them)."""
        uow.outbox.cancel(self.cancel)
        if messages:
            uow.outbox.enqueue(self.messages)
        uow.audit.append(self.audit)


def coupon_key(order_id: str, violation: str, generation: int) -> str:
    """The coupon's idempotency key: one per verdict generation, whatever retries happen."""
    return f"{order_id}/{violation}/{generation}"


Cause = str | Mapping[str, str]
"""Why the orders were judged: one text for all, or each order's own (its own events)."""


def cause_of(cause: Cause, order_id: str) -> str:
    """The order's own cause; an order a mapping does not name was judged as a neighbour."""
    if isinstance(cause, str):
        return cause
    return cause.get(order_id) or related_cause(cause)


def related_cause(cause: Cause) -> str:
    """The cause of orders judged again because of other orders (a reused tracking number, a
    report's rank): `related:` and what touched those orders, never their event ids as if the
    neighbour's own."""
    if isinstance(cause, str):
        return cause if cause.startswith("related:") else f"related:{cause}"
    ids = sorted(cause)
    return "related:" + ";".join(cause[i] for i in ids[:3]) + (";..." if len(ids) > 3 else "")


def record(uow: UnitOfWork, judged: Sequence[Judged], now: datetime, actor: Actor, cause: Cause
           ) -> LedgerChanges:
    """Bring the orders' active verdicts in line with their fresh judgements; `actor` is who
    the changes are recorded as made by: one for all, or each order's own. The notices are
    left in the changes' `messages`, for the caller to add to the outbox."""
    changes = LedgerChanges()
    # One read for what the orders hold; none when every order is judged for the first time
    # (a new order holds no verdict).
    known = [j.judgement.order_id for j in judged if j.known]
    active, generations = uow.verdicts.ledger_of(known) if known else ({}, {})
    to_void: list[tuple[dict[str, Any], str]] = []
    to_issue: list[tuple[Verdict, Judged, dict[str, Any] | None]] = []
    moved: list[tuple[dict[str, Any], Verdict]] = []
    for item in judged:
        new = {v.violation.value: v for v in item.judgement.verdicts}
        old = active.get(item.judgement.order_id, {})
        for violation in sorted(old.keys() | new.keys()):
            held, fresh = old.get(violation), new.get(violation)
            if held is not None and fresh is not None:
                was = verdict_from_row(held)
                if was == fresh:
                    continue
                if replace(was, deadline=fresh.deadline) == fresh:
                    # Only the deadline it states moved (an announcement; a report's verdict):
                    # the same verdict, the same coupon; the field is corrected and audited.
                    moved.append((held, fresh))
                    continue
            if held is not None:
                to_void.append((held, "replaced" if fresh is not None else "grounds_removed"))
            if fresh is not None:
                to_issue.append((fresh, item, held))
    writes = _Writes()
    if moved:
        uow.verdicts.set_deadlines([(row["id"], v.deadline) for row, v in moved])
        writes.audit.extend([_audit(now, actor_of(actor, v.order_id), "verdict.deadline_changed",
                                    f"verdict:{row['id']}", v.order_id, None, {
                                     "from": row["deadline"].isoformat() if row["deadline"]
                                     else None,
                                     "to": v.deadline.isoformat() if v.deadline else None,
                                     "cause": cause_of(cause, v.order_id)})
                          for row, v in moved])
    if to_void:
        _void(uow, to_void, now, actor, cause, changes, writes)
    if to_issue:
        _issue(uow, to_issue, generations, now, actor, cause, changes, writes)
    writes.flush(uow, messages=False)
    changes.messages = writes.messages
    return changes


def void_verdicts(uow: UnitOfWork, items: list[tuple[dict[str, Any], str]], now: datetime,
                  actor: Actor, cause: str) -> LedgerChanges:
    """Void active verdicts for a decision outside the judge (an approved appeal), with their
    coupons exactly as the judge's own voids do."""
    changes = LedgerChanges()
    if items:
        writes = _Writes()
        _void(uow, items, now, actor, cause, changes, writes)
        writes.flush(uow)
    return changes


def _void(uow: UnitOfWork, items: list[tuple[dict[str, Any], str]], now: datetime,
          actors: Actor, causes: Cause, changes: LedgerChanges, writes: _Writes) -> None:
    # Never voided before it was issued, whatever the caller's clock says.
    now = max([now, *(r["issued_at"] for r, _ in items if r["issued_at"] is not None)])
    uow.verdicts.void([r["id"] for r, _ in items], now, [why for _, why in items],
                      [cause_of(causes, r["order_id"]) for r, _ in items])
    ids = [r["id"] for r, _ in items]
    verdicts = {r["id"]: verdict_from_row(r) for r, _ in items}
    # Read together, in one round trip: the coupons, the notices (a verdict's coupon has the
    # key its generation gives: `coupon_key`) and the pending appeals.
    found = uow.coupons.by_verdicts_later(ids)
    keys = [notices.verdict_notice_key(verdicts[r["id"]], r["generation"]) for r, _ in items]
    keys += [notices.coupon_notice_key(coupon_key(r["order_id"], r["violation"],
                                                  r["generation"])) for r, _ in items]
    states = uow.outbox.states_later(keys)
    pending = uow.appeals.pending_of_later(ids)
    coupons = found()
    told = _delivered(uow, keys, states(), [notices.coupon_notice_key(c["idempotency_key"])
                                            for c in coupons.values()])
    cancel, messages, audit = writes.cancel, writes.messages, writes.audit
    coupon_changes: list[tuple[int, str, str]] = []
    lifted: list[tuple[int, str]] = []
    for row, why in items:
        v = verdicts[row["id"]]
        cause = cause_of(causes, v.order_id)
        actor = actor_of(actors, v.order_id)
        changes.voided.append(v.order_id)
        changes.shops.setdefault(v.shop_id, set()).add(actor)
        audit.append(_audit(now, actor, "verdict.voided", f"verdict:{row['id']}", v.order_id,
                            v.compensation_cents, {"reason": why, "cause": cause,
                                                   "violation": v.violation.value}))
        merchant_key = notices.verdict_notice_key(v, row["generation"])
        coupon = coupons.get(row["id"])
        used = coupon is not None and coupon["state"] == "redeemed"
        if merchant_key in told:
            messages.append(notices.verdict_voided(v, row["generation"], why, cause, now,
                                                   buyer_keeps=used and why != "replaced"))
        else:
            cancel.append(merchant_key)
        if (coupon is not None and coupon["state"] == "redeemed" and why == "replaced"
                and coupon["charged_to"] == "merchant"):
            # The violation stands, changed: the used coupon counts towards the new one.
            changes.used[(v.order_id, v.violation.value)] = coupon["amount_cents"]
            continue
        if (coupon is not None and coupon["state"] == "redeemed"
                and coupon["charged_to"] == "merchant"):
            # The buyer already used it and keeps it; the merchant no longer bears it.
            lifted.append((coupon["id"], why))
            audit.append(_audit(now, actor, "coupon.merchant_refunded", f"coupon:{coupon['id']}",
                                v.order_id, -coupon["amount_cents"],
                                {"idempotency_key": coupon["idempotency_key"], "reason": why,
                                 "cause": cause, "buyer_keeps": True}))
            continue
        if coupon is None or coupon["state"] != "issued":
            continue
        buyer_key = notices.coupon_notice_key(coupon["idempotency_key"])
        if buyer_key in told:
            state = "clawed_back"
            messages.append(notices.coupon_taken_back(v, coupon["idempotency_key"],
                                                      coupon["buyer_id"] or "", why, cause, now))
        else:
            state = "voided"
            cancel.append(buyer_key)
        coupon_changes.append((coupon["id"], state, why))
        audit.append(_audit(now, actor, f"coupon.{state}", f"coupon:{coupon['id']}", v.order_id,
                            -coupon["amount_cents"], {"idempotency_key": coupon["idempotency_key"],
                                                      "reason": why, "cause": cause}))
    for appeal in uow.appeals.close_pending(
            pending(), now,
            {r["id"]: actor_of(actors, r["order_id"]) for r, _ in items},
            ",".join(sorted({why for _, why in items}))):
        audit.append(_audit(now, appeal.decided_by or "", "appeal.moot", f"appeal:{appeal.id}",
                            appeal.order_id, None, {"verdict_id": appeal.verdict_id,
                                                    "cause": cause_of(causes, appeal.order_id)}))
        messages.append(notices.appeal_decided(appeal, now))
    uow.coupons.set_state(coupon_changes, now)
    uow.coupons.charge_to_platform(lifted, now)


def _issue(uow: UnitOfWork, items: list[tuple[Verdict, Judged, dict[str, Any] | None]],
           generations: Mapping[tuple[str, str], int], now: datetime, actors: Actor,
           causes: Cause, changes: LedgerChanges, writes: _Writes) -> None:
    rows: list[dict[str, Any]] = []
    for v, item, held in items:
        generation = (held["generation"] if held is not None
                      else generations.get((v.order_id, v.violation.value), 0)) + 1
        row = verdict_columns(v)
        row.update(generation=generation, buyer_id=item.buyer_id, pack_id=item.pack.id,
                   judged_seq=item.judged_seq, status="active", issued_at=now,
                   issued_by=actor_of(actors, v.order_id),
                   cause=cause_of(causes, v.order_id), voided_at=None, void_reason=None,
                   void_cause=None,
                   replaced_by=None)
        rows.append(row)
    ids = uow.verdicts.insert(rows)
    uow.verdicts.link([(held["id"], new_id) for (_, _, held), new_id in zip(items, ids, strict=True)
                       if held is not None])
    coupon_rows: list[dict[str, Any]] = []
    messages, audit = writes.messages, writes.audit
    for (v, item, _), row, verdict_id in zip(items, rows, ids, strict=True):
        changes.issued.append(v.order_id)
        changes.shops.setdefault(v.shop_id, set()).add(row["issued_by"])
        generation = row["generation"]
        audit.append(_audit(now, row["issued_by"], "verdict.issued", f"verdict:{verdict_id}", v.order_id,
                            v.compensation_cents, {"record": v.to_record(),
                                                   "cause": row["cause"],
                                                   "pack": item.pack.id}))
        messages.append(notices.verdict_issued(v, generation, item.pack, now))
        owed = v.compensation_cents - changes.used.get((v.order_id, v.violation.value), 0)
        if owed <= 0 or item.buyer_id is None:
            continue
        key = coupon_key(v.order_id, v.violation.value, generation)
        coupon_rows.append({"verdict_id": verdict_id, "idempotency_key": key,
                            "order_id": v.order_id, "shop_id": v.shop_id,
                            "buyer_id": item.buyer_id, "amount_cents": owed,
                            "state": "issued", "issued_at": now, "changed_at": None,
                            "change_reason": None})
        messages.append(notices.coupon_issued(v, key, item.buyer_id, item.pack, now, owed))
    coupon_ids = uow.coupons.insert(coupon_rows)
    for c, coupon_id in zip(coupon_rows, coupon_ids, strict=True):
        audit.append(_audit(now, actor_of(actors, c["order_id"]), "coupon.issued",
                            f"coupon:{coupon_id}", c["order_id"],
                            c["amount_cents"], {"idempotency_key": c["idempotency_key"],
                                                "buyer_id": c["buyer_id"],
                                                "cause": cause_of(causes, c["order_id"])}))


def _delivered(uow: UnitOfWork, asked: list[str], states: dict[str, str],
               coupon_keys: list[str]) -> set[str]:
    """The keys of the notices delivered: of those `asked` (their `states`), and of the
    coupons' own, read now should a coupon's key be one not foreseen."""
    unread = sorted(set(coupon_keys).difference(asked))
    if unread:
        states = states | uow.outbox.states_later(unread)()
    return {k for k, state in states.items() if state == "delivered"}


def _audit(now: datetime, actor: str, action: str, subject: str, order_id: str | None,
           amount: int | None, details: dict[str, Any]) -> dict[str, Any]:
    return {"at": now, "actor": actor, "action": action, "subject": subject,
            "order_id": order_id, "amount_cents": amount, "details": dumps(details)}


def audit_row(now: datetime, actor: str, action: str, subject: str,
              details: dict[str, Any]) -> dict[str, Any]:
    """An audit entry for decisions outside the ledger (announcements, tokens)."""
    return _audit(now, actor, action, subject, None, None, details)

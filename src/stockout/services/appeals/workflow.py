"""Use cases of appeals (申诉): a merchant files one against a verdict, with evidence; a
force-majeure ground that a registered announcement proves is approved at once, the rest wait
in the platform's queue. Approval voids the verdict and its coupon (a coupon the buyer already
used stays the buyer's and stops costing the merchant) and keeps the violation from being
issued again; rejection keeps the verdict, with the reason. Every step is audited."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from stockout.domain.announcements import Announcement
from stockout.domain.appeals import (
    AppealGround,
    AppealRefusal,
    AppealRules,
    AppealState,
    EvidenceRefusal,
    appeal_decision,
    appeal_refusal,
    check_evidence,
    matching_announcement,
    review_due,
)
from stockout.domain.errors import StockoutError
from stockout.domain.events import EventType
from stockout.domain.times import format_time
from stockout.domain.verdicts import Verdict
from stockout.services.access.principals import Forbidden, NotFound, Principal, Role
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.judging import ledger
from stockout.services.judging.adjudicate import lock_orders
from stockout.services.judging.rules import Rules, pack_by_id
from stockout.services.notifications import notices
from stockout.services.reputation import measures
from stockout.store.locks import lock_key
from stockout.store.mapping import AppealRecord, verdict_from_row
from stockout.store.uow import UnitOfWork

MAX_FILES = 10
PAGE = 500  # pending appeals read at a time when an announcement is posted
AUTO = "auto-approval"


class BadAppeal(StockoutError, ValueError):
    """The request itself is wrong (an unknown ground, a missing reason): says what and where."""

    family = "invalid-appeal"


class AppealRefused(StockoutError, ValueError):
    """The verdict cannot be appealed now (window closed, appealed already, void)."""

    family = "appeal-refused"

    def __init__(self, refusal: AppealRefusal, detail: str, *, verdict_id: int | None = None,
                 closed_at: datetime | None = None, rule: str = "") -> None:
        super().__init__(detail, rule=rule or None)
        self.refusal = refusal
        self.verdict_id = verdict_id
        self.closed_at = closed_at  # when the appeal window closed (WINDOW_CLOSED)

    def problem_fields(self) -> dict[str, Any]:
        return {"refusal": self.refusal.value}


class BadEvidence(StockoutError, ValueError):
    family = "invalid-evidence"

    def __init__(self, index: int, name: str, refusal: EvidenceRefusal, detail: str) -> None:
        super().__init__(detail, code=refusal.value)
        self.index, self.name, self.refusal = index, name, refusal

    def problem_fields(self) -> dict[str, Any]:
        return {"index": self.index, "refusal": self.refusal.value}


class AppealAlreadyDecided(StockoutError, ValueError):
    """Only a pending appeal can be decided."""

    family = "appeal-decided"


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    name: str  # as uploaded: information only, never a path
    content: bytes


def _display_name(name: str) -> str:
    """The uploaded name reduced to a plain last component, for display only."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    cleaned = "".join(c for c in base if c.isprintable() and c not in '"\\/')
    return cleaned[:200] or "evidence"


def _check_files(files: Sequence[EvidenceFile], rules: AppealRules) -> list[str]:
    if len(files) > MAX_FILES:
        raise BadAppeal(f"evidence: at most {MAX_FILES} files, got {len(files)}")
    types = []
    for i, f in enumerate(files):
        # The whole file is sniffed (it is at most the limit): a cut head could split a
        # UTF-8 character and refuse good text.
        media_type, refusal = check_evidence(len(f.content),
                                             f.content[:rules.evidence_max_bytes], rules)
        if refusal is not None:
            what = {EvidenceRefusal.EMPTY: "is empty",
                    EvidenceRefusal.TOO_LARGE: f"is over {rules.evidence_max_bytes} bytes",
                    EvidenceRefusal.TYPE_NOT_ALLOWED:
                        f"is {media_type or 'of an unknown type'} by its content; allowed: "
                        f"{', '.join(sorted(rules.evidence_types))}"}[refusal]
            raise BadEvidence(i, f.name, refusal, f"evidence[{i}] ({_display_name(f.name)!r}) "
                                                  f"{what}")
        assert media_type is not None
        types.append(media_type)
    return types


def _ground(value: str) -> AppealGround:
    try:
        return AppealGround(value)
    except ValueError:
        raise BadAppeal(f"ground: one of {', '.join(g.value for g in AppealGround)}, "
                        f"not {value!r}") from None


def _visible_verdict(uow: UnitOfWork, principal: Principal, verdict_id: int) -> dict[str, Any]:
    row = uow.verdicts.get(verdict_id)
    if row is None or not principal.sees_shop(row["shop_id"]):
        raise NotFound(f"verdict {verdict_id} not found")
    return row


def _no_buyers(principal: Principal) -> None:
    if principal.role is Role.BUYER:
        raise Forbidden("appeals are the merchant's and the platform's")


def file_appeal(uow: UnitOfWork, rules: Rules, clock: Clock, principal: Principal,
                verdict_id: int, ground: str, statement: str = "",
                files: Sequence[EvidenceFile] = ()) -> dict[str, Any]:
    """File an appeal of a verdict; the appeal as `appeal_view` shows it."""
    _no_buyers(principal)
    chosen = _ground(ground)

    def work(uow: UnitOfWork) -> int:
        now = clock.now()
        row = _visible_verdict(uow, principal, verdict_id)
        ar = pack_by_id(rules, row["pack_id"]).appeals
        # Announcements first, as posting one does: a force-majeure appeal and the
        # announcement that proves it never miss each other.
        uow.lock([lock_key("announcements")])
        lock_orders(uow, [row["order_id"]])
        # Read again under the locks: a re-judging may have voided or replaced the verdict
        # since it was first read, and the appeal is checked against the row as it is now.
        row = _visible_verdict(uow, principal, verdict_id)
        verdict = verdict_from_row(row)
        refusal = appeal_refusal(verdict, now, ar,
                                 already_appealed=uow.appeals.of_verdict(verdict_id) is not None,
                                 voided=row["status"] != "active")
        if refusal is not None:
            raise AppealRefused(refusal, f"verdict {verdict_id}: {refusal.value.replace('_', ' ')}",
                                verdict_id=verdict_id, closed_at=verdict.detected_at + ar.window,
                                rule=f"{pack_by_id(rules, row['pack_id']).id}/appeals.window_days")
        # The evidence only once the verdict can be appealed at all: an appeal that is refused
        # anyway (appealed already, window closed, void) says so, not what its files lack.
        types = _check_files(files, ar)
        if not files and chosen not in ar.auto_approve_grounds:
            raise BadAppeal(f"evidence: at least one file is needed for ground {chosen.value!r}")
        appeal = {"verdict_id": verdict_id, "order_id": row["order_id"],
                  "violation": row["violation"], "shop_id": row["shop_id"],
                  "ground": chosen.value, "statement": statement[:5000], "state": AppealState.PENDING.value,
                  "filed_at": now, "filed_by": principal.actor,
                  "review_due_at": review_due(now, ar)}
        appeal_id = uow.appeals.insert(appeal)
        evidence = [{"appeal_id": appeal_id, "stored_name": secrets.token_hex(16),
                     "original_name": _display_name(f.name), "media_type": t,
                     "size_bytes": len(f.content),
                     "sha256": hashlib.sha256(f.content).hexdigest(), "content": f.content,
                     "uploaded_at": now} for f, t in zip(files, types, strict=True)]
        uow.appeals.add_evidence(evidence)
        uow.audit.append([ledger.audit_row(now, principal.actor, "appeal.filed",
                                           f"appeal:{appeal_id}", {
            "verdict_id": verdict_id, "violation": row["violation"], "ground": chosen.value,
            "evidence": [{k: e[k] for k in ("stored_name", "media_type", "size_bytes", "sha256")}
                         for e in evidence]}) | {"order_id": row["order_id"]}])
        ann = _proof(uow, chosen, verdict, row["order_id"], uow.announcements.all(), ar)
        if ann is not None:
            _approve(uow, rules, appeal_id, now, AUTO, f"announcement:{ann.id}", ann.id)
        return appeal_id

    appeal_id = in_transaction(uow, work)
    with uow.reader() as r:
        return get_appeal(r, principal, appeal_id, clock.now())


def _proof(uow: UnitOfWork, ground: AppealGround, verdict: Verdict, order_id: str,
           announcements: Sequence[Announcement], rules: AppealRules) -> Announcement | None:
    """The announcement that proves the ground for the order's regions and time, if any."""
    stored = sorted(uow.events.for_orders([order_id]).get(order_id, []),
                    key=lambda p: (p[1].at, p[1].event_id))
    placed = next((e for _, e in stored if e.type is EventType.ORDER_PLACED), None)
    if placed is None:
        return None
    return matching_announcement(ground, verdict, placed, announcements, rules)


def approve_proved_by(uow: UnitOfWork, rules: Rules, now: datetime, ann: Announcement) -> int:
    """An announcement posted after appeals were filed approves the pending ones it proves
    (inside the caller's transaction); how many."""
    proved: list[AppealRecord] = []
    after: tuple[datetime, int] | None = None
    while True:  # every pending appeal, a page at a time (oldest first, keyset)
        page = uow.appeals.page(state=AppealState.PENDING.value, shop_ids=None, after=after,
                                limit=PAGE)
        proved += [row for row in page if _proved(uow, rules, row, ann)]
        if len(page) < PAGE:
            break
        after = (page[-1].filed_at, page[-1].id)
    if not proved:
        return 0
    # All their orders' locks in one sorted batch, before any approval takes a shop's
    # measure lock (measure locks come last in a transaction).
    lock_orders(uow, sorted({row.order_id for row in proved}))
    approved = 0
    for row in proved:
        # A decision (or a re-judging that made it moot) may have committed between the
        # listing and the lock: only what is still pending, and still proved, is approved.
        fresh = uow.appeals.get(row.id)
        if (fresh is None or fresh.state != AppealState.PENDING
                or not _proved(uow, rules, fresh, ann)):
            continue
        if _approve(uow, rules, row.id, now, AUTO, f"announcement:{ann.id}", ann.id):
            approved += 1
    return approved


def _proved(uow: UnitOfWork, rules: Rules, appeal: AppealRecord, ann: Announcement) -> bool:
    verdict_row = uow.verdicts.get(appeal.verdict_id)
    if verdict_row is None:
        return False
    ar = pack_by_id(rules, verdict_row["pack_id"]).appeals
    return _proof(uow, appeal.ground, verdict_from_row(verdict_row),
                  appeal.order_id, [ann], ar) is not None


def decide_appeal(uow: UnitOfWork, rules: Rules, clock: Clock, principal: Principal,
                  appeal_id: int, approve: bool, reason: str = "") -> dict[str, Any]:
    """The platform approves or rejects a pending appeal (a rejection says why)."""
    if not principal.is_platform:
        raise Forbidden("only the platform decides appeals")
    reason = reason.strip()

    def work(uow: UnitOfWork) -> None:
        now = clock.now()
        row = uow.appeals.get(appeal_id)
        if row is None:
            raise NotFound(f"appeal {appeal_id} not found")
        lock_orders(uow, [row.order_id])
        decided = appeal_decision(row.state, approve=approve)
        if isinstance(decided, AppealRefusal):
            raise AppealAlreadyDecided(f"appeal {appeal_id} was already {row.state}")
        if not approve and not reason:  # after the state: a decided appeal says so first
            raise BadAppeal("reason: a rejection must say why")
        if approve:
            _approve(uow, rules, appeal_id, now, principal.actor, reason, None)
        else:
            _decide(uow, appeal_id, decided, now, principal.actor, reason, None)

    in_transaction(uow, work)
    with uow.reader() as r:
        return get_appeal(r, principal, appeal_id, clock.now())


def _decide(uow: UnitOfWork, appeal_id: int, state: AppealState, now: datetime, actor: str,
            reason: str, announcement_id: str | None) -> AppealRecord:
    if not uow.appeals.decide(appeal_id, state.value, now, actor, reason, announcement_id):
        raise AppealAlreadyDecided(f"appeal {appeal_id} is no longer pending")
    row = uow.appeals.get(appeal_id)
    assert row is not None
    uow.audit.append([ledger.audit_row(now, actor, f"appeal.{state}", f"appeal:{appeal_id}", {
        "verdict_id": row.verdict_id, "violation": row.violation, "reason": reason,
        "announcement_id": announcement_id}) | {"order_id": row.order_id}])
    uow.outbox.enqueue([notices.appeal_decided(row, now)])
    return row


def _approve(uow: UnitOfWork, rules: Rules, appeal_id: int, now: datetime, actor: str,
             reason: str, announcement_id: str | None) -> bool:
    """Approve (under the order's lock): void the appealed verdict, with its coupon; the judge
    never issues that violation for the order again. Only the appealed verdict: when it is no
    longer the active one (voided or replaced since the filing), the appeal has nothing left
    to decide and is made moot, as a re-judging that voids a verdict does, and no other
    verdict (a newer generation) is touched. True when approved."""
    appeal = uow.appeals.get(appeal_id)
    assert appeal is not None
    held = uow.verdicts.active_for([appeal.order_id]).get(appeal.order_id, {})
    active = held.get(appeal.violation)
    state = appeal_decision(appeal.state, approve=True,
                            verdict_active=active is not None
                            and active["id"] == appeal.verdict_id)
    if isinstance(state, AppealRefusal):
        raise AppealAlreadyDecided(f"appeal {appeal_id} is no longer pending")
    if state is AppealState.MOOT or active is None:
        _decide(uow, appeal_id, AppealState.MOOT, now, actor, "verdict_no_longer_active", None)
        return False
    row = _decide(uow, appeal_id, state, now, actor, reason, announcement_id)
    ledger.void_verdicts(uow, [(active, "appeal_approved")], now, actor, f"appeal:{appeal_id}")
    measures.review_shops(uow, rules.book, [row.shop_id], now, actor)
    return True


def appeal_view(row: AppealRecord, evidence: list[dict[str, Any]], now: datetime
                ) -> dict[str, Any]:
    def t(at: datetime | None) -> str | None:
        return format_time(at) if at is not None else None

    return {"id": row.id, "verdict_id": row.verdict_id, "order_id": row.order_id,
            "violation": row.violation.value, "shop_id": row.shop_id,
            "ground": row.ground.value, "statement": row.statement, "state": row.state.value,
            "filed_at": t(row.filed_at), "filed_by": row.filed_by,
            "review_due_at": t(row.review_due_at),
            "overdue": row.state is AppealState.PENDING and now > row.review_due_at,
            "decided_at": t(row.decided_at), "decided_by": row.decided_by,
            "decision_reason": row.decision_reason,
            "announcement_id": row.announcement_id,
            "evidence": [{"id": e["id"], "name": e["original_name"],
                          "media_type": e["media_type"], "size_bytes": e["size_bytes"],
                          "sha256": e["sha256"]} for e in evidence]}


def _visible_appeal(uow: UnitOfWork, principal: Principal, appeal_id: int) -> AppealRecord:
    _no_buyers(principal)
    row = uow.appeals.get(appeal_id)
    if row is None or not principal.sees_shop(row.shop_id):
        raise NotFound(f"appeal {appeal_id} not found")
    return row


def get_appeal(uow: UnitOfWork, principal: Principal, appeal_id: int, now: datetime
               ) -> dict[str, Any]:
    row = _visible_appeal(uow, principal, appeal_id)
    return appeal_view(row, uow.appeals.evidence_of([appeal_id]).get(appeal_id, []), now)


def list_appeals(uow: UnitOfWork, principal: Principal, now: datetime, *, state: str | None,
                 shop_id: str | None, after: tuple[datetime, int] | None, limit: int
                 ) -> tuple[list[dict[str, Any]], tuple[datetime, int] | None]:
    """Oldest first: the platform's review queue (`state=pending`), a merchant's own appeals."""
    _no_buyers(principal)
    if state is not None and state not in {s.value for s in AppealState}:
        raise BadAppeal(f"state: one of {', '.join(AppealState)}, not {state!r}")
    shops: list[str] | None = [shop_id] if shop_id is not None else None
    if principal.role is Role.MERCHANT:
        if shop_id is not None and shop_id not in principal.shop_ids:
            raise NotFound(f"shop {shop_id!r} not found")
        shops = shops or sorted(principal.shop_ids)
    rows = uow.appeals.page(state=state, shop_ids=shops, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    evidence = uow.appeals.evidence_of([r.id for r in rows])
    items = [appeal_view(r, evidence.get(r.id, []), now) for r in rows]
    last = (rows[-1].filed_at, rows[-1].id) if more and rows else None
    return items, last


def get_evidence(uow: UnitOfWork, principal: Principal, appeal_id: int, evidence_id: int
                 ) -> dict[str, Any]:
    """One evidence file (content, sniffed type, stored name) of a visible appeal."""
    _visible_appeal(uow, principal, appeal_id)
    row = uow.appeals.evidence(appeal_id, evidence_id)
    if row is None:
        raise NotFound(f"evidence {evidence_id} of appeal {appeal_id} not found")
    return row

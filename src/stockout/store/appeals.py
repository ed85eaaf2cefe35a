"""Appeals of verdicts and their evidence files (kept in the database, under random names)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, tuple_, update
from sqlalchemy.engine import Connection

from stockout.domain.appeals import AppealState
from stockout.store.engine import StoreDialect
from stockout.store.events import chunks, later_by_keys
from stockout.store.mapping import AppealRecord, appeal_from_row
from stockout.store.tables import appeal_evidence, appeals

_PENDING, _MOOT = AppealState.PENDING.value, AppealState.MOOT.value
_EVIDENCE_META = [c for c in appeal_evidence.c if c.name != "content"]


class AppealRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def insert(self, row: dict[str, Any]) -> int:
        return int(self.conn.execute(insert(appeals).returning(appeals.c.id), [row]).scalar_one())

    def get(self, appeal_id: int) -> AppealRecord | None:
        row = self.conn.execute(select(appeals).where(appeals.c.id == appeal_id)).first()
        return appeal_from_row(dict(row._mapping)) if row is not None else None

    def of_verdict(self, verdict_id: int) -> AppealRecord | None:
        row = self.conn.execute(select(appeals).where(appeals.c.verdict_id == verdict_id)).first()
        return appeal_from_row(dict(row._mapping)) if row is not None else None

    def decide(self, appeal_id: int, state: str, at: datetime, by: str, reason: str,
               announcement_id: str | None = None) -> bool:
        """Decide a pending appeal; False when it was no longer pending."""
        done = self.conn.execute(
            update(appeals).where(appeals.c.id == appeal_id, appeals.c.state == _PENDING)
            .values(state=state, decided_at=at, decided_by=by, decision_reason=reason,
                    announcement_id=announcement_id))
        return bool(done.rowcount)

    def pending_of_later(self, verdict_ids: list[int]) -> Callable[[], list[AppealRecord]]:
        """The pending appeals of these verdicts, read with the next statement that needs an
        answer (`later`): for `close_pending`."""
        q = self.dialect.prepared("appeals.pending_of", lambda: select(appeals).where(
            self.dialect.any_of(appeals.c.verdict_id, "ids"), appeals.c.state == _PENDING))
        rows = later_by_keys(self.dialect, self.conn, q, verdict_ids, records=True)
        return lambda: [appeal_from_row(r) for r in rows()]

    def close_pending(self, rows: list[AppealRecord], at: datetime, by: Mapping[int, str],
                      reason: str) -> list[AppealRecord]:
        """Mark these pending appeals (`pending_of_later`) moot, each decided by its verdict's
        actor (`by`: verdict id -> actor); the rows closed."""
        closed: dict[str, list[int]] = {}
        for r in rows:
            closed.setdefault(by[r.verdict_id], []).append(r.id)
        for actor, ids in closed.items():
            self.conn.execute(update(appeals).where(appeals.c.id.in_(ids))
                              .values(state=_MOOT, decided_at=at, decided_by=actor,
                                      decision_reason=reason))
        return [replace(r, state=AppealState.MOOT, decided_at=at, decided_by=by[r.verdict_id],
                        decision_reason=reason) for r in rows]

    def approved_for_later(self, order_ids: Iterable[str]
                           ) -> Callable[[], set[tuple[str, str]]]:
        """(order, violation) pairs an approved appeal lifted: never to be issued again; read
        with the next statement that needs an answer (`later`)."""
        q = self.dialect.prepared("appeals.approved_for", lambda: select(
            appeals.c.order_id, appeals.c.violation).where(
                self.dialect.any_of(appeals.c.order_id, "ids"),
                appeals.c.state == AppealState.APPROVED.value))
        rows = later_by_keys(self.dialect, self.conn, q, order_ids)
        return lambda: {(o, v) for o, v in rows()}

    def page(self, *, state: str | None, shop_ids: list[str] | None,
             after: tuple[datetime, int] | None, limit: int) -> list[AppealRecord]:
        """Oldest first (filing time, then id)."""
        conds = []
        if state is not None:
            conds.append(appeals.c.state == state)
        if shop_ids is not None:
            conds.append(appeals.c.shop_id.in_(shop_ids))
        if after is not None:
            conds.append(tuple_(appeals.c.filed_at, appeals.c.id) > tuple_(*after))
        q = (select(appeals).where(*conds).order_by(appeals.c.filed_at, appeals.c.id)
             .limit(limit))
        return [appeal_from_row(dict(r._mapping)) for r in self.conn.execute(q)]

    def add_evidence(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(insert(appeal_evidence), rows)

    def evidence_of(self, appeal_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
        """Each appeal's evidence, without the content."""
        out: dict[int, list[dict[str, Any]]] = {}
        for part in chunks(appeal_ids):
            q = (select(*_EVIDENCE_META).where(appeal_evidence.c.appeal_id.in_(part))
                 .order_by(appeal_evidence.c.id))
            for r in self.conn.execute(q):
                out.setdefault(r.appeal_id, []).append(dict(r._mapping))
        return out

    def evidence(self, appeal_id: int, evidence_id: int) -> dict[str, Any] | None:
        """One evidence file with its content."""
        row = self.conn.execute(select(appeal_evidence).where(
            appeal_evidence.c.id == evidence_id, appeal_evidence.c.appeal_id == appeal_id)).first()
        return dict(row._mapping) if row is not None else None

    def count(self, state: str) -> int:
        q = select(func.count()).select_from(appeals).where(appeals.c.state == state)
        return int(self.conn.execute(q).scalar_one())

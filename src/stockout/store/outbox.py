"""The notification outbox: written in the same transaction as the decision it reports,
delivered later, at least once; `dedupe_key` lets receivers drop repeats."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from stockout.store.engine import StoreDialect
from stockout.store.events import chunks, later_by_keys
from stockout.store.tables import outbox

_DELIVERED = (update(outbox).where(outbox.c.id == bindparam("b_id"))
              .values(state="delivered", delivered_at=bindparam("b_at"),
                      attempts=outbox.c.attempts + 1))
_FAILED = (update(outbox).where(outbox.c.id == bindparam("b_id"))
           .values(attempts=outbox.c.attempts + 1, last_error=bindparam("b_error"),
                   available_at=bindparam("b_retry")))


class OutboxRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def enqueue(self, rows: list[dict[str, Any]]) -> None:
        """Add messages; one whose dedupe key is already there is not added again."""
        self.dialect.insert_rows(self.conn, outbox, rows, ignore=("dedupe_key",))

    def states_later(self, keys: Iterable[str]) -> Callable[[], dict[str, str]]:
        """dedupe key -> the state of its message, for the keys among these that have one;
        read with the next statement that needs an answer (`later`)."""
        q = self.dialect.prepared("outbox.states", lambda: select(
            outbox.c.dedupe_key, outbox.c.state).where(
                self.dialect.any_of(outbox.c.dedupe_key, "ids")))
        rows = later_by_keys(self.dialect, self.conn, q, keys)
        return lambda: dict(rows())

    def cancel(self, keys: Sequence[str]) -> None:
        """Withdraw messages not yet delivered (their news was overtaken before it went out)."""
        q = self.dialect.prepared("outbox.cancel", lambda: update(outbox).where(
            self.dialect.any_of(outbox.c.dedupe_key, "ids"), outbox.c.state == "pending"
        ).values(state="cancelled"))
        for part in chunks(keys):
            self.dialect.run(self.conn, q, {"ids": part})

    def claim(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        """Pending messages due by `now`, oldest first; on PostgreSQL the rows are locked and
        rows another worker holds are skipped (SQLite has one writer at a time anyway)."""
        q = (select(outbox).where(outbox.c.state == "pending", outbox.c.available_at <= now)
             .order_by(outbox.c.available_at, outbox.c.id).limit(limit))
        if self.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def delivered(self, ids: Sequence[int], at: datetime) -> None:
        if ids:
            self.conn.execute(_DELIVERED, [{"b_id": i, "b_at": at} for i in ids])

    def failed(self, failures: Sequence[tuple[int, str, datetime]]) -> None:
        if failures:
            self.conn.execute(_FAILED, [{"b_id": i, "b_error": e, "b_retry": r}
                                        for i, e, r in failures])

    def for_recipient(self, role: str | None, recipient_ids: Sequence[str] | None,
                      after: int | None, limit: int) -> list[dict[str, Any]]:
        conds = [outbox.c.state != "cancelled"]
        if role is not None:
            conds.append(outbox.c.recipient_role == role)
        if recipient_ids is not None:
            conds.append(outbox.c.recipient_id.in_(list(recipient_ids)))
        if after is not None:
            conds.append(outbox.c.id > after)
        q = select(outbox).where(*conds).order_by(outbox.c.id).limit(limit)
        return [dict(r._mapping) for r in self.conn.execute(q)]

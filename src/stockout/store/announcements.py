"""The platform's announcements, kept as posted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from stockout.domain.announcements import Announcement
from stockout.store.engine import StoreDialect
from stockout.store.mapping import announcement_from_row
from stockout.store.tables import announcements

# What judging needs of an announcement (not its raw post, digest nor authors).
_JUDGED = ("id", "starts", "ends", "extend_hours", "ship_from_regions", "ship_to_regions",
           "categories")


class AnnouncementRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def all(self) -> list[Announcement]:
        """The announcements in force (not withdrawn): read at every re-judging, so one
        prepared read of the columns judging uses, each row made an `Announcement` once."""
        return self.all_later()()

    def all_later(self) -> Callable[[], list[Announcement]]:
        """`all`, read with the next statement that needs an answer (`later`)."""
        q = self.dialect.prepared("announcements.in_force", lambda: (
            select(*(announcements.c[c] for c in _JUDGED))
            .where(announcements.c.withdrawn_at.is_(None))
            .order_by(announcements.c.starts, announcements.c.id)))
        rows = self.dialect.later(self.conn, q, {})
        return lambda: [_announcement(r) for r in rows()]

    def rows(self, after: str | None, limit: int) -> list[dict[str, Any]]:
        q = select(announcements).order_by(announcements.c.id).limit(limit)
        if after is not None:
            q = q.where(announcements.c.id > after)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def get(self, announcement_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(announcements).where(
            announcements.c.id == announcement_id)).first()
        return dict(row._mapping) if row is not None else None

    def insert(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(announcements), [row])

    def withdraw(self, announcement_id: str, at: datetime, by: str) -> None:
        self.conn.execute(update(announcements).where(announcements.c.id == announcement_id)
                          .values(withdrawn_at=at, withdrawn_by=by))


@lru_cache(maxsize=1024)
def _announcement(row: tuple[Any, ...]) -> Announcement:
    """A stored row as an `Announcement` (immutable, as is the row: memoised by its values)."""
    return announcement_from_row(dict(zip(_JUDGED, row, strict=True)))

"""The platform's announcements, kept as posted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from stockout.domain.announcements import Announcement
from stockout.store.mapping import announcement_from_row
from stockout.store.tables import announcements


class AnnouncementRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def all(self) -> list[Announcement]:
        """The announcements in force (not withdrawn)."""
        q = (select(announcements).where(announcements.c.withdrawn_at.is_(None))
             .order_by(announcements.c.starts, announcements.c.id))
        return [announcement_from_row(dict(r._mapping)) for r in self.conn.execute(q)]

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

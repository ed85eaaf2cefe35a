"""Measures against repeat offenders: one row per threshold crossing, kept after it ends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from stockout.store.engine import StoreDialect
from stockout.store.tables import measures


class MeasureRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def of_shop(self, shop_id: str, state: str | None = None) -> list[dict[str, Any]]:
        """The shop's measures, latest start first."""
        q = select(measures).where(measures.c.shop_id == shop_id)
        if state is not None:
            q = q.where(measures.c.state == state)
        q = q.order_by(measures.c.starts.desc(), measures.c.id.desc())
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def by_keys(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        q = select(measures).where(measures.c.key.in_(list(keys)))
        return {r.key: dict(r._mapping) for r in self.conn.execute(q)}

    def insert(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(insert(measures), rows)

    def change(self, measure_id: int, **values: Any) -> None:
        self.conn.execute(update(measures).where(measures.c.id == measure_id).values(**values))

    def ending_by(self, now: datetime) -> list[dict[str, Any]]:
        """Active measures whose time is up."""
        q = (select(measures).where(measures.c.state == "active", measures.c.ends <= now)
             .order_by(measures.c.ends, measures.c.id))
        return [dict(r._mapping) for r in self.conn.execute(q)]

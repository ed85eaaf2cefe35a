"""Measures against repeat offenders: one row per threshold crossing, kept after it ends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from stockout.store.engine import StoreDialect
from stockout.store.events import chunks
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

    def shops_holding(self, shop_ids: Sequence[str], state: str) -> set[str]:
        """The shops among these with a measure in `state` (one query)."""
        out: set[str] = set()
        q = self.dialect.prepared("measures.shops_holding", lambda: select(
            measures.c.shop_id).where(self.dialect.any_of(measures.c.shop_id, "ids"),
                                      measures.c.state == bindparam("state")).distinct())
        for part in chunks(sorted(set(shop_ids))):
            out.update(r[0] for r in self.dialect.rows(self.conn, q,
                                                       {"ids": part, "state": state}))
        return out

    def by_keys(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        q = select(measures).where(measures.c.key.in_(list(keys)))
        return {r.key: dict(r._mapping) for r in self.conn.execute(q)}

    def insert(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(insert(measures), rows)

    def change(self, measure_id: int, *, only_state: str | None = None, **values: Any) -> bool:
        """Change one measure (only while it is in `only_state`, when given); False when no
        row changed (another transaction moved it on first)."""
        q = update(measures).where(measures.c.id == measure_id)
        if only_state is not None:
            q = q.where(measures.c.state == only_state)
        return bool(self.conn.execute(q.values(**values)).rowcount)

    def shops_with_active(self, scope: str) -> list[str]:
        """The shops holding an active measure of this scope."""
        q = (select(measures.c.shop_id).where(measures.c.state == "active",
                                              measures.c.scope == scope)
             .distinct().order_by(measures.c.shop_id))
        return list(self.conn.execute(q).scalars())

    def ending_by(self, now: datetime) -> list[dict[str, Any]]:
        """Active measures whose time is up."""
        q = (select(measures).where(measures.c.state == "active", measures.c.ends <= now)
             .order_by(measures.c.ends, measures.c.id))
        return [dict(r._mapping) for r in self.conn.execute(q)]

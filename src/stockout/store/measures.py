"""Measures against repeat offenders: one row per threshold crossing, kept after it ends."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, literal_column, select, union_all, update
from sqlalchemy.engine import Connection

from stockout.store.engine import StoreDialect
from stockout.store.events import later_by_keys
from stockout.store.tables import measures, verdicts


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

    def standing_later(self, shop_ids: Sequence[str], state: str, since: datetime,
                       until: datetime
                       ) -> Callable[[], tuple[set[str], dict[tuple[str, str], int]]]:
        """The shops among these with a measure in `state`, and (shop, violation) -> how many
        active verdicts each had detected in (since, until]: one statement for a post's shops
        (a held shop's row has no violation), to tell which could cross a measure. Read with
        the next statement that needs an answer (`later`)."""
        q = self.dialect.prepared("measures.standing", lambda: union_all(
            select(measures.c.shop_id, literal_column("NULL").label("violation"),
                   literal_column("0").label("n"))
            .where(self.dialect.any_of(measures.c.shop_id, "ids"),
                   measures.c.state == bindparam("state")).distinct(),
            select(verdicts.c.shop_id, verdicts.c.violation, func.count())
            .where(self.dialect.any_of(verdicts.c.shop_id, "ids"),
                   verdicts.c.status == "active", verdicts.c.detected_at > bindparam("since"),
                   verdicts.c.detected_at <= bindparam("until"))
            .group_by(verdicts.c.shop_id, verdicts.c.violation)))
        rows = later_by_keys(self.dialect, self.conn, q, sorted(set(shop_ids)),
                             {"state": state, "since": since, "until": until})

        def read() -> tuple[set[str], dict[tuple[str, str], int]]:
            held: set[str] = set()
            counts: dict[tuple[str, str], int] = {}
            for shop, violation, n in rows():
                if violation is None:
                    held.add(shop)
                else:
                    counts[(shop, violation)] = int(n)
            return held, counts
        return read

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

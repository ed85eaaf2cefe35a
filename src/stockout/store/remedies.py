"""The buyers' remedies after a stockout (one row per order), and each SKU's daily shipping
capacity with its expected receipts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection

from stockout.domain.remedies import PROMISES
from stockout.store.engine import StoreDialect
from stockout.store.events import chunks, later_by_keys
from stockout.store.mapping import RemedyRecord, remedy_from_row
from stockout.store.reads import planned_each_run
from stockout.store.tables import expected_receipts, remedies, sku_capacity


class RemedyRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def open_offers(self, rows: list[dict[str, Any]]) -> list[str]:
        """Insert offers, skipping orders that already have one; the orders inserted."""
        written = self.dialect.insert_rows(self.conn, remedies, rows, ignore=["order_id"],
                                           returning=["order_id"])
        return sorted(r[0] for r in written)

    def known(self, order_ids: Iterable[str], state: str | None = None) -> set[str]:
        """The orders among these with a remedy row (in `state`, when given)."""
        out: set[str] = set()
        for part in chunks(sorted(set(order_ids))):
            q = select(remedies.c.order_id).where(self.dialect.one_of(remedies.c.order_id, part))
            if state is not None:
                q = q.where(remedies.c.state == state)
            out.update(self.conn.execute(q).scalars())
        return out


    def states_later(self, order_ids: Iterable[str]) -> Callable[[], dict[str, str]]:
        """order -> the state of its remedy row, for the orders among these that have one;
        read with the next statement that needs an answer (`later`)."""
        q = self.dialect.prepared("remedies.states", lambda: planned_each_run(select(
            remedies.c.order_id, remedies.c.state).where(
                self.dialect.any_of(remedies.c.order_id, "ids"))))
        rows = later_by_keys(self.dialect, self.conn, q, sorted(set(order_ids)))
        return lambda: dict(rows())

    def withdraw(self, order_ids: Iterable[str], state: str, only_state: str, at: datetime
                 ) -> None:
        """Move the orders' rows that are in `only_state` to `state` (resolved at `at`, no
        longer due), in one statement a chunk."""
        q = self.dialect.prepared("remedies.withdraw", lambda: update(remedies).where(
            self.dialect.any_of(remedies.c.order_id, "ids"),
            remedies.c.state == bindparam("only_state")
        ).values(state=bindparam("state"), due_at=None, resolved_at=bindparam("at")))
        for part in chunks(sorted(set(order_ids))):
            self.dialect.run(self.conn, q, {"ids": part, "only_state": only_state,
                                            "state": state, "at": at})

    def reopen(self, rows: list[dict[str, Any]]) -> None:
        """Rewrite whole offers found by order (a withdrawn offer opened again)."""
        self.dialect.update_rows(self.conn, remedies, "order_id", rows)

    def get(self, order_id: str, lock: bool = False) -> RemedyRecord | None:
        q = select(remedies).where(remedies.c.order_id == order_id)
        row = self.conn.execute(q.with_for_update() if lock else q).first()
        return remedy_from_row(dict(row._mapping)) if row is not None else None

    def change(self, order_id: str, **values: Any) -> None:
        self.conn.execute(update(remedies).where(remedies.c.order_id == order_id).values(**values))

    def due(self, now: datetime, limit: int) -> list[str]:
        q = (select(remedies.c.order_id).where(remedies.c.due_at <= now)
             .order_by(remedies.c.due_at, remedies.c.order_id).limit(limit))
        return list(self.conn.execute(q).scalars())

    def promised(self, order_ids: Iterable[str]) -> dict[str, datetime]:
        """The promised ship-by of the orders waiting for a restock, a presale or a substitute."""
        out: dict[str, datetime] = {}
        for part in chunks(sorted(set(order_ids))):
            q = select(remedies.c.order_id, remedies.c.until).where(
                self.dialect.one_of(remedies.c.order_id, part),
                remedies.c.state.in_(sorted(PROMISES)))
            out.update((o, u) for o, u in self.conn.execute(q) if u is not None)
        return out


class CapacityRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def set_daily(self, sku_id: str, daily: int, at: datetime, by: str) -> None:
        self.conn.execute(delete(sku_capacity).where(sku_capacity.c.sku_id == sku_id))
        self.conn.execute(insert(sku_capacity), [{"sku_id": sku_id, "daily_capacity": daily,
                                                  "updated_at": at, "updated_by": by}])

    def daily(self, sku_id: str) -> int | None:
        q = select(sku_capacity.c.daily_capacity).where(sku_capacity.c.sku_id == sku_id)
        value = self.conn.execute(q).scalar()
        return int(value) if value is not None else None

    def add_receipt(self, sku_id: str, day: str, quantity: int, at: datetime, by: str) -> None:
        self.conn.execute(insert(expected_receipts), [{"sku_id": sku_id, "day": day,
                                                       "quantity": quantity, "created_at": at,
                                                       "created_by": by}])

    def receipts(self, sku_id: str, from_day: str) -> list[dict[str, Any]]:
        q = (select(expected_receipts).where(expected_receipts.c.sku_id == sku_id,
                                             expected_receipts.c.day >= from_day)
             .order_by(expected_receipts.c.day, expected_receipts.c.id))
        return [dict(r._mapping) for r in self.conn.execute(q)]

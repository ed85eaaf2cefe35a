"""SKUs (their derived balance and listing) and the append-only stock ledger.

`lock` reads a SKU row for update: on PostgreSQL `SELECT ... FOR UPDATE`, so two reservations
of one SKU queue on its row; on SQLite the writing transaction already holds the database's
write lock (BEGIN IMMEDIATE), and the same statement is a plain read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from stockout.domain.inventory import Movement, MovementKind
from stockout.store.engine import StoreDialect
from stockout.store.events import chunks
from stockout.store.tables import orders, skus, stock_movements, stock_shortfalls


class StockRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def add_sku(self, row: dict[str, Any]) -> bool:
        """Insert a SKU unless one with its id exists; whether it was inserted."""
        written = self.dialect.insert_rows(self.conn, skus, [row], ignore=["sku_id"],
                                           returning=["sku_id"])
        return bool(written)

    def get(self, sku_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(skus).where(skus.c.sku_id == sku_id)).first()
        return dict(row._mapping) if row is not None else None

    def lock(self, sku_id: str) -> dict[str, Any] | None:
        """The SKU's row, locked until the transaction ends (see the module docstring)."""
        q = select(skus).where(skus.c.sku_id == sku_id).with_for_update()
        row = self.conn.execute(q).first()
        return dict(row._mapping) if row is not None else None

    def known(self, sku_ids: Iterable[str]) -> set[str]:
        return set(self.shops_of(sku_ids))

    def shops_of(self, sku_ids: Iterable[str]) -> dict[str, str]:
        """The shop of each SKU that is registered."""
        out: dict[str, str] = {}
        q = self.dialect.prepared("skus.shops_of", lambda: select(
            skus.c.sku_id, skus.c.shop_id).where(self.dialect.any_of(skus.c.sku_id, "ids")))
        for part in chunks(sorted(set(sku_ids))):
            out.update((s, shop) for s, shop in self.dialect.rows(self.conn, q, {"ids": part}))
        return out

    def all(self, shop_id: str | None = None) -> list[dict[str, Any]]:
        q = select(skus).order_by(skus.c.sku_id)
        if shop_id is not None:
            q = q.where(skus.c.shop_id == shop_id)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def save_balance(self, sku_id: str, on_hand: int, reserved: int, listing: str,
                     at: datetime) -> None:
        self.conn.execute(update(skus).where(skus.c.sku_id == sku_id).values(
            on_hand=on_hand, reserved=reserved, listing=listing, updated_at=at))

    def has_key(self, key: str) -> bool:
        q = select(stock_movements.c.id).where(stock_movements.c.idempotency_key == key)
        return self.conn.execute(q).first() is not None

    def append(self, movement: Movement, key: str | None, recorded_at: datetime,
               recorded_by: str) -> None:
        self.conn.execute(insert(stock_movements), [{
            "sku_id": movement.sku_id, "kind": movement.kind.value,
            "quantity": movement.quantity, "at": movement.at, "order_id": movement.order_id,
            "reason": movement.reason, "idempotency_key": key, "recorded_at": recorded_at,
            "recorded_by": recorded_by}])

    def movements(self, sku_id: str | None = None) -> list[Movement]:
        """The ledger (of one SKU, or all), in the order it was written."""
        q = select(stock_movements).order_by(stock_movements.c.id)
        if sku_id is not None:
            q = q.where(stock_movements.c.sku_id == sku_id)
        return [Movement(r.sku_id, MovementKind(r.kind), r.quantity, r.at, r.order_id, r.reason)
                for r in self.conn.execute(q)]

    def keys_of(self, order_ids: Iterable[str]) -> set[str]:
        """The idempotency keys already in the ledger for these orders."""
        out: set[str] = set()
        col = stock_movements.c
        q = self.dialect.prepared("stock.keys_of", lambda: select(col.idempotency_key).where(
            self.dialect.any_of(col.order_id, "ids"), col.idempotency_key.is_not(None)))
        for part in chunks(sorted(set(order_ids))):
            out.update(r[0] for r in self.dialect.rows(self.conn, q, {"ids": part}))
        return out

    def record_shortfall(self, row: dict[str, Any]) -> bool:
        """Flag an order whose reservation was refused; False if already flagged (open)."""
        current = self.conn.execute(select(stock_shortfalls.c.resolved_at).where(
            stock_shortfalls.c.order_id == row["order_id"])).first()
        if current is None:
            self.conn.execute(insert(stock_shortfalls), [row])
            return True
        if current.resolved_at is None:
            return False
        self.conn.execute(update(stock_shortfalls).where(
            stock_shortfalls.c.order_id == row["order_id"]).values(**row))
        return True

    def resolve_shortfall(self, order_id: str, at: datetime) -> None:
        self.conn.execute(update(stock_shortfalls).where(
            stock_shortfalls.c.order_id == order_id, stock_shortfalls.c.resolved_at.is_(None)
        ).values(resolved_at=at))

    def shortfalls(self, shop_id: str | None = None, open_only: bool = True,
                   sku_id: str | None = None) -> list[dict[str, Any]]:
        q = select(stock_shortfalls).order_by(stock_shortfalls.c.order_id)
        if shop_id is not None:
            q = q.where(stock_shortfalls.c.shop_id == shop_id)
        if sku_id is not None:
            q = q.where(stock_shortfalls.c.sku_id == sku_id)
        if open_only:
            q = q.where(stock_shortfalls.c.resolved_at.is_(None))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def open_unshipped_orders(self) -> list[str]:
        """Confirmed, unclosed orders without a pickup: each should hold a reservation."""
        q = (select(orders.c.order_id).where(orders.c.state == "open",
                                             orders.c.picked_up_at.is_(None))
             .order_by(orders.c.order_id))
        return list(self.conn.execute(q).scalars())

"""Verdicts (issued once, voided with a reason, never deleted) and the coupons they owe."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, tuple_, update
from sqlalchemy.engine import Connection

from stockout.store.engine import StoreDialect
from stockout.store.events import chunks, later_by_keys
from stockout.store.tables import coupons, verdicts


class VerdictRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def active_for(self, order_ids: Iterable[str]) -> dict[str, dict[str, dict[str, Any]]]:
        """order id -> violation -> the active verdict row."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        q = self.dialect.prepared("verdicts.active_for", lambda: select(verdicts).where(
            self.dialect.any_of(verdicts.c.order_id, "ids"), verdicts.c.status == "active"))
        for part in chunks(order_ids):
            for r in self.conn.execute(q, {"ids": part}):
                out.setdefault(r.order_id, {})[r.violation] = dict(r._mapping)
        return out

    def ledger_of(self, order_ids: Iterable[str]
                  ) -> tuple[dict[str, dict[str, dict[str, Any]]], dict[tuple[str, str], int]]:
        """What recording a judging needs, in one read of the orders' verdicts: order id ->
        violation -> the active verdict row, and the highest generation issued so far for each
        (order, violation). Only the active rows and the latest of each (order, violation) are
        read, not every past generation of an order judged again and again."""
        active: dict[str, dict[str, dict[str, Any]]] = {}
        top: dict[tuple[str, str], int] = {}
        q = self.dialect.prepared("verdicts.ledger_of", _ledger_rows(self.dialect))
        for part in chunks(order_ids):
            for r in self.dialect.records(self.conn, q, {"ids": part}):
                pair = (r["order_id"], r["violation"])
                if r["generation"] > top.get(pair, 0):
                    top[pair] = r["generation"]
                if r["status"] == "active":
                    active.setdefault(r["order_id"], {})[r["violation"]] = r
        return active, top

    def insert(self, rows: list[dict[str, Any]]) -> list[int]:
        """The new rows' ids, in the order given."""
        written = self.dialect.insert_rows(self.conn, verdicts, rows, returning=(
            "id", "order_id", "violation", "generation"))
        ids = {(o, v, g): i for i, o, v, g in written}
        return [ids[(r["order_id"], r["violation"], r["generation"])] for r in rows]

    def void(self, ids: Sequence[int], at: datetime, reasons: Sequence[str],
             causes: Sequence[str]) -> None:
        self.dialect.update_rows(self.conn, verdicts, "id", [
            {"id": i, "status": "voided", "voided_at": at, "void_reason": r, "void_cause": c}
            for i, r, c in zip(ids, reasons, causes, strict=True)], only={"status": "active"})

    def set_deadlines(self, pairs: Sequence[tuple[int, datetime | None]]) -> None:
        """Correct the deadline an active verdict states (nothing else of it changed)."""
        self.dialect.update_rows(self.conn, verdicts, "id",
                                 [{"id": i, "deadline": d} for i, d in pairs])

    def link(self, pairs: Sequence[tuple[int, int]]) -> None:
        """Old verdict id -> the id of the verdict that replaced it."""
        self.dialect.update_rows(self.conn, verdicts, "id",
                                 [{"id": a, "replaced_by": b} for a, b in pairs])

    def page(self, *, shop_ids: Sequence[str] | None, buyer_id: str | None,
             violation: str | None, since: datetime | None,
             after: tuple[str, datetime, str] | None, limit: int) -> list[dict[str, Any]]:
        """Active verdicts in the contract's order: order id, detection time, violation."""
        conds = [verdicts.c.status == "active"]
        if shop_ids is not None:
            conds.append(verdicts.c.shop_id.in_(list(shop_ids)))
        if buyer_id is not None:
            conds.append(verdicts.c.buyer_id == buyer_id)
        if violation is not None:
            conds.append(verdicts.c.violation == violation)
        if since is not None:
            conds.append(verdicts.c.detected_at >= since)
        if after is not None:
            conds.append(tuple_(verdicts.c.order_id, verdicts.c.detected_at, verdicts.c.violation)
                         > tuple_(*after))
        q = (select(verdicts).where(*conds)
             .order_by(verdicts.c.order_id, verdicts.c.detected_at, verdicts.c.violation)
             .limit(limit))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def of_order(self, order_id: str) -> list[dict[str, Any]]:
        q = select(verdicts).where(verdicts.c.order_id == order_id).order_by(verdicts.c.id)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def get(self, verdict_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(verdicts).where(verdicts.c.id == verdict_id)).first()
        return dict(row._mapping) if row is not None else None

    def active_of_shop(self, shop_id: str, since: datetime, until: datetime
                       ) -> list[dict[str, Any]]:
        """The shop's active verdicts detected in (since, until]."""
        q = (select(verdicts).where(verdicts.c.shop_id == shop_id, verdicts.c.status == "active",
                                    verdicts.c.detected_at > since,
                                    verdicts.c.detected_at <= until)
             .order_by(verdicts.c.detected_at, verdicts.c.id))
        return [dict(r._mapping) for r in self.conn.execute(q)]


def _ledger_rows(dialect: StoreDialect) -> Callable[[], Select[Any]]:
    """The orders' active verdicts and the latest generation of each (order, violation),
    found through the unique (order, violation, generation) index."""
    def build() -> Select[Any]:
        older = verdicts.alias("older")
        latest = (select(func.max(older.c.generation))
                  .where(older.c.order_id == verdicts.c.order_id,
                         older.c.violation == verdicts.c.violation)
                  .scalar_subquery())
        return select(verdicts).where(dialect.any_of(verdicts.c.order_id, "ids"),
                                      or_(verdicts.c.status == "active",
                                          verdicts.c.generation == latest))
    return build


class CouponRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def insert(self, rows: list[dict[str, Any]]) -> list[int]:
        """The new coupons' ids, in the order given."""
        written = self.dialect.insert_rows(self.conn, coupons, rows,
                                           returning=("id", "verdict_id"))
        ids = {verdict: i for i, verdict in written}
        return [ids[r["verdict_id"]] for r in rows]

    def by_verdicts_later(self, verdict_ids: Iterable[int]
                          ) -> Callable[[], dict[int, dict[str, Any]]]:
        """verdict id -> its coupon, for the verdicts that have one; read with the next
        statement that needs an answer (`later`)."""
        q = self.dialect.prepared("coupons.by_verdicts", lambda: select(coupons).where(
            self.dialect.any_of(coupons.c.verdict_id, "ids")))
        rows = later_by_keys(self.dialect, self.conn, q, verdict_ids, records=True)
        return lambda: {r["verdict_id"]: r for r in rows()}

    def set_state(self, changes: Sequence[tuple[int, str, str]], at: datetime) -> None:
        """(coupon id, new state, reason): only a coupon still `issued` changes."""
        self.dialect.update_rows(self.conn, coupons, "id", [
            {"id": i, "state": s, "changed_at": at, "change_reason": r} for i, s, r in changes],
            only={"state": "issued"})

    def of_order(self, order_id: str) -> list[dict[str, Any]]:
        q = select(coupons).where(coupons.c.order_id == order_id).order_by(coupons.c.id)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def get(self, coupon_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(coupons).where(coupons.c.id == coupon_id)).first()
        return dict(row._mapping) if row is not None else None

    def redeem(self, coupon_id: int, at: datetime) -> bool:
        """The buyer used the coupon; False unless it was still `issued`."""
        done = self.conn.execute(update(coupons).where(coupons.c.id == coupon_id,
                                                       coupons.c.state == "issued")
                                 .values(state="redeemed", redeemed_at=at, changed_at=at))
        return bool(done.rowcount)

    def charge_to_platform(self, changes: Sequence[tuple[int, str]], at: datetime) -> None:
        """(coupon id, reason): a used coupon whose verdict was lifted stops costing the
        merchant; the buyer keeps it."""
        for coupon_id, reason in changes:
            self.conn.execute(update(coupons).where(coupons.c.id == coupon_id,
                                                    coupons.c.state == "redeemed",
                                                    coupons.c.charged_to == "merchant")
                              .values(charged_to="platform", changed_at=at,
                                      change_reason=reason))

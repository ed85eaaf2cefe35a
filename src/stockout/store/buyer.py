"""The buyer's side of the store: after-sales cases (mirrors of the timeline's fold, with the
times the worker and the platform act on), customer-service tickets and product feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from stockout.store.engine import StoreDialect
from stockout.store.tables import aftersale_cases, feedback, tickets


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in result]


class AftersaleRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def replace_order(self, order_id: str, rows: list[dict[str, Any]]) -> None:
        """The order's cases as the fold now sees them."""
        self.conn.execute(delete(aftersale_cases).where(aftersale_cases.c.order_id == order_id))
        if rows:
            self.conn.execute(insert(aftersale_cases), rows)

    def get(self, case_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(aftersale_cases)
                                .where(aftersale_cases.c.case_id == case_id)).first()
        return dict(row._mapping) if row is not None else None

    def action_due(self, now: datetime, limit: int) -> list[str]:
        """Orders with a case whose party stayed silent past its time, earliest first."""
        q = (select(aftersale_cases.c.order_id, aftersale_cases.c.action_due_at)
             .where(aftersale_cases.c.action_due_at <= now)
             .order_by(aftersale_cases.c.action_due_at, aftersale_cases.c.case_id).limit(limit))
        return list(dict.fromkeys(r[0] for r in self.conn.execute(q)))

    def queue(self, states: list[str], shop_ids: list[str] | None, buyer_id: str | None,
              limit: int, after: str | None = None) -> list[dict[str, Any]]:
        """Cases in `states`, the soonest due first (the platform's 介入 queue)."""
        q = select(aftersale_cases).where(aftersale_cases.c.state.in_(states))
        if shop_ids is not None:
            q = q.where(aftersale_cases.c.shop_id.in_(shop_ids))
        if buyer_id is not None:
            q = q.where(aftersale_cases.c.buyer_id == buyer_id)
        q = q.order_by(aftersale_cases.c.due_at, aftersale_cases.c.case_id).limit(limit)
        return _rows(self.conn.execute(q))


class TicketRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def insert(self, row: dict[str, Any]) -> int:
        return int(self.conn.execute(insert(tickets).returning(tickets.c.id), [row]).scalar_one())

    def get(self, ticket_id: int, lock: bool = False) -> dict[str, Any] | None:
        q = select(tickets).where(tickets.c.id == ticket_id)
        row = self.conn.execute(q.with_for_update() if lock else q).first()
        return dict(row._mapping) if row is not None else None

    def change(self, ticket_id: int, **values: Any) -> None:
        self.conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(**values))

    def listed(self, state: str | None, order_id: str | None, shop_ids: list[str] | None,
               buyer_id: str | None, limit: int) -> list[dict[str, Any]]:
        """Tickets, the soonest answer due first (the platform's queue)."""
        q = select(tickets)
        if state is not None:
            q = q.where(tickets.c.state == state)
        if order_id is not None:
            q = q.where(tickets.c.order_id == order_id)
        if shop_ids is not None:
            q = q.where(tickets.c.shop_id.in_(shop_ids))
        if buyer_id is not None:
            q = q.where(tickets.c.buyer_id == buyer_id)
        q = q.order_by(tickets.c.respond_by, tickets.c.id).limit(limit)
        return _rows(self.conn.execute(q))


class FeedbackRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def insert(self, row: dict[str, Any]) -> int:
        return int(self.conn.execute(insert(feedback).returning(feedback.c.id),
                                     [row]).scalar_one())

    def get(self, feedback_id: int, lock: bool = False) -> dict[str, Any] | None:
        q = select(feedback).where(feedback.c.id == feedback_id)
        row = self.conn.execute(q.with_for_update() if lock else q).first()
        return dict(row._mapping) if row is not None else None

    def change(self, feedback_id: int, **values: Any) -> None:
        self.conn.execute(update(feedback).where(feedback.c.id == feedback_id).values(**values))

    def listed(self, sku_id: str | None, shop_ids: list[str] | None, buyer_id: str | None,
               unanswered: bool, limit: int) -> list[dict[str, Any]]:
        """Feedback, oldest first (the merchant answers in order)."""
        q = select(feedback)
        if sku_id is not None:
            q = q.where(feedback.c.sku_id == sku_id)
        if shop_ids is not None:
            q = q.where(feedback.c.shop_id.in_(shop_ids))
        if buyer_id is not None:
            q = q.where(feedback.c.buyer_id == buyer_id)
        if unanswered:
            q = q.where(feedback.c.replied_at.is_(None))
        return _rows(self.conn.execute(q.order_by(feedback.c.id).limit(limit)))

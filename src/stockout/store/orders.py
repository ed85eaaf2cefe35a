"""Orders (what the judge last found, when to look again) and the shops' admissible
out-of-stock reports that rank within a day."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, exists, func, select, tuple_, update
from sqlalchemy.engine import Connection

from stockout.store.engine import StoreDialect
from stockout.store.events import chunks, later_by_keys
from stockout.store.reads import planned_each_run
from stockout.store.tables import orders, reports, verdicts


class OrderRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def get_many(self, order_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        q = self.dialect.prepared("orders.get_many", lambda: select(orders).where(
            self.dialect.any_of(orders.c.order_id, "ids")))
        for part in chunks(order_ids):
            out.update((r["order_id"], r) for r in self.dialect.records(self.conn, q,
                                                                       {"ids": part}))
        return out

    def last_judged(self, order_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """What re-judging needs of the stored rows (`judged_at`, `judged_seq`, `buyer_id`,
        `placed_at`): fewer columns to read and convert than whole rows."""
        out: dict[str, dict[str, Any]] = {}
        q = self.dialect.prepared("orders.last_judged", lambda: planned_each_run(select(
            orders.c.order_id, orders.c.judged_at, orders.c.judged_seq, orders.c.buyer_id,
            orders.c.placed_at).where(self.dialect.any_of(orders.c.order_id, "ids"))))
        for part in chunks(order_ids):
            out.update((r["order_id"], r) for r in self.dialect.records(self.conn, q,
                                                                       {"ids": part}))
        return out

    def get(self, order_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(orders).where(orders.c.order_id == order_id)).first()
        return dict(row._mapping) if row is not None else None

    def save(self, new: list[dict[str, Any]], changed: list[dict[str, Any]]) -> None:
        """Insert the new rows, rewrite the changed ones (whole rows, every column)."""
        self.dialect.insert_rows(self.conn, orders, new)
        self.dialect.update_rows(self.conn, orders, "order_id", changed)

    def due(self, now: datetime, limit: int) -> list[str]:
        """Orders whose next check is due, earliest first: an index range, whatever the total."""
        q = (select(orders.c.order_id).where(orders.c.next_due_at <= now)
             .order_by(orders.c.next_due_at, orders.c.order_id).limit(limit))
        return list(self.conn.execute(q).scalars())

    def due_count(self, now: datetime) -> int:
        q = select(func.count()).select_from(orders).where(orders.c.next_due_at <= now)
        return int(self.conn.execute(q).scalar_one())

    def mark_due(self, order_ids: Sequence[str], at: datetime) -> None:
        for part in chunks(order_ids):
            self.conn.execute(update(orders).where(
                self.dialect.one_of(orders.c.order_id, part),
                (orders.c.next_due_at.is_(None)) | (orders.c.next_due_at > at),
            ).values(next_due_at=at))

    def with_base_deadline_in(self, starts: datetime, ends: datetime) -> list[str]:
        """Orders whose deadline before announcements falls in [starts, ends): closed ones
        too, so that a verdict the announcement excuses is voided as `stockout judge` would."""
        q = (select(orders.c.order_id)
             .where(orders.c.deadline_base_at >= starts, orders.c.deadline_base_at < ends)
             .order_by(orders.c.order_id))
        return list(self.conn.execute(q).scalars())

    def extended_by(self, announcement_id: str) -> list[str]:
        """Orders whose deadline this announcement extends (as last judged)."""
        q = (select(orders.c.order_id)
             .where(orders.c.deadline_announcement_id == announcement_id)
             .order_by(orders.c.order_id))
        return list(self.conn.execute(q).scalars())

    def at_risk(self, shop_id: str, after: tuple[datetime, str] | None, until: datetime | None,
                limit: int) -> list[dict[str, Any]]:
        """The shop's confirmed, unclosed orders without a pickup, by deadline."""
        conds = [orders.c.shop_id == shop_id, orders.c.state == "open",
                 orders.c.picked_up_at.is_(None), orders.c.deadline_at.is_not(None)]
        if after is not None:
            conds.append(tuple_(orders.c.deadline_at, orders.c.order_id) > tuple_(*after))
        if until is not None:
            conds.append(orders.c.deadline_at <= until)
        q = (select(orders.c.order_id, orders.c.deadline_at, orders.c.paid_cents,
                    orders.c.pack_id, orders.c.first_upload_at, orders.c.buyer_id)
             .where(*conds).order_by(orders.c.deadline_at, orders.c.order_id).limit(limit))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def of_buyer(self, buyer_id: str, limit: int) -> list[dict[str, Any]]:
        """A buyer's orders, the most recently placed first."""
        q = (select(orders).where(orders.c.buyer_id == buyer_id)
             .order_by(orders.c.placed_at.desc(), orders.c.order_id).limit(limit))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def due_count_of_shop(self, shop_id: str, since: datetime, until: datetime) -> int:
        """The shop's orders whose deadline falls in [since, until] (an index range)."""
        q = (select(func.count()).select_from(orders)
             .where(orders.c.shop_id == shop_id, orders.c.deadline_at >= since,
                    orders.c.deadline_at <= until))
        return int(self.conn.execute(q).scalar_one())

    def scorecard_counts(self, shop_id: str, since: datetime, until: datetime) -> dict[str, int]:
        """Orders due in [since, until] and how many drew each verdict; uploads and how many
        a carrier scanned (a valid tracking number)."""
        def verdict_of(violation: str) -> Any:
            return exists().where(verdicts.c.order_id == orders.c.order_id,
                                  verdicts.c.violation == violation,
                                  verdicts.c.status == "active")

        due = (select(func.count(),
                      func.coalesce(func.sum(case((verdict_of("late_shipment"), 1), else_=0)), 0),
                      func.coalesce(func.sum(case((verdict_of("stockout"), 1), else_=0)), 0))
               .where(orders.c.shop_id == shop_id, orders.c.deadline_at >= since,
                      orders.c.deadline_at <= until))
        n_due, n_late, n_stockout = self.conn.execute(due).one()
        uploads = (select(func.count(), func.coalesce(func.sum(
            case((orders.c.picked_up_at.is_not(None), 1), else_=0)), 0))
            .where(orders.c.shop_id == shop_id, orders.c.first_upload_at >= since,
                   orders.c.first_upload_at <= until))
        n_uploads, n_valid = self.conn.execute(uploads).one()
        return {"due": int(n_due), "late_shipment": int(n_late), "stockout": int(n_stockout),
                "uploads": int(n_uploads), "valid_tracking": int(n_valid)}

    def shop_uploads(self, shop_id: str, since: datetime, until: datetime
                     ) -> list[tuple[str, datetime]]:
        """(order, first tracking upload) of the shop's orders shipped in [since, until]."""
        q = (select(orders.c.order_id, orders.c.first_upload_at)
             .where(orders.c.shop_id == shop_id, orders.c.first_upload_at >= since,
                    orders.c.first_upload_at <= until))
        return [(o, at) for o, at in self.conn.execute(q)]

    def shop_known(self, shop_id: str) -> bool:
        q = select(orders.c.order_id).where(orders.c.shop_id == shop_id).limit(1)
        return self.conn.execute(q).first() is not None


class ReportRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def for_orders(self, order_ids: Iterable[str]) -> list[dict[str, Any]]:
        return self.for_orders_later(order_ids)()

    def for_orders_later(self, order_ids: Iterable[str]) -> Callable[[], list[dict[str, Any]]]:
        """`for_orders`, read with the next statement that needs an answer (`later`)."""
        q = self.dialect.prepared("reports.for_orders", lambda: select(reports).where(
            self.dialect.any_of(reports.c.order_id, "ids")))
        return later_by_keys(self.dialect, self.conn, q, order_ids, records=True)

    def for_shop_days(self, shop_days: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        """The reports of these (shop, day) pairs: one statement built once, its shops and
        days bound as two lists (the pairs they cross but were not asked for are dropped
        here), instead of a tuple `IN` whose text changes with the number of pairs."""
        out: list[dict[str, Any]] = []
        q = self.dialect.prepared("reports.for_shop_days", lambda: select(reports).where(
            self.dialect.any_of(reports.c.shop_id, "shops"),
            self.dialect.any_of(reports.c.day, "days")))
        for part in chunks(sorted(set(shop_days))):
            wanted = set(part)
            rows = self.dialect.records(self.conn, q, {"shops": sorted({s for s, _ in part}),
                                                       "days": sorted({d for _, d in part})})
            out += [r for r in rows if (r["shop_id"], r["day"]) in wanted]
        return out

    def replace(self, order_ids: Sequence[str], rows: list[dict[str, Any]]) -> None:
        for part in chunks(order_ids):
            self.conn.execute(delete(reports).where(self.dialect.one_of(reports.c.order_id, part)))
        self.dialect.insert_rows(self.conn, reports, rows)


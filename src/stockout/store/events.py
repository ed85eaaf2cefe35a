"""The event log: append once per event id, read an order's events back as domain events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from stockout.domain.events import Event
from stockout.store.engine import StoreDialect
from stockout.store.mapping import event_from_fields
from stockout.store.tables import events, orders

T = TypeVar("T")
CHUNK = 900
UPLOAD = "shipment_uploaded"
REPORT = "stockout_reported"


def later_by_keys(dialect: StoreDialect, conn: Connection, statement: Any, keys: Iterable[Any],
                  params: Mapping[str, Any] | None = None, *, records: bool = False
                  ) -> Callable[[], list[Any]]:
    """A read of `statement` for each chunk of `keys` (bound as `ids`, beside `params`), sent
    with the next statement that needs an answer (`dialect.later`, or `later_records` for
    dicts): called, all their rows in one list."""
    read = dialect.later_records if records else dialect.later
    parts = [read(conn, statement, {**(params or {}), "ids": part}) for part in chunks(keys)]
    return lambda: [r for part in parts for r in part()]


def chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """Bounded IN lists (SQLite limits bound parameters)."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True, slots=True)
class StoredUpload:
    """An upload of a tracking number, with its order's buyer when the order is placed."""

    carrier: str
    tracking_no: str
    at: datetime
    event_id: str
    order_id: str
    buyer_id: str | None
    placed_at: datetime | None


class EventRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def digests(self, event_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """event id -> (digest, order id) of the ids already stored."""
        out: dict[str, tuple[str, str]] = {}
        q = self.dialect.prepared("events.digests", lambda: select(
            events.c.event_id, events.c.digest, events.c.order_id).where(
                self.dialect.any_of(events.c.event_id, "ids")))
        for part in chunks(dict.fromkeys(event_ids)):
            out.update((e, (d, o)) for e, d, o in self.dialect.rows(self.conn, q, {"ids": part}))
        return out

    def insert(self, rows: list[dict[str, Any]], checked: bool = False) -> set[str]:
        """Append; an id stored meanwhile is skipped. The ids actually written. `checked`: the
        caller read these ids as absent in this transaction and no other writer can have
        added one since (SQLite's one writer): a plain insert, nothing to skip or return."""
        if not rows:
            return set()
        if checked:
            self.dialect.insert_rows(self.conn, events, rows)
            return {r["event_id"] for r in rows}
        written = self.dialect.insert_rows(self.conn, events, rows, ignore=("event_id",),
                                           returning=("event_id",))
        return {r[0] for r in written}

    def for_orders(self, order_ids: Iterable[str]) -> dict[str, list[tuple[int, Event]]]:
        """Each order's stored events with their arrival number (seq)."""
        return self.for_orders_later(order_ids)()

    def for_orders_later(self, order_ids: Iterable[str]
                         ) -> Callable[[], dict[str, list[tuple[int, Event]]]]:
        """`for_orders`, read with the next statement that needs an answer (`later`)."""
        q = self.dialect.prepared("events.for_orders", lambda: select(
            events.c.order_id, events.c.seq, events.c.fields).where(
                self.dialect.any_of(events.c.order_id, "ids")))
        rows = later_by_keys(self.dialect, self.conn, q, order_ids)

        def stored() -> dict[str, list[tuple[int, Event]]]:
            out: dict[str, list[tuple[int, Event]]] = defaultdict(list)
            for order_id, seq, fields in rows():
                out[order_id].append((seq, event_from_fields(fields)))
            return out
        return stored

    def lock_hints(self, order_ids: Iterable[str]) -> list[tuple[str, str, datetime, str | None,
                                                                 str | None]]:
        """(order, type, at, carrier, tracking) of the orders' uploads and reports: what their
        re-judging shares with other orders, read before the locks are taken."""
        out = []
        q = self.dialect.prepared("events.lock_hints", lambda: select(
            events.c.order_id, events.c.type, events.c.at, events.c.carrier,
            events.c.tracking_no).where(self.dialect.any_of(events.c.order_id, "ids"),
                                        self.dialect.any_of(events.c.type, "types")))
        for part in chunks(order_ids):
            out += self.dialect.rows(self.conn, q, {"ids": part, "types": [UPLOAD, REPORT]})
        return out

    def uploads(self, tracking_nos: Iterable[str], since: datetime, until: datetime
                ) -> list[StoredUpload]:
        """Uploads of these tracking numbers made in [since, until], any carrier."""
        return self.uploads_later(tracking_nos, since, until)()

    def uploads_later(self, tracking_nos: Iterable[str], since: datetime, until: datetime
                      ) -> Callable[[], list[StoredUpload]]:
        """`uploads`, read with the next statement that needs an answer (`later`)."""
        q = self.dialect.prepared("events.uploads", lambda: (
            select(events.c.carrier, events.c.tracking_no, events.c.at, events.c.event_id,
                   events.c.order_id, orders.c.buyer_id, orders.c.placed_at)
            .select_from(events.outerjoin(orders, orders.c.order_id == events.c.order_id))
            .where(events.c.type == UPLOAD, self.dialect.any_of(events.c.tracking_no, "ids"),
                   events.c.at >= bindparam("since"), events.c.at <= bindparam("until"))))
        rows = later_by_keys(self.dialect, self.conn, q, sorted(set(tracking_nos)),
                             {"since": since, "until": until})
        return lambda: [StoredUpload(*r) for r in rows()]

    def placements_later(self, order_ids: Iterable[str]) -> Callable[[], dict[str, str]]:
        """order id -> event id of its stored `order_placed`, for the orders placed already;
        read with the next statement that needs an answer (`later`)."""
        q = self.dialect.prepared("events.placements", lambda: select(
            events.c.order_id, events.c.event_id).where(
                self.dialect.any_of(events.c.order_id, "ids"),
                events.c.type == "order_placed").order_by(events.c.seq))
        rows = later_by_keys(self.dialect, self.conn, q, sorted(set(order_ids)))

        def placed() -> dict[str, str]:
            out: dict[str, str] = {}
            for order_id, event_id in rows():
                out.setdefault(order_id, event_id)
            return out
        return placed

    def of_order(self, order_id: str) -> list[dict[str, Any]]:
        q = (select(events.c.seq, events.c.event_id, events.c.type, events.c.at, events.c.raw,
                    events.c.received_at, events.c.source)
             .where(events.c.order_id == order_id).order_by(events.c.at, events.c.event_id))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def skus(self, order_ids: Iterable[str]) -> dict[str, str]:
        """Each order's SKU, from its first `order_placed` event."""
        out: dict[str, str] = {}
        for part in chunks(order_ids):
            q = (select(events.c.order_id, events.c.fields)
                 .where(self.dialect.one_of(events.c.order_id, part),
                        events.c.type == "order_placed").order_by(events.c.at, events.c.event_id))
            for order_id, fields in self.conn.execute(q):
                sku = event_from_fields(fields).sku_id
                if sku and order_id not in out:
                    out[order_id] = sku
        return out

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(events)).scalar_one())

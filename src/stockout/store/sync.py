"""Outside sources: the sync cursor of each source, and the carriers' latest trace per waybill."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from stockout.store.engine import StoreDialect
from stockout.store.events import chunks
from stockout.store.tables import carrier_traces, sync_cursors


class SyncRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def cursor(self, source: str) -> datetime | None:
        """The end of the source's last complete window (None: never synced)."""
        return self.conn.execute(select(sync_cursors.c.position)
                                 .where(sync_cursors.c.source == source)).scalar_one_or_none()

    def advance(self, source: str, position: datetime, now: datetime) -> None:
        written = self.dialect.insert_rows(
            self.conn, sync_cursors,
            [{"source": source, "position": position, "windows": 1, "updated_at": now}],
            ignore=["source"], returning=["source"])
        if not written:
            self.conn.execute(update(sync_cursors).where(sync_cursors.c.source == source)
                              .values(position=position, windows=sync_cursors.c.windows + 1,
                                      updated_at=now))

    def keep_trace(self, source: str, carrier: str, tracking_no: str, scans: str,
                   now: datetime) -> None:
        row = {"source": source, "tracking_no": tracking_no, "carrier": carrier, "scans": scans,
               "received_at": now}
        written = self.dialect.insert_rows(self.conn, carrier_traces, [row],
                                           ignore=["source", "tracking_no"],
                                           returning=["tracking_no"])
        if not written:
            self.conn.execute(update(carrier_traces)
                              .where(carrier_traces.c.source == source,
                                     carrier_traces.c.tracking_no == tracking_no)
                              .values(carrier=carrier, scans=scans, received_at=now))

    def traces(self, tracking_nos: Iterable[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for part in chunks(sorted(set(tracking_nos))):
            q = select(carrier_traces).where(
                self.dialect.one_of(carrier_traces.c.tracking_no, part))
            out += [dict(r._mapping) for r in self.conn.execute(q)]
        return out

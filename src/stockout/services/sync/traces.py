"""Carrier traces matched to orders through the uploads: every trace is kept (the latest per
waybill), and its scans are ingested for each order that uploaded the waybill, from the upload
on. A trace whose upload is not in yet waits, and is matched when a sync brings the upload."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from stockout.adapters.carriers.traces import Scan, Trace
from stockout.domain.events import ScanStatus
from stockout.services.judging.ingest import IngestResult, append_events
from stockout.services.judging.rules import Rules
from stockout.services.sync.sources import carrier
from stockout.store.uow import UnitOfWork

HORIZON = timedelta(days=120)  # uploads this long before a scan can own it


def keep_trace(uow: UnitOfWork, trace: Trace, now: datetime) -> None:
    scans = [{"at": s.at.isoformat(), "status": s.status.value, "region": s.region,
              "text": s.text} for s in trace.scans]
    uow.sync.keep_trace(trace.source, trace.carrier, trace.tracking_no,
                        json.dumps(scans, ensure_ascii=False), now)


def ingest_traces(uow: UnitOfWork, rules: Rules, now: datetime, traces: Iterable[Trace]
                  ) -> tuple[IngestResult, list[str]]:
    """The scans of these traces for the orders that uploaded their waybills (inside the
    caller's transaction); the waybills no upload matches yet are returned."""
    traces = list(traces)
    if not traces:
        return IngestResult(), []
    numbers = {t.tracking_no for t in traces}
    latest = max((s.at for t in traces for s in t.scans), default=now)
    uploads = uow.events.uploads(numbers, latest - HORIZON, max(latest, now) + HORIZON)
    by_number: dict[str, dict[str, datetime]] = {}
    for u in uploads:
        first = by_number.setdefault(u.tracking_no, {})
        first[u.order_id] = min(first.get(u.order_id, u.at), u.at)
    unmatched: list[str] = []
    by_source: dict[str, list[dict[str, object]]] = {}
    for trace in traces:
        owners = by_number.get(trace.tracking_no)
        if not owners:
            unmatched.append(trace.tracking_no)
            continue
        by_source.setdefault(trace.source, []).extend(
            e for order, at in sorted(owners.items()) for e in trace.events_for(order, at))
    total = IngestResult()
    for source, events in sorted(by_source.items()):  # one ingest (one re-judging) a source
        if events:
            result = append_events(uow, rules, now, carrier(source), events, strict=False)
            total.accepted += result.accepted
            total.duplicates += result.duplicates
            total.rejected += result.rejected
    return total, unmatched


def parked_traces(uow: UnitOfWork, tracking_nos: Iterable[str]) -> list[Trace]:
    """The kept traces of these waybills (to match once their uploads are in)."""
    out: list[Trace] = []
    for row in uow.sync.traces(tracking_nos):
        trace = Trace(row["source"], row["carrier"], row["tracking_no"])
        trace.scans = [Scan(datetime.fromisoformat(s["at"]), ScanStatus(s["status"]),
                            s["region"], s["text"]) for s in json.loads(row["scans"])]
        out.append(trace)
    return out

"""Use case: sync a shop's orders and after-sales from the Pinduoduo open platform.

Windows of at most 30 minutes by update time, never closer than 3 minutes to the gateway's
clock (later updates may still be committing there). A window's pages are read forward with
`has_next` to find the last page, then again from the last page back to the first: orders that
change meanwhile only leave a closed window (their new update time is later), which shifts the
pages towards the start, so reading backwards may see an order twice but never misses one; the
changed order is read in the window of its new update time. Each window's events and the
cursor (the window's end) commit in one transaction, and every event id is derived from the
order, so a sync killed at any point and started again loses and doubles nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from stockout.adapters.pdd.gateway import PddGateway
from stockout.adapters.pdd.orders import FIRST_SIGHTING, lacks_detail, map_orders, order_sn_of
from stockout.adapters.pdd.refunds import map_refunds
from stockout.adapters.pdd.values import FieldError
from stockout.domain.errors import StockoutError
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.judging.ingest import Rejection, append_events
from stockout.services.judging.rules import Rules
from stockout.services.sync.sources import PDD
from stockout.services.sync.traces import ingest_traces, parked_traces
from stockout.store.uow import UnitOfWork

WINDOW = timedelta(minutes=30)
MARGIN = timedelta(minutes=3)
PAGE_SIZE = 100
BATCH_EVENTS, BATCH_WINDOWS = 400, 48
INCREMENT = "pdd.order.number.list.increment.get"
REFUNDS = "pdd.refund.list.increment.get"
DETAIL = "pdd.order.information.get"
ALL = 5          # order_status / refund_status: 5 全部
ALL_AFTER_SALES = 1  # after_sales_status / after_sales_type in the request: 1 全部


class NoStart(StockoutError, ValueError):
    """Nothing synced yet for this shop, and no start time given."""

    family = "no-start"


@dataclass(frozen=True, slots=True)
class Mismatch:
    """The platform's ship-by time (`last_ship_time`) differs from stockout's deadline: a pack
    figure, a merchant promise or an announcement is missing on one side."""

    order_id: str
    platform: datetime
    stockout: datetime | None


@dataclass(slots=True)
class SyncReport:
    source: str = ""
    start: datetime | None = None
    position: datetime | None = None
    windows: int = 0
    orders: int = 0
    refunds: int = 0
    details: int = 0
    accepted: int = 0
    duplicates: int = 0
    scans: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)


def sync_pdd(uow: UnitOfWork, rules: Rules, clock: Clock, gateway: PddGateway,
             start: datetime | None = None, end: datetime | None = None,
             progress: Callable[[SyncReport, datetime], None] | None = None) -> SyncReport:
    """Sync from the stored cursor (or `start`) up to `end`, at most the gateway's now - 3 min."""
    shop_id = str(gateway.call("pdd.mall.info.get")["mall_id"])
    carriers = {str(c["id"]): str(c["logistics_company"]) for c in
                gateway.call("pdd.logistics.companies.get").get("logistics_companies") or ()}
    report = SyncReport(source=f"pdd:{shop_id}")
    with uow.reader() as reader:
        cursor = reader.sync.cursor(report.source)
    begin = start if start is not None else cursor
    if begin is None:
        raise NoStart(f"{report.source}: nothing synced yet; give --start")
    limit = (gateway.now() - MARGIN).replace(microsecond=0)  # the API takes seconds
    if end is not None:
        limit = min(limit, end)
    report.start = report.position = begin
    pending: list[dict[str, Any]] = []
    ship_by: dict[str, datetime] = {}
    while begin < limit:
        until = min(begin + WINDOW, limit)
        orders = _orders(gateway, begin, until, report)
        refunds = _pages_by_count(gateway, REFUNDS, "refund_list", begin, until,
                                  after_sales_status=ALL_AFTER_SALES,
                                  after_sales_type=ALL_AFTER_SALES)
        page = map_orders(orders, shop_id, carriers)
        mapped = map_refunds(refunds)
        report.orders += len(orders)
        report.refunds += len(refunds)
        report.errors += page.errors + mapped.errors
        ship_by.update({o.order_sn: o.last_ship_time for o in page.orders if o.last_ship_time})
        pending += page.events + mapped.events
        report.windows += 1
        begin = until
        if len(pending) >= BATCH_EVENTS or report.windows % BATCH_WINDOWS == 0 or begin >= limit:
            _commit(uow, rules, clock, report, pending, ship_by,
                    until if cursor is None or until > cursor else None)
            pending, ship_by = [], {}
            report.position = until
        if progress is not None:
            progress(report, limit)
    return report


def _commit(uow: UnitOfWork, rules: Rules, clock: Clock, report: SyncReport,
            events: list[dict[str, Any]], ship_by: dict[str, datetime],
            position: datetime | None) -> None:
    """The windows read since the last commit, with the cursor at their end, in one
    transaction (several windows at once: each transaction re-judges the shop's orders)."""
    window = in_transaction(uow, lambda u: _store(u, rules, clock.now(), report.source, events,
                                                  ship_by, position))
    report.accepted += window.accepted
    report.duplicates += window.duplicates
    report.scans += window.scans
    report.rejected += window.rejected
    found = {m.order_id: m for m in report.mismatches}
    found.update({m.order_id: m for m in window.mismatches})
    report.mismatches = sorted(found.values(), key=lambda m: m.order_id)


@dataclass(slots=True)
class _Window:
    accepted: int = 0
    duplicates: int = 0
    scans: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)


def _store(uow: UnitOfWork, rules: Rules, now: datetime, source: str,
           events: list[dict[str, Any]], ship_by: dict[str, datetime],
           position: datetime | None) -> _Window:
    out = _Window()
    events = _first_sightings(uow, events)
    if events:
        result = append_events(uow, rules, now, PDD, events, strict=False)
        out.accepted, out.duplicates = len(result.accepted), len(result.duplicates)
        out.rejected = result.rejected
        uploaded = {e["tracking_no"] for e in events if e["type"] == "shipment_uploaded"}
        if uploaded:
            scans, _ = ingest_traces(uow, rules, now, parked_traces(uow, uploaded))
            out.scans = len(scans.accepted)
            out.rejected += scans.rejected
    rows = uow.orders.get_many(ship_by)
    for sn, platform in sorted(ship_by.items()):
        ours = rows.get(sn, {}).get("deadline_at")
        if ours is not None and ours != platform:
            out.mismatches.append(Mismatch(sn, platform, ours))
    if position is not None:
        uow.sync.advance(source, position, now)
    return out


def _first_sightings(uow: UnitOfWork, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop a group failure or cancellation seen before (here or in the store): its time is
    the update time it was first seen at, which later updates of the order move."""
    ids = [e["event_id"] for e in events if e["type"] in FIRST_SIGHTING]
    if not ids:
        return events
    seen = set(uow.events.digests(ids))
    kept: list[dict[str, Any]] = []
    for e in events:
        if e["type"] in FIRST_SIGHTING:
            if e["event_id"] in seen:
                continue
            seen.add(e["event_id"])
        kept.append(e)
    return kept


def _orders(gateway: PddGateway, begin: datetime, until: datetime,
            report: SyncReport) -> list[dict[str, Any]]:
    params = {"is_lucky_flag": 0, "order_status": ALL, "refund_status": ALL,
              "start_updated_at": int(begin.timestamp()), "end_updated_at": int(until.timestamp()),
              "page_size": PAGE_SIZE, "use_has_next": True}
    found: dict[str, dict[str, Any]] = {}

    def read(page: int) -> bool:
        body = gateway.call(INCREMENT, page=page, **params)
        for order in body.get("order_sn_list") or ():
            found[order_sn_of(order)] = order
        return bool(body.get("has_next"))

    last = 1
    while read(last):
        last += 1
    for page in range(last - 1, 0, -1):
        read(page)
    for sn, order in list(found.items()):
        if lacks_detail(order) and sn != "?":
            detail = gateway.call(DETAIL, order_sn=sn).get("order_info")
            report.details += 1
            if isinstance(detail, dict):
                found[sn] = {**order, **detail}
    return list(found.values())


def _pages_by_count(gateway: PddGateway, api: str, key: str, begin: datetime, until: datetime,
                    **extra: Any) -> list[dict[str, Any]]:
    """An API paged by `total_count` (no `has_next`): the first page, then the last page back to
    the first, for the same reason as the orders."""
    params = {"start_updated_at": int(begin.timestamp()), "end_updated_at": int(until.timestamp()),
              "page_size": PAGE_SIZE, **extra}
    found: dict[tuple[str, str], dict[str, Any]] = {}

    def read(page: int) -> int:
        body = gateway.call(api, page=page, **params)
        for item in body.get(key) or ():
            found[(str(item.get("order_sn")), str(item.get("id")))] = item
        return int(body.get("total_count") or 0)

    pages = -(-read(1) // PAGE_SIZE)
    for page in range(pages, 1, -1):
        read(page)
    if pages > 1:
        read(1)
    return list(found.values())

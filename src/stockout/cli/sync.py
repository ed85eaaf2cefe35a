"""`stockout sync`: real data in. `sync pdd` reads a shop's orders and after-sales from the
Pinduoduo open platform into the store; `sync gateway` serves a recorded month as the open
platform does, on loopback, for trying it out. Registered on the main app by `register`."""

from __future__ import annotations

import json
import signal
import threading
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from stockout.bootstrap import pdd_settings
from stockout.cli.common import ClockOpt, DbOpt, StoreRulesOpt, err, fail, open_runtime, out
from stockout.domain.times import UTC, format_time

if TYPE_CHECKING:
    from stockout.services.sync.pdd import SyncReport

sync_app = typer.Typer(help="外部数据同步 (real data in: Pinduoduo open platform)",
                       no_args_is_help=True)


def _time(value: str | None, what: str) -> datetime | None:
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"{what}: not an RFC 3339 time: {value!r}") from None
    if at.tzinfo is None:
        raise fail(f"{what}: time without offset: {value!r}")
    return at.astimezone(UTC)


@sync_app.command("pdd")
def sync_pdd_command(
        ctx: typer.Context,
        gateway: Annotated[str | None, typer.Option(
            "--gateway", help="开放平台网关 URL（默认 https://gw-api.pinduoduo.com/api/router；"
                              "STOCKOUT_PDD_GATEWAY）")] = None,
        client_id: Annotated[str | None, typer.Option(
            "--client-id", help="应用 client_id（STOCKOUT_PDD_CLIENT_ID）")] = None,
        client_secret: Annotated[str | None, typer.Option(
            "--client-secret", help="应用 client_secret（STOCKOUT_PDD_CLIENT_SECRET）")] = None,
        access_token: Annotated[str | None, typer.Option(
            "--access-token", help="店铺授权 access_token（STOCKOUT_PDD_ACCESS_TOKEN）")] = None,
        start: Annotated[str | None, typer.Option(
            "--start", help="从此时间开始（RFC 3339）；默认接着上次同步到的位置")] = None,
        end: Annotated[str | None, typer.Option(
            "--end", help="同步到此时间为止（默认网关时间前 3 分钟）")] = None,
        every: Annotated[float, typer.Option(
            "--every", help="每隔多少秒再同步一次（0：同步一次后退出）")] = 0,
        db: DbOpt = None, rules: StoreRulesOpt = "pdd", at: ClockOpt = None) -> None:
    """同步拼多多订单与售后 (sync Pinduoduo orders and after-sales into the store)."""
    from stockout.adapters.pdd.gateway import GatewayError, GatewayStop, PddGateway
    from stockout.services.sync.pdd import NoStart, sync_pdd

    try:
        creds = pdd_settings(gateway, client_id, client_secret, access_token)
    except ValueError as exc:
        raise fail(str(exc)) from None
    begin, until = _time(start, "--start"), _time(end, "--end")
    runtime = open_runtime(ctx, db, rules, at)
    client = PddGateway(creds.gateway, creds.client_id, creds.client_secret, creds.access_token)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        while True:
            with Progress(TextColumn("{task.description}"), BarColumn(),
                          TextColumn("{task.fields[windows]} windows"), TimeElapsedColumn(),
                          console=err, transient=True) as bar:
                task = bar.add_task("sync pdd", total=None, windows=0)

                try:
                    report = sync_pdd(runtime.uow(), runtime.rules, runtime.clock, client,
                                      begin, until, partial(_moved, bar, task))
                except GatewayStop as exc:
                    raise fail(f"stopped: {exc}") from None
                except NoStart as exc:
                    raise fail(str(exc)) from None
                except GatewayError as exc:
                    if not every:
                        raise fail(str(exc)) from None
                    err.print(f"sync failed, trying again later: {exc}", markup=False)
                    continue_later = True
                else:
                    continue_later = False
            if not continue_later:
                _print(report)
            begin = None
            if not every or stop.wait(every):
                break
    finally:
        client.close()
        runtime.close()


def _moved(bar: Progress, task: TaskID, report: SyncReport, limit: datetime) -> None:
    assert report.start is not None and report.position is not None
    bar.update(task, total=(limit - report.start).total_seconds(), windows=report.windows,
               completed=(report.position - report.start).total_seconds())


def _print(report: SyncReport) -> None:
    assert report.start is not None and report.position is not None
    table = Table(title=f"{report.source}: {format_time(report.start)} → "
                        f"{format_time(report.position)}")
    table.add_column("")
    table.add_column("", justify="right")
    for name in ("windows", "orders", "refunds", "details", "accepted", "duplicates", "scans"):
        table.add_row(name, f"{getattr(report, name):,}")
    for name in ("rejected", "errors", "mismatches"):
        table.add_row(name, f"{len(getattr(report, name)):,}")
    out.print(table)
    for e in report.errors:
        err.print(f"order {e.record}: field {e.field}: {e.reason}", markup=False)
    for r in report.rejected:
        err.print(f"refused {r.event_id}: {r.reason}", markup=False)
    for m in report.mismatches:
        ours = format_time(m.stockout) if m.stockout else "none"
        out.print(f"last_ship_time mismatch: order {m.order_id}: platform "
                  f"{format_time(m.platform)}, stockout {ours}", markup=False)


@sync_app.command("gateway")
def gateway_command(
        orders: Annotated[int, typer.Option("--orders", help="录制月份的订单数")] = 2000,
        seed: Annotated[int, typer.Option("--seed")] = 7,
        days: Annotated[int, typer.Option("--days")] = 30,
        port: Annotated[int, typer.Option("--port", help="端口（0：由系统选一个空闲端口）")] = 0,
        pushes: Annotated[Path | None, typer.Option(
            "--pushes", help="把录制的快递100推送（param, sign）写入此 JSON Lines 文件")] = None,
        expected: Annotated[Path | None, typer.Option(
            "--expected", help="把等价的事件文件写入此 JSON Lines 文件")] = None) -> None:
    """在本机回放一个录制的开放平台网关 (serve a recorded month as the open platform does)."""
    from stockout.simulation.pdd_gateway import (
        ACCESS_TOKEN,
        CLIENT_ID,
        CLIENT_SECRET,
        RecordedGateway,
    )
    from stockout.simulation.pdd_month import record_month

    month = record_month(orders, seed, days)
    for path, rows in ((pushes, month.pushes), (expected, month.expected)):
        if path is not None:
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                            encoding="utf-8")
    fake = RecordedGateway(month)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with fake.serving(port) as url:
        out.print(f"gateway {url}\nclient-id {CLIENT_ID} client-secret {CLIENT_SECRET} "
                  f"access-token {ACCESS_TOKEN}\nstart {format_time(month.start)} "
                  f"kuaidi100 salt {month.salt}", markup=False, highlight=False)
        stop.wait()


app = sync_app


"""`stockout sync`: real data in. `sync pdd` reads a shop's orders and after-sales from the
Pinduoduo open platform into the store; `sync gateway` serves a recorded month as the open
platform does, on loopback, for trying it out, and writes its carriers' pushes, which
`sync pushes` delivers to a running server as the vendors would."""

from __future__ import annotations

import json
import signal
import threading
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.cells import cell_len
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from stockout.bootstrap import pdd_settings
from stockout.cli.common import (
    ClockOpt,
    DbOpt,
    StoreRulesOpt,
    err,
    fail,
    open_runtime,
    out,
    settings,
)
from stockout.domain.times import UTC, format_time, short_time
from stockout.i18n import Texts

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
    t = settings(ctx).texts
    runtime = open_runtime(ctx, db, rules, at)
    client = PddGateway(creds.gateway, creds.client_id, creds.client_secret, creds.access_token)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        while True:
            with Progress(TextColumn("{task.description}"), BarColumn(),
                          TextColumn(t("sync_progress_windows", n="{task.fields[windows]}")), TimeElapsedColumn(),
                          console=err, transient=True) as bar:
                task = bar.add_task(t("sync_progress"), total=None, windows=0)

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
                    err.print(t("sync_retry_later", reason=exc), markup=False)
                    continue_later = True
                else:
                    continue_later = False
            if not continue_later:
                _print(report, t)
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


def _print(report: SyncReport, t: Texts) -> None:
    assert report.start is not None and report.position is not None
    shop = report.source.split(":", 1)[-1]
    title = t("sync_title", shop=shop, start=short_time(report.start),
              end=short_time(report.position))
    table = Table(title=title, caption=t("times_local"), min_width=cell_len(title) + 2)
    table.add_column(t("sync_item"))
    table.add_column(t("count"), justify="right")
    for name in ("windows", "orders", "refunds", "details", "accepted", "duplicates", "scans"):
        table.add_row(t(f"sync_{name}"), f"{getattr(report, name):,}")
    for name in ("rejected", "errors", "mismatches"):
        table.add_row(t(f"sync_{name}"), f"{len(getattr(report, name)):,}")
    out.print(table)
    for e in report.errors:
        err.print(t("sync_field_error", order=e.record, field=e.field, reason=e.reason),
                  markup=False)
    for r in report.rejected:
        err.print(t("sync_refused", event=r.event_id, reason=r.reason), markup=False)
    for m in report.mismatches:
        ours = short_time(m.stockout) if m.stockout else t("sync_mismatch_none")
        out.print(t("sync_mismatch", order=m.order_id, platform=short_time(m.platform), ours=ours),
                  markup=False)


HINT_DB = "sqlite:///pdd-month.db"  # the store the printed commands share
HINT_SERVER = "http://127.0.0.1:8000"


@sync_app.command("gateway")
def gateway_command(
        ctx: typer.Context,
        orders: Annotated[int, typer.Option("--orders", help="录制月份的订单数")] = 2000,
        seed: Annotated[int, typer.Option("--seed")] = 7,
        days: Annotated[int, typer.Option("--days")] = 30,
        port: Annotated[int, typer.Option("--port", help="端口（0：由系统选一个空闲端口）")] = 0,
        pushes: Annotated[Path | None, typer.Option(
            "--pushes", help="把录制的快递推送（快递100 与快递鸟，每行 vendor 与原样的表单）写入此 "
                             "JSON Lines 文件，供 stockout sync pushes 发送")] = None,
        expected: Annotated[Path | None, typer.Option(
            "--expected", help="把等价的事件文件写入此 JSON Lines 文件")] = None) -> None:
    """在本机回放一个录制的开放平台网关 (serve a recorded month as the open platform does)."""
    from stockout.adapters.carriers.push_file import Push, push_lines
    from stockout.simulation.pdd_gateway import (
        ACCESS_TOKEN,
        CLIENT_ID,
        CLIENT_SECRET,
        RecordedGateway,
    )
    from stockout.simulation.pdd_month import record_month

    t = settings(ctx).texts
    month = record_month(orders, seed, days)
    recorded = [Push("kuaidi100", p) for p in month.pushes] + [Push("kdniao", p)
                                                                for p in month.kdniao]
    if pushes is not None:
        pushes.write_text("".join(push_lines(recorded)), encoding="utf-8")
    if expected is not None:
        expected.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                    for r in month.expected), encoding="utf-8")
    fake = RecordedGateway(month)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with fake.serving(port) as url:
        assert month.clock is not None
        say = partial(out.print, markup=False, highlight=False, soft_wrap=True)
        say(t("gateway_ready", url=url, orders=f"{len(month.orders):,}",
              clock=short_time(month.clock)))
        if pushes is not None:
            say(t("gateway_wrote_pushes", path=pushes))
        if expected is not None:
            say(t("gateway_expected_hint", path=expected))
        say(t("gateway_sync_hint"))
        say(f"  stockout sync pdd --gateway {url} --client-id {CLIENT_ID} "
            f"--client-secret {CLIENT_SECRET} --access-token {ACCESS_TOKEN} "
            f"--start {format_time(month.start)} --db {HINT_DB}")
        say(t("gateway_serve_hint"))
        say(f"  STOCKOUT_KUAIDI100_SALT={month.salt} STOCKOUT_KDNIAO_APP_KEY={month.salt} "
            f"stockout serve --db {HINT_DB}")
        if pushes is not None:
            say(t("gateway_push_hint", k100=len(month.pushes), kdniao=len(month.kdniao)))
            say(f"  stockout sync pushes {pushes} --server {HINT_SERVER}")
        stop.wait()


@sync_app.command("pushes")
def pushes_command(
        ctx: typer.Context,
        file: Annotated[Path, typer.Argument(help="推送文件（sync gateway --pushes 写出的格式）")],
        server: Annotated[str, typer.Option(
            "--server", help="运行中的 stockout serve 的地址")] = HINT_SERVER) -> None:
    """把快递推送按原样发给服务 (deliver carrier pushes to a running server, as the vendors do).

    Each line (`{"vendor", "form"}`) is posted form-encoded to the server's
    /v1/carriers/<vendor>/push, signed as recorded; exit 1 when a push is refused."""
    import httpx

    from stockout.adapters.carriers.push_file import PushFileError, deliver, read_push_file

    t = settings(ctx).texts
    if not file.is_file():
        raise fail(t("file_missing", path=file))
    try:
        found = read_push_file(file)
    except PushFileError as exc:
        raise fail(t("pushes_bad_file", path=file, reason=exc)) from None
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}"),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task(t("pushes_progress"), total=len(found))
        try:
            done = deliver(found, server, moved=lambda n: bar.update(task, completed=n))
        except httpx.HTTPError as exc:
            raise fail(t("pushes_unreachable", url=server, reason=exc)) from None
    for n, vendor, answer in done.refused:
        err.print(t("pushes_refused", n=n, vendor=vendor, answer=answer), markup=False)
    total = sum(done.delivered.values())
    out.print(t("pushes_done", total=f"{total:,}", k100=f"{done.delivered['kuaidi100']:,}",
                kdniao=f"{done.delivered['kdniao']:,}", refused=f"{len(done.refused):,}"),
              markup=False, highlight=False)
    if done.refused:
        err.print(t("pushes_refused_hint"), markup=False)
        raise typer.Exit(1)


app = sync_app


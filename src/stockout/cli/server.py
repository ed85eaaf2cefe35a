"""The online judge's processes: `serve` (the HTTP API, with a sweeper thread) and `worker`
(re-judge due orders, deliver notifications). Thin: parse, build the runtime (bootstrap), call
a service, print."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stockout.cli.common import (
    ClockOpt,
    DbOpt,
    StoreRulesOpt,
    err,
    fail,
    out,
    reason,
    runtime,
    safe_url,
    server,
    settings,
)

if TYPE_CHECKING:
    from fastapi import FastAPI

    from stockout.bootstrap import Runtime
    from stockout.services.worker.sweep import SweepReport


def serve(ctx: typer.Context,
          host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="端口")] = 8000,
          db: DbOpt = None, rules: StoreRulesOpt = "pdd", at: ClockOpt = None,
          sweep_every: Annotated[float, typer.Option(
              "--sweep-every", help="每隔多少秒检查到期订单并发送通知（0：不检查，交给 worker）")] = 30,
          workers: Annotated[int, typer.Option(
              "--workers", min=1, help="处理请求的进程数（大于 1 需要 PostgreSQL）")] = 1,
          access_log: Annotated[bool, typer.Option(help="逐条记录请求")] = False) -> None:
    """启动 HTTP 接口 (serve the HTTP API; OpenAPI at /docs)."""
    import uvicorn

    from stockout.api.protocol import HttpProtocol
    from stockout.bootstrap import WORKER_CONFIG, step_times_dir, worker_config

    chosen = server(ctx, db, rules, at)
    rt = runtime(ctx, chosen)
    if workers > 1 and not rt.uow().shares_writes:
        rt.close()
        raise fail("--workers: several processes need PostgreSQL (SQLite has one writer at "
                   "a time); use --db postgresql://...")
    t = settings(ctx).texts
    stop = threading.Event()
    if sweep_every > 0:
        # Only this process sweeps, whatever the number of workers serving requests.
        threading.Thread(target=_sweep_loop, args=(rt, sweep_every, stop), daemon=True,
                         name="stockout-sweeper").start()
    out.print(t("serving", host=host, port=port, url=safe_url(chosen.db_url)), highlight=False,
              soft_wrap=True)
    try:
        if workers > 1:
            if step_times_dir() is not None:  # the workers count steps; this one serves none
                signal.signal(signal.SIGUSR1, signal.SIG_IGN)
            os.environ[WORKER_CONFIG] = worker_config(settings(ctx), chosen)
            uvicorn.run("stockout.cli.server:worker_app", factory=True, workers=workers,
                        host=host, port=port, log_level="warning", access_log=access_log,
                        http=HttpProtocol)
        else:
            uvicorn.run(_app(rt), host=host, port=port, log_level="warning",
                        access_log=access_log, http=HttpProtocol)
    finally:
        stop.set()
        rt.close()


def worker_app() -> FastAPI:
    """The application of one of `serve --workers N`'s processes (uvicorn calls this in each)."""
    from stockout.bootstrap import WORKER_CONFIG, worker_runtime

    return _app(worker_runtime(os.environ[WORKER_CONFIG]))


def _app(rt: Runtime) -> FastAPI:
    from stockout.api.app import create_app
    from stockout.bootstrap import settle_heap, step_times_dir

    folder = step_times_dir()
    if folder is not None:
        from stockout.services.common import steps

        steps.enable()
        target = folder / f"steps-{os.getpid()}.json"
        signal.signal(signal.SIGUSR1, lambda *_: steps.dump(target))
    app = create_app(rt)
    settle_heap()
    return app


def _sweep_once(rt: Runtime) -> tuple[SweepReport, int]:
    from stockout.services.worker.sweep import deliver_outbox, sweep_due

    report = sweep_due(rt.uow(), rt.rules, rt.clock)
    sent = deliver_outbox(rt.uow(), rt.clock, rt.notifier, packs=rt.rules.book.packs)
    return report, sent


def _sweep_loop(rt: Runtime, every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        try:
            _sweep_once(rt)
        except Exception as exc:  # keep serving; the next sweep tries again
            err.print(f"sweep failed: {reason(exc)}", highlight=False, markup=False)


def worker(ctx: typer.Context,
           once: Annotated[bool, typer.Option("--once", help="只检查一次，然后退出")] = False,
           every: Annotated[float, typer.Option(help="两次检查之间的秒数")] = 10,
           db: DbOpt = None, rules: StoreRulesOpt = "pdd", at: ClockOpt = None,
           deliver_to: Annotated[Path | None, typer.Option(
               "--deliver-to", help="通知送达的 JSON Lines 文件（默认数据目录中的 notifications.jsonl）")] = None
           ) -> None:
    """到期检查与通知发送 (re-judge due orders, deliver notifications)."""
    from stockout.services.notifications.delivery import JsonlNotifier

    chosen = server(ctx, db, rules, at)
    rt = runtime(ctx, chosen)
    if deliver_to is not None:
        rt.notifier = JsonlNotifier(deliver_to)
    t = settings(ctx).texts
    url = safe_url(chosen.db_url)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        if not once:
            out.print(t("worker_started", every=f"{every:g}", url=url), highlight=False)
        while True:
            started = time.monotonic()
            try:
                report, sent = _sweep_once(rt)
            except Exception as exc:  # the database went away: say so, try again later
                if once:
                    raise fail(t("db_error", url=url, reason=reason(exc))) from None
                err.print(t("db_error", url=url, reason=reason(exc)), highlight=False,
                          markup=False)
            else:
                if once or report.due or report.remedies or report.measures_ended or sent:
                    out.print(t("worker_swept", orders=report.due, issued=report.issued,
                                voided=report.voided, remedies=report.remedies,
                                measures=report.measures_ended, sent=sent), highlight=False)
            if once or stop.wait(max(0.0, every - (time.monotonic() - started))):
                break
    finally:
        rt.close()


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)

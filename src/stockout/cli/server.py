"""The online judge's commands: `serve`, `worker`, `tokens`, `db`. Thin: parse, build the
runtime (bootstrap), call a service, print. Registered on the main app by `register`."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from stockout.bootstrap import ServerSettings, Settings, server_settings

if TYPE_CHECKING:
    from stockout.bootstrap import Runtime
    from stockout.services.worker.sweep import SweepReport

out = Console()
err = Console(stderr=True)

DbOpt = Annotated[str | None, typer.Option(
    "--db", help="数据库 URL：sqlite:///FILE 或 postgresql://...（默认数据目录中的 SQLite 文件；"
                 "可用 STOCKOUT_DB 设置）")]
RulesOpt = Annotated[str, typer.Option("--rules", help="规则包 id、规则族或 TOML 文件")]
AtOpt = Annotated[str | None, typer.Option(
    "--at", help="固定时钟（RFC 3339，带时区），用于回放与测试；默认系统时间（STOCKOUT_NOW）")]

tokens_app = typer.Typer(help="访问令牌 (bearer tokens)", no_args_is_help=True)
db_app = typer.Typer(help="数据库 (the store's schema)", no_args_is_help=True)


def _settings(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(2)


def _server(ctx: typer.Context, db: str | None, rules: str = "pdd", at: str | None = None
            ) -> ServerSettings:
    try:
        return server_settings(_settings(ctx), db, rules, at)
    except ValueError as exc:
        raise _fail(str(exc)) from None


def _runtime(ctx: typer.Context, server: ServerSettings) -> Runtime:
    from stockout.bootstrap import build_runtime
    from stockout.domain.rulebook import PackError

    t = _settings(ctx).texts
    try:
        return build_runtime(_settings(ctx), server)
    except PackError as exc:
        raise _fail(str(exc)) from None
    except Exception as exc:  # a bad URL, an unreachable server: say which and why
        raise _fail(t("db_error", url=_safe(server.db_url), reason=_reason(exc))) from None


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def serve(ctx: typer.Context,
          host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="端口")] = 8000,
          db: DbOpt = None, rules: RulesOpt = "pdd", at: AtOpt = None,
          sweep_every: Annotated[float, typer.Option(
              "--sweep-every", help="每隔多少秒检查到期订单并发送通知（0：不检查，交给 worker）")] = 30,
          access_log: Annotated[bool, typer.Option(help="逐条记录请求")] = False) -> None:
    """启动 HTTP 接口 (serve the HTTP API; OpenAPI at /docs)."""
    import uvicorn

    from stockout.api.app import create_app

    server = _server(ctx, db, rules, at)
    runtime = _runtime(ctx, server)
    t = _settings(ctx).texts
    stop = threading.Event()
    if sweep_every > 0:
        threading.Thread(target=_sweep_loop, args=(runtime, sweep_every, stop), daemon=True,
                         name="stockout-sweeper").start()
    out.print(t("serving", host=host, port=port, url=_safe(server.db_url)), highlight=False,
              soft_wrap=True)
    try:
        uvicorn.run(create_app(runtime), host=host, port=port, log_level="warning",
                    access_log=access_log)
    finally:
        stop.set()
        runtime.close()


def _sweep_once(runtime: Runtime) -> tuple[SweepReport, int]:
    from stockout.services.worker.sweep import deliver_outbox, sweep_due

    report = sweep_due(runtime.uow(), runtime.rules, runtime.clock)
    sent = deliver_outbox(runtime.uow(), runtime.clock, runtime.notifier)
    return report, sent


def _sweep_loop(runtime: Runtime, every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        try:
            _sweep_once(runtime)
        except Exception as exc:  # keep serving; the next sweep tries again
            err.print(f"sweep failed: {_reason(exc)}", highlight=False, markup=False)


def worker(ctx: typer.Context,
           once: Annotated[bool, typer.Option("--once", help="只检查一次，然后退出")] = False,
           every: Annotated[float, typer.Option(help="两次检查之间的秒数")] = 10,
           db: DbOpt = None, rules: RulesOpt = "pdd", at: AtOpt = None,
           deliver_to: Annotated[Path | None, typer.Option(
               "--deliver-to", help="通知送达的 JSON Lines 文件（默认数据目录中的 notifications.jsonl）")] = None
           ) -> None:
    """到期检查与通知发送 (re-judge due orders, deliver notifications)."""
    from stockout.services.notifications.delivery import JsonlNotifier

    server = _server(ctx, db, rules, at)
    runtime = _runtime(ctx, server)
    if deliver_to is not None:
        runtime.notifier = JsonlNotifier(deliver_to)
    t = _settings(ctx).texts
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        if not once:
            out.print(t("worker_started", every=f"{every:g}", url=_safe(server.db_url)),
                      highlight=False)
        while True:
            started = time.monotonic()
            try:
                report, sent = _sweep_once(runtime)
            except Exception as exc:  # the database went away: say so, try again later
                if once:
                    raise _fail(t("db_error", url=_safe(server.db_url), reason=_reason(exc))
                                ) from None
                err.print(t("db_error", url=_safe(server.db_url), reason=_reason(exc)),
                          highlight=False, markup=False)
            else:
                if once or report.due or report.remedies or report.measures_ended or sent:
                    out.print(t("worker_swept", orders=report.due, issued=report.issued,
                                voided=report.voided, remedies=report.remedies,
                                measures=report.measures_ended, sent=sent), highlight=False)
            if once or stop.wait(max(0.0, every - (time.monotonic() - started))):
                break
    finally:
        runtime.close()


def tokens_create(ctx: typer.Context,
                  role: Annotated[str, typer.Option(help="platform、merchant 或 buyer")],
                  shop: Annotated[list[str] | None, typer.Option(
                      "--shop", help="商家令牌绑定的店铺（可多次）")] = None,
                  buyer: Annotated[str | None, typer.Option(help="买家令牌绑定的买家 id")] = None,
                  label: Annotated[str, typer.Option(help="备注")] = "",
                  db: DbOpt = None) -> None:
    """创建令牌并打印（只显示一次）(create a token and print it)."""
    from stockout.services.access.principals import Role
    from stockout.services.access.tokens import BadTokenRequest, create_token

    t = _settings(ctx).texts
    try:
        chosen = Role(role)
    except ValueError:
        raise _fail(f"--role: platform, merchant or buyer, not {role!r}") from None
    runtime = _runtime(ctx, _server(ctx, db))
    try:
        new = create_token(runtime.uow(), runtime.clock, chosen, shop or (), buyer, label)
    except BadTokenRequest as exc:
        raise _fail(t(exc.key)) from None
    finally:
        runtime.close()
    err.print(t("token_created", role=chosen.value, id=new.token_id), highlight=False)
    print(new.secret)


def tokens_list(ctx: typer.Context, db: DbOpt = None) -> None:
    """列出令牌（不含密钥）(list tokens, without secrets)."""
    from stockout.domain.times import format_time
    from stockout.services.access.tokens import list_tokens

    runtime = _runtime(ctx, _server(ctx, db))
    try:
        for row in list_tokens(runtime.uow()):
            state = "revoked" if row["revoked_at"] else "active"
            print(f"{row['id']}\t{row['role']}\t{row['shop_ids']}\t{row['buyer_id'] or ''}\t"
                  f"{state}\t{format_time(row['created_at'])}\t{row['label']}")  # type: ignore[arg-type]
    finally:
        runtime.close()


def tokens_revoke(ctx: typer.Context, token_id: Annotated[str, typer.Argument(help="令牌 id")],
                  db: DbOpt = None) -> None:
    """吊销令牌 (revoke a token)."""
    from stockout.services.access.tokens import revoke_token

    t = _settings(ctx).texts
    runtime = _runtime(ctx, _server(ctx, db))
    try:
        done = revoke_token(runtime.uow(), runtime.clock, token_id)
    finally:
        runtime.close()
    if not done:
        raise _fail(t("token_unknown", id=token_id))
    out.print(t("token_revoked", id=token_id), highlight=False)


def db_upgrade(ctx: typer.Context, db: DbOpt = None) -> None:
    """把数据库升级到最新结构 (apply the schema migrations)."""
    from stockout.bootstrap import build_runtime
    from stockout.store.migrate import current_revision, head_revision

    server = _server(ctx, db)
    t = _settings(ctx).texts
    try:
        runtime = build_runtime(_settings(ctx), server, migrate=False)
    except Exception as exc:
        raise _fail(t("db_error", url=_safe(server.db_url), reason=_reason(exc))) from None
    try:
        before = current_revision(runtime.store)
        from stockout.store.migrate import upgrade

        upgrade(runtime.store)
        after = head_revision(runtime.store)
    except Exception as exc:
        raise _fail(t("db_error", url=_safe(server.db_url), reason=_reason(exc))) from None
    finally:
        runtime.close()
    if before == after:
        out.print(t("db_current", rev=after, url=_safe(server.db_url)), highlight=False)
    else:
        out.print(t("db_upgraded", before=before or "∅", after=after, url=_safe(server.db_url)),
                  highlight=False)


def register(app: typer.Typer) -> None:
    """Add the server commands to the `stockout` command."""
    app.command()(serve)
    app.command()(worker)
    tokens_app.command("create")(tokens_create)
    tokens_app.command("list")(tokens_list)
    tokens_app.command("revoke")(tokens_revoke)
    db_app.command("upgrade")(db_upgrade)
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(db_app, name="db")

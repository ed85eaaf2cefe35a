"""`stockout demo-console`: the web console on a store filled with a small living shop, with a
sign-in for each role printed, so that a newcomer sees the console in one command."""

from __future__ import annotations

import json
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from stockout.bootstrap import Runtime

out = Console()

_WORDS = {
    "title": ("控制台登录（令牌只显示这一次）", "Console sign-ins (tokens shown once)"),
    "open": ("打开 {url} ，粘贴对应令牌登录；按 Ctrl+C 停止。",
             "Open {url} and paste a token to sign in; Ctrl+C stops."),
    "store_not_empty": ("数据库里已有订单：演示数据只写入空库（不加 --db 即用临时库）。",
                        "The database already has orders: the demo only fills an empty store "
                        "(leave out --db for a throw-away one)."),
}


def demo_console(ctx: typer.Context,
                 host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
                 port: Annotated[int, typer.Option(help="端口")] = 8000,
                 db: Annotated[str | None, typer.Option(
                     "--db", help="写入演示数据的空数据库 URL（默认：临时 SQLite，退出即删除）")] = None,
                 serve: Annotated[bool, typer.Option(
                     "--serve/--no-serve", help="--no-serve：只写入数据并以 JSON 打印令牌")] = True,
                 ) -> None:
    """演示控制台：写入演示店铺并启动控制台 (load a demo shop and serve the web console)."""
    from datetime import UTC, datetime

    from stockout.cli.common import fail, runtime, server, settings

    chosen = settings(ctx)
    lang = 0 if chosen.lang.value == "zh" else 1
    with tempfile.TemporaryDirectory(prefix="stockout-console-") as folder:
        url = db or f"sqlite:///{Path(folder) / 'console.db'}"
        rt = runtime(ctx, server(ctx, url))
        try:
            from stockout.simulation.console_demo import load_demo, store_is_empty

            if not store_is_empty(rt.uow()):
                raise fail(_WORDS["store_not_empty"][lang])
            tokens = load_demo(rt.uow, rt.rules, datetime.now(UTC))
            if not serve:
                print(json.dumps(tokens.as_dict(), ensure_ascii=False))
                return
            _print_sign_ins(tokens.as_dict(), f"http://{host}:{port}/console/", lang)
            _serve(rt, host, port)
        finally:
            rt.close()


def _print_sign_ins(tokens: dict[str, str], url: str, lang: int) -> None:
    """One line a role, the token last and unbroken, so that it copies whole."""
    from stockout.simulation.console_demo import BUYER, OTHER_BUYER, OTHER_SHOP, SHOP

    whom = {"platform": "", "merchant": SHOP, "other_merchant": OTHER_SHOP, "buyer": BUYER,
            "other_buyer": OTHER_BUYER}
    out.print(f"[bold]{_WORDS['title'][lang]}[/]")
    for role, secret in tokens.items():
        print(f"  {role:<15} {whom[role]:<8} {secret}")
    out.print(_WORDS["open"][lang].format(url=url), highlight=False, soft_wrap=True)


def _serve(runtime: Runtime, host: str, port: int) -> None:
    import uvicorn

    from stockout.api.app import create_app
    from stockout.cli.server import _sweep_loop

    stop = threading.Event()
    threading.Thread(target=_sweep_loop, args=(runtime, 30.0, stop), daemon=True,
                     name="stockout-sweeper").start()
    try:
        uvicorn.run(create_app(runtime), host=host, port=port, log_level="warning")
    finally:
        stop.set()


def register(app: typer.Typer) -> None:
    app.command("demo-console")(demo_console)

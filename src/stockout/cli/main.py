"""The `stockout` command: the app, its callback (`--lang`, read before or after the
subcommand), and the command groups, each in a module of its own. Commands parse, call a
service, print; bad usage is exit 2."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from stockout.bootstrap import load_settings
from stockout.cli import (
    appeals,
    bulk,
    buyer,
    console,
    db,
    judging,
    rules,
    server,
    simulation,
    stock,
    sync,
    tokens,
    triage,
)
from stockout.cli.common import fail

LANG = "--lang"


class LangAnywhere(TyperGroup):
    """`--lang` belongs to the app but may also follow the subcommand (`stockout worker --once
    --lang en`): it is moved in front of the subcommand before the arguments are parsed. An
    argument after `--` is left alone."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # ctx: click's Context
        front: list[str] = []
        rest: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                rest += args[i:]
                break
            if arg == LANG and i + 1 < len(args):
                front += args[i:i + 2]
                i += 2
                continue
            if arg.startswith(LANG + "="):
                front.append(arg)
            else:
                rest.append(arg)
            i += 1
        return super().parse_args(ctx, front + rest)


app = typer.Typer(cls=LangAnywhere, help="stockout：判定商家无法按时发货时的违规、赔付与补救。",
                  no_args_is_help=True, add_completion=False, rich_markup_mode="rich")


@app.callback()
def _main(ctx: typer.Context,
          lang: Annotated[str | None, typer.Option(LANG, help="zh（默认）或 en")] = None) -> None:
    try:
        ctx.obj = load_settings(lang)
    except ValueError as exc:
        raise fail(str(exc)) from None


# Commands are listed in `--help` in the order they are added here, the groups after them.
app.add_typer(rules.app, name="rules")
app.add_typer(tokens.app, name="tokens")
app.add_typer(db.app, name="db")
app.add_typer(sync.app, name="sync")
judging.register(app)  # judge, explain
simulation.register(app)  # simulate, demo
server.register(app)  # serve, worker
bulk.register(app)  # whatif
stock.register(app)  # audit, report, plan
appeals.register(app)  # appeals list|file|decide, measures, reputation
console.register(app)  # demo-console
triage.register(app)  # triage
buyer.register(app)  # answers, tickets, aftersales


def main() -> None:
    """Run the command; a stockout error no command caught ends it with the table's exit code."""
    from stockout.cli.common import failed
    from stockout.errors import StockoutError

    try:
        app()
    except StockoutError as exc:
        raise SystemExit(failed(exc).exit_code) from None

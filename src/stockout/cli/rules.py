"""`stockout rules list|show|diff`: the rule packs shipped, one pack's figures, what changed."""

from __future__ import annotations

from typing import Annotated

import typer

from stockout.cli.common import fail, out, settings
from stockout.domain.rulebook import PackError, RulePack
from stockout.domain.times import format_time

app = typer.Typer(help="规则包：查看与比较 (rule packs: show and compare)", no_args_is_help=True)


@app.command("list")
def rules_list(ctx: typer.Context) -> None:
    """列出内置规则包 (list the packs shipped)."""
    from rich.table import Table

    from stockout.rulepacks import builtin_packs

    table = Table()
    for col in ("id", "family", "version", "effective", "title"):
        table.add_column(col)
    for p in builtin_packs():
        table.add_row(p.id, p.family, p.version, format_time(p.effective), p.title)
    out.print(table)


def _one_pack(spec: str) -> RulePack:
    from stockout.rulepacks import resolve_rules

    try:
        return resolve_rules(spec).packs[-1]
    except PackError as exc:
        raise fail(str(exc)) from None


@app.command("show")
def rules_show(ctx: typer.Context, pack: Annotated[str, typer.Argument(help="规则包 id 或文件")]) -> None:
    """显示规则包的全部数值 (a pack's figures as a table)."""
    from stockout.reports import pack_table

    out.print(pack_table(_one_pack(pack), settings(ctx).texts))


@app.command("diff")
def rules_diff(ctx: typer.Context, a: Annotated[str, typer.Argument(help="规则包 A")],
               b: Annotated[str, typer.Argument(help="规则包 B")]) -> None:
    """比较两个规则包 (what changed between two packs)."""
    from stockout.reports import diff_table

    t = settings(ctx).texts
    table = diff_table(_one_pack(a), _one_pack(b), t)
    out.print(table if table is not None else t("no_diff"))

"""`stockout triage SHOP`: the shop's shortage plan as a table (each order's action, its cost,
the next best action and why), with what first come first served and earliest deadline first
would cost; `--apply` carries out its reports and restock proposals in one step. Thin: parse,
call the services, print."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from stockout.cli.common import ClockOpt, DbOpt, err, failed, open_runtime, out, settings
from stockout.domain.money import format_yuan
from stockout.errors import StockoutError

SHOWN = 50  # decisions printed; the totals cover all


def triage(ctx: typer.Context,
           shop: Annotated[str, typer.Argument(help="店铺 (the shop)")],
           horizon: Annotated[int, typer.Option("--horizon", min=1, max=30,
                                                help="规划天数，从今天起 (days planned)")] = 7,
           margin_percent: Annotated[int, typer.Option(
               "--margin-percent", min=0, max=100,
               help="退款损失的毛利率 (the margin lost with a refund)")] = 0,
           apply: Annotated[bool, typer.Option(
               "--apply", help="执行方案中的报备与补货日期提议 (carry out its reports and "
                               "proposals)")] = False,
           show_all: Annotated[bool, typer.Option("--all", help="列出全部订单")] = False,
           db: DbOpt = None, at: ClockOpt = None) -> None:
    """缺货分流：每个订单发货、报备、换货、补货还是退款 (which orders to ship, report,
    substitute, restock or refund). Exit 0 when planned (and applied), 2 on bad usage."""
    from stockout.services.access.principals import CLI
    from stockout.services.triage.apply import apply_decisions
    from stockout.services.triage.plan import triage as plan_triage

    t = settings(ctx).texts
    runtime = open_runtime(ctx, db, at=at)
    try:
        plan = plan_triage(runtime.uow(), runtime.rules, runtime.clock, CLI, shop, horizon,
                           margin_percent)
        _print(t, plan, show_all)
        if apply:
            done = apply_decisions(runtime.uow(), runtime.rules, runtime.clock, CLI, shop,
                                   plan["decisions"], horizon)
            for r in done["refused"]:
                err.print(t("report_refused_cli", order=r["order_id"], rule=r["rule"],
                            reason=t(f"refusal_{r['code']}")), highlight=False)
            out.print(t("triage_applied", reported=len(done["reported"]),
                        proposed=len(done["proposed"]), refused=len(done["refused"]),
                        left=len(done["not_applied"])), highlight=False)
    except StockoutError as exc:
        raise failed(exc) from None
    finally:
        runtime.close()


def _print(t: Any, plan: dict[str, Any], show_all: bool) -> None:
    table = Table(title=t("triage_title", shop=plan["shop_id"], days=plan["horizon_days"]))
    for column in ("order", "triage_action", "triage_day", "triage_cost", "triage_next",
                   "triage_saves", "why"):
        table.add_column(t(column))
    decisions = plan["decisions"] if show_all else plan["decisions"][:SHOWN]
    for d in decisions:
        alt = d["alternative"]
        action = t(f"triage_{d['action']}")
        if d["action"] == "substitute":
            action += f" {d['sku_id']}"
        table.add_row(d["order_id"], action, d["day"] or "—", format_yuan(d["cost_cents"]),
                      f"{t('triage_' + alt['action'])} {format_yuan(alt['cost_cents'])}"
                      if alt else "—",
                      format_yuan(d["saves_cents"]) if d["saves_cents"] is not None else "—",
                      t(f"triage_why_{d['why']}"))
    out.print(table)
    if len(decisions) < len(plan["decisions"]):
        out.print(t("triage_shown", shown=len(decisions), total=len(plan["decisions"])),
                  highlight=False)
    b = plan["baselines"]
    out.print(t("triage_summary", cost=format_yuan(plan["cost_cents"]),
                fcfs=format_yuan(b["fcfs"]), edf=format_yuan(b["edf"]),
                saves=format_yuan(plan["savings_vs_edf_cents"]), reports=plan["reports_left"],
                method=t(f"triage_method_{plan['method']}")), highlight=False)
    if plan["note"]:
        out.print(plan["note"], highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add `triage` to the `stockout` command."""
    app.command()(triage)

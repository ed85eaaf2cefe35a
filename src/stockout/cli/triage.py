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
from stockout.i18n import Texts

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
                      why(t, d))
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


def _md(day: str | None) -> str:
    """A plan day as a merchant reads it in a table: month-day (the plan spans days)."""
    return day[5:] if day else "—"


def _option(t: Texts, x: dict[str, Any]) -> str:
    return t(f"triage_opt_{x['action']}", day=_md(x["day"]), sku=x["sku_id"])


def why(t: Texts, d: dict[str, Any]) -> str:
    """The decision's why in words: what the order does and what it costs, then what makes it
    the choice (the only one left, cheaper than the next best, a tie broken for the buyer's own
    item or the sale, or a cheaper one kept out by orders due earlier or today's report limit)."""
    action, receipt = d["action"], d.get("receipt_day")
    key = f"triage_do_{action}" + ("_receipt" if receipt and action in ("ship", "restock")
                                   else "")
    do = t(key, day=_md(d["day"]), receipt=_md(receipt), sku=d["sku_id"])
    pays = t(f"triage_pays_{d['cost_basis']}", cost=format_yuan(d["cost_cents"]))
    alt, code = d["alternative"], d["why"]
    if code in ("stock", "report_limit") and d.get("gave_up"):
        taken = d.get("taken_by") or []
        orders = ", ".join(taken[:3])
        if len(taken) > 3:
            orders = t("triage_more_orders", orders=orders, n=len(taken))
        return t(f"triage_why_{code}", do=do, pays=pays, gave_up=_option(t, d["gave_up"]),
                 gave_up_cost=format_yuan(d["gave_up"]["cost_cents"]), orders=orders)
    if code == "tie" and alt is not None:
        keeps = ("triage_keeps_own" if action in ("ship", "restock")
                 and alt["action"] == "substitute" else "triage_keeps_remedy"
                 if action == "report" else "triage_keeps_sale")
        return t("triage_why_tie", do=do, pays=pays, next=_option(t, alt), keeps=t(keeps))
    if code == "cheapest" and alt is not None:
        return t("triage_why_cheapest", do=do, pays=pays, next=_option(t, alt),
                 saves=format_yuan(d["saves_cents"]))
    return t("triage_why_only_option", do=do, pays=pays)


def register(app: typer.Typer) -> None:
    """Add `triage` to the `stockout` command."""
    app.command()(triage)

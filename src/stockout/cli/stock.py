"""Stock commands: `audit` recomputes every balance from the ledger and the orders, prints the
findings, and with `--repair` fixes each by an entry that says why; `report` reports an order
or a whole SKU out of stock (缺货报备); `plan` prints a SKU's shipping plan. Thin: parse, call
the service, print."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from stockout.cli.common import ClockOpt, DbOpt, fail, failed, open_runtime, out, settings
from stockout.errors import StockoutError


def audit(ctx: typer.Context,
          repair: Annotated[bool, typer.Option(
              "--repair", help="写入说明原因的调整/释放记录来修复 (write entries that say why)")]
          = False,
          db: DbOpt = None) -> None:
    """审计库存：用台账与订单重算每个商品的余额 (audit stock against the ledger and orders).
    Exit 0 when nothing is found or everything found was repaired, 1 otherwise."""
    from stockout.services.stock.audit import audit_stock

    t = settings(ctx).texts
    runtime = open_runtime(ctx, db)
    try:
        findings = audit_stock(runtime.uow(), runtime.clock, repair)
        with runtime.uow().reader() as r:
            skus = len(r.stock.all())
    finally:
        runtime.close()
    if not findings:
        out.print(t("audit_clean", skus=skus), highlight=False)
        return
    table = Table(title=t("audit_title"))
    for column in ("audit_sku", "order", "audit_finding", "details", "audit_repair"):
        table.add_column(t(column))
    for f in findings:
        table.add_row(f.sku_id, f.order_id or "", t(f"finding_{f.kind}"), f.detail, f.repair)
    out.print(table)
    fixed = sum(1 for f in findings if f.repair and not f.repair.startswith("not repaired"))
    if repair:
        out.print(t("audit_repaired", n=len(findings), fixed=fixed), highlight=False)
    else:
        out.print(t("audit_found", n=len(findings)), highlight=False)
    if fixed < len(findings):
        raise typer.Exit(1)


def report(ctx: typer.Context,
           order_id: Annotated[str | None, typer.Argument(help="订单号 (the order)")] = None,
           sku: Annotated[str | None, typer.Option(
               "--sku", help="报备整个商品：覆盖其所有未揽收订单 (a whole SKU)")] = None,
           reason: Annotated[str, typer.Option("--reason", help="原因")] = "缺货",
           db: DbOpt = None, at: ClockOpt = None) -> None:
    """缺货报备：下架商品并报备订单缺货 (report an order or a whole SKU out of stock).
    Exit 0 when reported, 1 when the pack refuses (the rule is printed), 2 on bad usage."""
    from stockout.services.access.principals import CLI
    from stockout.services.stock.self_report import ReportRefused, report_order, report_sku

    t = settings(ctx).texts
    if (order_id is None) == (sku is None):
        raise fail("give an ORDER_ID or --sku SKU (one of them)")
    runtime = open_runtime(ctx, db, at=at)
    try:
        if sku is not None:
            done = report_sku(runtime.uow(), runtime.rules, runtime.clock, CLI, sku, reason)
            for r in done.reported:
                out.print(t("report_already" if r.already else "report_done", order=r.order_id,
                            event=r.event_id), highlight=False)
            for x in done.refused:
                out.print(t("report_refused_cli", order=x.order_id, rule=x.rule,
                            reason=t(f"refusal_{x.refusal.value}")), highlight=False)
            out.print(t("report_sku_done", sku=sku, n=len(done.reported),
                        refused=len(done.refused)), highlight=False)
            return
        assert order_id is not None
        one = report_order(runtime.uow(), runtime.rules, runtime.clock, CLI, order_id, reason)
        out.print(t("report_already" if one.already else "report_done", order=one.order_id,
                    event=one.event_id), highlight=False)
    except ReportRefused as exc:
        raise failed(exc, t("report_refused_cli", order=exc.order_id, rule=exc.rule,
                            reason=t(f"refusal_{exc.refusal.value}"))) from None
    except StockoutError as exc:
        raise failed(exc) from None
    finally:
        runtime.close()


def plan(ctx: typer.Context, sku: Annotated[str, typer.Argument(help="商品 (the SKU)")],
         db: DbOpt = None, at: ClockOpt = None) -> None:
    """发货计划：可售上限与有风险订单 (a SKU's listing cap and orders at risk)."""
    from stockout.services.access.principals import CLI
    from stockout.services.stock.capacity import capacity_plan

    t = settings(ctx).texts
    runtime = open_runtime(ctx, db, at=at)
    try:
        p = capacity_plan(runtime.uow(), runtime.rules, runtime.clock, CLI, sku)
    except StockoutError as exc:
        raise failed(exc) from None
    finally:
        runtime.close()
    table = Table(title=t("plan_title", sku=sku))
    for column in ("order", "count", "deadline", "plan_ship_day", "plan_at_risk"):
        table.add_column(t(column))
    for o in p["orders"]:
        table.add_row(o["order_id"], str(o["quantity"]), o["deadline"], o["ship_day"] or "—",
                      "⚠" if o["at_risk"] else "")
    out.print(table)
    out.print(t("plan_summary", daily=p["daily_capacity"], cap=p["listing_cap"],
                n=len(p["at_risk"])), highlight=False)


def register(app: typer.Typer) -> None:
    """Add the stock commands to the `stockout` command."""
    app.command()(audit)
    app.command()(report)
    app.command()(plan)

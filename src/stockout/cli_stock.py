"""Stock commands: `audit` recomputes every balance from the ledger and the orders, prints the
findings, and with `--repair` fixes each by an entry that says why. Thin: parse, call the
service, print."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from stockout.cli_server import DbOpt, _runtime, _server, _settings, out


def audit(ctx: typer.Context,
          repair: Annotated[bool, typer.Option(
              "--repair", help="写入说明原因的调整/释放记录来修复 (write entries that say why)")]
          = False,
          db: DbOpt = None) -> None:
    """审计库存：用台账与订单重算每个商品的余额 (audit stock against the ledger and orders).
    Exit 0 when nothing is found or everything found was repaired, 1 otherwise."""
    from stockout.services.stock_audit import audit_stock

    t = _settings(ctx).texts
    runtime = _runtime(ctx, _server(ctx, db))
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


def register(app: typer.Typer) -> None:
    """Add the stock commands to the `stockout` command."""
    app.command()(audit)

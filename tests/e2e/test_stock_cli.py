"""`stockout audit`: a Rich table of findings, exit 1 while any is left; `--repair` fixes each
with an entry that says why, after which the audit is clean (both stores)."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_stock_audit_contract import damaged
from tests.online import Bench, environment, stockout


def test_audit_reports_then_repairs_a_damaged_ledger(bench: Bench, tmp_path: Path) -> None:
    damaged(bench)
    env = environment(tmp_path / "data")
    url = bench.store.url
    found = stockout("--lang", "en", "audit", "--db", url, env=env)
    assert found.returncode == 1, found.stderr
    assert "closed order still holds stock" in found.stdout
    assert "open order holds no reservation" in found.stdout
    assert "3 findings" in found.stdout
    repaired = stockout("--lang", "en", "audit", "--repair", "--db", url, env=env)
    assert repaired.returncode == 0, repaired.stderr
    assert "3 findings, 3 repaired" in repaired.stdout
    clean = stockout("audit", "--db", url, env=env)
    assert clean.returncode == 0 and "未发现问题" in clean.stdout


def test_report_command_delists_reports_and_prints_a_refusals_rule(bench: Bench,
                                                                   tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    from stockout.services.stock import movements as stock
    from tests.helpers import Order

    cst = timezone(timedelta(hours=8))
    t = datetime(2025, 3, 3, 10, 0, tzinfo=cst)
    stock.register_sku(bench.at(t - timedelta(hours=3)).uow(), bench.clock, "K1", "s1")
    stock.receive(bench.uow(), bench.clock, "K1", 5)
    for order_id, campaign in (("A", None), ("C", True)):
        o = Order(order_id, t - timedelta(hours=2), shop_id="s1", campaign=campaign)
        o.events[0].update(sku_id="K1")
        o.confirm(t - timedelta(hours=1))
        bench.at(t).post(o)
    env = environment(tmp_path / "data")
    url, now = bench.store.url, (t + timedelta(hours=1)).isoformat()
    refused = stockout("--lang", "en", "report", "C", "--db", url, "--at", now, env=env)
    assert refused.returncode == 1
    assert "pdd-2025/self_report/campaign" in refused.stderr
    done = stockout("--lang", "en", "report", "--sku", "K1", "--db", url, "--at", now, env=env)
    assert done.returncode == 0, done.stderr
    assert "Order A reported out of stock" in done.stdout
    assert "1 orders reported, 1 refused" in done.stdout
    assert stock.stock_of(bench.uow(), "K1").listing.value == "delisted_manual"
    usage = stockout("report", "--db", url, env=env)
    assert usage.returncode == 2


def test_plan_command_prints_listing_cap_and_orders_at_risk(bench: Bench, tmp_path: Path
                                                            ) -> None:
    from datetime import datetime, timedelta, timezone

    from stockout.services.access.principals import CLI
    from stockout.services.stock import movements as stock
    from stockout.services.stock.capacity import set_capacity
    from tests.helpers import Order

    t = datetime(2025, 3, 3, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    stock.register_sku(bench.at(t - timedelta(hours=3)).uow(), bench.clock, "K1", "s1")
    stock.receive(bench.uow(), bench.clock, "K1", 1)
    set_capacity(bench.uow(), bench.clock, CLI, "K1", 1)
    for order_id in ("A", "B"):
        o = Order(order_id, t - timedelta(hours=2), shop_id="s1")
        o.events[0].update(sku_id="K1")
        o.confirm(t - timedelta(hours=1))
        bench.at(t).post(o)
    env = environment(tmp_path / "data")
    shown = stockout("--lang", "en", "plan", "K1", "--db", bench.store.url, "--at",
                     t.isoformat(), env=env)
    assert shown.returncode == 0, shown.stderr
    assert "Daily shipping capacity 1; 0 more can be sold; 1 orders at risk." in shown.stdout

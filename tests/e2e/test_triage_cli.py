"""`stockout triage SHOP`: the plan as a Rich table in Chinese (English with --lang en), the
baselines and the method; `--apply` carries out its reports and proposals (both stores)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.online import Bench, environment, stockout


@pytest.mark.slow  # two runs of the command line on each store
def test_triage_command_prints_the_plan_and_applies_its_reports(bench: Bench, tmp_path: Path
                                                                ) -> None:
    from stockout.services.access.principals import CLI
    from stockout.services.stock import movements as stock
    from stockout.services.stock.capacity import set_capacity
    from tests.helpers import Order

    t = datetime(2025, 3, 3, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    stock.register_sku(bench.at(t - timedelta(hours=3)).uow(), bench.clock, "K1", "s1")
    stock.receive(bench.uow(), bench.clock, "K1", 1)
    set_capacity(bench.uow(), bench.clock, CLI, "K1", 5)
    for order_id, campaign in (("A", None), ("C", True)):
        o = Order(order_id, t - timedelta(hours=2), shop_id="s1", campaign=campaign)
        o.events[0].update(sku_id="K1")
        o.confirm(t - timedelta(hours=1))
        bench.at(t).post(o)
    env = environment(tmp_path / "data")
    url, now = bench.store.url, (t + timedelta(hours=1)).isoformat()
    zh = stockout("triage", "s1", "--db", url, "--at", now, "--apply", env=env)
    assert zh.returncode == 0, zh.stderr
    assert "店铺 s1 的缺货分流方案" in zh.stdout and "最早截止优先" in zh.stdout
    assert "已报备 1 单" in zh.stdout  # A (C is a campaign order: it ships the unit)
    # Each why says what the order does and what makes it the choice.
    assert "本单最省" not in zh.stdout
    assert "用现有库存发货，不用赔付" in zh.stdout  # C
    # A could ship the unit alone, but the campaign order C (not reportable) gets it.
    assert "但那批库存或发货能力已安排给订单 C" in zh.stdout
    en = stockout("--lang", "en", "triage", "s1", "--db", url, "--at", now, env=env)
    assert en.returncode == 0, en.stderr
    assert "Shortage triage of shop s1 (7 days)" in en.stdout and "optimal" in en.stdout
    assert "restock" in en.stdout  # A now has its stockout and waits for the goods

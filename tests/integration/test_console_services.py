"""The console's read models on each store, over the demo shop (`simulation.console_demo`):
the message check reads chat as the judge does, the report quota counts the day's admitted
reports, an announcement preview writes nothing, and nobody sees another party's data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stockout.domain.language import Lang
from stockout.rulepacks import resolve_rules
from stockout.services.access.principals import NotFound, Principal, Role
from stockout.services.common.clock import FixedClock
from stockout.services.console.merchant import check_message, report_quota, work_queue
from stockout.services.console.platform import announcement_preview
from stockout.services.console.views import buyer_orders, explained_order
from stockout.services.judging.rules import Rules
from stockout.services.stock.self_report import report_order
from stockout.simulation.console_demo import BUYER, OTHER_SHOP, SHOP, load_demo
from stockout.store.engine import Store
from stockout.store.uow import UnitOfWork

NOW = datetime(2025, 6, 10, 4, 0, tzinfo=UTC)
RULES = Rules(resolve_rules("pdd"))
MERCHANT = Principal(Role.MERCHANT, "m", frozenset({SHOP}))
PLATFORM = Principal(Role.PLATFORM, "p")


def test_the_message_check_uses_the_judges_phrase_lists_and_names_each_rule() -> None:
    said = check_message(RULES, NOW, "亲，这款暂时沒 貨了，您自己申请退款吧")
    assert said.admission == "没货" and said.admission_rule == "pdd-2025/stockout/merchant_chat"
    assert said.induce is not None and said.induce_rule == "pdd-2025/stockout/induced_refund"
    assert check_message(RULES, NOW, "放心，我们不缺货，今天就发").clean


def test_the_demo_shop_through_the_console_read_models(store: Store) -> None:
    def uow() -> UnitOfWork:
        return UnitOfWork(store)

    load_demo(uow, RULES, NOW)
    queue = work_queue(uow(), RULES, MERCHANT, SHOP, NOW)
    ids = [i["order_id"] for i in queue]
    assert ids[:2] == ["o-0902", "o-1005"]  # the late ones first, then by time left
    chat = next(i for i in queue if i["order_id"] == "o-1004")
    assert chat["may_propose"] and chat["remedy"]["substitutes"][0]["sku_id"] == "sku-tea-blc"
    assert report_quota(uow(), RULES, MERCHANT, SHOP, NOW).left == 10
    report_order(uow(), RULES, FixedClock(NOW), MERCHANT, "o-1001", "缺货")
    quota = report_quota(uow(), RULES, MERCHANT, SHOP, NOW)
    assert (quota.used, quota.left, quota.rule) == (1, 9, "pdd-2025/self_report/daily_limit")

    with pytest.raises(NotFound):
        work_queue(uow(), RULES, MERCHANT, OTHER_SHOP, NOW)
    with pytest.raises(NotFound):
        explained_order(uow(), RULES, MERCHANT, "o-2001", Lang.ZH)
    buyer = Principal(Role.BUYER, "b", buyer_id=BUYER)
    assert [o["order_id"] for o in buyer_orders(uow(), buyer)] == ["o-1001"]
    assert buyer_orders(uow(), MERCHANT) == []

    shown = explained_order(uow(), RULES, buyer, "o-1001", Lang.ZH)
    assert shown["verdicts"][0]["rule"] == "pdd-2025/stockout/self_report"
    assert "报备缺货" in shown["verdicts"][0]["why"]

    window = {"id": "storm", "starts": (NOW - timedelta(days=1)).isoformat(),
              "ends": (NOW + timedelta(days=2)).isoformat(), "extend_hours": 24}
    preview = announcement_preview(uow(), PLATFORM, window)
    shown = {p["order_id"] for p in preview["items"]}
    assert "o-1002" in shown and "o-0901" not in shown  # o-0901 was picked up
    assert all(p["extended"] > p["deadline"] for p in preview["items"])
    with uow().reader() as r:
        assert r.announcements.get("storm") is None

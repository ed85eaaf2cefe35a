"""The console's read models on each store, over the demo shop (`simulation.console_demo`):
the message check reads chat as the judge does, the report quota counts the day's admitted
reports, an announcement preview writes nothing, and nobody sees another party's data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stockout.domain.appeals import AppealRefusal, EvidenceRefusal
from stockout.domain.language import Lang
from stockout.rulepacks import resolve_rules
from stockout.services.access.principals import NotFound, Principal, Role
from stockout.services.aftersales.cases import request_return
from stockout.services.appeals.workflow import AppealRefused, BadAppeal, BadEvidence
from stockout.services.common.clock import FixedClock
from stockout.services.console.merchant import check_message, report_quota, work_queue
from stockout.services.console.platform import NoValidEvents, announcement_preview, whatif_file
from stockout.services.console.service import order_service, service_queues
from stockout.services.console.views import buyer_orders, explained_order, shop_verdicts
from stockout.services.judging.announcements import AnnouncementConflict, InvalidAnnouncement
from stockout.services.judging.rules import Rules
from stockout.services.stock.self_report import report_order
from stockout.simulation.console_demo import BUYER, OTHER_SHOP, SHOP, load_demo
from stockout.store.engine import Store
from stockout.store.uow import UnitOfWork
from stockout.web.refusals import refusal_text

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
    assert [o["order_id"] for o in buyer_orders(uow(), buyer)] == ["o-1006", "o-1001", "o-0903"]
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


def test_the_buyers_order_page_reads_the_answers_and_offers_only_the_steps_of_its_state(
        store: Store) -> None:
    def uow() -> UnitOfWork:
        return UnitOfWork(store)

    load_demo(uow, RULES, NOW)
    clock = FixedClock(NOW)
    buyer = Principal(Role.BUYER, "b", buyer_id=BUYER)
    view = explained_order(uow(), RULES, buyer, "o-0903", Lang.EN)
    care = order_service(uow(), RULES, clock, buyer, view, Lang.EN)
    assert care["answers"]["phase"] == "delivered"
    assert [a["question"] for a in care["answers"]["answers"]] == [
        "must_merchant_ship", "can_refund", "can_return", "contact", "compensation", "legal_claim"]
    assert {"request_return", "claim"} <= set(care["actions"])
    assert "request_refund" not in care["actions"]  # delivered: a return, not a refund
    assert care["waybills"][0]["tracking_no"] == "ZT900903"
    assert care["may_message"] and care["may_ticket"] and care["may_feedback"]

    request_return(uow(), RULES, clock, buyer, "o-0903", "偏小")
    view = explained_order(uow(), RULES, MERCHANT, "o-0903", Lang.ZH)
    merchant_side = order_service(uow(), RULES, clock, MERCHANT, view, Lang.ZH)
    assert [c["steps"] for c in merchant_side["cases"]] == [["answer_return"]]
    assert not merchant_side["may_ticket"] and not merchant_side["may_feedback"]
    queues = service_queues(uow(), clock, MERCHANT, SHOP)
    assert [c["order_id"] for c in queues["cases"]] == ["o-0903"]
    assert service_queues(uow(), clock, PLATFORM)["cases"] == []  # nothing escalated yet


def test_verdicts_newest_first_and_only_those_in_their_window_are_appealable(
        store: Store) -> None:
    def uow() -> UnitOfWork:
        return UnitOfWork(store)

    load_demo(uow, RULES, NOW)
    found = shop_verdicts(uow(), RULES, MERCHANT, SHOP, Lang.ZH, NOW)
    times = [v["detected_at"] for v in found]
    assert times == sorted(times, reverse=True)
    old = [v for v in found if v["order_id"] == "o-100"]
    assert old and not old[0]["appealable"]  # weeks old: the 7-day window closed
    fresh = [v for v in found if v["order_id"] == "o-1005"]
    assert fresh and fresh[0]["appealable"]
    appealed = [v for v in found if v["order_id"] == "o-0902"]
    assert appealed and not appealed[0]["appealable"]  # the demo appealed it already


def test_refusals_are_worded_by_their_reason_in_the_viewers_language() -> None:
    closed = AppealRefused(AppealRefusal.WINDOW_CLOSED, "verdict 2: window closed",
                           verdict_id=2, closed_at=NOW, rule="pdd-2025/appeals.window_days")
    zh = refusal_text(closed, Lang.ZH)
    assert zh.startswith("未执行：") and "申诉期已于 2025年6月10日 12:00（北京时间） 结束" in zh
    assert "pdd-2025/appeals.window_days" in zh and "window closed" not in zh
    assert "closed on 10 Jun 2025 12:00 (Beijing time)" in refusal_text(closed, Lang.EN)
    assert refusal_text(BadAppeal("reason: a rejection must say why"), Lang.ZH) == \
        "未执行：驳回申诉需要写明原因"
    assert "snow-north" in refusal_text(AnnouncementConflict(
        "announcement 'snow-north' exists with other figures"), Lang.ZH)
    assert "exists" not in refusal_text(AnnouncementConflict(
        "announcement 'snow-north' exists with other figures"), Lang.ZH)
    fields = refusal_text(ValueError("id, starts, ends, extend_hours"), Lang.ZH, field_error=True)
    assert "extend_hours" not in fields and "延长小时数" in fields and "公告 id" in fields
    bad = refusal_text(InvalidAnnouncement("extend_hours: input should be greater than 0"),
                       Lang.EN)
    assert bad == "Not done: Extra hours: must be greater than 0"
    typed = BadEvidence(0, "evil.png", EvidenceRefusal.TYPE_NOT_ALLOWED, "evidence[0] ...")
    assert refusal_text(typed, Lang.ZH) == \
        "未执行：证据文件“evil.png”的内容不是 PNG、JPEG、PDF 或纯文本"


def test_a_what_if_file_of_bad_lines_is_refused_with_its_rejections_and_a_mixed_one_lists_them(
        tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"event_id": "x", "type": "nonsense"}\nnot json\n', encoding="utf-8")
    with pytest.raises(NoValidEvents) as refused:
        whatif_file(bad, "pdd-2023", "pdd-2025", NOW)
    assert refused.value.rejected == 2 and [r.line for r in refused.value.first] == [1, 2]
    assert "第 1 行" in refusal_text(refused.value, Lang.ZH)
    placed = {"event_id": "A.placed", "order_id": "A", "type": "order_placed",
              "at": "2025-06-01T10:00:00+08:00", "shop_id": "s", "buyer_id": "b",
              "sku_id": "k", "quantity": 1, "paid_cents": 5000}
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(json.dumps(placed) + "\nnot json\n", encoding="utf-8")
    report = whatif_file(mixed, "pdd-2023", "pdd-2025", NOW)
    assert (report.events, report.rejected, report.first_rejections[0].line) == (1, 1, 2)

"""The scripted buyer journeys (stockout.simulation.journeys) end as a buyer, a merchant and
customer service would expect, on both stores; the example prints them in either language."""

from __future__ import annotations

import json
import re

import pytest
from rich.console import Console

from stockout.cli.buyer import journey_tables
from stockout.simulation.journeys import answers_by_phase, run_journeys
from stockout.store.engine import Store
from stockout.store.uow import UnitOfWork


def _events(store: Store, order_id: str) -> list[dict[str, object]]:
    with UnitOfWork(store).reader() as r:
        return [json.loads(e["raw"]) for e in r.events.of_order(order_id)]


def _said(result, key: str, lang: str, question: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [next(a["answer"] for a in s.answers[lang]["answers"] if a["question"] == question)
            for s in result.journey(key).snapshots]


@pytest.mark.slow
def test_buyer_journeys_end_as_each_side_expects(store: Store) -> None:
    result = run_journeys(store)
    phases = {j.key: [s.phase for s in j.snapshots] for j in result.journeys}
    assert phases == {
        "default_refund": ["before_deadline", "out_of_stock", "refunded"],
        "refund_escalated": ["late", "late", "refunded"],
        "return": ["shipped", "delivered", "delivered", "refunded"],
        "empty_parcel": ["delivered", "refunded"],
        "tickets": ["before_deadline"],
        "feedback": [],
        "states": ["placed", "remedy_chosen", "closed"],
    }
    assert set(answers_by_phase(result)) == {"placed", "before_deadline", "late", "out_of_stock",
                                             "remedy_chosen", "shipped", "delivered",
                                             "refunded", "closed"}
    with UnitOfWork(store).reader() as r:
        verdicts = {o: sorted((v["violation"], v["trigger"], v["compensation_cents"],
                               v["legal_claim_cents"]) for v in r.verdicts.of_order(o)
                              if v["status"] == "active") for o in ("o1", "o2", "o3", "o4")}
        coupons = {c["idempotency_key"]: c["amount_cents"]
                   for o in ("o1", "o2", "o4") for c in r.coupons.of_order(o)}
        remedy = r.remedies.get("o1")
        returned = r.stock.has_key("o3/return")
        tickets = {t["id"]: t for t in r.tickets.listed(None, None, None, None, 10)}
        fb = r.feedback.listed(None, None, None, False, 10)
    assert verdicts == {
        "o1": [("stockout", "self_report", 500, None)],
        "o2": [("late_shipment", "no_pickup_by_deadline", 300, None)],
        "o3": [],
        "o4": [("fraudulent_shipment", "claim_upheld", 2600, 50000)],  # 30 % of ¥88, down
    }
    assert coupons == {"o1/stockout/1": 500, "o2/late_shipment/1": 300,
                       "o4/fraudulent_shipment/1": 2600}
    assert remedy is not None and (remedy.state, remedy.chosen_by) == ("refund", "default")

    # 2: refused by the merchant, escalated, granted by the platform: each step an event.
    steps = [(e["type"], e.get("by"), e.get("upheld")) for e in _events(store, "o2")
             if e["type"] in ("refund_requested", "refund_decided", "aftersale_escalated",
                              "refund_completed")]
    assert steps == [("refund_requested", None, None), ("refund_decided", "merchant", False),
                     ("aftersale_escalated", None, None), ("refund_decided", "platform", True),
                     ("refund_completed", None, None)]
    assert "ask the platform to step in" in _said(result, "refund_escalated", "en",
                                                  "can_refund")[1]
    assert "申请平台介入" in _said(result, "refund_escalated", "zh", "can_refund")[1]

    # 3: the return's tracking number, the refund, the unit back in the ledger.
    o3 = _events(store, "o3")
    assert {"type": "return_shipped", "carrier": "YTO", "tracking_no": "YT9000001"}.items() \
        <= next(e for e in o3 if e["type"] == "return_shipped").items()
    assert [e["amount_cents"] for e in o3 if e["type"] == "refund_completed"] == [8800]
    assert returned
    assert "send the parcel back" in _said(result, "return", "en", "can_return")[2]

    # 4: the fraud verdict's legal note, in both languages.
    legal_en = _said(result, "empty_parcel", "en", "legal_claim")
    legal_zh = _said(result, "empty_parcel", "zh", "legal_claim")
    assert "decides your claim by" in legal_en[0]
    assert "art. 55" in legal_en[1] and "¥500.00" in legal_en[1] \
        and "does not remove the seller's legal liability" in legal_en[1]
    assert "第五十五条" in legal_zh[1] and "不能免除商家依法应承担的法律责任" in legal_zh[1]

    # 5: one ticket answered in time and closed; one overdue, answered late, reopened.
    first, second = tickets[1], tickets[2]
    assert (first["state"], first["answered_at"] <= first["respond_by"]) == ("closed", True)
    assert (second["state"], second["reopened"]) == ("open", 1)
    assert [h["step"] for h in json.loads(second["history"])] == ["open", "answer", "reopen"]
    overdue = next(s for s in result.journey("tickets").steps if "overdue" in s.what[1])
    assert overdue.outcome == ("工单 2 已超时", "ticket 2 overdue")
    assert "(overdue)" in _said(result, "tickets", "en", "contact")[0]

    # 6: feedback answered; each side told, in both languages.
    assert [(f["text"], f["reply"] is not None) for f in fb] == [("L 码偏小吗？", True)]
    topics = {(n["recipient"]["role"], n["topic"]) for n in result.notifications}
    assert {("merchant", "aftersale_refund_requested"), ("buyer", "aftersale_refund_refused"),
            ("buyer", "aftersale_platform_granted"), ("merchant", "aftersale_return_shipped"),
            ("buyer", "aftersale_claim_upheld"), ("merchant", "message_buyer"),
            ("buyer", "message_merchant"), ("merchant", "ticket_opened"),
            ("buyer", "ticket_answered"), ("merchant", "feedback_left"),
            ("buyer", "feedback_replied")} <= topics
    reply = next(n for n in result.notifications if n["topic"] == "feedback_replied")
    assert set(reply["texts"]) == {"zh", "en"} and "175 cm" in reply["texts"]["en"]["body"]

    # What `examples/buyer_journeys.py` prints, in both languages.
    for lang, texts in (("en", ("A refused refund the platform grants", "remedy pending",
                                "What a buyer is told in each state", "art. 55",
                                "delivered · Do I have a claim at law?",
                                "Must the merchant still ship?")),
                        ("zh", ("商家拒绝退款，平台介入支持买家", "各状态下买家得到的回答",
                                "商家还要发货吗？", "第五十五条"))):
        console = Console(record=True, width=200)
        for shown in journey_tables(result, lang):
            console.print(shown)
        printed = console.export_text()
        assert all(t in printed for t in texts), lang
        if lang == "zh":  # who and what happened in Chinese, times as people read them
            assert not re.search(r"│ (merchant|buyer|worker|platform) ", printed)
            assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", printed)  # no raw RFC 3339
            assert not re.search(r"verdicts \+|judged \d|ticket \d|o1\.stockout", printed)
            assert "│ 系统 │ 选择期限已过：自动全额退款" in printed
            assert "“请问什么时候能补货？”" in printed  # a chat row shows what was said
            assert "退款申请：待商家处理，商家须在 2025-06-16 12:00 前处理（逾期视为同意）" in printed
            assert "工单 2：待答复，须在 2025-07-14 14:00 前答复" in printed
            assert "· 截至 2025-06-02 10:00" in printed  # an answer table's title
            assert "等待发货（截至 2025-06-04 09:00）" in printed
        else:
            assert "refund request: waiting for the merchant, the merchant answers by " \
                   "2025-06-16 12:00 (silence grants it)" in printed

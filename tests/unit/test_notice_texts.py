"""What buyers and merchants read: the buyer addressed as 您 once, no rule ids, no stray
spaces, honest next steps by violation, times as people read them (data stay RFC 3339),
correct English, and a voided verdict's notice that says what became of the compensation."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from stockout.domain.language import Lang
from stockout.domain.times import human_time
from stockout.domain.verdicts import Trigger, Verdict, Violation
from stockout.rulepacks import resolve_rules
from stockout.services.notifications import notices
from stockout.services.remedies import notices as remedy_notices

CST = timezone(timedelta(hours=8))
AT = datetime(2025, 3, 5, 10, 0, tzinfo=CST)
PACK = resolve_rules("pdd-2025").packs[0]
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")

CASES = [(Violation.LATE_SHIPMENT, Trigger.NO_PICKUP_BY_DEADLINE),
         (Violation.STOCKOUT, Trigger.SELF_REPORT),
         (Violation.STOCKOUT, Trigger.MERCHANT_CHAT),
         (Violation.STOCKOUT, Trigger.INDUCED_REFUND),
         (Violation.STOCKOUT, Trigger.UNSHIPPED_AFTER_DEADLINE),
         (Violation.FAKE_SHIPMENT, Trigger.NO_SCAN_AFTER_UPLOAD),
         (Violation.FAKE_SHIPMENT, Trigger.ROUTE_MISMATCH),
         (Violation.FRAUDULENT_SHIPMENT, Trigger.CLAIM_UPHELD)]


def verdict(violation: Violation, trigger: Trigger) -> Verdict:
    legal = 50000 if violation is Violation.FRAUDULENT_SHIPMENT else None
    return Verdict("o1", violation, trigger, AT, AT - timedelta(hours=2), 500,
                   f"pdd-2025/{violation.value}/{trigger.value}", ("o1.e",), "s1", 5000,
                   "湖北", legal)


def payload(row: dict[str, Any]) -> dict[str, Any]:
    """The payload as read and delivered (texts made now where stored without them)."""
    return notices.with_texts(json.loads(row["payload"]))


def test_human_time_is_beijing_time_to_the_minute_in_both_languages() -> None:
    at = datetime(2025, 6, 4, 0, 0, 30, tzinfo=UTC)
    assert human_time(at, Lang.ZH) == "2025年6月4日 08:00（北京时间）"
    assert human_time(at, Lang.EN) == "4 Jun 2025 08:00 (Beijing time)"
    assert human_time(at) == human_time(at, "zh")
    assert human_time(datetime(2025, 12, 31, 16, 5, tzinfo=UTC), "en") == \
        "1 Jan 2026 00:05 (Beijing time)"


@pytest.mark.parametrize(("violation", "trigger"), CASES)
def test_the_buyers_coupon_notice_speaks_to_the_buyer_once_without_rule_ids(
        violation: Violation, trigger: Trigger) -> None:
    v = verdict(violation, trigger)
    p = payload(notices.coupon_issued(v, "k", "b1", PACK, AT))
    zh, en = p["texts"]["zh"]["body"], p["texts"]["en"]["body"]
    for text in (zh, en, p["texts"]["zh"]["title"], p["texts"]["en"]["title"]):
        assert v.rule not in text and "pdd-2025" not in text
        assert not RFC3339.search(text), text
        assert "  " not in text
    assert zh.startswith("很抱歉，您的订单 o1 ")
    assert "买家" not in zh and "。 " not in zh and "判定缺货，赔付" not in zh
    assert zh.count("¥5.00") == 1 and en.count("¥5.00") == 1  # said once, to 您
    assert en.startswith("We are sorry about your order o1: ")
    assert "the buyer" not in en and "ran into" not in en
    assert p["data"]["rule"] == v.rule  # the rule id stays in the data


def test_a_late_shipment_promises_no_remedy_offer_only_the_shipment_and_a_refund_route() -> None:
    p = payload(notices.coupon_issued(verdict(Violation.LATE_SHIPMENT,
                                              Trigger.NO_PICKUP_BY_DEADLINE), "k", "b1", PACK, AT))
    zh, en = p["texts"]["zh"]["body"], p["texts"]["en"]["body"]
    assert "商家仍须尽快为您发货" in zh and "售后服务中申请退款" in zh
    assert "发货时限2025年3月5日 08:00（北京时间）前" in zh
    assert "预售" not in zh and "换成" not in zh and "等待补货" not in zh
    assert "The merchant must still ship your order" in en and "after-sale" in en
    assert "presale" not in en and "substitute" not in en
    assert "which the platform counts as a late shipment" in en
    assert p["data"]["remedies"] == ["refund"]


def test_a_stockout_says_the_remedy_choice_comes_in_its_own_notice() -> None:
    p = payload(notices.coupon_issued(verdict(Violation.STOCKOUT, Trigger.SELF_REPORT), "k",
                                      "b1", PACK, AT))
    zh, en = p["texts"]["zh"]["body"], p["texts"]["en"]["body"]
    assert "商家于2025年3月5日 10:00（北京时间）报备所购商品缺货" in zh
    assert "平台会另行通知您选择处理方式" in zh
    assert "in a separate notice" in en and "a full refund" in en
    assert "which the platform counts as a stockout" in en
    assert p["data"]["remedies"] == ["wait", "substitute", "presale", "refund"]


def test_fake_and_fraudulent_shipments_keep_their_next_steps() -> None:
    fake = payload(notices.coupon_issued(verdict(Violation.FAKE_SHIPMENT,
                                                 Trigger.NO_SCAN_AFTER_UPLOAD), "k", "b1", PACK,
                                         AT))
    assert "如果包裹迟迟未到，您可以申请退款" in fake["texts"]["zh"]["body"]
    assert fake["data"]["remedies"] == ["refund"]
    fraud = payload(notices.coupon_issued(verdict(Violation.FRAUDULENT_SHIPMENT,
                                                  Trigger.CLAIM_UPHELD), "k", "b1", PACK, AT))
    assert "平台将为您全额退款；依法您还可以另行主张 ¥500.00" in fraud["texts"]["zh"]["body"]
    assert fraud["data"]["remedies"] == ["refund"]


def test_the_clawback_speaks_correct_english() -> None:
    v = verdict(Violation.LATE_SHIPMENT, Trigger.NO_PICKUP_BY_DEADLINE)
    p = payload(notices.coupon_taken_back(v, "k", "b1", "grounds_removed", "events:x", AT))
    assert "Your order o1 was earlier found to be a late shipment" in p["texts"]["en"]["body"]
    assert "您的订单 o1 此前被判定为延迟发货" in p["texts"]["zh"]["body"]


def test_the_merchants_verdict_notice_has_readable_times_and_the_rule() -> None:
    v = verdict(Violation.STOCKOUT, Trigger.SELF_REPORT)
    p = payload(notices.verdict_issued(v, 1, PACK, AT))
    zh, en = p["texts"]["zh"]["body"], p["texts"]["en"]["body"]
    assert "商家于2025年3月5日 10:00（北京时间）报备缺货" in zh and v.rule in zh
    assert "5 Mar 2025 10:00 (Beijing time)" in en and v.rule in en
    assert not RFC3339.search(zh + en) and "。 " not in zh
    assert p["data"]["verdict"]["detected_at"] == "2025-03-05T10:00:00+08:00"


def test_a_voided_verdict_says_what_became_of_the_compensation() -> None:
    v = verdict(Violation.STOCKOUT, Trigger.MERCHANT_CHAT)
    plain = payload(notices.verdict_voided(v, 1, "grounds_removed", "events:x", AT))
    assert "相应的赔付已取消" in plain["texts"]["zh"]["body"]
    kept = payload(notices.verdict_voided(v, 1, "appeal_approved", "appeal:1", AT,
                                          buyer_keeps=True))
    zh, en = kept["texts"]["zh"]["body"], kept["texts"]["en"]["body"]
    assert "已取消" not in zh and "仍归买家所有" in zh and "不再由店铺承担" in zh
    assert "cancelled" not in en and "keeps it" in en and "charged to the platform" in en
    assert kept["data"]["buyer_keeps_coupon"] is True
    replaced = payload(notices.verdict_voided(v, 1, "replaced", "events:x", AT))
    assert "已取消" not in replaced["texts"]["zh"]["body"]
    assert "新的判定" in replaced["texts"]["zh"]["body"]


def test_merchant_and_remedy_notices_show_readable_times_and_keep_rfc3339_data() -> None:
    warning = payload(notices.at_risk("o1", "s1", AT, 300, AT - timedelta(hours=6)))
    assert "须在2025年3月5日 10:00（北京时间）前揽收" in warning["texts"]["zh"]["body"]
    assert "picked up by 5 Mar 2025 10:00 (Beijing time)" in warning["texts"]["en"]["body"]
    assert warning["data"]["deadline"] == "2025-03-05T10:00:00+08:00"
    offer = payload(remedy_notices.offered("o1", "b1", AT, "refund", AT))
    assert "请在2025年3月5日 10:00（北京时间）前选择" in offer["texts"]["zh"]["body"]
    assert offer["data"]["choose_by"] == "2025-03-05T10:00:00+08:00"
    rows = [*remedy_notices.chosen("o1", "b1", "s1", "wait", False, AT, until=AT),
            *remedy_notices.chosen("o1", "b1", "s1", "refund", True, AT, refund_cents=5000,
                                   choose_by=AT),
            *remedy_notices.missed("o1", "b1", "s1", "wait", AT, 5000, "k", 500, AT)]
    for row in rows:
        p = payload(row)
        for lang in ("zh", "en"):
            assert not RFC3339.search(p["texts"][lang]["body"]), p["texts"][lang]["body"]
    assert payload(rows[0])["data"]["until"] == "2025-03-05T10:00:00+08:00"
    assert "what happens now is" in payload(rows[1])["texts"]["en"]["title"]
    measure = {"key": "m1", "shop_id": "s1", "sku_id": "k1", "offences": 3,
               "violation": "late_shipment", "kinds": '["warning"]', "rule_id": "r",
               "order_ids": '["o1"]', "starts": AT, "ends": AT + timedelta(days=7)}
    applied = payload(notices.measure_applied(measure, AT))
    assert "自2025年3月5日 10:00（北京时间）至2025年3月12日 10:00（北京时间）" in \
        applied["texts"]["zh"]["body"]
    assert "received late shipment verdicts" in applied["texts"]["en"]["body"]
    assert applied["data"]["starts"] == "2025-03-05T10:00:00+08:00"


@pytest.mark.parametrize(("violation", "trigger"), CASES)
def test_a_verdicts_notices_are_stored_without_texts_and_read_with_the_texts_of_its_pack(
        violation: Violation, trigger: Trigger) -> None:
    """Stored: what the texts are made of, no texts; read: the texts rendered from it, the
    same as rendering them with the verdict itself, and the keys in their stored order."""
    v = verdict(violation, trigger)
    for row, texts in ((notices.verdict_issued(v, 2, PACK, AT),
                        notices._verdict_issued_texts(v, PACK)),
                       (notices.coupon_issued(v, "k", "b1", PACK, AT, 300),
                        notices._coupon_issued_texts(v, 300))):
        stored = json.loads(row["payload"])
        assert "texts" not in stored and "render" in stored
        read = payload(row)
        assert read["texts"] == texts and "render" not in read
        assert list(read) == sorted(read)
        assert read["data"] == stored["data"]
    # A pack only the server knows (a pack file) is found among the packs it gives.
    custom = dataclasses.replace(PACK, id="custom-1")
    read = notices.with_texts(json.loads(notices.verdict_issued(v, 2, custom, AT)["payload"]),
                              [custom])
    assert read["texts"] == notices._verdict_issued_texts(v, custom)

"""One-line explanations of deadlines and verdicts, and the names of violations and triggers, in
Simplified Chinese and English (each trigger's words are declared with it, `triggers.py`)."""

from __future__ import annotations

from stockout.domain.deadline import Deadline, DeadlineBasis
from stockout.domain.language import Lang, Text
from stockout.domain.money import format_yuan
from stockout.domain.rulebook import RulePack, in_hours
from stockout.domain.times import format_time, human_time
from stockout.domain.triggers import RULE_OF
from stockout.domain.verdicts import Trigger, Verdict, Violation

VIOLATION_NAMES: dict[Violation, Text] = {
    Violation.LATE_SHIPMENT: Text("延迟发货", "late shipment"),
    Violation.STOCKOUT: Text("缺货", "out of stock"),
    Violation.FAKE_SHIPMENT: Text("虚假发货", "fake shipment"),
    Violation.FRAUDULENT_SHIPMENT: Text("欺诈发货", "fraudulent shipment"),
}
# The violation as a thing that happened ("found to be …", "counts as …").
VIOLATION_AS_CASE: dict[Violation, Text] = {
    Violation.LATE_SHIPMENT: Text("延迟发货", "a late shipment"),
    Violation.STOCKOUT: Text("缺货", "a stockout"),
    Violation.FAKE_SHIPMENT: Text("虚假发货", "a fake shipment"),
    Violation.FRAUDULENT_SHIPMENT: Text("欺诈发货", "a fraudulent shipment"),
}


def name(value: Violation | Trigger, lang: Lang) -> str:
    if isinstance(value, Violation):
        return VIOLATION_NAMES[value].pick(lang)
    return RULE_OF[value].name.pick(lang)


def explain_deadline(deadline: Deadline | None, lang: Lang) -> str:
    if deadline is None:
        return "订单未成团/未成交，发货时限未开始计算。" if lang is Lang.ZH else \
            "The order was never confirmed: no ship-by clock."
    h = in_hours(deadline.limit) if deadline.limit is not None else 0
    zh_basis = {
        DeadlineBasis.DEFAULT: f"成团后 {h:g} 小时（默认时限）",
        DeadlineBasis.CATEGORY: f"成团后 {h:g} 小时（类目时限）",
        DeadlineBasis.PROMISE: f"成团后 {h:g} 小时（商家承诺的更短时限）",
        DeadlineBasis.PRESALE: "预售约定的发货日期",
    }
    en_basis = {
        DeadlineBasis.DEFAULT: f"{h:g} h after confirmation (default limit)",
        DeadlineBasis.CATEGORY: f"{h:g} h after confirmation (category limit)",
        DeadlineBasis.PROMISE: f"{h:g} h after confirmation (merchant's shorter promise)",
        DeadlineBasis.PRESALE: "the presale ship-by date",
    }
    when = format_time(deadline.at)
    if lang is Lang.ZH:
        text = f"发货时限 {when}：{zh_basis[deadline.basis]}"
        if deadline.announcement_id:
            text += f"，平台公告 {deadline.announcement_id} 延长 {deadline.extended_hours:g} 小时"
        return text + "。"
    text = f"Ship by {when}: {en_basis[deadline.basis]}"
    if deadline.announcement_id:
        text += f", extended {deadline.extended_hours:g} h by announcement {deadline.announcement_id}"
    return text + "."


def explain_verdict(v: Verdict, pack: RulePack, lang: Lang, human: bool = False) -> str:
    """Why this verdict, in one line, with the compensation owed. Its instant is RFC 3339, or
    with `human` as people read it (a notice): 2025年6月4日 08:00（北京时间）."""
    at = human_time(v.detected_at, lang) if human else format_time(v.detected_at)
    zat = at if human else f" {at} "  # no spaces around a Chinese date
    why = RULE_OF[v.trigger].explain(v, pack, at, zat)
    pay = format_yuan(v.compensation_cents)
    if lang is Lang.ZH:
        text = f"{why.zh}，判定{name(v.violation, lang)}，赔付买家 {pay} 无门槛券"
        if v.legal_claim_cents is not None:
            text += f"，并全额退款；买家依法可另行主张 {format_yuan(v.legal_claim_cents)}"
        return text + "。"
    text = f"{why.en[0].upper()}{why.en[1:]}: {name(v.violation, lang)}; " \
           f"the buyer gets a {pay} no-threshold coupon"
    if v.legal_claim_cents is not None:
        text += f" and a full refund, and may claim {format_yuan(v.legal_claim_cents)} at law"
    return text + "."

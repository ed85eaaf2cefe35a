"""One-line explanations of deadlines and verdicts, in Simplified Chinese and English."""

from __future__ import annotations

from enum import StrEnum

from stockout.domain.deadline import Deadline, DeadlineBasis
from stockout.domain.money import format_yuan
from stockout.domain.rulebook import RulePack, in_hours
from stockout.domain.times import format_time, human_time
from stockout.domain.verdicts import Trigger, Verdict, Violation


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"


VIOLATION_NAMES: dict[Violation, tuple[str, str]] = {
    Violation.LATE_SHIPMENT: ("延迟发货", "late shipment"),
    Violation.STOCKOUT: ("缺货", "out of stock"),
    Violation.FAKE_SHIPMENT: ("虚假发货", "fake shipment"),
    Violation.FRAUDULENT_SHIPMENT: ("欺诈发货", "fraudulent shipment"),
}

TRIGGER_NAMES: dict[Trigger, tuple[str, str]] = {
    Trigger.NO_PICKUP_BY_DEADLINE: ("时限内未揽收", "no pickup by the deadline"),
    Trigger.SELF_REPORT: ("商家报备缺货", "merchant reported out of stock"),
    Trigger.MERCHANT_CHAT: ("聊天中表示缺货", "merchant said so in chat"),
    Trigger.MERCHANT_REFUND: ("商家主动退款或取消", "merchant refunded or cancelled"),
    Trigger.INDUCED_REFUND: ("诱导买家退款", "buyer induced to refund"),
    Trigger.UNSHIPPED_AFTER_DEADLINE: ("超时仍未发货", "still unshipped after the deadline"),
    Trigger.UPLOAD_WITHOUT_PICKUP: ("上传单号后仍未揽收", "tracking uploaded, never picked up"),
    Trigger.NO_SCAN_AFTER_UPLOAD: ("上传单号后无物流", "no scan after the upload"),
    Trigger.TRACKING_REUSED: ("运单号重复使用", "tracking number reused"),
    Trigger.STALLED_AFTER_PICKUP: ("揽收后无更新", "no update after pickup"),
    Trigger.ROUTE_MISMATCH: ("物流轨迹与地址不符", "route does not match the address"),
    Trigger.CLAIM_UPHELD: ("售后申诉成立", "after-sale claim upheld"),
}


def name(value: Violation | Trigger, lang: Lang) -> str:
    table = VIOLATION_NAMES if isinstance(value, Violation) else TRIGGER_NAMES
    zh, en = table[value]  # type: ignore[index]
    return zh if lang is Lang.ZH else en


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
    so, fs = pack.stockout, pack.fake_shipment
    d = v.detail
    induced = len(v.evidence) > 1  # the merchant's message and the buyer's request
    zh: dict[Trigger, str] = {
        Trigger.NO_PICKUP_BY_DEADLINE: "截至发货时限仍无揽收记录",
        Trigger.SELF_REPORT: f"商家于{zat}报备缺货",
        Trigger.MERCHANT_CHAT: f"商家于{zat}在聊天中表示缺货（“{d}”）",
        Trigger.MERCHANT_REFUND: f"商家于{zat}在揽收前主动发起退款或取消订单",
        Trigger.INDUCED_REFUND: (f"商家让买家自行申请退款（“{d}”），买家于{zat}申请退款" if induced
                                 else f"买家于{zat}申请退款，理由写明缺货（“{d}”）"),
        Trigger.UNSHIPPED_AFTER_DEADLINE:
            f"超过发货时限 {in_hours(so.unshipped_after_deadline):g} 小时仍未揽收",
        Trigger.UPLOAD_WITHOUT_PICKUP: f"上传运单号 {in_hours(so.upload_without_pickup):g} 小时后仍无揽收",
        Trigger.NO_SCAN_AFTER_UPLOAD: f"上传运单号后 {in_hours(fs.no_scan_after_upload):g} 小时内无物流记录",
        Trigger.TRACKING_REUSED:
            f"运单号在 {fs.tracking_reuse_window.days:g} 天内已用于其他买家的订单 {d}",
        Trigger.STALLED_AFTER_PICKUP: f"揽收后 {in_hours(fs.stalled_after_pickup):g} 小时内无物流更新",
        Trigger.ROUTE_MISMATCH: f"签收地区（{d}）与收货地区不符",
        Trigger.CLAIM_UPHELD: f"售后申诉（{d}）经裁定成立",
    }
    en: dict[Trigger, str] = {
        Trigger.NO_PICKUP_BY_DEADLINE: "no carrier pickup by the ship-by deadline",
        Trigger.SELF_REPORT: f"the merchant reported the order out of stock at {at}",
        Trigger.MERCHANT_CHAT: f"the merchant told the buyer there is no stock at {at} (\"{d}\")",
        Trigger.MERCHANT_REFUND: f"the merchant refunded or cancelled before pickup at {at}",
        Trigger.INDUCED_REFUND: (
            f"the buyer requested a refund at {at} after the merchant asked for one (\"{d}\")"
            if induced else f"the buyer requested a refund at {at} giving no stock as the reason"
                            f" (\"{d}\")"),
        Trigger.UNSHIPPED_AFTER_DEADLINE:
            f"still no pickup {in_hours(so.unshipped_after_deadline):g} h after the deadline",
        Trigger.UPLOAD_WITHOUT_PICKUP:
            f"no pickup {in_hours(so.upload_without_pickup):g} h after the tracking upload",
        Trigger.NO_SCAN_AFTER_UPLOAD:
            f"no carrier scan within {in_hours(fs.no_scan_after_upload):g} h of the tracking upload",
        Trigger.TRACKING_REUSED:
            f"the tracking number was used on another buyer's order {d} within {fs.tracking_reuse_window.days:g} days",
        Trigger.STALLED_AFTER_PICKUP:
            f"no carrier update within {in_hours(fs.stalled_after_pickup):g} h of pickup",
        Trigger.ROUTE_MISMATCH: f"delivered in {d}, not the buyer's region",
        Trigger.CLAIM_UPHELD: f"after-sale claim ({d}) upheld",
    }
    pay = format_yuan(v.compensation_cents)
    if lang is Lang.ZH:
        text = f"{zh[v.trigger]}，判定{name(v.violation, lang)}，赔付买家 {pay} 无门槛券"
        if v.legal_claim_cents is not None:
            text += f"，并全额退款；买家依法可另行主张 {format_yuan(v.legal_claim_cents)}"
        return text + "。"
    text = f"{en[v.trigger][0].upper()}{en[v.trigger][1:]}: {name(v.violation, lang)}; " \
           f"the buyer gets a {pay} no-threshold coupon"
    if v.legal_claim_cents is not None:
        text += f" and a full refund, and may claim {format_yuan(v.legal_claim_cents)} at law"
    return text + "."

"""Every trigger of a violation, declared once: the violation it proves, what it reads, how it is
judged, when a timer of it wakes the order up, its name, the merchant's explanation and the
buyer's text, in both languages. The judge, `next_check_at`, the explanations and the notices
read this table; the SQL of the bulk engines keeps its own expression per trigger
(`batch/rules_sql.py`, `TRIGGER_SQL`). `tests/unit/test_trigger_completeness.py` fails when a
trigger lacks any of them.

A trigger's `judge` returns a candidate (when it would be detected, on which events); per
violation the earliest candidate not after `now` wins, ties going to the trigger listed first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import NamedTuple

from stockout.domain.context import JudgeContext
from stockout.domain.deadline import Deadline
from stockout.domain.events import Event, ScanStatus
from stockout.domain.language import Text
from stockout.domain.rulebook import RulePack, in_hours
from stockout.domain.timeline import OrderFacts
from stockout.domain.verdicts import Trigger, Verdict, Violation

_DELIVERED = ScanStatus.DELIVERED


class Candidate(NamedTuple):
    """A trigger that would fire at `at`, on the events in `evidence`."""

    trigger: Trigger
    at: datetime
    evidence: tuple[str, ...]
    detail: str = ""


class JudgeInput(NamedTuple):
    """What a trigger may read: the order's facts, its deadline, its pack, what other orders
    tell, and its first admissible out-of-stock report."""

    facts: OrderFacts
    deadline: Deadline | None
    pack: RulePack
    context: JudgeContext
    report: Event | None


# (verdict, pack, its instant as written, the same for Chinese text) -> the explanation.
Explain = Callable[[Verdict, RulePack, str, str], Text]
WakeUp = Callable[[OrderFacts, Deadline | None, RulePack], datetime | None]


@dataclass(frozen=True, slots=True)
class TriggerRule:
    trigger: Trigger
    violation: Violation
    reads: Callable[[JudgeInput], object]  # judged only when this is there (most orders ship)
    judge: Callable[[JudgeInput], Candidate | None]
    wake_up: WakeUp | None  # a timer's time for the worker; None: it fires on an event
    name: Text
    explain: Explain  # for the merchant and the platform, with the figures of the pack
    buyer_why: Text  # what happened to the buyer's order ({at}, {deadline}: human times)


# --- The judge functions -----------------------------------------------------------------------


def _no_pickup_by_deadline(i: JudgeInput) -> Candidate | None:
    f, deadline, report = i.facts, i.deadline, i.report
    if deadline is None or f.confirmed is None or f.placed is None:
        return None
    if f.picked_up_by(deadline.at) or (report is not None and report.at < deadline.at):
        return None
    return Candidate(Trigger.NO_PICKUP_BY_DEADLINE, deadline.at,
                     deadline.evidence(f.placed, f.confirmed))


def _self_report(i: JudgeInput) -> Candidate | None:
    report = i.report
    return None if report is None else Candidate(Trigger.SELF_REPORT, report.at,
                                                 (report.event_id,))


def _merchant_chat(i: JudgeInput) -> Candidate | None:
    f = i.facts
    find = i.pack.stockout.says_stockout.find
    for msg in f.merchant_chats:
        if f.before_pickup(msg.at):
            phrase = find(msg.text)
            if phrase is not None:
                return Candidate(Trigger.MERCHANT_CHAT, msg.at, (msg.event_id,), phrase)
    return None


def _merchant_refund(i: JudgeInput) -> Candidate | None:
    f = i.facts
    for e in f.merchant_refunds:
        if f.before_pickup(e.at):
            return Candidate(Trigger.MERCHANT_REFUND, e.at, (e.event_id,), e.type.value)
    return None


def _induced_refund(i: JudgeInput) -> Candidate | None:
    f, pack = i.facts, i.pack
    window = pack.stockout.induced_refund_window
    induce = pack.stockout.asks_to_refund.find
    asks = [(m, p) for m in f.merchant_chats if (p := induce(m.text)) is not None]
    says_stockout = pack.stockout.says_stockout.find
    for req in f.buyer_refunds:
        if not f.before_pickup(req.at):
            continue
        for msg, phrase in reversed(asks):
            if msg.at <= req.at <= msg.at + window:
                return Candidate(Trigger.INDUCED_REFUND, req.at, (msg.event_id, req.event_id),
                                 phrase)
        stated = says_stockout(req.reason)
        if stated is not None:
            return Candidate(Trigger.INDUCED_REFUND, req.at, (req.event_id,), stated)
    return None


def _unshipped_after_deadline(i: JudgeInput) -> Candidate | None:
    f, deadline = i.facts, i.deadline
    if deadline is None or f.confirmed is None or f.placed is None:
        return None
    at = deadline.at + i.pack.stockout.unshipped_after_deadline
    if f.picked_up_by(at):
        return None
    return Candidate(Trigger.UNSHIPPED_AFTER_DEADLINE, at,
                     deadline.evidence(f.placed, f.confirmed))


def _upload_without_pickup(i: JudgeInput) -> Candidate | None:
    f = i.facts
    first = f.uploads[0]
    at = first.at + i.pack.stockout.upload_without_pickup
    if f.picked_up_by(at):
        return None
    return Candidate(Trigger.UPLOAD_WITHOUT_PICKUP, at, (first.event_id,))


def _no_scan_after_upload(i: JudgeInput) -> Candidate | None:
    f = i.facts
    first = f.uploads[0]
    at = first.at + i.pack.fake_shipment.no_scan_after_upload
    if f.picked_up_by(at):
        return None
    return Candidate(Trigger.NO_SCAN_AFTER_UPLOAD, at, (first.event_id,))


def _tracking_reused(i: JudgeInput) -> Candidate | None:
    f = i.facts
    if f.placed is None:
        return None
    window = i.pack.fake_shipment.tracking_reuse_window
    for upload in f.uploads:
        other = i.context.earlier_upload_to_other_buyer(upload, f.placed.buyer_id, window)
        if other is not None:
            return Candidate(Trigger.TRACKING_REUSED, upload.at,
                             (upload.event_id, other.event_id), other.order_id)
    return None


def _stalled_after_pickup(i: JudgeInput) -> Candidate | None:
    f = i.facts
    pickup = f.pickup
    if pickup is None or pickup.status is _DELIVERED:
        return None
    at = pickup.at + i.pack.fake_shipment.stalled_after_pickup
    if len(f.scans) > 1 and f.scans[1].at <= at:
        return None
    return Candidate(Trigger.STALLED_AFTER_PICKUP, at, (pickup.event_id,))


def _route_mismatch(i: JudgeInput) -> Candidate | None:
    f = i.facts
    want = f.placed.ship_to_region if f.placed is not None else None
    if want is None:
        return None
    for scan in f.deliveries:
        if scan.region is not None and scan.region != want:
            return Candidate(Trigger.ROUTE_MISMATCH, scan.at, (scan.event_id,), scan.region)
    return None


def _claim_upheld(i: JudgeInput) -> Candidate | None:
    f = i.facts
    kinds = i.pack.fraudulent_shipment.claim_kinds
    for decision in f.decisions:
        claim = f.claims.get(decision.claim_id or "")
        if decision.upheld and claim is not None and claim.kind in kinds:
            return Candidate(Trigger.CLAIM_UPHELD, decision.at,
                             (claim.event_id, decision.event_id),
                             claim.kind.value if claim.kind else "")
    return None


# --- The timers: when the worker must look at an open order again -------------------------------


def _at_deadline(f: OrderFacts, deadline: Deadline | None, pack: RulePack) -> datetime | None:
    return deadline.at if deadline is not None and f.pickup is None else None


def _after_deadline(f: OrderFacts, deadline: Deadline | None, pack: RulePack) -> datetime | None:
    if deadline is None or f.pickup is not None:
        return None
    return deadline.at + pack.stockout.unshipped_after_deadline


def _upload_unpicked(f: OrderFacts, deadline: Deadline | None, pack: RulePack
                     ) -> datetime | None:
    if not f.uploads or f.pickup is not None:
        return None
    return f.uploads[0].at + pack.stockout.upload_without_pickup


def _upload_unscanned(f: OrderFacts, deadline: Deadline | None, pack: RulePack
                      ) -> datetime | None:
    if not f.uploads or f.pickup is not None:
        return None
    return f.uploads[0].at + pack.fake_shipment.no_scan_after_upload


def _pickup_unscanned(f: OrderFacts, deadline: Deadline | None, pack: RulePack
                      ) -> datetime | None:
    if f.pickup is None or len(f.scans) != 1:
        return None
    return f.pickup.at + pack.fake_shipment.stalled_after_pickup


# --- The table -------------------------------------------------------------------------------

_deadline = attrgetter("deadline")
_report = attrgetter("report")
_chats = attrgetter("facts.merchant_chats")
_merchant_refunds = attrgetter("facts.merchant_refunds")
_buyer_refunds = attrgetter("facts.buyer_refunds")
_uploads = attrgetter("facts.uploads")
_pickup = attrgetter("facts.pickup")
_deliveries = attrgetter("facts.deliveries")  # a delivery scan comes with a pickup
_decisions = attrgetter("facts.decisions")


def _induced(v: Verdict, at: str, zat: str) -> Text:
    d = v.detail
    if len(v.evidence) > 1:  # the merchant's message and the buyer's request
        return Text(f"商家让买家自行申请退款（“{d}”），买家于{zat}申请退款",
                    f"the buyer requested a refund at {at} after the merchant asked for one "
                    f"(\"{d}\")")
    return Text(f"买家于{zat}申请退款，理由写明缺货（“{d}”）",
                f"the buyer requested a refund at {at} giving no stock as the reason (\"{d}\")")


TRIGGERS: tuple[TriggerRule, ...] = (
    TriggerRule(
        Trigger.NO_PICKUP_BY_DEADLINE, Violation.LATE_SHIPMENT, _deadline,
        _no_pickup_by_deadline, _at_deadline,
        Text("时限内未揽收", "no pickup by the deadline"),
        lambda v, p, at, zat: Text("截至发货时限仍无揽收记录",
                                   "no carrier pickup by the ship-by deadline"),
        Text("商家未能在发货时限{deadline}前发货",
             "the merchant did not ship it by the ship-by deadline, {deadline}")),
    TriggerRule(
        Trigger.SELF_REPORT, Violation.STOCKOUT, _report, _self_report, None,
        Text("商家报备缺货", "merchant reported out of stock"),
        lambda v, p, at, zat: Text(f"商家于{zat}报备缺货",
                                   f"the merchant reported the order out of stock at {at}"),
        Text("商家于{at}报备所购商品缺货，无法按时发货",
             "the merchant reported the item out of stock at {at} and cannot ship it on time")),
    TriggerRule(
        Trigger.MERCHANT_CHAT, Violation.STOCKOUT, _chats, _merchant_chat, None,
        Text("聊天中表示缺货", "merchant said so in chat"),
        lambda v, p, at, zat: Text(
            f"商家于{zat}在聊天中表示缺货（“{v.detail}”）",
            f"the merchant told the buyer there is no stock at {at} (\"{v.detail}\")"),
        Text("商家于{at}在聊天中告知您所购商品无货",
             "the merchant told you in chat at {at} that the item is out of stock")),
    TriggerRule(
        Trigger.MERCHANT_REFUND, Violation.STOCKOUT, _merchant_refunds, _merchant_refund, None,
        Text("商家主动退款或取消", "merchant refunded or cancelled"),
        lambda v, p, at, zat: Text(f"商家于{zat}在揽收前主动发起退款或取消订单",
                                   f"the merchant refunded or cancelled before pickup at {at}"),
        Text("商家于{at}在发货前主动退款或取消了订单",
             "the merchant refunded or cancelled it at {at}, before shipping")),
    TriggerRule(
        Trigger.INDUCED_REFUND, Violation.STOCKOUT, _buyer_refunds, _induced_refund, None,
        Text("诱导买家退款", "buyer induced to refund"),
        lambda v, p, at, zat: _induced(v, at, zat),
        Text("商家因缺货未能发货，您于{at}申请了退款",
             "the merchant had no stock to ship and you asked for a refund at {at}")),
    TriggerRule(
        Trigger.UNSHIPPED_AFTER_DEADLINE, Violation.STOCKOUT, _deadline,
        _unshipped_after_deadline, _after_deadline,
        Text("超时仍未发货", "still unshipped after the deadline"),
        lambda v, p, at, zat: Text(
            f"超过发货时限 {in_hours(p.stockout.unshipped_after_deadline):g} 小时仍未揽收",
            f"still no pickup {in_hours(p.stockout.unshipped_after_deadline):g} h after the "
            "deadline"),
        Text("超过发货时限{deadline}后仍未发货",
             "it was still not shipped well after the ship-by deadline, {deadline}")),
    TriggerRule(
        Trigger.UPLOAD_WITHOUT_PICKUP, Violation.STOCKOUT, _uploads, _upload_without_pickup,
        _upload_unpicked,
        Text("上传单号后仍未揽收", "tracking uploaded, never picked up"),
        lambda v, p, at, zat: Text(
            f"上传运单号 {in_hours(p.stockout.upload_without_pickup):g} 小时后仍无揽收",
            f"no pickup {in_hours(p.stockout.upload_without_pickup):g} h after the tracking "
            "upload"),
        Text("商家上传了运单号，但快递一直没有揽收",
             "the merchant uploaded a tracking number but the carrier never picked the parcel "
             "up")),
    TriggerRule(
        Trigger.NO_SCAN_AFTER_UPLOAD, Violation.FAKE_SHIPMENT, _uploads, _no_scan_after_upload,
        _upload_unscanned,
        Text("上传单号后无物流", "no scan after the upload"),
        lambda v, p, at, zat: Text(
            f"上传运单号后 {in_hours(p.fake_shipment.no_scan_after_upload):g} 小时内无物流记录",
            f"no carrier scan within {in_hours(p.fake_shipment.no_scan_after_upload):g} h of "
            "the tracking upload"),
        Text("商家上传了运单号，但一直没有物流记录",
             "the merchant uploaded a tracking number but the carrier never scanned the "
             "parcel")),
    TriggerRule(
        Trigger.TRACKING_REUSED, Violation.FAKE_SHIPMENT, _uploads, _tracking_reused, None,
        Text("运单号重复使用", "tracking number reused"),
        lambda v, p, at, zat: Text(
            f"运单号在 {p.fake_shipment.tracking_reuse_window.days:g} 天内已用于其他买家的订单 "
            f"{v.detail}",
            f"the tracking number was used on another buyer's order {v.detail} within "
            f"{p.fake_shipment.tracking_reuse_window.days:g} days"),
        Text("商家使用的运单号已用于其他订单",
             "the tracking number given was already used for another order")),
    TriggerRule(
        Trigger.STALLED_AFTER_PICKUP, Violation.FAKE_SHIPMENT, _pickup, _stalled_after_pickup,
        _pickup_unscanned,
        Text("揽收后无更新", "no update after pickup"),
        lambda v, p, at, zat: Text(
            f"揽收后 {in_hours(p.fake_shipment.stalled_after_pickup):g} 小时内无物流更新",
            f"no carrier update within {in_hours(p.fake_shipment.stalled_after_pickup):g} h of "
            "pickup"),
        Text("包裹揽收后长时间没有物流更新",
             "the parcel has had no carrier update for a long time since pickup")),
    TriggerRule(
        Trigger.ROUTE_MISMATCH, Violation.FAKE_SHIPMENT, _deliveries, _route_mismatch, None,
        Text("物流轨迹与地址不符", "route does not match the address"),
        lambda v, p, at, zat: Text(f"签收地区（{v.detail}）与收货地区不符",
                                   f"delivered in {v.detail}, not the buyer's region"),
        Text("物流显示的签收地区与您的收货地区不符",
             "the tracking shows a delivery outside your region")),
    TriggerRule(
        Trigger.CLAIM_UPHELD, Violation.FRAUDULENT_SHIPMENT, _decisions, _claim_upheld, None,
        Text("售后申诉成立", "after-sale claim upheld"),
        lambda v, p, at, zat: Text(f"售后申诉（{v.detail}）经裁定成立",
                                   f"after-sale claim ({v.detail}) upheld"),
        Text("您的售后申诉经平台裁定成立", "the platform upheld your after-sale claim")),
)

RULE_OF: dict[Trigger, TriggerRule] = {r.trigger: r for r in TRIGGERS}
VIOLATION_OF: dict[Trigger, Violation] = {r.trigger: r.violation for r in TRIGGERS}
# Where two triggers of one violation are detected at the same instant, the one listed first wins.
TRIGGER_RANK: dict[Trigger, int] = {r.trigger: i for i, r in enumerate(TRIGGERS)}
# The judge asks each `reads` once and runs the triggers that read it.
JUDGED_BY_READS: tuple[tuple[Callable[[JudgeInput], object],
                             tuple[Callable[[JudgeInput], Candidate | None], ...]], ...] = tuple(
    (reads, tuple(r.judge for r in TRIGGERS if r.reads is reads))
    for reads in dict.fromkeys(r.reads for r in TRIGGERS))
TIMERS: tuple[WakeUp, ...] = tuple(r.wake_up for r in TRIGGERS if r.wake_up is not None)

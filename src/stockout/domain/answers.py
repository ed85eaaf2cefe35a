"""The buyer's questions (the seed article's: must the merchant still ship? can I get a refund,
and if the merchant refuses? can I return it? whom do I contact? what am I owed? what about an
empty parcel?) answered from the order's real state: its facts, verdicts, remedy, after-sales
cases and the pack. Pure; each answer names what the buyer can do now and until when, the pack
key it rests on and the facts it used. Texts in Simplified Chinese or English.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from stockout.domain.aftersales import Case, CaseKind, CaseState, delivery_of
from stockout.domain.deadline import Deadline, DeadlineBasis
from stockout.domain.events import EventType, Party
from stockout.domain.explain import name
from stockout.domain.language import Lang
from stockout.domain.money import format_yuan
from stockout.domain.rulebook import RulePack, in_hours
from stockout.domain.timeline import OrderFacts
from stockout.domain.times import format_time, human_time
from stockout.domain.verdicts import Trigger, Verdict, Violation


class Question(StrEnum):
    MUST_MERCHANT_SHIP = "must_merchant_ship"
    CAN_REFUND = "can_refund"
    CAN_RETURN = "can_return"
    CONTACT = "contact"
    COMPENSATION = "compensation"
    LEGAL_CLAIM = "legal_claim"


class Phase(StrEnum):
    """Where the order stands for its buyer."""

    PLACED = "placed"  # not confirmed yet: no ship-by clock
    BEFORE_DEADLINE = "before_deadline"
    LATE = "late"  # past the deadline, not picked up, no stockout yet
    OUT_OF_STOCK = "out_of_stock"  # a stockout verdict; the remedy not chosen yet
    REMEDY_CHOSEN = "remedy_chosen"  # wait / presale / substitute: a new ship-by
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    REFUNDED = "refunded"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class RemedyStatus:
    """The order's remedy as the store keeps it (services.remedies)."""

    state: str  # offered | wait | presale | substitute | refund | fulfilled | missed | ...
    choose_by: datetime | None = None
    default: str = "refund"
    proposed_until: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Owed:
    """A compensation coupon: what it is for and where it stands."""

    amount_cents: int
    state: str  # issued | redeemed | voided | clawed_back
    cause: str  # the violation, or `stockout/wait_missed` ...


@dataclass(frozen=True, slots=True)
class OpenTicket:
    ticket_id: str
    respond_by: datetime


@dataclass(frozen=True, slots=True)
class OrderState:
    """Everything the answers read (gathered by services.answers, or from a file)."""

    order_id: str
    facts: OrderFacts
    deadline: Deadline | None
    verdicts: tuple[Verdict, ...]
    cases: tuple[Case, ...]
    pack: RulePack
    now: datetime
    remedy: RemedyStatus | None = None
    coupons: tuple[Owed, ...] | None = None  # None: not known (a file), use the verdicts
    tickets: tuple[OpenTicket, ...] = ()


@dataclass(frozen=True, slots=True)
class Action:
    action: str  # message_merchant, request_refund, choose_remedy, escalate, claim, ...
    until: datetime | None
    text: str

    def to_record(self) -> dict[str, object]:
        return {"action": self.action, "until": format_time(self.until) if self.until else None,
                "text": self.text}


@dataclass(frozen=True, slots=True)
class Answer:
    question: Question
    answer: str
    rule: str  # PACK/section.key of the figure it rests on, or the article where it is the law
    actions: tuple[Action, ...] = ()
    facts: tuple[tuple[str, str], ...] = field(default=())

    def to_record(self) -> dict[str, object]:
        return {"question": self.question.value, "answer": self.answer, "rule": self.rule,
                "actions": [a.to_record() for a in self.actions], "facts": dict(self.facts)}


def phase_of(s: OrderState) -> Phase:
    f = s.facts
    if f.closed is not None:
        return Phase.REFUNDED if f.closed.type is EventType.REFUND_COMPLETED else Phase.CLOSED
    d = delivery_of(f)
    if d.delivered_at is not None:
        return Phase.DELIVERED
    if f.pickup is not None:
        return Phase.SHIPPED
    if s.remedy is not None and s.remedy.state in ("wait", "presale", "substitute"):
        return Phase.REMEDY_CHOSEN
    if _verdict(s, Violation.STOCKOUT) is not None:
        return Phase.OUT_OF_STOCK
    if f.confirmed is None or s.deadline is None:
        return Phase.PLACED
    return Phase.LATE if s.now > s.deadline.at else Phase.BEFORE_DEADLINE


def answer_all(s: OrderState, lang: Lang) -> tuple[Phase, tuple[Answer, ...]]:
    """The order's phase and the six answers, in the order of `Question`."""
    phase = phase_of(s)
    w = _Words(s, lang)
    return phase, (_must_ship(s, phase, w), _can_refund(s, phase, w), _can_return(s, phase, w),
                   _contact(s, w), _compensation(s, phase, w), _legal(s, phase, w))


class _Words:
    def __init__(self, s: OrderState, lang: Lang) -> None:
        self.lang = lang
        self.pack = s.pack

    def __call__(self, zh: str, en: str) -> str:
        return zh if self.lang is Lang.ZH else en

    def at(self, t: datetime | None) -> str:
        return human_time(t, self.lang) if t is not None else "-"

    def rule(self, key: str) -> str:
        return f"{self.pack.id}/{key}"


def _verdict(s: OrderState, violation: Violation) -> Verdict | None:
    return next((v for v in s.verdicts if v.violation is violation), None)


def _t(at: datetime | None) -> str:
    return format_time(at) if at is not None else "none"


def _latest(s: OrderState, *kinds: CaseKind) -> Case | None:
    return next((c for c in reversed(s.cases) if c.kind in kinds), None)


def _msg(w: _Words) -> Action:
    return Action("message_merchant", None, w("给商家发消息", "message the merchant"))


def _deadline_rule(d: Deadline | None, w: _Words) -> str:
    if d is None or d.basis is DeadlineBasis.DEFAULT:
        return w.rule("deadline.default_hours")
    return w.rule({DeadlineBasis.CATEGORY: "deadline.category_hours",
                   DeadlineBasis.PROMISE: "order_placed.promise_hours",
                   DeadlineBasis.PRESALE: "order_placed.presale_ship_by"}[d.basis])


def _must_ship(s: OrderState, phase: Phase, w: _Words) -> Answer:
    f, d, q = s.facts, s.deadline, Question.MUST_MERCHANT_SHIP
    facts: list[tuple[str, str]] = [("phase", phase.value), ("deadline", _t(d.at if d else None)),
                                    ("picked_up_at", _t(f.pickup.at if f.pickup else None))]
    if phase is Phase.PLACED:
        h = in_hours(s.pack.deadline.default)
        return Answer(q, w(f"还没有：成团（成交）后才开始计算发货时限（{h:g} 小时）。",
                           f"Not yet: the ship-by clock starts when the order is confirmed "
                           f"(group formed), then {h:g} h."),
                      w.rule("deadline.default_hours"), (_msg(w),), tuple(facts))
    if phase is Phase.BEFORE_DEADLINE:
        assert d is not None
        return Answer(q, w(f"是的：商家须在 {w.at(d.at)} 前发货并被快递揽收。",
                           f"Yes: the merchant must ship, picked up by the carrier, by "
                           f"{w.at(d.at)}."),
                      _deadline_rule(d, w),
                      (Action("wait", d.at, w("等待发货", "wait for the shipment")), _msg(w)),
                      tuple(facts))
    if phase is Phase.LATE:
        assert d is not None
        cutoff = d.at + s.pack.stockout.unshipped_after_deadline
        return Answer(q, w(f"是的，且已超时（时限 {w.at(d.at)}）：商家仍须发货；若到 {w.at(cutoff)} "
                           "仍未揽收，订单按缺货处理，您将获得缺货赔付并可选择处理方式。",
                           f"Yes, and it is late (ship-by {w.at(d.at)}): the merchant must still "
                           f"ship; if it is not picked up by {w.at(cutoff)} the order counts as "
                           "out of stock, with its compensation and your choice of remedy."),
                      w.rule("stockout.unshipped_after_deadline_hours"),
                      (Action("wait", cutoff, w("继续等待", "keep waiting")),
                       Action("request_refund", None, w("申请退款", "request a refund")), _msg(w)),
                      tuple(facts))
    if phase is Phase.OUT_OF_STOCK:
        v = _verdict(s, Violation.STOCKOUT)
        assert v is not None
        facts += [("verdict", v.rule), ("detected_at", _t(v.detected_at))]
        how = name(v.trigger, w.lang)
        r = s.remedy
        if r is not None and r.state == "offered" and r.choose_by is not None:
            facts += [("remedy", r.state), ("choose_by", _t(r.choose_by))]
            wait = (w(f"商家提议 {w.at(r.proposed_until)} 前补货发货；",
                      f"the merchant proposes to ship by {w.at(r.proposed_until)}; ")
                    if r.proposed_until else "")
            return Answer(q, w(f"不必：订单已判定缺货（{how}），按平台规则商家可以不发货。{wait}"
                               f"请在 {w.at(r.choose_by)} 前选择：等待补货、预售、换同价位相近商品或全额退款；"
                               "逾期未选则自动全额退款。",
                               f"No: the order was found out of stock ({how}); the platform's "
                               f"rules let the merchant not ship. {wait[:1].upper() + wait[1:]}Choose by "
                               f"{w.at(r.choose_by)}: wait for the restock, presale, a similar "
                               "item at the same price, or a full refund; without a choice you "
                               "are refunded in full."),
                          w.rule("remedies.choice_hours"),
                          (Action("choose_remedy", r.choose_by,
                                  w("选择处理方式", "choose a remedy")), _msg(w)), tuple(facts))
        return Answer(q, w(f"不必：订单已判定缺货（{how}），按平台规则商家可以不发货或取消订单；"
                           "您可以申请全额退款。",
                           f"No: the order was found out of stock ({how}); the platform's rules "
                           "let the merchant not ship or cancel. You can have a full refund."),
                      w.rule("remedies.default"),
                      (Action("request_refund", None, w("申请退款", "request a refund")),),
                      tuple(facts))
    if phase is Phase.REMEDY_CHOSEN:
        r = s.remedy
        assert r is not None
        facts += [("remedy", r.state), ("until", _t(r.until))]
        key = "deadline.default_hours" if r.state == "substitute" else "remedies.max_wait_days"
        return Answer(q, w(f"是的：您选择了{_remedy_name(r.state, w)}，商家须在 {w.at(r.until)} 前"
                           "发货揽收；逾期将全额退款并再次赔付。",
                           f"Yes: you chose {_remedy_name(r.state, w)}; the merchant must ship, "
                           f"picked up, by {w.at(r.until)}, or you are refunded in full and "
                           "compensated again."),
                      w.rule(key), (Action("wait", r.until, w("等待发货", "wait for it")),
                                    _msg(w)), tuple(facts))
    if phase is Phase.SHIPPED:
        assert f.pickup is not None
        return Answer(q, w(f"已发货：快递于 {w.at(f.pickup.at)} 揽收。",
                           f"It has shipped: picked up {w.at(f.pickup.at)}."),
                      _deadline_rule(d, w),
                      (Action("wait", None, w("等待收货", "wait for the delivery")),),
                      tuple(facts))
    if phase is Phase.DELIVERED:
        at = delivery_of(f).delivered_at
        facts.append(("delivered_at", _t(at)))
        return Answer(q, w(f"已签收（{w.at(at)}）。", f"Delivered {w.at(at)}."),
                      _deadline_rule(d, w), (), tuple(facts))
    closed = f.closed
    assert closed is not None
    facts.append(("closed_by", closed.event_id))
    if phase is Phase.REFUNDED:
        return Answer(q, w(f"不再需要：订单已退款 {format_yuan(closed.amount_cents or 0)} 并关闭。",
                           f"No: the order was refunded {format_yuan(closed.amount_cents or 0)} "
                           "and is closed."),
                      w.rule("remedies.default"), (), tuple(facts))
    return Answer(q, w("不再需要：订单已关闭。", "No: the order is closed."),
                  w.rule("deadline.default_hours"), (), tuple(facts))


def _remedy_name(remedy: str, w: _Words) -> str:
    zh, en = {"wait": ("等待补货", "to wait for the restock"),
              "presale": ("预售", "presale"),
              "substitute": ("换同价位相近商品", "a similar item"),
              "refund": ("全额退款", "a full refund")}.get(remedy, (remedy, remedy))
    return w(zh, en)


def _case_facts(c: Case) -> list[tuple[str, str]]:
    return [("case", c.case_id), ("case_state", c.state.value), ("case_due_at", _t(c.due_at))]


def _case_answer(q: Question, c: Case, s: OrderState, w: _Words) -> Answer | None:
    """A refund or return case in progress: where it stands and the next step."""
    facts = tuple(_case_facts(c))
    what = w("退款", "refund") if c.kind is CaseKind.REFUND else w("退货", "return")
    esc = Action("escalate", c.due_at, w("申请平台介入", "ask the platform to step in"))
    if c.state is CaseState.REQUESTED:
        key = "aftersales.refund_answer_hours" if c.kind is CaseKind.REFUND \
            else "aftersales.return_answer_hours"
        late = w("（已超时，系统将自动同意）", " (overdue: it is being granted)") \
            if c.overdue(s.now) else ""
        return Answer(q, w(f"已申请{what}：商家须在 {w.at(c.due_at)} 前处理，逾期未处理视为同意{late}。",
                           f"You requested a {what}: the merchant answers by {w.at(c.due_at)}; "
                           f"no answer means yes{late}."),
                      w.rule(key), (Action("wait", c.due_at, w("等待商家处理",
                                                               "wait for the merchant")),),
                      facts)
    if c.state is CaseState.REFUSED:
        return Answer(q, w(f"商家拒绝了您的{what}申请：可在 {w.at(c.due_at)} 前申请平台介入，由平台裁决。",
                           f"The merchant refused your {what}: ask the platform to step in "
                           f"by {w.at(c.due_at)}, and the platform decides."),
                      w.rule("aftersales.escalate_within_days"),
                      (esc, Action("open_ticket", None, w("联系平台客服", "contact customer service"))),
                      facts)
    if c.state is CaseState.ESCALATED:
        return Answer(q, w(f"平台已介入，将在 {w.at(c.due_at)} 前裁决您的{what}申请。",
                           f"The platform stepped in and decides your {what} by "
                           f"{w.at(c.due_at)}."),
                      w.rule("aftersales.platform_decision_hours"),
                      (Action("wait", c.due_at, w("等待平台裁决", "wait for the decision")),),
                      facts)
    if c.state is CaseState.GRANTED or c.state is CaseState.RECEIVED:
        return Answer(q, w("已同意退款，款项原路退回。", "Granted: the refund is on its way."),
                      w.rule("aftersales.refund_answer_hours"), (), facts)
    if c.state is CaseState.AGREED:
        return Answer(q, w(f"商家已同意退货：请在 {w.at(c.due_at)} 前寄回并填写快递单号，商家确认收货后退款。",
                           f"The return was agreed: send the parcel back with its tracking "
                           f"number by {w.at(c.due_at)}; the refund follows the merchant's "
                           "confirmation of receipt."),
                      w.rule("aftersales.return_ship_back_days"),
                      (Action("ship_back", c.due_at, w("寄回商品", "send it back")),), facts)
    if c.state is CaseState.SHIPPED_BACK:
        return Answer(q, w(f"已寄回（{c.carrier} {c.tracking_no}）：商家须在 {w.at(c.due_at)} 前确认收货，"
                           "逾期由平台确认并退款。",
                           f"Sent back ({c.carrier} {c.tracking_no}): the merchant confirms "
                           f"receipt by {w.at(c.due_at)}, else the platform does, and you are "
                           "refunded."),
                      w.rule("aftersales.return_receive_days"),
                      (Action("wait", c.due_at, w("等待退款", "wait for the refund")),), facts)
    if c.state is CaseState.DENIED and c.decided_by is Party.PLATFORM:
        return Answer(q, w(f"平台裁决不支持您的{what}申请。", f"The platform refused your {what}."),
                      w.rule("aftersales.platform_decision_hours"),
                      (Action("open_ticket", None, w("联系平台客服", "contact customer service")),),
                      facts)
    return None


def _can_refund(s: OrderState, phase: Phase, w: _Words) -> Answer:
    q, a = Question.CAN_REFUND, s.pack.aftersales
    facts: list[tuple[str, str]] = [("phase", phase.value)]
    if phase is Phase.REFUNDED:
        closed = s.facts.closed
        assert closed is not None
        facts.append(("refund", closed.event_id))
        return Answer(q, w(f"已退款 {format_yuan(closed.amount_cents or 0)}（{w.at(closed.at)}）。",
                           f"Refunded {format_yuan(closed.amount_cents or 0)} on "
                           f"{w.at(closed.at)}."),
                      w.rule("aftersales.refund_answer_hours"), (), tuple(facts))
    if phase is Phase.CLOSED:
        return Answer(q, w("订单已关闭，无需退款。", "The order is closed: nothing to refund."),
                      w.rule("aftersales.refund_answer_hours"), (), tuple(facts))
    c = _latest(s, CaseKind.REFUND, CaseKind.RETURN)
    if c is not None and c.open:
        found = _case_answer(q, c, s, w)
        if found is not None:
            return found
    r = s.remedy
    if phase is Phase.OUT_OF_STOCK and r is not None and r.state == "offered":
        facts.append(("choose_by", _t(r.choose_by)))
        return Answer(q, w(f"可以，立即全额退款：在 {w.at(r.choose_by)} 前选择“全额退款”；逾期未选也会自动全额退款。",
                           f"Yes, at once and in full: choose the refund by "
                           f"{w.at(r.choose_by)}; without a choice you are refunded then "
                           "anyway."),
                      w.rule("remedies.default"),
                      (Action("choose_remedy", r.choose_by, w("选择全额退款", "choose the refund")),),
                      tuple(facts))
    if phase is Phase.DELIVERED:
        d = delivery_of(s.facts)
        assert d.delivered_at is not None
        until = d.delivered_at + a.return_window
        claim_by = d.delivered_at + a.claim_window
        facts.append(("delivered_at", _t(d.delivered_at)))
        return Answer(q, w(f"已签收的订单通过退货退款（{w.at(until)} 前）；空包或错发可在 {w.at(claim_by)} 前申请售后。",
                           f"After delivery, through a return (by {w.at(until)}); an empty "
                           f"parcel or a wrong item can be claimed by {w.at(claim_by)}."),
                      w.rule("aftersales.return_window_days"),
                      tuple(x for x in (
                          Action("request_return", until, w("申请退货", "request a return"))
                          if s.now <= until else None,
                          Action("claim", claim_by, w("申请售后（空包/错发）",
                                                      "claim (empty parcel / wrong item)"))
                          if s.now <= claim_by else None) if x is not None), tuple(facts))
    h = in_hours(a.refund_answer)
    induced = w("若商家以没货为由让您申请退款，仍算商家缺货，您照样获得缺货赔付。",
                " If the merchant asks you to request it because it has no stock, it still "
                "counts as the merchant's stockout, with its compensation.")
    return Answer(q, w(f"可以：申请退款后商家须在 {h:g} 小时内处理，逾期未处理视为同意；商家拒绝可申请平台介入。{induced}",
                       f"Yes: request it; the merchant answers within {h:g} h, no answer means "
                       f"yes; a refusal can go to the platform.{induced}"),
                  w.rule("aftersales.refund_answer_hours"),
                  (Action("request_refund", None, w("申请退款", "request a refund")),),
                  tuple(facts))


def _can_return(s: OrderState, phase: Phase, w: _Words) -> Answer:
    q, a = Question.CAN_RETURN, s.pack.aftersales
    days = a.return_window.days
    facts: list[tuple[str, str]] = [("phase", phase.value)]
    c = _latest(s, CaseKind.RETURN)
    if c is not None and (c.open or c.state is CaseState.LAPSED or c.decided_by is Party.PLATFORM):
        found = _case_answer(q, c, s, w)
        if found is not None:
            return found
        if c.state is CaseState.LAPSED:
            return Answer(q, w("退货已失效：未在期限内寄回或申请平台介入。",
                               "The return lapsed: not sent back, or not escalated, in time."),
                          w.rule("aftersales.return_ship_back_days"), (),
                          tuple(_case_facts(c)))
    if phase is Phase.REFUNDED:
        return Answer(q, w("订单已退款，无需退货。", "The order was refunded: nothing to return."),
                      w.rule("aftersales.return_window_days"), (), tuple(facts))
    if phase is Phase.CLOSED:
        return Answer(q, w("订单已关闭，无需退货。", "The order is closed: nothing to return."),
                      w.rule("aftersales.return_window_days"), (), tuple(facts))
    d = delivery_of(s.facts)
    if d.delivered_at is None:
        return Answer(q, w(f"还不能：签收后 {days} 天内可以无理由退货。",
                           f"Not yet: once delivered, you can return it within {days} days "
                           "without giving a reason."),
                      w.rule("aftersales.return_window_days"), (), tuple(facts))
    until = d.delivered_at + a.return_window
    facts += [("delivered_at", _t(d.delivered_at)), ("return_by", _t(until))]
    if s.now <= until:
        h = in_hours(a.return_answer)
        return Answer(q, w(f"可以：{w.at(until)} 前申请退货（七天无理由）；商家须在 {h:g} 小时内同意或拒绝，"
                           "逾期视为同意；拒绝可申请平台介入。",
                           f"Yes: request a return by {w.at(until)} ({days} days without a "
                           f"reason); the merchant agrees or refuses within {h:g} h, no answer "
                           "means yes; a refusal can go to the platform."),
                      w.rule("aftersales.return_window_days"),
                      (Action("request_return", until, w("申请退货", "request a return")),),
                      tuple(facts))
    claim_by = d.delivered_at + a.claim_window
    more = (w(f"空包或错发仍可在 {w.at(claim_by)} 前申请售后。",
              f" An empty parcel or a wrong item can still be claimed by {w.at(claim_by)}.")
            if s.now <= claim_by else "")
    return Answer(q, w(f"不能：退货期限已于 {w.at(until)} 结束。{more}",
                       f"No: the return window closed {w.at(until)}.{more}"),
                  w.rule("aftersales.return_window_days"),
                  (Action("claim", claim_by, w("申请售后", "file a claim")),)
                  if s.now <= claim_by else (), tuple(facts))


def _contact(s: OrderState, w: _Words) -> Answer:
    q, c = Question.CONTACT, s.pack.contact
    th, fh = in_hours(c.ticket_response), in_hours(c.feedback_reply)
    facts: list[tuple[str, str]] = [("open_tickets", str(len(s.tickets)))]
    extra = ""
    if s.tickets:
        t = min(s.tickets, key=lambda x: x.respond_by)
        late = s.now > t.respond_by
        facts.append(("ticket", t.ticket_id))
        extra = w(f"您的客服工单 {t.ticket_id} 应在 {w.at(t.respond_by)} 前答复" +
                  ("（已超时）。" if late else "。"),
                  f" Your ticket {t.ticket_id} is due an answer by {w.at(t.respond_by)}" +
                  (" (overdue)." if late else "."))
    v = _verdict(s, Violation.STOCKOUT)
    if v is not None and v.trigger is Trigger.MERCHANT_CHAT:
        facts.append(("verdict", v.rule))
        extra += w("商家在聊天中说没货，已按缺货处理。",
                   " The merchant said in chat it has no stock: that counted as its stockout.")
    actions = (_msg(w),
               Action("open_ticket", None, w("联系平台官方客服", "contact the platform's "
                                                                "customer service")),
               Action("leave_feedback", None, w("在商品页面留言反馈", "leave feedback on the "
                                                                    "product page")))
    return Answer(q, w(f"三种方式：联系商家；联系平台官方客服（{th:g} 小时内答复）；在商品页面留言反馈"
                       f"（商家 {fh:g} 小时内回复）。{extra}",
                       f"Three ways: message the merchant; the platform's customer service "
                       f"(answers within {th:g} h); feedback on the product page (the merchant "
                       f"answers within {fh:g} h).{extra}"),
                  w.rule("contact.ticket_response_hours"), actions, tuple(facts))


def _compensation(s: OrderState, phase: Phase, w: _Words) -> Answer:
    q = Question.COMPENSATION
    paid = s.facts.placed.paid_cents or 0 if s.facts.placed is not None else 0
    lines: list[str] = []
    facts: list[tuple[str, str]] = []
    if s.coupons is not None:
        states = {"issued": ("已发放", "issued"), "redeemed": ("已使用", "used"),
                  "voided": ("已撤销", "voided"), "clawed_back": ("已收回", "taken back")}
        for c in s.coupons:
            what = _cause(c.cause, w)
            zh, en = states.get(c.state, (c.state, c.state))
            lines.append(w(f"{what} {format_yuan(c.amount_cents)}（{zh}）",
                           f"{what} {format_yuan(c.amount_cents)} ({en})"))
            facts.append((f"coupon:{c.cause}", f"{c.amount_cents} {c.state}"))
        owed = sum(c.amount_cents for c in s.coupons if c.state in ("issued", "redeemed"))
    else:
        for v in s.verdicts:
            lines.append(f"{name(v.violation, w.lang)} {format_yuan(v.compensation_cents)}")
            facts.append((f"verdict:{v.violation.value}", str(v.compensation_cents)))
        owed = sum(v.compensation_cents for v in s.verdicts)
    facts += [("verdict", v.rule) for v in s.verdicts]
    # The figure the answer rests on (the verdicts' own rule ids are among the facts).
    rule = w.rule(f"{s.verdicts[0].violation.value}.compensation" if s.verdicts
                  else "late_shipment.compensation")
    if lines:
        sep = w("；", "; ")
        return Answer(q, w(f"共 {format_yuan(owed)}（无门槛优惠券，自动发放）：{sep.join(lines)}。",
                           f"{format_yuan(owed)} in all (no-threshold coupons, paid "
                           f"automatically): {sep.join(lines)}."),
                      rule, (), tuple(facts))
    late = s.pack.late_shipment.compensation.for_paid(paid)
    out = s.pack.stockout.compensation.for_paid(paid)
    facts.append(("paid_cents", str(paid)))
    if phase in (Phase.PLACED, Phase.BEFORE_DEADLINE, Phase.LATE):
        return Answer(q, w(f"目前没有。若未按时发货：{format_yuan(late)}（延迟发货）；若缺货：{format_yuan(out)}（缺货）。",
                           f"None so far. If it is not shipped in time: {format_yuan(late)} "
                           f"(late shipment); if it is out of stock: {format_yuan(out)}."),
                      w.rule("late_shipment.compensation"), (), tuple(facts))
    return Answer(q, w("没有：订单没有违规。", "None: the order broke no rule."), rule, (),
                  tuple(facts))


def _cause(cause: str, w: _Words) -> str:
    if cause.endswith("_missed"):
        return w("约定发货日期未履行", "promised date missed")
    try:
        return name(Violation(cause), w.lang)
    except ValueError:
        return cause


def _legal(s: OrderState, phase: Phase, w: _Words) -> Answer:
    q, fr = Question.LEGAL_CLAIM, s.pack.fraudulent_shipment
    paid = s.facts.placed.paid_cents or 0 if s.facts.placed is not None else 0
    legal = fr.legal_claim_cents(paid)
    key = w.rule("fraudulent_shipment.legal_multiple")
    v = _verdict(s, Violation.FRAUDULENT_SHIPMENT)
    liability = w("平台赔付不能免除商家依法应承担的法律责任，您可以依法向商家索赔，由商家自行协商解决并承担责任。",
                  " The platform's compensation does not remove the seller's legal liability: "
                  "you may claim from the seller at law, and the seller settles it and answers "
                  "for it.")
    if v is not None:
        return Answer(q, w(f"欺诈发货已认定：依《消费者权益保护法》第五十五条，您可向商家主张 "
                           f"{format_yuan(legal)}（价款 {fr.legal_multiple} 倍，最低 "
                           f"{format_yuan(fr.legal_minimum_cents)}）。{liability}",
                           f"Fraudulent shipment was found: under the Consumer Rights Protection "
                           f"Law art. 55 you may claim {format_yuan(legal)} from the seller "
                           f"({fr.legal_multiple}x the price, at least "
                           f"{format_yuan(fr.legal_minimum_cents)}).{liability}"),
                      key, (Action("legal_claim", None, w("向商家依法索赔（协商、12315 或法院）",
                                                          "claim from the seller (settle, "
                                                          "12315 or a court)")),),
                      (("verdict", v.rule), ("paid_cents", str(paid)),
                       ("legal_claim_cents", str(legal))))
    claim = _latest(s, CaseKind.CLAIM)
    if claim is not None and claim.open and claim.state is CaseState.ESCALATED:
        return Answer(q, w(f"平台将在 {w.at(claim.due_at)} 前裁决您的售后申请；若认定空包或错发，"
                           f"全额退款并赔付，且您可依法向商家主张 {format_yuan(legal)}。",
                           f"The platform decides your claim by {w.at(claim.due_at)}; an empty "
                           "parcel or a wrong item found means a full refund, compensation, and "
                           f"a claim at law of {format_yuan(legal)} from the seller."),
                      w.rule("aftersales.platform_decision_hours"),
                      (Action("wait", claim.due_at, w("等待平台裁决", "wait for the decision")),),
                      tuple(_case_facts(claim)))
    d = delivery_of(s.facts)
    if d.delivered_at is not None and phase is not Phase.REFUNDED:
        until = d.delivered_at + s.pack.aftersales.claim_window
        if s.now <= until:
            return Answer(q, w(f"如果收到空包或错发商品，请在 {w.at(until)} 前申请售后：这是欺诈发货，"
                               f"您可依法（《消费者权益保护法》第五十五条）向商家主张 {format_yuan(legal)}。",
                               f"If the parcel was empty or the wrong item, claim by "
                               f"{w.at(until)}: that is fraudulent shipment, and under the "
                               f"Consumer Rights Protection Law art. 55 you may claim "
                               f"{format_yuan(legal)} from the seller."),
                          key, (Action("claim", until, w("申请售后（空包/错发）",
                                                         "claim (empty parcel / wrong item)")),),
                          (("delivered_at", _t(d.delivered_at)), ("paid_cents", str(paid))))
    so = _verdict(s, Violation.STOCKOUT)
    if so is not None:
        return Answer(q, w("订单提交即成立合同（《电子商务法》第四十九条），缺货不发是商家违约。" + liability,
                           "The contract stood once you ordered (E-Commerce Law art. 49): not "
                           "shipping for lack of stock is the seller's breach." + liability),
                      w("《电子商务法》第四十九条", "E-Commerce Law art. 49"),  # the law, not a figure
                      (Action("legal_claim", None, w("与商家协商索赔", "claim from the seller")),),
                      (("verdict", so.rule),))
    return Answer(q, w("目前订单事实不涉及法律索赔。", "Nothing in the order's facts gives a claim at "
                       "law so far."), key, (), (("phase", phase.value),))


def answers_records(phase: Phase, answers: Sequence[Answer]) -> dict[str, object]:
    """The answers as the API and `stockout answers --json` give them."""
    return {"phase": phase.value, "answers": [a.to_record() for a in answers]}

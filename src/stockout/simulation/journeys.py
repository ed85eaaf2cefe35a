"""Scripted buyer journeys, through the same services the API and the worker call: a buyer who
waits after a stockout and gets the default refund; a refund the merchant refuses and the
platform grants; a return after delivery; an empty parcel with its fraud verdict and legal
note; a complaint answered in time and one that goes overdue; product feedback the merchant
answers. At each step the buyer's answers are taken in both languages. `run_journeys` returns
them; `examples/buyer_journeys.py` prints them, `tests/e2e/test_buyer_journeys.py` asserts them
on both stores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from stockout.domain.events import ClaimKind, Remedy
from stockout.domain.language import Lang
from stockout.domain.times import short_time
from stockout.i18n import Texts
from stockout.rulepacks import resolve_rules
from stockout.services.access.principals import Principal, Role
from stockout.services.aftersales import cases
from stockout.services.answers.view import order_answers
from stockout.services.common.clock import ManualClock
from stockout.services.contact import feedback, messages, tickets
from stockout.services.judging.ingest import ingest_events
from stockout.services.judging.rules import Rules
from stockout.services.notifications.delivery import MemoryNotifier
from stockout.services.remedies import choices as remedies
from stockout.services.stock import movements as stock
from stockout.services.stock.self_report import report_order
from stockout.services.worker.sweep import deliver_outbox, sweep_due
from stockout.store.engine import Store
from stockout.store.uow import UnitOfWork

CST = timezone(timedelta(hours=8))
DAY = datetime(2025, 6, 2, tzinfo=CST)
SHOP = "s1"
MERCHANT = Principal(Role.MERCHANT, "journey-merchant", frozenset({SHOP}), name="merchant:s1")
# The marketplace's feed: orders, confirmations, shipments and carrier scans as the platform
# states them (a merchant may not state placements or scans, nor date events in the past).
FEED = Principal(Role.PLATFORM, "journey-feed", name="marketplace")
PLATFORM = Principal(Role.PLATFORM, "journey-platform", name="customer-service")
PAID = 8800
JOURNEY_DAYS = 10  # each journey starts this many days after the one before


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Day 0 is 2 June 2025; Beijing time."""
    return DAY + timedelta(days=day, hours=hour, minutes=minute)


def buyer(order_id: str) -> Principal:
    b = "b" + order_id[1:]
    return Principal(Role.BUYER, f"journey-{b}", buyer_id=b, name=f"buyer:{b}")


@dataclass
class Snapshot:
    """The buyer's answers at one moment, in both languages."""

    at: datetime
    order_id: str
    phase: str
    answers: dict[str, dict[str, Any]]  # lang -> the `order_answers` record


Outcome = tuple[str, str]  # (zh, en)


def both(render: Callable[[Texts], str]) -> Outcome:
    """A step's outcome in both languages, written once with the messages of `stockout.i18n`."""
    return render(Texts(Lang.ZH)), render(Texts(Lang.EN))


def _when(value: str | datetime) -> str:
    """A time as the tables show it: Beijing time to the minute."""
    return short_time(datetime.fromisoformat(value) if isinstance(value, str) else value)


@dataclass
class Step:
    at: datetime
    who: str  # merchant, buyer, worker, platform
    what: tuple[str, str]  # (zh, en)
    outcome: Outcome
    asked: tuple[Snapshot, str] | None = None  # the buyer's answers, and the question shown


@dataclass
class Journey:
    key: str
    title: tuple[str, str]
    steps: list[Step] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)


@dataclass
class JourneyResult:
    journeys: list[Journey] = field(default_factory=list)
    delivered: int = 0
    notifications: list[dict[str, Any]] = field(default_factory=list)

    def journey(self, key: str) -> Journey:
        return next(j for j in self.journeys if j.key == key)


def _event(order_id: str, label: str, type_: str, when: datetime, **fields: Any
           ) -> dict[str, Any]:
    return {"event_id": f"{order_id}.{label}", "order_id": order_id, "type": type_,
            "at": when.isoformat(), **fields}


def _order(order_id: str, confirmed: datetime) -> list[dict[str, Any]]:
    return [_event(order_id, "placed", "order_placed", confirmed - timedelta(minutes=3),
                   shop_id=SHOP, buyer_id=buyer(order_id).buyer_id, sku_id="K1", quantity=1,
                   paid_cents=PAID, category="服装"),
            _event(order_id, "confirmed", "order_confirmed", confirmed)]


def _shipped(order_id: str, upload: datetime, delivered: datetime) -> list[dict[str, Any]]:
    track = {"carrier": "ZTO", "tracking_no": f"ZT{order_id.upper()}"}
    return [_event(order_id, "upload", "shipment_uploaded", upload, **track),
            _event(order_id, "pickup", "carrier_scan", upload + timedelta(hours=2),
                   status="pickup", **track),
            _event(order_id, "transit", "carrier_scan", upload + timedelta(hours=14),
                   status="in_transit", **track),
            _event(order_id, "delivered", "carrier_scan", delivered, status="delivered",
                   **track)]


class _Driver:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.clock = ManualClock(at(0, 9))
        self.rules = Rules(resolve_rules("pdd"))
        self.notifier = MemoryNotifier()
        self.result = JourneyResult()
        self.journey: Journey | None = None
        self.first_day = 0

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.store)

    def start(self, key: str, zh: str, en: str) -> None:
        """A new journey, on days of its own: the clock never goes back."""
        self.journey = Journey(key, (zh, en))
        self.result.journeys.append(self.journey)
        self.first_day = JOURNEY_DAYS * (len(self.result.journeys) - 1)

    def at(self, day: int, hour: int, minute: int = 0) -> datetime:
        """`day` of the current journey, Beijing time."""
        return at(self.first_day + day, hour, minute)

    def step(self, when: datetime, who: str, zh: str, en: str,
             action: Callable[[], Outcome]) -> None:
        assert self.journey is not None
        self.clock.set(when)
        self.journey.steps.append(Step(when, who, (zh, en), action()))

    def ask(self, when: datetime, order_id: str, question: str, zh: str, en: str) -> None:
        """The buyer asks at `when`; the answers are kept in both languages, `question` is the
        one the walkthrough shows."""
        assert self.journey is not None
        self.clock.set(when)
        records = {lang.value: order_answers(self.uow(), self.rules, self.clock,
                                             buyer(order_id), order_id, lang)
                   for lang in Lang}
        phase = str(records["zh"]["phase"])
        snap = Snapshot(self.clock.now(), order_id, phase, records)
        self.journey.snapshots.append(snap)
        self.journey.steps.append(Step(when, "buyer", (zh, en), (phase, phase),
                                       (snap, question)))

    def post(self, events: list[dict[str, Any]]) -> Outcome:
        r = ingest_events(self.uow(), self.rules, self.clock, events, FEED)
        assert not r.rejected, r.rejected
        return both(lambda t: t("journey_posted", n=len(r.accepted), issued=r.outcome.issued))

    def sweep(self) -> Outcome:
        r = sweep_due(self.uow(), self.rules, self.clock)
        self.result.delivered += deliver_outbox(self.uow(), self.clock, self.notifier)
        return both(lambda t: t("journey_swept", due=r.due, issued=r.issued, remedies=r.remedies,
                                steps=r.aftersales))

    def state(self, view: dict[str, Any]) -> Outcome:
        c = view["cases"][-1]
        return both(lambda t: _case(t, c))

    def report(self, order_id: str, reason: str) -> Outcome:
        done = report_order(self.uow(), self.rules, self.clock, MERCHANT, order_id, reason)
        return both(lambda t: t("journey_reported", sku=done.sku_id or "-"))

    def say(self, who: Principal, order_id: str, text: str) -> Outcome:
        sent = messages.send_message(self.uow(), self.rules, self.clock, who, order_id, text)
        return both(lambda t: t("journey_said", text=sent["text"]))


def _case(t: Texts, c: dict[str, Any]) -> str:
    kind, state = t(f"case_{c['kind']}"), t(f"case_state_{c['state']}")
    if not c["due_at"]:
        return t("journey_case", kind=kind, state=state)
    key = f"case_due_{c['state']}"
    due = t(key if key in _DUE_KEYS else "case_due", at=_when(c["due_at"]))
    return t("journey_case_due", kind=kind, state=state, due=due)


_DUE_KEYS = frozenset({"case_due_requested", "case_due_refused", "case_due_escalated",
                       "case_due_agreed", "case_due_shipped_back"})


def run_journeys(store: Store) -> JourneyResult:
    """Play every journey on `store` (migrated, empty); the steps and the answers."""
    d = _Driver(store)
    u = d.uow
    stock.register_sku(u(), d.clock, "K1", SHOP, title="纯棉T恤 白色 L", category="服装",
                       price_cents=PAID)
    stock.receive(u(), d.clock, "K1", 20, "merchant:s1", "opening stock")

    # 1. A stockout; the buyer asks the merchant, waits, and gets the default refund.
    d.start("default_refund", "缺货后等待，逾期自动全额退款", "Waits after a stockout, then the default refund")
    d.step(d.at(0, 9), "merchant", "下单并成团", "order placed and confirmed",
           lambda: d.post(_order("o1", d.at(0, 9))))
    d.ask(d.at(0, 10), "o1", "must_merchant_ship", "买家查看：商家还要发货吗？", "the buyer asks")
    d.step(d.at(0, 15), "merchant", "商家报备缺货", "the merchant reports it out of stock",
           lambda: d.report("o1", "供应商断货"))
    d.step(d.at(0, 16), "buyer", "买家给商家发消息", "the buyer writes to the merchant",
           lambda: d.say(buyer("o1"), "o1", "请问什么时候能补货？"))
    d.step(d.at(0, 17), "merchant", "商家回复", "the merchant answers",
           lambda: d.say(MERCHANT, "o1", "正在联系厂家，请您耐心等待"))
    d.ask(d.at(0, 18), "o1", "must_merchant_ship",
          "买家查看（待选择处理方式）", "the buyer asks (remedy pending)")
    d.step(d.at(2, 16), "worker", "选择期限已过：自动全额退款", "the choice window closed: the default",
           d.sweep)
    d.ask(d.at(2, 17), "o1", "compensation", "买家查看（已退款）", "the buyer asks (refunded)")

    # 2. Late; a refund request the merchant refuses; the platform steps in and grants it.
    d.start("refund_escalated", "商家拒绝退款，平台介入支持买家", "A refused refund the platform grants")
    d.step(d.at(0, 9), "merchant", "下单并成团", "order placed and confirmed",
           lambda: d.post(_order("o2", d.at(0, 9))))
    d.step(d.at(2, 10), "worker", "超过发货时限", "the deadline passes", d.sweep)
    d.ask(d.at(2, 11), "o2", "must_merchant_ship", "买家查看（已超时）", "the buyer asks (late)")
    d.step(d.at(2, 12), "buyer", "买家申请退款", "the buyer requests a refund",
           lambda: d.state(cases.request_refund(u(), d.rules, d.clock, buyer("o2"), "o2",
                                                "等太久了，不想要了")))
    d.step(d.at(2, 20), "merchant", "商家拒绝退款", "the merchant refuses",
           lambda: d.state(cases.answer_refund(u(), d.rules, d.clock, MERCHANT, "o2", False,
                                               "明天就发货")))
    d.ask(d.at(2, 21), "o2", "can_refund", "买家查看（被拒绝）", "the buyer asks (refused)")
    d.step(d.at(2, 22), "buyer", "买家申请平台介入", "the buyer asks the platform to step in",
           lambda: d.state(cases.escalate(u(), d.rules, d.clock, buyer("o2"), "o2",
                                          "已超时两天仍未发货")))
    d.step(d.at(3, 10), "platform", "平台裁决：支持退款", "the platform grants the refund",
           lambda: d.state(cases.decide(u(), d.rules, d.clock, PLATFORM, "o2", True,
                                        "订单已超时未发货，支持买家退款")))
    d.ask(d.at(3, 11), "o2", "can_refund", "买家查看（已退款）", "the buyer asks (refunded)")

    # 3. Delivered; a return agreed, sent back, received: refunded, the unit back in stock.
    d.start("return", "签收后退货退款", "A return after delivery")
    d.step(d.at(0, 9), "merchant", "下单并成团", "order placed and confirmed",
           lambda: d.post(_order("o3", d.at(0, 9))))
    d.step(d.at(0, 20), "merchant", "发货并揽收", "shipped and picked up",
           lambda: d.post(_shipped("o3", d.at(0, 20), d.at(2, 14))[:3]))
    d.ask(d.at(1, 9), "o3", "can_return", "买家查看（已发货）", "the buyer asks (shipped)")
    d.step(d.at(2, 14), "merchant", "快递签收", "delivered",
           lambda: d.post(_shipped("o3", d.at(0, 20), d.at(2, 14))[3:]))
    d.ask(d.at(2, 18), "o3", "can_return", "买家查看（已签收）", "the buyer asks (delivered)")
    d.step(d.at(3, 9), "buyer", "买家申请退货", "the buyer asks to return it",
           lambda: d.state(cases.request_return(u(), d.rules, d.clock, buyer("o3"), "o3",
                                                "尺码不合适")))
    d.step(d.at(3, 15), "merchant", "商家同意退货", "the merchant agrees",
           lambda: d.state(cases.answer_return(u(), d.rules, d.clock, MERCHANT, "o3", True)))
    d.ask(d.at(3, 16), "o3", "can_return", "买家查看（待寄回）", "the buyer asks (send it back)")
    d.step(d.at(4, 10), "buyer", "买家寄回并填写单号", "the buyer sends it back",
           lambda: d.state(cases.ship_back(u(), d.rules, d.clock, buyer("o3"), "o3", "YTO",
                                           "YT9000001")))
    d.step(d.at(6, 11), "merchant", "商家确认收货，退款", "the merchant confirms receipt: refund",
           lambda: d.state(cases.confirm_receipt(u(), d.rules, d.clock, MERCHANT, "o3")))
    d.ask(d.at(6, 12), "o3", "can_refund", "买家查看（已退款）", "the buyer asks (refunded)")

    # 4. An empty parcel: a claim upheld is a fraudulent shipment, with the legal note.
    d.start("empty_parcel", "收到空包：欺诈发货与法律索赔", "An empty parcel: fraud verdict and legal claim")
    d.step(d.at(0, 9), "merchant", "下单并成团", "order placed and confirmed",
           lambda: d.post(_order("o4", d.at(0, 9))))
    d.step(d.at(2, 15), "merchant", "发货、揽收、签收", "shipped, picked up, delivered",
           lambda: d.post(_shipped("o4", d.at(0, 21), d.at(2, 15))))
    d.step(d.at(2, 16), "buyer", "买家申请售后：空包", "the buyer claims an empty parcel",
           lambda: d.state(cases.file_claim(u(), d.rules, d.clock, buyer("o4"), "o4",
                                            ClaimKind.EMPTY_PARCEL, "包裹里什么都没有")))
    d.ask(d.at(2, 17), "o4", "legal_claim", "买家查看（待平台裁决）", "the buyer asks (being decided)")
    d.step(d.at(3, 10), "platform", "平台认定空包成立", "the platform upholds the claim",
           lambda: d.state(cases.decide_claim(u(), d.rules, d.clock, PLATFORM, "o4", True,
                                              "快递称重记录为 0.02 kg")))
    d.ask(d.at(3, 11), "o4", "legal_claim", "买家查看（欺诈发货）", "the buyer asks (fraud found)")

    # 5. Complaints: one answered in time, one that goes overdue (then is answered and reopened).
    d.start("tickets", "投诉客服：按时答复与超时", "Complaints: answered in time, and overdue")
    d.step(d.at(0, 9), "merchant", "两个订单成团", "two orders confirmed",
           lambda: d.post(_order("o5", d.at(0, 9)) + _order("o6", d.at(0, 9))))
    t5: dict[str, Any] = {}
    d.step(d.at(0, 9, 30), "buyer", "买家 b5 投诉", "buyer b5 complains",
           lambda: _ticket(t5.setdefault("t", tickets.open_ticket(
               u(), d.rules, d.clock, buyer("o5"), "o5", "商家一直不回消息"))))
    d.step(d.at(0, 10), "buyer", "买家 b6 投诉", "buyer b6 complains",
           lambda: _ticket(tickets.open_ticket(u(), d.rules, d.clock, buyer("o6"), "o6",
                                               "订单什么时候发货？")))
    d.step(d.at(0, 15), "platform", "客服答复 b5（按时）", "customer service answers b5 in time",
           lambda: _ticket(tickets.answer_ticket(u(), d.clock, PLATFORM, t5["t"]["id"],
                                                 "已催促商家，今天内发货")))
    d.step(d.at(0, 16), "buyer", "b5 关闭工单", "b5 closes the ticket",
           lambda: _ticket(tickets.close_ticket(u(), d.clock, buyer("o5"), t5["t"]["id"])))
    d.step(d.at(1, 11), "platform", "客服队列：b6 已超时", "the queue: b6's ticket is overdue",
           lambda: _queue(tickets.list_tickets(u(), d.clock, PLATFORM)))
    d.ask(d.at(1, 12), "o6", "contact", "b6 查看（工单超时）", "b6 asks (ticket overdue)")
    t6 = tickets.list_tickets(u(), d.clock, buyer("o6"))[0]["id"]
    d.step(d.at(1, 13), "platform", "客服答复 b6（已超时）", "customer service answers b6, late",
           lambda: _ticket(tickets.answer_ticket(u(), d.clock, PLATFORM, t6,
                                                 "商家已确认明天发货")))
    d.step(d.at(1, 14), "buyer", "b6 不满意，重新打开", "b6 is not satisfied and reopens it",
           lambda: _ticket(tickets.reopen_ticket(u(), d.rules, d.clock, buyer("o6"), t6,
                                                 "昨天也是这么说的")))

    # 6. Feedback on the product page, answered by the merchant.
    d.start("feedback", "商品页面留言反馈，商家回复", "Product feedback the merchant answers")
    d.step(d.at(0, 11), "buyer", "买家 b7 在商品页面留言", "buyer b7 leaves feedback",
           lambda: _left(feedback.leave_feedback(u(), d.rules, d.clock, buyer("o7"), "K1",
                                                 "L 码偏小吗？")))
    d.step(d.at(0, 14), "merchant", "商家查看未回复的留言", "the merchant lists unanswered feedback",
           lambda: both(lambda t: _sep(t).join(
               t("journey_feedback_item", id=x["id"], text=x["text"])
               for x in feedback.list_feedback(u(), d.clock, MERCHANT, unanswered=True))))
    d.step(d.at(0, 15), "merchant", "商家回复", "the merchant answers",
           lambda: _replied(feedback.reply_feedback(
               u(), d.clock, MERCHANT, feedback.list_feedback(u(), d.clock, MERCHANT)[0]["id"],
               "L 码正常，身高 175 cm 合适")))

    # 7. The states the journeys above do not stop at: a remedy chosen, a closed order.
    d.start("states", "其他状态：已选处理方式、订单关闭", "Other states: remedy chosen, closed")
    d.step(d.at(0, 9), "merchant", "两个订单（o8 成团，o9 未成团）", "two orders (o8 confirmed, o9 not)",
           lambda: d.post(_order("o8", d.at(0, 9)) + _order("o9", d.at(0, 9))[:1]))
    d.ask(d.at(0, 10), "o9", "must_merchant_ship", "b9 查看（未成团）", "b9 asks (not confirmed)")
    d.step(d.at(0, 12), "merchant", "o8 报备缺货", "o8 reported out of stock",
           lambda: d.report("o8", "断货"))
    d.step(d.at(0, 13), "buyer", "b8 选择预售", "b8 chooses presale",
           lambda: _remedy(d, "o8"))
    d.ask(d.at(0, 14), "o8", "must_merchant_ship", "b8 查看（已选择预售）", "b8 asks (presale chosen)")
    d.step(d.at(1, 9), "platform", "o9 拼团失败", "o9's group fails",
           lambda: d.post([_event("o9", "failed", "group_failed", d.at(1, 9))]))
    d.ask(d.at(1, 10), "o9", "must_merchant_ship", "b9 查看（已关闭）", "b9 asks (closed)")

    d.result.delivered += deliver_outbox(u(), d.clock, d.notifier)
    d.result.notifications = list(d.notifier.sent)
    return d.result


def _sep(t: Texts) -> str:
    return "；" if t.lang is Lang.ZH else "; "


def _ticket(x: dict[str, Any]) -> Outcome:
    key = ("journey_ticket_overdue" if x["overdue"] else "journey_ticket"
           if x["state"] == "open" else "journey_ticket_done")
    return both(lambda t: t(key, id=x["id"], state=t(f"ticket_state_{x['state']}"),
                            due=_when(x["respond_by"])))


def _queue(items: list[dict[str, Any]]) -> Outcome:
    return both(lambda t: _sep(t).join(
        t("journey_queue_overdue" if x["overdue"] else "journey_queue_in_time", id=x["id"])
        for x in items) or t("journey_queue_empty"))


def _left(x: dict[str, Any]) -> Outcome:
    return both(lambda t: t("journey_feedback", id=x["id"], due=_when(x["reply_by"])))


def _replied(x: dict[str, Any]) -> Outcome:
    return both(lambda t: t("journey_replied", at=_when(x["replied_at"]), text=x["reply"]))


def _remedy(d: _Driver, order_id: str) -> Outcome:
    got = remedies.choose(d.uow(), d.rules, d.clock, buyer(order_id), order_id, Remedy.PRESALE,
                          until=d.at(5, 18))
    return both(lambda t: t("journey_presale", until=_when(got["until"])))


def answers_by_phase(result: JourneyResult) -> dict[str, Snapshot]:
    """One snapshot per phase, the first met, for the table of what a buyer gets in each."""
    out: dict[str, Snapshot] = {}
    for j in result.journeys:
        for s in j.snapshots:
            out.setdefault(s.phase, s)
    return out


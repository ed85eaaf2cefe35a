"""One order's customer service for the console, on the buyer's side's services: the answers
(`answers.order_answers`), the conversation with the merchant (the order's `chat_message`
events), the waybills uploaded, the customer-service tickets, the product feedback and the
after-sales cases; and, for each, the steps the viewer's role may take now. The services
still check every step: these only decide which forms a page offers."""

from __future__ import annotations

from typing import Any

from stockout.domain.aftersales import CaseKind, CaseState
from stockout.domain.language import Lang
from stockout.services.access.principals import Principal, Role
from stockout.services.aftersales.cases import order_cases
from stockout.services.aftersales.cases import queue as aftersales_queue
from stockout.services.answers.view import order_answers
from stockout.services.common.clock import Clock
from stockout.services.contact.feedback import list_feedback
from stockout.services.contact.tickets import STEPS, TicketState, list_tickets
from stockout.services.judging.rules import Rules
from stockout.store.uow import UnitOfWork

CLAIM_KINDS = ("empty_parcel", "wrong_item", "damaged", "not_received", "other")


def case_steps(case: dict[str, Any], role: Role) -> list[str]:
    """The after-sales steps `role` may take on `case` in its state (each a form)."""
    state, kind = CaseState(case["state"]), CaseKind(case["kind"])
    if role is Role.MERCHANT:
        if state is CaseState.REQUESTED and kind is CaseKind.REFUND:
            return ["answer_refund"]
        if state is CaseState.REQUESTED and kind is CaseKind.RETURN:
            return ["answer_return"]
        if state is CaseState.SHIPPED_BACK:
            return ["confirm_receipt"]
    if role is Role.BUYER:
        if state is CaseState.REFUSED and kind is not CaseKind.CLAIM:
            return ["escalate"]
        if state is CaseState.AGREED:
            return ["ship_back"]
    if role is Role.PLATFORM:
        if state is CaseState.ESCALATED:
            return ["decide"]
        if state is CaseState.REQUESTED and kind is CaseKind.CLAIM:
            return ["decide_claim"]
    return []


def ticket_steps(ticket: dict[str, Any], role: Role) -> list[str]:
    state = TicketState(ticket["state"])
    allowed = {Role.PLATFORM: ("answer", "close"), Role.BUYER: ("close", "reopen")}
    return [s for s in allowed.get(role, ()) if state in STEPS[s]]


def order_service(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal,
                  view: dict[str, Any], lang: Lang) -> dict[str, Any]:
    """The customer service of an order the viewer sees (`view`: `explained_order`)."""
    order_id = view["order_id"]
    answers = order_answers(uow, rules, clock, who, order_id, lang)
    actions = {a["action"] for answer in answers["answers"] for a in answer["actions"]}
    events = [e["event"] for e in view["timeline"]]
    messages = [{"at": e["at"], "sender": e["sender"], "text": e["text"]}
                for e in events if e["type"] == "chat_message"]
    waybills = [{"at": e["at"], "carrier": e["carrier"], "tracking_no": e["tracking_no"]}
                for e in events if e["type"] == "shipment_uploaded"]
    tickets = [dict(t, steps=ticket_steps(t, who.role))
               for t in list_tickets(uow, clock, who, state=None, order_id=order_id)]
    feedback = [dict(f, may_reply=who.role is not Role.BUYER and f["reply"] is None)
                for f in list_feedback(uow, clock, who, sku_id=view.get("sku_id"))
                if f["order_id"] == order_id]
    cases = [dict(c, steps=case_steps(c, who.role))
             for c in order_cases(uow, rules, clock, who, order_id)["cases"]]
    return {"answers": answers, "actions": sorted(actions), "messages": messages,
            "waybills": waybills, "tickets": tickets, "feedback": feedback, "cases": cases,
            "claim_kinds": CLAIM_KINDS,
            "may_message": who.role is not Role.PLATFORM and view.get("buyer_id") is not None,
            "may_ticket": who.role is Role.BUYER and "open_ticket" in actions,
            "may_feedback": who.role is Role.BUYER and view.get("sku_id") is not None}


def service_queues(uow: UnitOfWork, clock: Clock, who: Principal,
                   shop_id: str | None = None) -> dict[str, Any]:
    """What waits for an answer: for a merchant (its shops, or `shop_id`) the after-sales
    requests and returns sent back, the unanswered feedback and the open tickets about its
    orders; for the platform the open tickets (soonest due first) and the escalated cases and
    claims."""
    def mine(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [x for x in items if shop_id is None or x["shop_id"] == shop_id]

    if who.role is Role.PLATFORM:
        cases = [*aftersales_queue(uow, clock, who, CaseState.ESCALATED.value),
                 *[c for c in aftersales_queue(uow, clock, who, CaseState.REQUESTED.value)
                   if c["kind"] == CaseKind.CLAIM.value]]
    else:
        cases = [c for state in (CaseState.REQUESTED, CaseState.SHIPPED_BACK)
                 for c in aftersales_queue(uow, clock, who, state.value)
                 if c["kind"] != CaseKind.CLAIM.value]
    cases.sort(key=lambda c: c["due_at"] or "")
    return {"tickets": mine(list_tickets(uow, clock, who, state=TicketState.OPEN.value)),
            "cases": mine(cases),
            "feedback": [] if who.role is Role.PLATFORM else
            mine(list_feedback(uow, clock, who, unanswered=True))}

"""Customer service in the console (the buyer's side of the seed): messages between the buyer
and the merchant, complaints to the platform's customer service (tickets), product feedback
(留言反馈) and after-sales (refund and return requests, the merchant's answers, the parcel sent
back and received, the platform stepping in, claims). Each form calls the same service as the
API; the queues of what waits for an answer are one page for the merchant and the platform."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from stockout.domain.events import ClaimKind
from stockout.services.access.principals import NotFound
from stockout.services.aftersales import cases
from stockout.services.console.service import service_queues
from stockout.services.console.views import explained_order
from stockout.services.contact import feedback, messages, tickets
from stockout.web import PREFIX
from stockout.web.render import back, page
from stockout.web.session import CsrfDep, RuntimeDep, ViewerDep, lang_of, safe_next
from stockout.web.texts import say

router = APIRouter()
Text = Annotated[str, Form(max_length=messages.MAX_TEXT)]
Next = Annotated[str, Form()]


def _done(request: Request, order_id: str | None, next: str, key: str, **kw: object
          ) -> Response:
    default = f"{PREFIX}/orders/{order_id}" if order_id else f"{PREFIX}/"
    return back(request, safe_next(next, default), say(key, lang_of(request), **kw))


@router.post("/orders/{order_id}/messages", dependencies=[CsrfDep])
def message(request: Request, order_id: str, rt: RuntimeDep, who: ViewerDep, text: Text,
            next: Next = "") -> Response:
    messages.send_message(rt.uow(), rt.rules, rt.clock, who, order_id, text)
    return _done(request, order_id, next, "message_sent")


@router.post("/orders/{order_id}/tickets", dependencies=[CsrfDep])
def ticket(request: Request, order_id: str, rt: RuntimeDep, who: ViewerDep, text: Text,
           next: Next = "") -> Response:
    made = tickets.open_ticket(rt.uow(), rt.rules, rt.clock, who, order_id, text)
    return _done(request, order_id, next, "ticket_opened", id=made["id"])


@router.post("/tickets/{ticket_id}/{step}", dependencies=[CsrfDep])
def ticket_step(request: Request, ticket_id: int, step: str, rt: RuntimeDep, who: ViewerDep,
                text: Text = "", next: Next = "") -> Response:
    if step == "answer":
        done = tickets.answer_ticket(rt.uow(), rt.clock, who, ticket_id, text)
    elif step == "close":
        done = tickets.close_ticket(rt.uow(), rt.clock, who, ticket_id)
    elif step == "reopen":
        done = tickets.reopen_ticket(rt.uow(), rt.rules, rt.clock, who, ticket_id, text)
    else:
        raise NotFound(f"ticket step {step!r}")
    return _done(request, done["order_id"], next, f"ticket_{step}_done", id=ticket_id)


@router.post("/orders/{order_id}/feedback", dependencies=[CsrfDep])
def leave(request: Request, order_id: str, rt: RuntimeDep, who: ViewerDep, text: Text,
          next: Next = "") -> Response:
    view = explained_order(rt.uow(), rt.rules, who, order_id, lang_of(request))
    feedback.leave_feedback(rt.uow(), rt.rules, rt.clock, who, str(view["sku_id"]), text,
                            order_id)
    return _done(request, order_id, next, "feedback_left")


@router.post("/feedback/{feedback_id}/reply", dependencies=[CsrfDep])
def reply(request: Request, feedback_id: int, rt: RuntimeDep, who: ViewerDep, text: Text,
          next: Next = "") -> Response:
    done = feedback.reply_feedback(rt.uow(), rt.clock, who, feedback_id, text)
    return _done(request, done["order_id"], next, "feedback_replied")


Reason = Annotated[str, Form(max_length=2000)]


@router.post("/orders/{order_id}/aftersales/{step}", dependencies=[CsrfDep])
def aftersale(request: Request, order_id: str, step: str, rt: RuntimeDep, who: ViewerDep,
              reason: Reason = "", decision: Annotated[str, Form()] = "",
              carrier: Annotated[str, Form(max_length=100)] = "",
              tracking_no: Annotated[str, Form(max_length=100)] = "",
              kind: Annotated[str, Form()] = "", next: Next = "") -> Response:
    """One form per step; `decision` is `accept` or `refuse` (`grant`/`deny` for the platform)."""
    u, r, c = rt.uow(), rt.rules, rt.clock
    yes = decision in ("accept", "grant")
    if step == "refund":
        cases.request_refund(u, r, c, who, order_id, reason)
    elif step == "refund-answer":
        cases.answer_refund(u, r, c, who, order_id, yes, reason)
    elif step == "return":
        cases.request_return(u, r, c, who, order_id, reason)
    elif step == "return-answer":
        cases.answer_return(u, r, c, who, order_id, yes, reason)
    elif step == "return-shipment":
        cases.ship_back(u, r, c, who, order_id, carrier.strip(), tracking_no.strip())
    elif step == "return-receipt":
        cases.confirm_receipt(u, r, c, who, order_id)
    elif step == "escalation":
        cases.escalate(u, r, c, who, order_id, reason)
    elif step == "decision":
        cases.decide(u, r, c, who, order_id, yes, reason)
    elif step == "claim":
        try:
            claim = ClaimKind(kind)
        except ValueError:
            raise ValueError("kind: field required") from None
        cases.file_claim(u, r, c, who, order_id, claim, reason)
    elif step == "claim-decision":
        cases.decide_claim(u, r, c, who, order_id, yes, reason)
    else:
        raise NotFound(f"after-sales step {step!r}")
    return _done(request, order_id, next, f"aftersale_{step}_done")


@router.get("/shops/{shop_id}/service")
def shop_service(request: Request, shop_id: str, rt: RuntimeDep, who: ViewerDep) -> Response:
    if not who.sees_shop(shop_id):
        raise NotFound(f"shop {shop_id!r} not found")
    return page(request, "service_queue.html", who, shop=shop_id,
                q=service_queues(rt.uow(), rt.clock, who, shop_id))


@router.get("/platform/service")
def platform_service(request: Request, rt: RuntimeDep, who: ViewerDep) -> Response:
    if not who.is_platform:
        raise NotFound("the platform's pages")
    return page(request, "service_queue.html", who, shop=None,
                q=service_queues(rt.uow(), rt.clock, who))

"""Contact routes: messages between buyer and merchant, customer-service tickets and product
feedback (留言反馈)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from stockout.adapters.fields import Id, RequiredWords
from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.api.path_params import PathId
from stockout.services.contact import feedback, messages, tickets

router = APIRouter(prefix="/v1", tags=["contact"])


class TextIn(BaseModel):
    text: RequiredWords


class FeedbackIn(TextIn):
    order_id: Id | None = Field(None, description="the buyer's order of this SKU, if any")


Limit = Annotated[int, Query(ge=1, le=500)]


@router.post("/orders/{order_id}/messages", summary="A message to the other side of the order")
def post_message(order_id: str, body: TextIn, rt: RuntimeDep, who: PrincipalDep
                 ) -> dict[str, Any]:
    """The buyer to the merchant or back: a `chat_message` of the order (the judge reads the
    merchant's: saying 没货 is a stockout)."""
    return messages.send_message(rt.uow(), rt.rules, rt.clock, who, order_id,
                                 body.text)


@router.post("/orders/{order_id}/tickets", summary="A complaint to customer service")
def post_ticket(order_id: str, body: TextIn, rt: RuntimeDep, who: PrincipalDep
                ) -> dict[str, Any]:
    return tickets.open_ticket(rt.uow(), rt.rules, rt.clock, who, order_id, body.text)


@router.get("/tickets", summary="Tickets; the platform's queue: open, soonest due first")
def get_tickets(rt: RuntimeDep, who: PrincipalDep, state: str | None = "open",
                order_id: str | None = None, limit: Limit = 100) -> dict[str, Any]:
    return {"items": tickets.list_tickets(rt.uow(), rt.clock, who, state or None,
                                          order_id, limit), "next": None}


@router.post("/tickets/{ticket_id}/answer", summary="Customer service answers")
def post_ticket_answer(ticket_id: PathId, body: TextIn, rt: RuntimeDep, who: PrincipalDep
                       ) -> dict[str, Any]:
    return tickets.answer_ticket(rt.uow(), rt.clock, who, ticket_id, body.text)


@router.post("/tickets/{ticket_id}/close", summary="The buyer or customer service closes it")
def post_ticket_close(ticket_id: PathId, rt: RuntimeDep, who: PrincipalDep) -> dict[str, Any]:
    return tickets.close_ticket(rt.uow(), rt.clock, who, ticket_id)


@router.post("/tickets/{ticket_id}/reopen", summary="The buyer reopens it")
def post_ticket_reopen(ticket_id: PathId, body: TextIn, rt: RuntimeDep, who: PrincipalDep
                       ) -> dict[str, Any]:
    return tickets.reopen_ticket(rt.uow(), rt.rules, rt.clock, who, ticket_id,
                                 body.text)


@router.post("/skus/{sku_id}/feedback", summary="Feedback on a product page (留言反馈)")
def post_feedback(sku_id: str, body: FeedbackIn, rt: RuntimeDep, who: PrincipalDep
                  ) -> dict[str, Any]:
    return feedback.leave_feedback(rt.uow(), rt.rules, rt.clock, who, sku_id,
                                   body.text, body.order_id)


@router.get("/feedback", summary="Product feedback: a merchant's shops', a buyer's own")
def get_feedback(rt: RuntimeDep, who: PrincipalDep, sku_id: str | None = None,
                 unanswered: bool = False, limit: Limit = 100) -> dict[str, Any]:
    return {"items": feedback.list_feedback(rt.uow(), rt.clock, who, sku_id, unanswered,
                                            limit), "next": None}


@router.post("/feedback/{feedback_id}/reply", summary="The merchant answers feedback")
def post_feedback_reply(feedback_id: PathId, body: TextIn, rt: RuntimeDep, who: PrincipalDep
                        ) -> dict[str, Any]:
    return feedback.reply_feedback(rt.uow(), rt.clock, who, feedback_id, body.text)

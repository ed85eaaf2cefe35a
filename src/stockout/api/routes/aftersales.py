"""After-sales routes: refund requests, returns, claims, escalation to the platform (平台介入)
and its decisions. Each step is an event in the order's timeline; a refusal is a problem with
`code` (and `rule`, the pack key, where a time ran out)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StrictBool

from stockout.adapters.fields import Id, Words
from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.domain.aftersales import CaseState
from stockout.domain.events import ClaimKind
from stockout.services.aftersales import cases

router = APIRouter(prefix="/v1", tags=["after-sales"])


class RequestIn(BaseModel):
    reason: Words = ""


class AnswerIn(BaseModel):
    accept: StrictBool
    reason: Words = Field("", description="required when refusing")


class DecisionIn(BaseModel):
    grant: StrictBool
    reason: Words = Field(min_length=1)


class ShipBackIn(BaseModel):
    carrier: Id
    tracking_no: Id


class ClaimIn(BaseModel):
    kind: ClaimKind
    statement: Words = ""


class ClaimDecisionIn(BaseModel):
    upheld: StrictBool
    reason: Words = Field(min_length=1)


@router.get("/orders/{order_id}/aftersales", summary="The order's after-sales cases")
def get_cases(order_id: str, rt: RuntimeDep, who: PrincipalDep) -> dict[str, Any]:
    return cases.order_cases(rt.uow(), rt.rules, rt.clock, who, order_id)


@router.post("/orders/{order_id}/refund-request", summary="The buyer asks for a refund")
def post_refund_request(order_id: str, body: RequestIn, rt: RuntimeDep, who: PrincipalDep
                        ) -> dict[str, Any]:
    """Before delivery. The merchant answers within the pack's `refund_answer_hours`; silence
    grants it (the worker refunds)."""
    return cases.request_refund(rt.uow(), rt.rules, rt.clock, who, order_id,
                                body.reason)


@router.post("/orders/{order_id}/refund-request/answer", summary="The merchant answers")
def post_refund_answer(order_id: str, body: AnswerIn, rt: RuntimeDep, who: PrincipalDep
                       ) -> dict[str, Any]:
    return cases.answer_refund(rt.uow(), rt.rules, rt.clock, who, order_id,
                               body.accept, body.reason)


@router.post("/orders/{order_id}/return-request", summary="The buyer asks to return it")
def post_return_request(order_id: str, body: RequestIn, rt: RuntimeDep, who: PrincipalDep
                        ) -> dict[str, Any]:
    """After delivery, within the pack's `return_window_days`."""
    return cases.request_return(rt.uow(), rt.rules, rt.clock, who, order_id,
                                body.reason)


@router.post("/orders/{order_id}/return-request/answer", summary="The merchant answers")
def post_return_answer(order_id: str, body: AnswerIn, rt: RuntimeDep, who: PrincipalDep
                       ) -> dict[str, Any]:
    return cases.answer_return(rt.uow(), rt.rules, rt.clock, who, order_id,
                               body.accept, body.reason)


@router.post("/orders/{order_id}/return-shipment", summary="The buyer sends it back")
def post_return_shipment(order_id: str, body: ShipBackIn, rt: RuntimeDep, who: PrincipalDep
                         ) -> dict[str, Any]:
    return cases.ship_back(rt.uow(), rt.rules, rt.clock, who, order_id, body.carrier,
                           body.tracking_no)


@router.post("/orders/{order_id}/return-receipt", summary="The merchant confirms receipt")
def post_return_receipt(order_id: str, rt: RuntimeDep, who: PrincipalDep) -> dict[str, Any]:
    """The buyer is refunded in full and the units go back to the SKU's ledger."""
    return cases.confirm_receipt(rt.uow(), rt.rules, rt.clock, who, order_id)


@router.post("/orders/{order_id}/escalation", summary="The buyer asks the platform to step in")
def post_escalation(order_id: str, body: RequestIn, rt: RuntimeDep, who: PrincipalDep
                    ) -> dict[str, Any]:
    return cases.escalate(rt.uow(), rt.rules, rt.clock, who, order_id, body.reason)


@router.post("/orders/{order_id}/escalation/decision", summary="The platform decides")
def post_decision(order_id: str, body: DecisionIn, rt: RuntimeDep, who: PrincipalDep
                  ) -> dict[str, Any]:
    return cases.decide(rt.uow(), rt.rules, rt.clock, who, order_id, body.grant,
                        body.reason)


@router.post("/orders/{order_id}/claims", summary="The buyer files a claim (empty parcel ...)")
def post_claim(order_id: str, body: ClaimIn, rt: RuntimeDep, who: PrincipalDep
               ) -> dict[str, Any]:
    return cases.file_claim(rt.uow(), rt.rules, rt.clock, who, order_id, body.kind,
                            body.statement)


@router.post("/orders/{order_id}/claims/decision", summary="The platform decides the claim")
def post_claim_decision(order_id: str, body: ClaimDecisionIn, rt: RuntimeDep,
                        who: PrincipalDep) -> dict[str, Any]:
    """Upheld: a full refund; an empty parcel or a wrong item is a fraudulent-shipment verdict."""
    return cases.decide_claim(rt.uow(), rt.rules, rt.clock, who, order_id,
                              body.upheld, body.reason)


@router.get("/aftersales", summary="After-sales cases by state, soonest due first")
def get_queue(rt: RuntimeDep, who: PrincipalDep, state: CaseState = CaseState.ESCALATED,
              limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    """The platform's 介入 queue by default (`overdue` flagged); merchants see their shops'
    cases, buyers their own."""
    return {"items": cases.queue(rt.uow(), rt.clock, who, state.value, limit), "next": None}

"""POST /v1/events: a JSON array of up to 1,000 events; each accepted, duplicate or rejected."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel

from stockout.adapters.event_schema import EVENT_ADAPTER
from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.api.problems import NotAnArray
from stockout.services.judging.ingest import MAX_EVENTS, ingest_events

router = APIRouter(prefix="/v1", tags=["events"])


class RejectedEvent(BaseModel):
    index: int
    event_id: str | None
    reason: str
    status: int


class IngestAnswer(BaseModel):
    accepted: list[str]
    duplicates: list[str]
    rejected: list[RejectedEvent]
    orders_judged: int
    verdicts_issued: int
    verdicts_voided: int


_SCHEMA = {"type": "array", "maxItems": MAX_EVENTS,
           "items": EVENT_ADAPTER.json_schema(ref_template="#/components/schemas/{model}")}


@router.post("/events", response_model=IngestAnswer, summary="Post events",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": _SCHEMA}}}})
def post_events(rt: RuntimeDep, who: PrincipalDep,
                payload: Annotated[Any, Body()] = None) -> IngestAnswer:
    """Append events (the event contract of DESIGN.md) and re-judge the orders they touch.

    An event id already received with the same body is a duplicate (a no-op); with another body
    it is rejected with status 409 and the first one stays. Invalid events are rejected (422)
    with their index and reason; the valid ones are still taken. The platform posts for any
    order, a merchant only for its own shops' orders; buyers do not post.
    """
    if not isinstance(payload, list):
        raise NotAnArray("the body must be a JSON array of events")
    result = ingest_events(rt.uow(), rt.rules, rt.clock, payload, who)
    return IngestAnswer(
        accepted=result.accepted, duplicates=result.duplicates,
        rejected=[RejectedEvent(index=r.index, event_id=r.event_id, reason=r.reason,
                                status=r.status) for r in result.rejected],
        orders_judged=result.outcome.judged, verdicts_issued=result.outcome.issued,
        verdicts_voided=result.outcome.voided)

"""POST /v1/events: a JSON array of up to 1,000 events; each accepted, duplicate or rejected.

The busiest route is served by `answer_direct`, an ASGI function that the application (`Api`)
calls for it before the framework's middleware, routing, dependency solving and response
classes (the larger part of a single post's framework cost), with the same answers; the route
below documents it in the OpenAPI document.
"""

from __future__ import annotations

import email.message
import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from stockout.adapters.event_schema import EVENT_ADAPTER
from stockout.api import problems
from stockout.api.auth import poster_of
from stockout.api.limits import BodyTooLarge
from stockout.api.problems import NotAnArray
from stockout.bootstrap import Runtime
from stockout.services.judging.ingest import MAX_EVENTS, IngestResult
from stockout.store.mapping import compact

router = APIRouter(prefix="/v1", tags=["events"])


class RejectedEvent(BaseModel):
    index: int
    event_id: str | None
    reason: str
    status: int
    rule: str | None = None  # a 403 or 409 names the rule (`provenance/carrier_scan`)


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
                 "application/json": {"schema": _SCHEMA}}},
                 # The token is read in the function (`poster_of`), not by a dependency.
                 "security": [{"HTTPBearer": []}]})
async def post_events(request: Request, payload: Annotated[Any, Body()] = None) -> Response:
    """Append events (the event contract of DESIGN.md) and re-judge the orders they touch.

    An event id already received with the same body is a duplicate (a no-op); with another body
    it is rejected with status 409 and the first one stays. Invalid events are rejected (422)
    with their index and reason; the valid ones are still taken. The platform (and its
    adapters) states anything; a merchant, for its own shops' orders, its shipments,
    out-of-stock reports, cancellations, refunds and chat messages, dated within the server's
    tolerance (15 minutes) of their arrival; a carrier token carrier scans; anything else is a
    403 naming the rule. A second `order_placed` of an order is a 409. Buyers do not post
    here (their steps have their own endpoints).
    """
    return Response(await _answer(request, payload), media_type=MEDIA_TYPE)


MEDIA_TYPE = "application/json"


def answer_json(result: IngestResult) -> bytes:
    """The answer to a post, byte for byte `IngestAnswer`'s JSON, written without building the
    model (its validation and serialiser cost a one-event post more than the encoding)."""
    return compact({  # as Pydantic writes it: compact, non-ASCII kept, fields in order
        "accepted": result.accepted, "duplicates": result.duplicates,
        "rejected": [{"index": r.index, "event_id": r.event_id, "reason": r.reason,
                      "status": r.status, "rule": r.rule} for r in result.rejected],
        "orders_judged": result.outcome.judged, "verdicts_issued": result.outcome.issued,
        "verdicts_voided": result.outcome.voided}).encode("utf-8")


async def _answer(request: Request, payload: Any) -> bytes:
    who = await poster_of(request)
    if not isinstance(payload, list):
        raise NotAnArray("the body must be a JSON array of events")
    rt: Runtime = request.app.state.runtime
    # Posts that arrive together share a transaction, each answered as if alone. `async`: the
    # post waits for its group on the event loop; only the group goes to a thread.
    return answer_json(
        await rt.ingest_groups.ingest_async(rt.uow(), rt.rules, rt.clock, payload, who))


PATH = "/v1/events"


async def answer_direct(scope: Scope, receive: Receive, send: Send) -> None:
    """`POST /v1/events` answered straight from ASGI (the app sends that route's requests here,
    inside `BodyLimit`, before the framework's middleware): the body read and parsed as the
    route's `Body()` parameter is (JSON only with a JSON content type, the same 422 and 400
    problems), then `_answer`, errors through the app's one problem handler. `BodyLimit` still
    refuses a body over the limit (413)."""
    request = Request(scope, receive)
    try:
        body = await _answer(request, await _payload(request))
    except BodyTooLarge:
        raise  # BodyLimit answers 413
    except Exception as exc:
        await (await problems.handle(request, exc))(scope, receive, send)
        if not isinstance(exc, problems.ANSWERED):  # a 500: raised on, as the app does
            raise
        return
    # What `Response(body, media_type=MEDIA_TYPE)` sends, without making one.
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-length", str(len(body)).encode("latin-1")),
        (b"content-type", MEDIA_TYPE.encode("latin-1"))]})
    await send({"type": "http.response.body", "body": body})


async def _payload(request: Request) -> Any:
    """The body as FastAPI gives a `Body()` parameter of type `Any`: None when empty, parsed
    when its content type is JSON (`application/json`, `application/*+json`), else bytes."""
    try:
        body = await request.body()
        if not body:
            return None
        kind = request.headers.get("content-type")
        if not kind:
            return body
        if kind != "application/json":
            message = email.message.Message()
            message["content-type"] = kind
            subtype = message.get_content_subtype()
            if message.get_content_maintype() != "application" or not (
                    subtype == "json" or subtype.endswith("+json")):
                return body
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise RequestValidationError([{
            "type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error",
            "input": {}, "ctx": {"error": exc.msg}}], body=exc.doc) from exc
    except BodyTooLarge:
        raise  # BodyLimit answers 413
    except Exception as exc:
        raise HTTPException(400, "There was an error parsing the body") from exc

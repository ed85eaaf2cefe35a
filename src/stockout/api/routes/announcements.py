"""GET/POST /v1/announcements: the platform's announcements that extend deadlines."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse

from stockout.adapters.event_schema import AnnouncementModel
from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.api.pagination import MAX_LIMIT, decode, page
from stockout.domain.times import format_time
from stockout.services.judging.announcements import post_announcement, withdraw_announcement

router = APIRouter(prefix="/v1/announcements", tags=["announcements"])


def _view(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(row["raw"])
    out["id"] = row["id"]
    if row["withdrawn_at"] is not None:
        out["withdrawn_at"] = format_time(row["withdrawn_at"])
    return out


@router.get("", summary="The platform's announcements")
def list_announcements(request: Request, rt: RuntimeDep, who: PrincipalDep,
                       limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
                       cursor: str | None = None) -> dict[str, Any]:
    after = decode(cursor)
    with rt.uow().reader() as uow:
        rows = uow.announcements.rows(after[0] if after else None, limit + 1)
    last = [rows[limit - 1]["id"]] if len(rows) > limit else None
    return page(request, [_view(r) for r in rows[:limit]], last)


@router.post("", summary="Post an announcement (platform only)", status_code=201,
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": AnnouncementModel.model_json_schema()}}}})
def create_announcement(rt: RuntimeDep, who: PrincipalDep,
                        payload: Annotated[Any, Body()] = None) -> JSONResponse:
    """Record it and re-judge the unclosed orders whose deadline it covers. The same
    announcement posted again is a no-op (200); the same id with other figures is a 409."""
    posted = post_announcement(rt.uow(), rt.rules, rt.clock, payload, who)
    body = {"id": posted.announcement.id, "created": posted.created,
            "orders_rejudged": posted.orders, "verdicts_issued": posted.issued,
            "verdicts_voided": posted.voided}
    return JSONResponse(body, status_code=201 if posted.created else 200)


@router.post("/{announcement_id}/withdraw", summary="Withdraw an announcement (platform only)")
def withdraw(rt: RuntimeDep, who: PrincipalDep, announcement_id: str) -> dict[str, Any]:
    """It extends no deadline from now on; the orders whose deadline it extended are re-judged
    (only those). Withdrawing it again does nothing (`withdrawn`: false); an unknown id is a
    404. A withdrawn id cannot be posted again (409)."""
    done = withdraw_announcement(rt.uow(), rt.rules, rt.clock, announcement_id, who)
    return {"id": done.announcement_id, "withdrawn": done.withdrawn,
            "orders_rejudged": done.orders, "verdicts_issued": done.issued,
            "verdicts_voided": done.voided}

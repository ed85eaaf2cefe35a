"""Health, notifications of the caller, and the audit log of money decisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.api.pagination import MAX_LIMIT, decode, page
from stockout.services.judging.queries import audit, notifications

router = APIRouter(tags=["meta"])


@router.get("/healthz", summary="Liveness (no token needed)")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/v1/notifications", summary="The caller's notifications")
def get_notifications(request: Request, rt: RuntimeDep, who: PrincipalDep,
                      limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
                      cursor: str | None = None) -> dict[str, Any]:
    """A buyer's compensation notices, a merchant's verdicts and at-risk warnings (the
    platform: all), oldest first, in Chinese and English."""
    after = decode(cursor)
    with rt.uow().reader() as uow:
        got = notifications(uow, who, after[0] if after else None, limit,
                            rt.rules.book.packs)
    return page(request, got.items, [got.after] if got.after is not None else None)


@router.get("/v1/audit", summary="Audit log of decisions that move money (platform only)")
def get_audit(request: Request, rt: RuntimeDep, who: PrincipalDep, order_id: str | None = None,
              limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
              cursor: str | None = None) -> dict[str, Any]:
    after = decode(cursor)
    with rt.uow().reader() as uow:
        got = audit(uow, who, order_id, after[0] if after else None, limit)
    return page(request, got.items, [got.after] if got.after is not None else None)

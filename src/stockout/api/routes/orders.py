"""GET /v1/orders/{order_id} and GET /v1/verdicts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from stockout.adapters.fields import Instant
from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.api.pagination import MAX_LIMIT, decode, page
from stockout.domain.verdicts import Violation
from stockout.services.judging.queries import list_verdicts, order_view

router = APIRouter(prefix="/v1", tags=["orders"])


@router.get("/orders/{order_id}", summary="One order: timeline, deadline, verdicts")
def get_order(order_id: str, rt: RuntimeDep, who: PrincipalDep) -> dict[str, Any]:
    """The order's events (as received), its deadline, every verdict (voided ones with why)
    and its coupons. A merchant sees its shops' orders, a buyer its own; anything else is 404."""
    with rt.uow().reader() as uow:
        return order_view(uow, who, order_id)


@router.get("/verdicts", summary="Verdicts, as `stockout judge --json` prints them")
def get_verdicts(request: Request, rt: RuntimeDep, who: PrincipalDep,
                 shop_id: str | None = None,
                 since: Annotated[Instant | None, Query(
                     description="only verdicts detected at or after this time")] = None,
                 violation: Violation | None = None,
                 limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
                 cursor: str | None = None) -> dict[str, Any]:
    """Active verdicts sorted by order id, detection time and violation; each item has exactly
    the fields of a `stockout judge --json` line."""
    after = decode(cursor, times=(1,))
    with rt.uow().reader() as uow:
        items, last = list_verdicts(
            uow, who, shop_id=shop_id, since=since,
            violation=violation.value if violation is not None else None,
            after=tuple(after) if after is not None else None,
            limit=limit)
    return page(request, items, list(last) if last is not None else None)

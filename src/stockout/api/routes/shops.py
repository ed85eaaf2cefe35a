"""A shop's orders at risk and its scorecard."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from stockout.adapters.fields import MAX_HOURS
from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.api.pagination import MAX_LIMIT, decode, page
from stockout.services.judging.queries import at_risk, scorecard
from stockout.services.reputation.score import shop_measures, shop_reputation

router = APIRouter(prefix="/v1/shops", tags=["shops"])


@router.get("/{shop_id}/at-risk", summary="Open orders by time left to their deadline")
def get_at_risk(request: Request, shop_id: str, rt: RuntimeDep, who: PrincipalDep,
                within_hours: Annotated[float | None, Query(
                    gt=0, le=MAX_HOURS, allow_inf_nan=False, description="only deadlines within this many hours")] = None,
                limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
                cursor: str | None = None) -> dict[str, Any]:
    """Confirmed, unclosed orders without a carrier pickup, soonest deadline first (a negative
    `seconds_left` is already late), with what a missed deadline would cost."""
    after = decode(cursor, times=(0,))
    within = timedelta(hours=within_hours) if within_hours is not None else None
    with rt.uow().reader() as uow:
        items, last = at_risk(uow, rt.rules, who, shop_id, rt.clock.now(), within=within,
                              after=tuple(after) if after is not None else None,
                              limit=limit)
    return page(request, items, list(last) if last is not None else None)


@router.get("/{shop_id}/scorecard", summary="Late-shipment, stockout and valid-tracking rates")
def get_scorecard(shop_id: str, rt: RuntimeDep, who: PrincipalDep,
                  days: Annotated[int | None, Query(ge=1, le=366)] = None) -> dict[str, Any]:
    """Over the last `days` (the pack's window by default): the share of orders due in the
    window with a late-shipment or stockout verdict, and of tracking uploads a carrier
    scanned, each against the target of the rule pack in force."""
    with rt.uow().reader() as uow:
        return scorecard(uow, rt.rules, who, shop_id, rt.clock.now(), days)


@router.get("/{shop_id}/measures", summary="Measures on the shop, current and past")
def get_measures(shop_id: str, rt: RuntimeDep, who: PrincipalDep) -> dict[str, Any]:
    """Each threshold crossing (the pack's `[[measures]]`): what applies, from when to when, and
    the orders that caused it; `past` holds the ended and the lifted ones."""
    with rt.uow().reader() as uow:
        return shop_measures(uow, who, shop_id, rt.clock.now())


@router.get("/{shop_id}/reputation", summary="The shop's reputation score and what cost it")
def get_reputation(shop_id: str, rt: RuntimeDep, who: PrincipalDep) -> dict[str, Any]:
    """A score from `start` down, each active verdict of the window weighed by kind and halved
    every half-life; `costs` says which order cost how many points, the largest first."""
    with rt.uow().reader() as uow:
        return shop_reputation(uow, rt.rules, who, shop_id, rt.clock.now())

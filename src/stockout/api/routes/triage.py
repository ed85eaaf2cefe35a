"""A shop's shortage triage: the plan (one decision per order, with why, and the baselines) and
applying a chosen plan's reports and restock proposals. The shop's merchant and the platform
only; for anyone else the shop does not exist (404)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StrictInt

from stockout.adapters.fields import Id, RequiredNote
from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.services.triage.apply import apply_decisions
from stockout.services.triage.plan import MAX_HORIZON_DAYS, triage

router = APIRouter(prefix="/v1/shops", tags=["triage"])

Horizon = Annotated[int, Query(ge=1, le=MAX_HORIZON_DAYS, description="days planned, today first")]


@router.get("/{shop_id}/triage", summary="Which orders to ship, report, substitute or refund")
def get_triage(shop_id: str, rt: RuntimeDep, who: PrincipalDep, horizon_days: Horizon = 7,
               margin_percent: Annotated[int, Query(
                   ge=0, le=100, description="the margin lost with a refunded order")] = 0
               ) -> dict[str, Any]:
    """For the shop's open orders short of stock: the action of each (`ship` on `day`,
    `restock` (report if needed and propose `day`), `substitute` (`sku_id` on `day`),
    `report`, `refund`) that together cost the merchant least, within stock, daily capacity,
    receipts, today's report limit and the campaign rule. Each decision gives its cost, the
    cheapest action of another kind (`alternative`, `saves_cents`) and `why`: `only_option`
    (nothing of another kind is possible), `cheapest` (cheaper than `alternative`), `tie` (as
    cheap: the kind that keeps the sale or the buyer's own item), `stock` / `report_limit`
    (the cheaper `gave_up` needs units or capacity orders due earlier take, or a report and
    none is left today); `cost_basis` what the cost pays for (`nothing`, `late`, `stockout`,
    `stockout_and_difference`, `difference`, `promise_missed`, `margin`) and `receipt_day` the
    expected receipt its units wait for (null: on hand). `method` says how the plan was
    found (`optimal`; `best_found`, `rounded` or `greedy` when the solver ran out of time, see
    `note`);
    `baselines` what first come first served and earliest deadline first would cost."""
    return triage(rt.uow(), rt.rules, rt.clock, who, shop_id, horizon_days, margin_percent)


class DecisionIn(BaseModel):
    order_id: Id
    action: str = Field(pattern="^(ship|restock|substitute|report|refund)$")
    day: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    sku_id: Id | None = None


class ApplyIn(BaseModel):
    decisions: list[DecisionIn] = Field(min_length=1, max_length=10_000)
    horizon_days: StrictInt = Field(7, ge=1, le=MAX_HORIZON_DAYS)
    reason: RequiredNote = "缺货"


@router.post("/{shop_id}/triage/apply", summary="Carry out a plan's reports and proposals")
def post_apply(shop_id: str, body: ApplyIn, rt: RuntimeDep, who: PrincipalDep
               ) -> dict[str, Any]:
    """In one transaction: report the orders whose decision takes a report (the pack's daily
    limit still holds: those beyond it come back under `refused` with the rule), then propose
    each `restock` date to the buyer. Shipments, substitutes (the buyer chooses) and refunds
    are listed under `not_applied`. A decision that is not one of its order's options now is
    a 409 naming it; nothing is written then."""
    return apply_decisions(rt.uow(), rt.rules, rt.clock, who, shop_id,
                           [d.model_dump() for d in body.decisions], body.horizon_days,
                           body.reason)

"""Out-of-stock reports (缺货报备) of one order or a whole SKU; a refusal is a problem document
naming the rule (`code`, `rule`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from stockout.adapters.fields import RequiredNote
from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.services.stock.self_report import report_order, report_sku

router = APIRouter(prefix="/v1", tags=["reports"])

class ReportIn(BaseModel):
    reason: RequiredNote = Field("缺货", description="why (shown to staff)")


@router.post("/orders/{order_id}/stockout-report", status_code=201,
             summary="Report one order out of stock")
def post_order_report(order_id: str, body: ReportIn, rt: RuntimeDep, who: PrincipalDep
                      ) -> dict[str, Any]:
    """Checked against the pack (daily limit, campaign, pickup, closed); when admitted the
    order's SKU is delisted (at once, as the rules advise) and a `stockout_reported` event is
    ingested; the answer names that SKU (`sku_id`) and its listing state after the report
    (`listing`, e.g. `delisted_manual`). A refusal is 422 (campaign), 409 (picked up, closed)
    or 429 (daily limit), with `code` and `rule`."""
    return report_order(rt.uow(), rt.rules, rt.clock, who, order_id, body.reason).to_dict()


@router.post("/skus/{sku_id}/stockout-report", status_code=201,
             summary="Report a whole SKU out of stock")
def post_sku_report(sku_id: str, body: ReportIn, rt: RuntimeDep, who: PrincipalDep
                    ) -> dict[str, Any]:
    """Delists the SKU and reports each of its open, not picked-up orders, soonest deadline
    first; each counts against the daily limit. `reported` and `refused` (with each rule)."""
    return report_sku(rt.uow(), rt.rules, rt.clock, who, sku_id, body.reason).to_dict()

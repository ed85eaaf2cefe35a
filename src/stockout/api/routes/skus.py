"""A SKU's stock: its balance and listing, and the receipts and adjustments posted by hand."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.api.problems import Problem
from stockout.domain.inventory import LedgerError, MovementKind
from stockout.services.stock import StockState, record_movement, visible_stock

router = APIRouter(prefix="/v1/skus", tags=["stock"])


class MovementIn(BaseModel):
    kind: Literal["receipt", "adjustment"]
    quantity: int = Field(description="units received (> 0), or a signed correction")
    reason: str = Field("", max_length=500, description="why (required for an adjustment)")


def _body(s: StockState) -> dict[str, Any]:
    return {"sku_id": s.sku_id, "shop_id": s.shop_id, "on_hand": s.balance.on_hand,
            "reserved": s.balance.reserved, "sellable": s.balance.sellable,
            "listing": s.listing.value, "safety_stock": s.safety_stock}


@router.get("/{sku_id}", summary="A SKU's balance and listing")
def get_sku(sku_id: str, rt: RuntimeDep, who: PrincipalDep) -> dict[str, Any]:
    """On hand, reserved, sellable (on hand − reserved) and the listing state. Merchants see
    only their shops' SKUs (404 otherwise)."""
    return _body(visible_stock(rt.uow(), who, sku_id))


@router.post("/{sku_id}/movements", status_code=201, summary="Post a receipt or an adjustment")
def post_movement(sku_id: str, body: MovementIn, rt: RuntimeDep, who: PrincipalDep
                  ) -> dict[str, Any]:
    """Append a receipt or an adjustment to the SKU's ledger; the balance after it. A movement
    the ledger cannot take (an adjustment below what is reserved, without a reason) is 422."""
    try:
        state = record_movement(rt.uow(), rt.clock, who, sku_id, MovementKind(body.kind),
                                body.quantity, body.reason)
    except LedgerError as exc:
        raise Problem(422, str(exc), "ledger-refused") from None
    return _body(state)

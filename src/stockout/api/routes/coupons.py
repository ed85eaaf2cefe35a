"""POST /v1/coupons/{id}/redeem: the buyer used the coupon (a used coupon stays the buyer's)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.api.path_params import PathId
from stockout.services.coupons.redemption import redeem_coupon

router = APIRouter(prefix="/v1/coupons", tags=["coupons"])


@router.post("/{coupon_id}/redeem", summary="Mark a coupon used (its buyer or the platform)")
def post_redeem(coupon_id: PathId, rt: RuntimeDep, who: PrincipalDep) -> dict[str, Any]:
    """Only an `issued` coupon can be used (409 otherwise). If its verdict is later lifted (an
    approved appeal), the buyer keeps it and the merchant stops bearing it."""
    return redeem_coupon(rt.uow(), rt.clock, who, coupon_id)

"""Use case: a buyer uses (redeems) a compensation coupon. A used coupon is the buyer's for good:
if its verdict is later lifted, the merchant stops bearing it instead (services.judging.ledger)."""

from __future__ import annotations

from typing import Any

from stockout.domain.errors import StockoutError
from stockout.domain.times import format_time
from stockout.services.access.principals import Forbidden, NotFound, Principal, Role
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.judging.adjudicate import lock_orders
from stockout.services.judging.ledger import audit_row
from stockout.store.uow import UnitOfWork


class CouponNotRedeemable(StockoutError, ValueError):
    """Only an issued coupon can be used (not a voided, clawed back or used one)."""

    family = "coupon-not-redeemable"


def coupon_view(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "idempotency_key": row["idempotency_key"],
            "order_id": row["order_id"], "amount_cents": row["amount_cents"],
            "state": row["state"], "charged_to": row["charged_to"],
            "redeemed_at": format_time(row["redeemed_at"]) if row["redeemed_at"] else None}


def redeem_coupon(uow: UnitOfWork, clock: Clock, principal: Principal, coupon_id: int
                  ) -> dict[str, Any]:
    """The buyer (or the platform for the buyer) marks the coupon used."""
    if principal.role is Role.MERCHANT:
        raise Forbidden("only the buyer or the platform marks a coupon used")

    def work(uow: UnitOfWork) -> dict[str, Any]:
        now = clock.now()
        row = uow.coupons.get(coupon_id)
        if row is None or not (principal.is_platform or row["buyer_id"] == principal.buyer_id):
            raise NotFound(f"coupon {coupon_id} not found")
        # The order's lock, as every re-judging and appeal decision takes it: a coupon is not
        # used while its verdict is being voided (the void then sees it used, or voids it).
        lock_orders(uow, [row["order_id"]])
        row = uow.coupons.get(coupon_id) or row
        if not uow.coupons.redeem(coupon_id, now):
            raise CouponNotRedeemable(f"coupon {coupon_id} is {row['state']}, not issued")
        uow.audit.append([audit_row(now, principal.actor, "coupon.redeemed", f"coupon:{coupon_id}",
                                    {"idempotency_key": row["idempotency_key"]})
                          | {"order_id": row["order_id"], "amount_cents": row["amount_cents"]}])
        found = uow.coupons.get(coupon_id)
        assert found is not None
        return coupon_view(found)

    return in_transaction(uow, work)

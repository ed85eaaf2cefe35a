"""A SKU's stock: registration, its balance, ledger and listing, the receipts and adjustments
posted by hand, and its shipping plan (daily capacity, expected receipts, listing cap, orders at
risk)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictBool, StrictInt

from stockout.adapters.fields import Day, Id, Note, RequiredNote
from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.api.problems import Conflict
from stockout.domain.inventory import MAX_UNITS, MovementKind
from stockout.domain.money import MAX_CENTS
from stockout.domain.times import format_time
from stockout.services.stock import capacity
from stockout.services.stock.movements import (
    StockState,
    record_movement,
    set_listing,
    visible_stock,
)

router = APIRouter(prefix="/v1/skus", tags=["stock"])


class MovementIn(BaseModel):
    kind: Literal["receipt", "adjustment"]
    quantity: StrictInt = Field(ge=-MAX_UNITS, le=MAX_UNITS,
                          description="units received (> 0), or a signed correction")
    reason: Note = Field("", description="why (required for an adjustment)")


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
    return _body(record_movement(rt.uow(), rt.clock, who, sku_id, MovementKind(body.kind),
                                 body.quantity, body.reason))


class SkuIn(BaseModel):
    sku_id: Id
    shop_id: Id
    title: RequiredNote
    category: Id | None = None
    price_cents: StrictInt = Field(ge=0, le=MAX_CENTS, description="the listed unit price, in fen")
    safety_stock: StrictInt | None = Field(None, ge=0, le=MAX_UNITS,
                                     description="default: the pack's [inventory]")


class ListingIn(BaseModel):
    listed: StrictBool


class CapacityIn(BaseModel):
    daily_capacity: StrictInt = Field(gt=0, le=MAX_UNITS,
                                description="units the shop can ship a day of this SKU")


class ExpectedReceiptIn(BaseModel):
    day: Day = Field(description="Asia/Shanghai calendar day the goods arrive")
    quantity: StrictInt = Field(gt=0, le=MAX_UNITS)


@router.post("", status_code=201, summary="Register a SKU")
def post_sku(body: SkuIn, rt: RuntimeDep, who: PrincipalDep) -> dict[str, Any]:
    """A merchant registers its shops' SKUs (the platform any). Nothing in stock yet, so it is
    delisted until a receipt. 409 when the SKU id is taken."""
    fresh = capacity.register(rt.uow(), rt.rules, rt.clock, who, body.sku_id, body.shop_id,
                              body.title, body.category, body.price_cents, body.safety_stock)
    if not fresh:
        raise Conflict(f"SKU {body.sku_id!r} is already registered", field="sku_id")
    return _body(visible_stock(rt.uow(), who, body.sku_id))


@router.get("/{sku_id}/movements", summary="A SKU's stock ledger")
def get_movements(sku_id: str, rt: RuntimeDep, who: PrincipalDep) -> dict[str, Any]:
    """Every movement in the order written: receipts, reservations, releases, shipments,
    adjustments (with why)."""
    visible_stock(rt.uow(), who, sku_id)
    with rt.uow().reader() as r:
        rows = r.stock.movements(sku_id)
    return {"items": [{"kind": m.kind.value, "quantity": m.quantity, "at": format_time(m.at),
                       "order_id": m.order_id, "reason": m.reason} for m in rows],
            "next": None}


@router.post("/{sku_id}/listing", summary="List or delist a SKU by hand")
def post_listing(sku_id: str, body: ListingIn, rt: RuntimeDep, who: PrincipalDep
                 ) -> dict[str, Any]:
    """Delisted by hand, only a hand relists it; relisting keeps it delisted automatically while
    sellable is at the safety stock."""
    visible_stock(rt.uow(), who, sku_id)
    return _body(set_listing(rt.uow(), rt.clock, sku_id, body.listed))


@router.put("/{sku_id}/capacity", summary="Set the SKU's daily shipping capacity")
def put_capacity(sku_id: str, body: CapacityIn, rt: RuntimeDep, who: PrincipalDep
                 ) -> dict[str, Any]:
    capacity.set_capacity(rt.uow(), rt.clock, who, sku_id, body.daily_capacity)
    return {"sku_id": sku_id, "daily_capacity": body.daily_capacity}


@router.post("/{sku_id}/expected-receipts", status_code=201,
             summary="Goods expected in on a day")
def post_expected_receipt(sku_id: str, body: ExpectedReceiptIn, rt: RuntimeDep,
                          who: PrincipalDep) -> dict[str, Any]:
    """Planned, not received: the shipping plan counts them from their day on."""
    capacity.expect_receipt(rt.uow(), rt.clock, who, sku_id, body.day, body.quantity)
    return {"sku_id": sku_id, "day": body.day.isoformat(), "quantity": body.quantity}


@router.get("/{sku_id}/plan", summary="Listing cap and orders at risk")
def get_plan(sku_id: str, rt: RuntimeDep, who: PrincipalDep) -> dict[str, Any]:
    """Earliest deadline first, day by day within the daily capacity and what is in stock (on
    hand plus expected receipts): each open order's planned ship day, the orders that cannot
    ship by their deadline (or the date promised to a waiting buyer), and `listing_cap`, the
    units a new order could still get in time. 409 until a capacity is set."""
    return capacity.capacity_plan(rt.uow(), rt.rules, rt.clock, who, sku_id)

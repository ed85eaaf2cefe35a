"""Pinduoduo order objects (`order_sn_increment_get_response.order_sn_list[]`, the same object as
`order_info_get_response.order_info`) mapped onto the event contract. Pure.

Each order is read as a state: every event its fields imply gets an id derived from the order
(`pdd:<order_sn>:confirmed`), so a window read twice, or an order seen again after a later
change, yields the same events and the store keeps each once. The vendor's fields and why each
maps as it does are in the README's adapter table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stockout.adapters.pdd.values import (
    FieldError,
    beijing_time,
    fen,
    identifier,
    integer,
    required,
    short_region,
)
from stockout.domain.times import format_time

# Fields the increment list may lack; when one is missing the order detail is read instead.
DETAIL_FIELDS = ("order_sn", "created_time", "item_list", "pay_amount", "updated_at")

# Events the platform gives no time of their own for: they take the order's `updated_at` where
# first seen, and a later sighting (the order updated again) keeps the first.
FIRST_SIGHTING = frozenset({"group_failed", "order_cancelled"})

CONFIRMED, CANCELLED = 1, 2          # confirm_status: 0 未成交, 1 已成交, 2 已取消
GROUP_FORMED, GROUP_FAILED = 1, 2    # group_status: 0 拼团中, 1 已成团, 2 团失败
DEPOSIT = 1                          # trade_type: 0 普通订单, 1 定金订单


@dataclass(frozen=True, slots=True)
class MappedOrder:
    order_sn: str
    events: list[dict[str, Any]]
    last_ship_time: datetime | None  # the platform's own ship-by deadline (订单承诺发货时间)
    updated_at: datetime | None


@dataclass(slots=True)
class MappedPage:
    orders: list[MappedOrder] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def events(self) -> list[dict[str, Any]]:
        return [e for o in self.orders for e in o.events]


def lacks_detail(order: Mapping[str, Any]) -> bool:
    """True when the increment entry misses a field the mapping needs (read the detail then)."""
    return any(order.get(f) in (None, "", []) for f in DETAIL_FIELDS)


def order_sn_of(order: Mapping[str, Any]) -> str:
    sn = order.get("order_sn")
    return sn.strip() if isinstance(sn, str) and sn.strip() else "?"


def map_orders(orders: Iterable[Mapping[str, Any]], shop_id: str,
               carriers: Mapping[str, str]) -> MappedPage:
    """Every order of a page; an order with a field that cannot be mapped is an error that
    names the order and the field, and the rest of the page is kept."""
    page = MappedPage()
    for order in orders:
        try:
            page.orders.append(map_order(order, shop_id, carriers))
        except FieldError as exc:
            page.errors.append(exc)
    return page


def map_order(order: Mapping[str, Any], shop_id: str, carriers: Mapping[str, str]
              ) -> MappedOrder:
    """`carriers`: the platform's `logistics_id` -> company name (pdd.logistics.companies.get)."""
    sn = identifier("?", "order_sn", order.get("order_sn"))
    ev = _Events(sn)
    ev.add("placed", "order_placed", _time(sn, order, "created_time", required_=True),
           **_placed_fields(sn, order, shop_id))
    status = integer(sn, "confirm_status", order.get("confirm_status", CONFIRMED))
    group = integer(sn, "group_status", order.get("group_status", GROUP_FORMED))
    confirmed_at = _time(sn, order, "confirm_time")
    updated_at = _time(sn, order, "updated_at")
    if group == GROUP_FAILED:
        ev.add("group_failed", "group_failed", _needed(sn, "updated_at", updated_at))
    elif confirmed_at is not None:
        ev.add("confirmed", "order_confirmed", confirmed_at)
    if status == CANCELLED and group != GROUP_FAILED:
        ev.add("cancelled", "order_cancelled", _needed(sn, "updated_at", updated_at),
               by="platform", reason="confirm_status=2 已取消")
    for number, logistics_id in _waybills(sn, order):
        shipped_at = _needed(sn, "shipping_time", _time(sn, order, "shipping_time"))
        carrier = carriers.get(str(logistics_id))
        if carrier is None:
            raise FieldError(sn, "logistics_id",
                             f"unknown carrier {logistics_id!r} (not in pdd.logistics.companies.get)")
        ev.add(f"shipped:{number}", "shipment_uploaded", shipped_at, carrier=carrier,
               tracking_no=number)
    return MappedOrder(sn, ev.events, _time(sn, order, "last_ship_time"), updated_at)


class _Events:
    def __init__(self, sn: str) -> None:
        self.sn = sn
        self.events: list[dict[str, Any]] = []

    def add(self, suffix: str, kind: str, at: datetime, **fields: Any) -> None:
        self.events.append({"event_id": f"pdd:{self.sn}:{suffix}", "order_id": self.sn,
                            "type": kind, "at": format_time(at),
                            **{k: v for k, v in fields.items() if v is not None}})


def _placed_fields(sn: str, order: Mapping[str, Any], shop_id: str) -> dict[str, Any]:
    items = order.get("item_list")
    if not isinstance(items, list) or not items or not isinstance(items[0], Mapping):
        raise FieldError(sn, "item_list", "no item")
    first = items[0]
    quantity = integer(sn, "item_list[0].goods_count", required(sn, first, "goods_count"))
    if quantity < 1:
        raise FieldError(sn, "item_list[0].goods_count", f"not at least 1: {quantity}")
    fields: dict[str, Any] = {
        "shop_id": shop_id,
        "buyer_id": f"pdd:{sn}",  # the platform gives merchants no buyer id: one per order
        "sku_id": identifier(sn, "item_list[0].sku_id", first.get("sku_id")),
        "quantity": quantity,
        "paid_cents": _paid(sn, order),
    }
    province = order.get("province")
    if isinstance(province, str) and province.strip():
        fields["ship_to_region"] = short_region(province)
    if integer(sn, "is_pre_sale", order.get("is_pre_sale", 0)) == 1:
        presale = _needed(sn, "pre_sale_time", _time(sn, order, "pre_sale_time"))
        fields["presale_ship_by"] = format_time(presale)
    return fields


def _paid(sn: str, order: Mapping[str, Any]) -> int:
    """What the buyer paid: `pay_amount`; for a deposit order (trade_type 1) the deposit and
    balance paid so far, `step_order_info.step_paid_fee`, when given."""
    step = order.get("step_order_info")
    if integer(sn, "trade_type", order.get("trade_type", 0)) == DEPOSIT and isinstance(step, Mapping) \
            and step.get("step_paid_fee") not in (None, ""):
        return fen(sn, "step_order_info.step_paid_fee", step["step_paid_fee"])
    return fen(sn, "pay_amount", required(sn, order, "pay_amount"))


def _waybills(sn: str, order: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The order's waybill, then its extra parcels (`extra_delivery_list`, 多包裹)."""
    found: list[tuple[str, Any]] = []
    number = order.get("tracking_number")
    if isinstance(number, str) and number.strip():
        found.append((number.strip(), order.get("logistics_id")))
    for i, extra in enumerate(order.get("extra_delivery_list") or ()):
        if not isinstance(extra, Mapping):
            raise FieldError(sn, f"extra_delivery_list[{i}]", "not an object")
        extra_no = extra.get("tracking_number")
        if isinstance(extra_no, str) and extra_no.strip() and \
                extra_no.strip() not in {n for n, _ in found}:
            found.append((extra_no.strip(), extra.get("logistics_id")))
    return found


def _time(sn: str, order: Mapping[str, Any], name: str, required_: bool = False
          ) -> Any:
    at = beijing_time(sn, name, order.get(name))
    if required_ and at is None:
        raise FieldError(sn, name, "missing")
    return at


def _needed(sn: str, name: str, at: datetime | None) -> datetime:
    if at is None:
        raise FieldError(sn, name, "missing")
    return at

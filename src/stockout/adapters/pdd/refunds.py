"""Pinduoduo after-sales (`refund_increment_get_response.refund_list[]`) mapped onto the event
contract. Pure.

An after-sale that asks for money back is a `refund_requested` by the party of its
`refund_operator_role`; one whose `after_sales_status` is 10 (退款成功) is also a
`refund_completed` of its `refund_amount` (yuan, a string in this API). Exchanges, resends and
repairs are not refunds and map to nothing. Ids come from the after-sale's own `id`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stockout.adapters.pdd.values import (
    FieldError,
    epoch_or_beijing,
    fen,
    identifier,
    integer,
    required,
)
from stockout.domain.times import format_time

NONE = 0
SUCCEEDED = 10  # 退款成功
# after_sales_status values that are refunds (2..13, 31, 33) and those that are not (exchange
# and resend 14..18, 32; repair 21..27).
REFUND_STATES = frozenset({2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 31, 33})
OTHER_STATES = frozenset({14, 15, 16, 17, 18, 21, 22, 24, 25, 27, 32})
# refund_operator_role: 0 默认 1 用户 2 商家 3 平台 4 系统 5 团长 6 司机 7 代理人. The buyer's side
# (the user, a group leader, an agent, and the default) and the merchant ask for a refund; the
# platform, the system and a driver do not ask, they only carry it out.
INITIATOR = {0: "buyer", 1: "buyer", 5: "buyer", 7: "buyer", 2: "merchant"}
NOT_ASKING = frozenset({3, 4, 6})


@dataclass(slots=True)
class MappedRefunds:
    events: list[dict[str, Any]] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


def map_refunds(refunds: Iterable[Mapping[str, Any]]) -> MappedRefunds:
    out = MappedRefunds()
    for refund in refunds:
        try:
            out.events += map_refund(refund)
        except FieldError as exc:
            out.errors.append(exc)
    return out


def map_refund(refund: Mapping[str, Any]) -> list[dict[str, Any]]:
    sn = identifier("?", "order_sn", refund.get("order_sn"))
    case = identifier(sn, "id", refund.get("id"))
    status = integer(sn, "after_sales_status", required(sn, refund, "after_sales_status"))
    if status == NONE or status in OTHER_STATES:
        return []
    if status not in REFUND_STATES:
        raise FieldError(sn, "after_sales_status", f"unknown value {status}")
    role = integer(sn, "refund_operator_role", refund.get("refund_operator_role", 0))
    if role not in INITIATOR and role not in NOT_ASKING:
        raise FieldError(sn, "refund_operator_role", f"unknown value {role}")
    prefix = f"pdd:{sn}:refund:{case}"
    events: list[dict[str, Any]] = []
    if role in INITIATOR:
        created = epoch_or_beijing(sn, "created_time", required(sn, refund, "created_time"))
        assert created is not None
        reason = refund.get("after_sale_reason")
        events.append({"event_id": f"{prefix}:requested", "order_id": sn,
                       "type": "refund_requested", "at": format_time(created),
                       "initiator": INITIATOR[role],
                       "reason": reason if isinstance(reason, str) else ""})
    if status == SUCCEEDED:
        done = epoch_or_beijing(sn, "updated_time", required(sn, refund, "updated_time"))
        assert done is not None
        amount = fen(sn, "refund_amount", required(sn, refund, "refund_amount"))
        events.append({"event_id": f"{prefix}:completed", "order_id": sn,
                       "type": "refund_completed", "at": format_time(done),
                       "amount_cents": amount})
    return events

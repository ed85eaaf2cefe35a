"""A recorded month of one Pinduoduo shop, in the vendor's shapes: the order objects the open
platform serves (final state, as its increment API does), the after-sales, and the carriers'
kuaidi100 pushes; with the event file the recording is equivalent to (what each record states,
in the event contract). Built from the marketplace simulator, deterministic per seed.

What the vendor cannot state is left out of both: chats, out-of-stock reports, remedies, claims,
category, campaign, merchant promises, ship-from region, buyers (one pseudonym per order), and a
tracking number the merchant replaced (the platform shows the last one only).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from stockout.adapters.carriers.kdniao import sign as kdniao_sign
from stockout.adapters.carriers.kuaidi100 import sign as kuaidi100_sign
from stockout.domain.times import SHANGHAI, UTC, format_time
from stockout.simulation.marketplace import DEFAULT_START, simulate_events

MALL_ID = 100001
# name: (the platform's logistics_id, kuaidi100 code, 快递鸟 ShipperCode)
CARRIERS = {"圆通": (85, "yuantong", "YTO"), "中通": (115, "zhongtong", "ZTO"),
            "申通": (1, "shentong", "STO"), "极兔": (384, "jtexpress", "JTSD"),
            "顺丰": (44, "shunfeng", "SF"), "韵达": (121, "yunda", "YD"),
            "邮政": (132, "youzhengguonei", "YZPY")}
KDNIAO_ID = "1000001"
KDNIAO_ACTION = {"pickup": "1", "depart": "2", "in_transit": "2", "arrive": "201",
                 "out_for_delivery": "202", "delivered": "301", "exception": "405",
                 "returned": "406"}
KDNIAO_STATUS = {"pickup": "pickup", "depart": "in_transit", "in_transit": "in_transit",
                 "arrive": "arrive", "out_for_delivery": "out_for_delivery",
                 "delivered": "delivered", "exception": "exception", "returned": "returned"}
KUAIDI100_TEXT = {"pickup": "揽收", "depart": "在途", "in_transit": "在途", "arrive": "在途",
                  "out_for_delivery": "派件", "delivered": "签收", "exception": "疑难",
                  "returned": "退回"}
MAPPED_STATUS = {"揽收": "pickup", "在途": "in_transit", "派件": "out_for_delivery",
                 "签收": "delivered", "疑难": "exception", "退回": "returned"}
CITIES = {"北京", "上海", "天津", "重庆"}
AUTONOMOUS = {"广西": "壮族自治区", "新疆": "维吾尔自治区", "宁夏": "回族自治区", "西藏": "自治区",
              "内蒙古": "自治区"}
SHIP_WITHIN = timedelta(hours=48)  # the platform's own ship-by: confirmation + 48 h
TAIL_DAYS = 3  # recorded after the last order is placed
BURST = 250  # orders a batch edit touches at once: a window of more than 100 orders


@dataclass(slots=True)
class RecordedMonth:
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    pushes: list[dict[str, str]] = field(default_factory=list)  # kuaidi100 form bodies
    kdniao: list[dict[str, str]] = field(default_factory=list)  # 快递鸟 form bodies
    expected: list[dict[str, Any]] = field(default_factory=list)
    clock: datetime | None = None   # the gateway's (frozen) time
    burst_at: datetime | None = None
    salt: str = "recorded-month-salt"

    @property
    def start(self) -> datetime:
        return min(_utc(o["created_time"]) for o in self.orders.values()) - timedelta(minutes=1)


def bj(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)


def province(short: str) -> str:
    if short in CITIES:
        return short + "市"
    return short + AUTONOMOUS.get(short, "省")


def record_month(orders: int = 2000, seed: int = 7, days: int = 30) -> RecordedMonth:
    by_order: dict[str, list[dict[str, Any]]] = defaultdict(list)
    horizon = DEFAULT_START + timedelta(days=days + TAIL_DAYS)
    for event in simulate_events(orders, seed, days=days):
        e: dict[str, Any] = dict(event)
        if datetime.fromisoformat(e["at"]) <= horizon:  # the recording stops there
            by_order[e["order_id"]].append(e)
    month = RecordedMonth()
    traces: dict[str, list[tuple[datetime, str, str | None]]] = defaultdict(list)
    companies: dict[str, str] = {}
    owners: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    latest = datetime.min.replace(tzinfo=SHANGHAI)
    for n, (sn, events) in enumerate(sorted(by_order.items())):
        placed = next((e for e in events if e["type"] == "order_placed"), None)
        if placed is None:
            continue
        order, kept = _order(n, sn, placed, events, month)
        month.orders[sn] = order
        for e in kept:
            if e["type"] == "carrier_scan":
                companies[e["tracking_no"]] = e["carrier"]
                traces[e["tracking_no"]].append((datetime.fromisoformat(e["at"]),
                                                 e["status"], e.get("region")))
            latest = max(latest, datetime.fromisoformat(e["at"]))
        if order.get("tracking_number"):
            owners[order["tracking_number"]].append((sn, _utc(order["shipping_time"])))
    month.clock = latest + timedelta(hours=2)
    _burst(month)
    _pushes(month, traces, companies, owners)
    month.expected.sort(key=lambda e: (e["at"], e["event_id"]))
    return month


def _order(n: int, sn: str, placed: dict[str, Any], events: list[dict[str, Any]],
           month: RecordedMonth) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    at = {e["type"]: datetime.fromisoformat(e["at"]) for e in events}
    closing = next((e for e in events if e["type"] == "group_failed" or (
        e["type"] == "order_cancelled" and e["by"] == "platform")), None)
    kept = [e for e in events if closing is None or e["at"] <= closing["at"]]
    carrier = None
    uploads = [e for e in kept if e["type"] == "shipment_uploaded"]
    last_upload = uploads[-1] if uploads else None
    paid = placed["paid_cents"]
    amount: Any = f"{paid // 100}.{paid % 100:02d}" if n % 2 else paid / 100
    order: dict[str, Any] = {
        "order_sn": sn, "created_time": bj(at["order_placed"]), "pay_time": bj(at["order_placed"]),
        "confirm_time": "", "confirm_status": 0, "group_status": 0, "trade_type": 0,
        "step_order_info": None, "is_pre_sale": 0, "pre_sale_time": "",
        "pay_amount": amount, "province": province(placed.get("ship_to_region") or "广东"),
        "order_status": 1, "refund_status": 1, "after_sales_status": 0,
        "tracking_number": "", "logistics_id": 0, "shipping_time": "", "last_ship_time": "",
        "is_stock_out": 0, "stock_out_handle_status": -1, "risk_control_status": 0,
        "item_list": [{"goods_id": 600000000 + n, "sku_id": placed["sku_id"],
                       "goods_count": placed["quantity"], "goods_price": f"{paid / 100:.2f}",
                       "goods_name": placed.get("category") or "商品", "goods_spec": "默认"}],
    }
    expect = month.expected.append
    base = {"order_id": sn}
    ship_to = placed.get("ship_to_region")
    placed_event = {**base, "event_id": f"pdd:{sn}:placed", "type": "order_placed",
                    "at": format_time(at["order_placed"]), "shop_id": str(MALL_ID),
                    "buyer_id": f"pdd:{sn}", "sku_id": placed["sku_id"],
                    "quantity": placed["quantity"], "paid_cents": paid}
    if ship_to:
        placed_event["ship_to_region"] = ship_to
    if placed.get("presale_ship_by"):
        presale = datetime.fromisoformat(placed["presale_ship_by"])
        order.update(is_pre_sale=1, pre_sale_time=bj(presale))
        placed_event["presale_ship_by"] = format_time(presale)
        if n % 3 == 0:  # a deposit order: deposit and balance paid
            deposit = paid // 5
            order.update(trade_type=1, step_order_info={
                "advanced_paid_fee": f"{deposit / 100:.2f}", "step_paid_fee": f"{paid / 100:.2f}",
                "step_discount_amount": "0", "step_trade_status": 2})
            order["pay_amount"] = f"{(paid - deposit) / 100:.2f}"
    expect(placed_event)
    updates = [at["order_placed"]]
    confirmed = next((e for e in kept if e["type"] == "order_confirmed"), None)
    if confirmed:
        t = datetime.fromisoformat(confirmed["at"])
        order.update(confirm_time=bj(t), confirm_status=1, group_status=1,
                     last_ship_time=order["pre_sale_time"] or bj(t + SHIP_WITHIN))
        expect({**base, "event_id": f"pdd:{sn}:confirmed", "type": "order_confirmed",
                "at": format_time(t)})
        updates.append(t)
    if closing is not None:
        t = datetime.fromisoformat(closing["at"])
        if closing["type"] == "group_failed":
            order.update(group_status=2, confirm_status=2)
            expect({**base, "event_id": f"pdd:{sn}:group_failed", "type": "group_failed",
                    "at": format_time(t)})
        else:
            order.update(confirm_status=2)
            expect({**base, "event_id": f"pdd:{sn}:cancelled", "type": "order_cancelled",
                    "at": format_time(t), "by": "platform", "reason": "confirm_status=2 已取消"})
        updates.append(t)
    if last_upload is not None:
        t = datetime.fromisoformat(last_upload["at"])
        logistics_id = CARRIERS[last_upload["carrier"]][0]
        carrier = last_upload["carrier"]
        order.update(tracking_number=last_upload["tracking_no"], logistics_id=logistics_id,
                     shipping_time=bj(t), order_status=2)
        expect({**base, "event_id": f"pdd:{sn}:shipped:{last_upload['tracking_no']}",
                "type": "shipment_uploaded", "at": format_time(t), "carrier": carrier,
                "tracking_no": last_upload["tracking_no"]})
        updates.append(t)
    updates += _refunds(n, sn, kept, paid, month)
    if closing is None:
        cancel = next((e for e in kept if e["type"] == "order_cancelled"), None)
        if cancel is not None:  # a buyer's or merchant's cancellation is an after-sale there
            updates += _refund(month, sn, f"{n}0", cancel["by"], cancel["reason"],
                               datetime.fromisoformat(cancel["at"]),
                               datetime.fromisoformat(cancel["at"]), paid)
    order["updated_at"] = bj(max(updates))
    if n % 10 == 3:  # the increment entry lacks the items: the sync reads the order detail
        order["_increment_lacks"] = ["item_list"]
    return order, [e for e in kept if e["type"] != "carrier_scan" or (last_upload is not None
                   and e["tracking_no"] == last_upload["tracking_no"])]


def _refunds(n: int, sn: str, kept: list[dict[str, Any]], paid: int, month: RecordedMonth
             ) -> list[datetime]:
    requests = [e for e in kept if e["type"] == "refund_requested"]
    done = [e for e in kept if e["type"] == "refund_completed"]
    times: list[datetime] = []
    for i in range(max(len(requests), len(done))):
        req = requests[i] if i < len(requests) else None
        comp = done[i] if i < len(done) else None
        created = datetime.fromisoformat((req or comp)["at"])  # type: ignore[index]
        finished = datetime.fromisoformat(comp["at"]) if comp else None
        times += _refund(month, sn, f"{n}{i + 1}", req["initiator"] if req else "platform",
                         req["reason"] if req else "", created, finished,
                         comp["amount_cents"] if comp else paid, requested=req is not None)
    return times


def _refund(month: RecordedMonth, sn: str, case: str, by: str, reason: str, created: datetime,
            finished: datetime | None, cents: int, requested: bool = True) -> list[datetime]:
    role = {"buyer": 1, "merchant": 2}.get(by, 3)
    month.refunds.append({
        "id": int(case), "order_sn": sn, "after_sales_type": 2,
        "after_sales_status": 10 if finished else 2, "after_sale_reason": reason,
        "refund_amount": f"{cents / 100:.2f}", "order_amount": "0", "discount_amount": "0",
        "refund_operator_role": role, "created_time": str(int(created.timestamp())),
        "updated_time": str(int((finished or created).timestamp())),
        "confirm_time": str(int(created.timestamp())), "goods_number": "1",
        "speed_refund_flag": 0, "dispute_refund_status": 0, "user_shipping_status": "0"})
    prefix = f"pdd:{sn}:refund:{int(case)}"
    if requested and role != 3:
        month.expected.append({"order_id": sn, "event_id": f"{prefix}:requested",
                               "type": "refund_requested", "at": format_time(created),
                               "initiator": by, "reason": reason})
    if finished:
        month.expected.append({"order_id": sn, "event_id": f"{prefix}:completed",
                               "type": "refund_completed", "at": format_time(finished),
                               "amount_cents": cents})
    return [finished or created]


def _burst(month: RecordedMonth) -> None:
    """A batch edit (remarks) touches BURST orders at one moment, after all their events:
    their update time moves there, and that window holds more than 100 orders."""
    assert month.clock is not None
    at = month.clock - timedelta(hours=1)
    quiet = [o for o in month.orders.values() if _utc(o["updated_at"]) < at - timedelta(days=1)
             and o["confirm_status"] != 2]  # closed orders are not edited
    for o in quiet[:BURST]:
        o["updated_at"] = bj(at)
        o["remark"] = "批量备注"
    month.burst_at = at


def _pushes(month: RecordedMonth, traces: dict[str, list[tuple[datetime, str, str | None]]],
            companies: dict[str, str], owners: dict[str, list[tuple[str, datetime]]]) -> None:
    """Every 40th waybill is followed through kuaidi100 (one push per waybill, the whole
    history each time, newest first), the others through 快递鸟, which batches waybills (up to
    50 a push) with the whole history too; each is pushed twice: half-way and at the end."""
    batches: list[list[dict[str, Any]]] = [[], []]
    for i, (number, entries) in enumerate(sorted(traces.items())):
        entries = sorted(set(entries))
        name = companies[number]
        via = "kuaidi100" if i % 40 == 0 else "kdniao"
        carrier = CARRIERS[name][1] if via == "kuaidi100" else CARRIERS[name][2]
        if via == "kuaidi100":
            _kuaidi100(month, number, carrier, entries)
        else:
            for cut, batch in zip((max(1, len(entries) // 2), len(entries)), batches,
                                  strict=True):
                batch.append(_kdniao_item(number, carrier, entries[:cut]))
        for sn, uploaded in owners.get(number, []):
            for t, status, region in entries:
                if t >= uploaded:
                    month.expected.append(_scan(via, number, carrier, sn, t, status, region))
    for batch in batches:
        for start in range(0, len(batch), 50):
            assert month.clock is not None
            data = json.dumps({"EBusinessID": KDNIAO_ID, "PushTime": bj(month.clock),
                               "Count": len(batch[start:start + 50]),
                               "Data": batch[start:start + 50]}, ensure_ascii=False)
            month.kdniao.append({"RequestData": data, "DataSign": kdniao_sign(data, month.salt),
                                 "RequestType": "101", "EBusinessID": KDNIAO_ID})


def _text(status: str, region: str | None, t: datetime) -> str:
    return f"【{region or ''}】{KUAIDI100_TEXT[status]} {bj(t)}"


def _kuaidi100(month: RecordedMonth, number: str, com: str,
               entries: list[tuple[datetime, str, str | None]]) -> None:
    data = [{"time": bj(t), "ftime": bj(t), "context": _text(status, region, t),
             "status": KUAIDI100_TEXT[status], **({"areaName": province(region)} if region else {})}
            for t, status, region in entries]
    state = {"揽收": "1", "在途": "0", "派件": "5", "签收": "3", "疑难": "2", "退回": "6"}
    for cut in sorted({max(1, len(data) // 2), len(data)}):
        shown = list(reversed(data[:cut]))
        param = json.dumps({"status": "shutdown" if shown[0]["status"] == "签收" else "polling",
                            "billstatus": "", "message": "", "autoCheck": "0", "comOld": "",
                            "comNew": "", "lastResult": {
                                "message": "ok", "nu": number, "ischeck": "0", "condition": "F00",
                                "com": com, "status": "200", "state": state[shown[0]["status"]],
                                "data": shown}}, ensure_ascii=False)
        month.pushes.append({"param": param, "sign": kuaidi100_sign(param, month.salt)})


def _kdniao_item(number: str, shipper: str, entries: list[tuple[datetime, str, str | None]]
                 ) -> dict[str, Any]:
    traces = [{"AcceptTime": bj(t), "AcceptStation": _text(status, region, t),
               "Action": KDNIAO_ACTION[status], **({"Location": province(region)} if region else {})}
              for t, status, region in entries]
    return {"EBusinessID": KDNIAO_ID, "ShipperCode": shipper, "LogisticCode": number,
            "Success": True, "Reason": "", "State": traces[-1]["Action"][:1],
            "StateEx": traces[-1]["Action"], "Location": traces[-1].get("Location", ""),
            "Traces": traces}


def _scan(via: str, number: str, carrier: str, sn: str, t: datetime, status: str,
          region: str | None) -> dict[str, Any]:
    key = hashlib.sha1(_text(status, region, t).encode()).hexdigest()[:10]
    event = {"order_id": sn, "type": "carrier_scan", "at": format_time(t),
             "event_id": f"{via}:{number}:{sn}:{t.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}:{key}",
             "carrier": carrier, "tracking_no": number,
             "status": (MAPPED_STATUS[KUAIDI100_TEXT[status]] if via == "kuaidi100"
                        else KDNIAO_STATUS[status])}
    if region:
        event["region"] = region
    return event

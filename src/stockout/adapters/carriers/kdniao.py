"""快递鸟 (kdniao) track pushes (RequestType 101): form fields `RequestData` (JSON) and
`DataSign` = base64(md5 hex(RequestData + AppKey)), over the raw `RequestData` as received.

One push carries several waybills (`Data[]`), each with its whole history (`Traces[]`). A
trace's `Action` (else the waybill's `State` for its newest entry) gives the scan status;
"10 待揽件" and "0 暂无轨迹" are not scans (nothing was picked up yet).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from stockout.adapters.carriers.traces import Scan, Trace
from stockout.adapters.pdd.values import FieldError, beijing_time, short_region
from stockout.domain.events import ScanStatus
from stockout.domain.times import SHANGHAI

S = ScanStatus
ACTION = {"1": S.PICKUP, "2": S.IN_TRANSIT, "201": S.ARRIVE, "202": S.OUT_FOR_DELIVERY,
          "211": S.OUT_FOR_DELIVERY, "3": S.DELIVERED, "301": S.DELIVERED, "302": S.DELIVERED,
          "304": S.DELIVERED, "311": S.DELIVERED, "4": S.EXCEPTION, "401": S.EXCEPTION,
          "402": S.EXCEPTION, "403": S.EXCEPTION, "405": S.EXCEPTION, "412": S.EXCEPTION,
          "413": S.EXCEPTION, "404": S.RETURNED, "406": S.RETURNED, "407": S.RETURNED,
          "5": S.IN_TRANSIT, "6": S.IN_TRANSIT, "601": S.IN_TRANSIT, "602": S.IN_TRANSIT,
          "603": S.IN_TRANSIT, "604": S.EXCEPTION}
NOT_A_SCAN = frozenset({"0", "10"})


def sign(request_data: str, app_key: str) -> str:
    digest = hashlib.md5((request_data + app_key).encode()).hexdigest()
    return base64.b64encode(digest.encode()).decode()


def signature_ok(request_data: str, given: str, app_key: str) -> bool:
    return hmac.compare_digest(given.strip(), sign(request_data, app_key))


def ack(business_id: str, now: datetime, success: bool = True, reason: str = "") -> dict[str, Any]:
    """The reply 快递鸟 expects (UpdateTime in Beijing time)."""
    return {"EBusinessID": business_id,
            "UpdateTime": now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
            "Success": success, "Reason": reason}


def read_push(request_data: str) -> list[Trace]:
    try:
        body = json.loads(request_data)
    except json.JSONDecodeError as exc:
        raise FieldError("push", "RequestData", f"not JSON: {exc.msg}") from None
    data = body.get("Data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise FieldError("push", "Data", "missing")
    traces: list[Trace] = []
    for i, item in enumerate(data):
        number = item.get("LogisticCode") if isinstance(item, dict) else None
        if not isinstance(number, str) or not number.strip():
            raise FieldError("push", f"Data[{i}].LogisticCode", "missing")
        shipper = item.get("ShipperCode")
        if not isinstance(shipper, str) or not shipper.strip():
            raise FieldError(number, f"Data[{i}].ShipperCode", "missing")
        trace = Trace("kdniao", shipper.strip(), number.strip())
        entries = item.get("Traces") or []
        newest = len(entries) - 1  # 快递鸟 lists the history oldest first
        for j, entry in enumerate(entries):
            state = item.get("StateEx") or item.get("State") if j == newest else None
            try:
                scan = _scan(number, f"Data[{i}].Traces[{j}]", entry, state)
            except FieldError as exc:
                trace.errors.append(exc)
            else:
                if scan is not None:
                    trace.scans.append(scan)
        traces.append(trace)
    return traces


def _scan(number: str, where: str, entry: Any, newest_state: Any) -> Scan | None:
    if not isinstance(entry, dict):
        raise FieldError(number, where, "not an object")
    at = beijing_time(number, f"{where}.AcceptTime", entry.get("AcceptTime"))
    if at is None:
        raise FieldError(number, f"{where}.AcceptTime", "missing")
    code = entry.get("Action")
    code = str(code).strip() if code not in (None, "") else (
        str(newest_state) if newest_state not in (None, "") else "2")
    if code in NOT_A_SCAN:
        return None
    if code not in ACTION:
        raise FieldError(number, f"{where}.Action", f"unknown state {code!r}")
    place = entry.get("Location")
    region = short_region(place) if isinstance(place, str) and place.strip() else None
    text = entry.get("AcceptStation")
    return Scan(at, ACTION[code], region, text if isinstance(text, str) else "")

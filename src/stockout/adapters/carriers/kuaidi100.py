"""kuaidi100 subscription pushes: form fields `param` (JSON) and `sign` =
upper-case MD5(param + salt) over the raw `param` as received.

Each `lastResult.data[]` entry (newest first) is a scan. Its state comes from the entry's
`statusCode` or `status` (resultv2), else, for the newest entry, from `lastResult.state`; the
other entries are in transit. States: 0 在途, 1 揽收, 2 疑难, 3 签收, 4 退签, 5 派件, 6 退回,
7 转投, 10..13 清关, 14 拒签.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from stockout.adapters.carriers.traces import Scan, Trace
from stockout.adapters.pdd.values import FieldError, beijing_time, short_region
from stockout.domain.events import ScanStatus

# The reply kuaidi100 expects; anything else is a failed push it sends again.
ACK = {"result": True, "returnCode": "200", "message": "成功"}

S = ScanStatus
STATE = {"0": S.IN_TRANSIT, "1": S.PICKUP, "2": S.EXCEPTION, "3": S.DELIVERED,
         "4": S.RETURNED, "5": S.OUT_FOR_DELIVERY, "6": S.RETURNED, "7": S.IN_TRANSIT,
         "10": S.IN_TRANSIT, "11": S.IN_TRANSIT, "12": S.IN_TRANSIT, "13": S.EXCEPTION,
         "14": S.RETURNED}
STATE_TEXT = {"在途": S.IN_TRANSIT, "揽收": S.PICKUP, "疑难": S.EXCEPTION, "签收": S.DELIVERED,
              "退签": S.RETURNED, "派件": S.OUT_FOR_DELIVERY, "退回": S.RETURNED,
              "转投": S.IN_TRANSIT, "待清关": S.IN_TRANSIT, "清关中": S.IN_TRANSIT,
              "已清关": S.IN_TRANSIT, "清关异常": S.EXCEPTION, "拒签": S.RETURNED}


def sign(param: str, salt: str) -> str:
    return hashlib.md5((param + salt).encode()).hexdigest().upper()


def signature_ok(param: str, given: str, salt: str) -> bool:
    return hmac.compare_digest(given.strip().upper(), sign(param, salt))


def read_push(param: str) -> Trace:
    """The trace of one push; raises FieldError when the body is not a kuaidi100 push."""
    try:
        body = json.loads(param)
    except json.JSONDecodeError as exc:
        raise FieldError("push", "param", f"not JSON: {exc.msg}") from None
    last = body.get("lastResult") if isinstance(body, dict) else None
    if not isinstance(last, dict):
        raise FieldError("push", "lastResult", "missing")
    number, com = last.get("nu"), last.get("com")
    if not isinstance(number, str) or not number.strip():
        raise FieldError("push", "lastResult.nu", "missing")
    if not isinstance(com, str) or not com.strip():
        raise FieldError(number, "lastResult.com", "missing")
    trace = Trace("kuaidi100", com.strip().lower(), number.strip())
    entries = last.get("data") or []
    if not isinstance(entries, list):
        raise FieldError(number, "lastResult.data", "not a list")
    for i, entry in enumerate(entries):
        try:
            trace.scans.append(_scan(number, i, entry, last.get("state") if i == 0 else None))
        except FieldError as exc:
            trace.errors.append(exc)
    return trace


def _scan(number: str, i: int, entry: Any, newest_state: Any) -> Scan:
    where = f"lastResult.data[{i}]"
    if not isinstance(entry, dict):
        raise FieldError(number, where, "not an object")
    at = beijing_time(number, f"{where}.ftime", entry.get("ftime") or entry.get("time"))
    if at is None:
        raise FieldError(number, f"{where}.time", "missing")
    status = _status(number, where, entry, newest_state)
    area = entry.get("areaName")
    region = short_region(area) if isinstance(area, str) and area.strip() else None
    text = entry.get("context")
    return Scan(at, status, region, text if isinstance(text, str) else "")


def _status(number: str, where: str, entry: dict[str, Any], newest_state: Any) -> ScanStatus:
    code = entry.get("statusCode")
    if code not in (None, "") and str(code) in STATE:
        return STATE[str(code)]
    text = entry.get("status")
    if isinstance(text, str) and text.strip():
        if text.strip() not in STATE_TEXT:
            raise FieldError(number, f"{where}.status", f"unknown state {text!r}")
        return STATE_TEXT[text.strip()]
    if newest_state not in (None, ""):
        if str(newest_state) not in STATE:
            raise FieldError(number, "lastResult.state", f"unknown state {newest_state!r}")
        return STATE[str(newest_state)]
    return S.IN_TRANSIT

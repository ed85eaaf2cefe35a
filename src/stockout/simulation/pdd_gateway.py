"""A recorded open-platform gateway: a real HTTP server on loopback that serves a recorded month
in the vendor's exact shapes and checks every request as the gateway does (signature, token,
timestamp, window length, page size), for tests and the demo.

It also behaves as the real one does where that is hard on a client: increment pages end with
`has_next`, a burst window holds more than 100 orders, a batch edit moves orders out of a window
while it is being paged (after its second page is served), some increment entries lack the
items (read the order detail), and every 40th call is refused as too frequent (70031).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from stockout.adapters.pdd.signing import signature_ok
from stockout.domain.times import UTC
from stockout.simulation.pdd_month import CARRIERS, MALL_ID, RecordedMonth, bj

CLIENT_ID, CLIENT_SECRET, ACCESS_TOKEN = "demo-client", "demo-secret", "demo-token"
MAX_WINDOW = 30 * 60
MOVED = 7  # orders the batch edit moves out of the burst window while it is paged


def _error(code: int, msg: str, sub: str = "") -> dict[str, Any]:
    return {"error_response": {"error_code": code, "error_msg": msg, "sub_msg": msg,
                               "sub_code": sub, "request_id": "fake"}}


class RecordedGateway:
    def __init__(self, month: RecordedMonth, throttle_every: int = 40) -> None:
        assert month.clock is not None
        self.month = month
        self._began = (month.clock, time.monotonic())
        self.throttle_every = throttle_every
        self.calls = 0
        self.moved = False
        self.refused: list[int] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._updated = {sn: _ts(o["updated_at"]) for sn, o in month.orders.items()}

    @property
    def clock(self) -> datetime:
        """The gateway's time: the recording's end, running on from when it was started."""
        start, mono = self._began
        return start + timedelta(seconds=time.monotonic() - mono)

    # -- the API --------------------------------------------------------------------------
    def answer(self, form: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
            if form.get("client_id") != CLIENT_ID or not signature_ok(form, CLIENT_SECRET):
                return self._refuse(20004, "sign check failed")
            if form.get("access_token") != ACCESS_TOKEN:
                return self._refuse(10019, "access_token已过期")
            stamp = int(form.get("timestamp") or 0)
            if abs(stamp - self.clock.timestamp()) > 600:  # the gateway's 10-minute rule
                return self._refuse(10001, "timestamp out of range")
            if self.throttle_every and self.calls % self.throttle_every == 0:
                return self._refuse(70031, "调用过于频繁")
            api = form.get("type", "")
            handler = {"pdd.mall.info.get": self._mall,
                       "pdd.logistics.companies.get": self._companies,
                       "pdd.order.number.list.increment.get": self._increment,
                       "pdd.order.information.get": self._detail,
                       "pdd.refund.list.increment.get": self._refunds}.get(api)
            if handler is None:
                return self._refuse(20031, f"no permission for {api}")
            return handler(form)

    def _refuse(self, code: int, msg: str) -> dict[str, Any]:
        self.refused.append(code)
        return _error(code, msg)

    def _mall(self, form: dict[str, str]) -> dict[str, Any]:
        return {"mall_info_get_response": {"mall_id": MALL_ID, "mall_name": "录制店铺",
                                           "mall_desc": "", "logo": "", "merchant_type": 1}}

    def _companies(self, form: dict[str, str]) -> dict[str, Any]:
        return {"logistics_companies_get_response": {"logistics_companies": [
            {"id": pid, "logistics_company": name, "code": code, "available": 1}
            for name, (pid, _, code) in CARRIERS.items()]}}

    def _window(self, form: dict[str, str]) -> tuple[int, int, int, int] | dict[str, Any]:
        try:
            start, end = int(form["start_updated_at"]), int(form["end_updated_at"])
            page, size = int(form.get("page", 1)), int(form.get("page_size", 100))
        except (KeyError, ValueError):
            return _error(21002, "missing or bad business parameter")
        if not 0 <= end - start <= MAX_WINDOW:
            return _error(21001, "时间范围不能超过30分钟")
        if not 1 <= size <= 100 or page < 1:
            return _error(21001, "page_size 不能超过100")
        return start, end, page, size

    def _increment(self, form: dict[str, str]) -> dict[str, Any]:
        checked = self._window(form)
        if isinstance(checked, dict):
            return checked
        for name in ("is_lucky_flag", "order_status", "refund_status"):
            if name not in form:
                return _error(21002, f"missing {name}")
        start, end, page, size = checked
        hits = sorted((self.month.orders[sn] for sn, t in self._updated.items()
                       if start <= t <= end), key=lambda o: (o["updated_at"], o["order_sn"]))
        chunk = [self._entry(o) for o in hits[(page - 1) * size: page * size]]
        if page == 2 and not self.moved and len(hits) > 2 * size:
            self._move_out(hits[:size])
        body: dict[str, Any] = {"order_sn_list": chunk}
        if form.get("use_has_next") == "true":
            body["has_next"] = page * size < len(hits)
        else:
            body["total_count"] = len(hits)
        return {"order_sn_increment_get_response": body}

    def _move_out(self, already_read: list[dict[str, Any]]) -> None:
        """A batch edit while the window is paged: orders already read leave the window (their
        update time moves later), so every later order shifts one place towards the start."""
        assert self.month.burst_at is not None
        later = self.month.burst_at + timedelta(minutes=40)
        for o in already_read[:MOVED]:
            o["updated_at"] = bj(later)
            self._updated[o["order_sn"]] = _ts(o["updated_at"])
        self.moved = True

    def _entry(self, order: dict[str, Any]) -> dict[str, Any]:
        lacks = order.get("_increment_lacks", ())
        return {k: v for k, v in order.items() if not k.startswith("_") and k not in lacks}

    def _detail(self, form: dict[str, str]) -> dict[str, Any]:
        order = self.month.orders.get(form.get("order_sn", ""))
        if order is None:
            return _error(21001, "订单不存在")
        return {"order_info_get_response": {"order_info": self._entry({**order,
                                                                       "_increment_lacks": ()})}}

    def _refunds(self, form: dict[str, str]) -> dict[str, Any]:
        checked = self._window(form)
        if isinstance(checked, dict):
            return checked
        if "after_sales_status" not in form or "after_sales_type" not in form:
            return _error(21002, "missing after_sales_status or after_sales_type")
        start, end, page, size = checked
        hits = sorted((r for r in self.month.refunds if start <= int(r["updated_time"]) <= end),
                      key=lambda r: (int(r["updated_time"]), r["id"]))
        return {"refund_increment_get_response": {
            "refund_list": hits[(page - 1) * size: page * size], "total_count": len(hits)}}

    # -- the server -----------------------------------------------------------------------
    @contextmanager
    def serving(self, port: int = 0) -> Iterator[str]:
        """Serve on 127.0.0.1 (a free port unless given); yields the router's URL."""
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real gateway
            disable_nagle_algorithm = True
            wbufsize = 1 << 16  # headers and body leave in one write

            def date_time_string(self, timestamp: float | None = None) -> str:
                return format_datetime(gateway.clock.astimezone(UTC), usegmt=True)

            def do_GET(self) -> None:  # the router answers a bare GET with an error, and a Date
                self._send(_error(10000, "use POST"))

            def do_POST(self) -> None:
                size = int(self.headers.get("content-length") or 0)
                form = dict(parse_qsl(self.rfile.read(size).decode(), keep_blank_values=True))
                self._send(gateway.answer(form))

            def _send(self, body: dict[str, Any]) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True  # an idle keep-alive connection does not hold up the end
        server.block_on_close = False
        self._server = server
        thread = threading.Thread(target=server.serve_forever, name="pdd-gateway", daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/api/router"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


def _ts(text: str) -> int:
    from stockout.simulation.pdd_month import _utc

    return int(_utc(text).timestamp())


def at_end(month: RecordedMonth) -> datetime:
    """When everything recorded has happened (the gateway's clock)."""
    assert month.clock is not None
    return month.clock

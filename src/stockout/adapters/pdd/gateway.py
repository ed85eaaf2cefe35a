"""The open platform's gateway: signed POST form requests to the router, `error_response`
read into errors with the vendor's code, rate limits retried with backoff, and the gateway's
clock (its `Date` header) kept, since windows are placed by the gateway's time, not ours."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from stockout.adapters.pdd.signing import sign
from stockout.domain.times import UTC

DEFAULT_GATEWAY = "https://gw-api.pinduoduo.com/api/router"

# error_response.error_code: retried with backoff, and those that stop the sync.
RATE_LIMITED = frozenset({52101, 52102, 52103, 70031, 50000, 50002})
STOPS = {10019: "access_token expired (授权过期): authorise the app again for a new token",
         20004: "sign check failed (签名错误): check the client secret",
         20005: "IP not whitelisted (IP 不在白名单)",
         20031: "no permission for this API (无接口权限)",
         70034: "the app is under risk control (应用风控)",
         70035: "the user is under risk control (用户风控)"}


class GatewayError(RuntimeError):
    """The gateway answered an error (its `error_code`, `sub_code` and message), or not at all."""

    def __init__(self, api: str, code: int | None, message: str, sub_code: str | None = None
                 ) -> None:
        label = f"error_code {code}" if code is not None else "no answer"
        super().__init__(f"{api}: {label}: {message}" + (f" ({sub_code})" if sub_code else ""))
        self.api = api
        self.code = code
        self.sub_code = sub_code


class GatewayStop(GatewayError):
    """An error no retry can cure (expired token, bad signature, no permission): stop."""


class PddGateway:
    def __init__(self, url: str, client_id: str, client_secret: str, access_token: str, *,
                 http: httpx.Client | None = None, attempts: int = 6,
                 backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep) -> None:
        self.url = url
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_token = access_token
        self.http = http or httpx.Client(timeout=30)
        self.attempts = attempts
        self.backoff = backoff
        self.sleep = sleep
        self.calls = 0
        self.retries = 0
        self._clock: tuple[datetime, float] | None = None

    def close(self) -> None:
        self.http.close()

    def now(self) -> datetime:
        """The gateway's time: its last `Date` header plus the time elapsed since (the first
        time read from a plain request to the router)."""
        if self._clock is None:
            try:
                self._saw(self.http.get(self.url))
            except httpx.HTTPError as exc:
                raise GatewayError("clock", None, f"{self.url}: {exc}") from None
        if self._clock is None:
            raise GatewayError("clock", None, f"{self.url}: no Date header")
        seen, mono = self._clock
        return seen + timedelta(seconds=time.monotonic() - mono)

    def _saw(self, response: httpx.Response) -> None:
        date = response.headers.get("date")
        if date:
            with contextlib.suppress(TypeError, ValueError):
                self._clock = (parsedate_to_datetime(date).astimezone(UTC), time.monotonic())

    def call(self, api: str, **params: Any) -> dict[str, Any]:
        """The response object (`..._response`) of one API call."""
        for attempt in range(self.attempts):
            body = self._post(api, params)
            error = body.get("error_response")
            if not isinstance(error, dict):
                inner = next((v for k, v in body.items() if k.endswith("_response")), None)
                if not isinstance(inner, dict):
                    raise GatewayError(api, None, f"unexpected answer: {str(body)[:200]}")
                return inner
            code = _int(error.get("error_code"))
            message = str(error.get("error_msg") or error.get("sub_msg") or "")
            sub = error.get("sub_code")
            if code in STOPS:
                raise GatewayStop(api, code, f"{STOPS[code]}; {message}",
                                  str(sub) if sub else None)
            if code in RATE_LIMITED and attempt + 1 < self.attempts:
                self.retries += 1
                self.sleep(self.backoff * 2 ** attempt)
                continue
            raise GatewayError(api, code, message, str(sub) if sub else None)
        raise AssertionError("unreachable")

    def _post(self, api: str, params: dict[str, Any]) -> dict[str, Any]:
        form = {k: _text(v) for k, v in params.items() if v is not None}
        form.update(type=api, client_id=self.client_id, access_token=self.access_token,
                    timestamp=str(int(self.now().timestamp())), data_type="JSON",
                    version="V1")
        form["sign"] = sign(form, self.client_secret)
        try:
            response = self.http.post(self.url, data=form)
        except httpx.HTTPError as exc:
            raise GatewayError(api, None, f"{self.url}: {exc}") from None
        self.calls += 1
        self._saw(response)
        try:
            body = response.json()
        except json.JSONDecodeError:
            raise GatewayError(api, None, f"HTTP {response.status_code}, not JSON") from None
        if not isinstance(body, dict):
            raise GatewayError(api, None, "the answer is not a JSON object")
        return body


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

"""The machine's floor for `benchmarks/ingest.py`: a server that answers `POST /v1/events` the
way `stockout serve` does on the wire -- uvicorn, one process, stockout's HTTP protocol, the body
read and parsed as JSON, a JSON answer of the same shape -- and does nothing else.

    python benchmarks/noop_server.py PORT

What 32 clients reach against it is what this machine allows any server of this stack before
the application's own work (`ingest.py --floor` prints it beside stockout's figures).
"""

from __future__ import annotations

import json
import sys
from typing import Any

ANSWER = {"accepted": [], "duplicates": [], "rejected": [], "orders_judged": 0,
          "verdicts_issued": 0, "verdicts_voided": 0}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    answer = {**ANSWER, "accepted": [e.get("event_id") for e in json.loads(body)]} if body \
        else {"status": "ok"}
    payload = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-length", str(len(payload)).encode("latin-1")),
        (b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": payload})


if __name__ == "__main__":
    import uvicorn

    from stockout.api.protocol import HttpProtocol

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
                access_log=False, http=HttpProtocol)

"""Lists answer `{"items": [...], "next": URL or null}`; the cursor in `next` is opaque (the
sort key of the last item, base64 JSON)."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from fastapi import Request

from stockout.api.problems import BadCursor

MAX_LIMIT = 1000


def encode(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode("utf-8")).decode("ascii").rstrip("=")


def decode(cursor: str | None, times: tuple[int, ...] = ()) -> list[Any] | None:
    """The values of a cursor; positions in `times` become datetimes."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(values, list):
            raise ValueError("not a list")
        for i in times:
            values[i] = datetime.fromisoformat(values[i])
        return values
    except (ValueError, TypeError, IndexError, UnicodeError) as exc:
        raise BadCursor(str(exc)) from None


def page(request: Request, items: list[Any], after: list[Any] | None) -> dict[str, Any]:
    nxt = None
    if after is not None:
        nxt = str(request.url.include_query_params(cursor=encode(after)))
    return {"items": items, "next": nxt}

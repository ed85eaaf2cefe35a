"""A file of carrier pushes, one JSON line each: `{"vendor": "kuaidi100"|"kdniao", "form": {...}}`,
the form body exactly as the vendor posts it (signed as recorded), and its delivery to a running
server's push routes, one line at a time, as the vendor would (`stockout sync pushes`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

VENDORS = ("kuaidi100", "kdniao")
ROUTE = "/v1/carriers/{vendor}/push"


class PushFileError(ValueError):
    """A line of a push file that is not a push: its line number and why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Push:
    vendor: str
    form: dict[str, str]


def push_lines(pushes: Iterable[Push]) -> Iterator[str]:
    for push in pushes:
        yield json.dumps({"vendor": push.vendor, "form": push.form}, ensure_ascii=False) + "\n"


def read_push_file(path: Path) -> list[Push]:
    """Every push of the file, in its order; a line that is not one is a `PushFileError`."""
    found: list[Push] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PushFileError(n, f"not JSON ({exc.msg})") from None
        if not isinstance(row, dict) or row.get("vendor") not in VENDORS:
            raise PushFileError(n, f"vendor must be one of {', '.join(VENDORS)}")
        form = row.get("form")
        if not isinstance(form, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in form.items()):
            raise PushFileError(n, "form must be an object of strings")
        found.append(Push(row["vendor"], form))
    return found


def acknowledged(vendor: str, body: Any) -> bool:
    """Whether the server's answer is the vendor's success reply (a refused signature is not)."""
    if not isinstance(body, dict):
        return False
    if vendor == "kuaidi100":
        return body.get("result") is True
    return body.get("Success") is True


@dataclass(slots=True)
class Delivery:
    delivered: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VENDORS, 0))
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (line, vendor, answer)


def deliver(pushes: list[Push], server: str, client: httpx.Client | None = None,
            moved: Callable[[int], None] | None = None) -> Delivery:
    """Posts each push form-encoded to its vendor's route of `server` (the base URL), in order.
    A push the server does not acknowledge is listed with the answer; a transport error stops."""
    own = client is None
    http = client or httpx.Client(timeout=60)
    base = server.rstrip("/")
    result = Delivery()
    try:
        for n, push in enumerate(pushes, 1):
            answer = http.post(base + ROUTE.format(vendor=push.vendor), data=push.form)
            try:
                body = answer.json()
            except ValueError:
                body = None
            if answer.status_code == 200 and acknowledged(push.vendor, body):
                result.delivered[push.vendor] += 1
            else:
                result.refused.append((n, push.vendor, f"{answer.status_code} {answer.text[:200]}"))
            if moved is not None:
                moved(n)
    finally:
        if own:
            http.close()
    return result

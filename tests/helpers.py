"""Test helpers: hand-made orders written as event files (the JSON Lines contract of DESIGN.md)
and `stockout` run as a real process, its output parsed."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HOUR = timedelta(hours=1)


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


class Order:
    """One order's events. Every event id is `<order_id>.<label>` (label: the event's short name,
    numbered from the second of a kind on: `A.pickup`, `A.chat`, `A.chat2`); methods return it."""

    def __init__(self, order_id: str, placed_at: datetime, *, paid_cents: int = 5000,
                 shop_id: str | None = None, buyer_id: str | None = None,
                 carrier: str = "YTO", tracking_no: str | None = None, **placed: Any) -> None:
        self.order_id = order_id
        self.events: list[dict[str, Any]] = []
        self._labels: Counter[str] = Counter()
        self.carrier = carrier
        self.tracking_no = tracking_no or f"TN-{order_id}"
        self.add("order_placed", placed_at, "placed", shop_id=shop_id or f"shop-{order_id}",
                 buyer_id=buyer_id or f"buyer-{order_id}", sku_id=f"sku-{order_id}", quantity=1,
                 paid_cents=paid_cents, **placed)

    def add(self, type_: str, at: datetime, label: str, **fields: Any) -> str:
        self._labels[label] += 1
        n = self._labels[label]
        event_id = f"{self.order_id}.{label}" + (str(n) if n > 1 else "")
        event = {"event_id": event_id, "order_id": self.order_id, "type": type_, "at": at}
        event.update((k, v) for k, v in fields.items() if v is not None)
        self.events.append({k: _json_value(v) for k, v in event.items()})
        return event_id

    def confirm(self, at: datetime) -> str:
        return self.add("order_confirmed", at, "confirmed")

    def group_failed(self, at: datetime) -> str:
        return self.add("group_failed", at, "group_failed")

    def cancel(self, at: datetime, by: str, reason: str = "不想要了") -> str:
        return self.add("order_cancelled", at, "cancelled", by=by, reason=reason)

    def upload(self, at: datetime, carrier: str | None = None, tracking_no: str | None = None
               ) -> str:
        return self.add("shipment_uploaded", at, "upload", carrier=carrier or self.carrier,
                        tracking_no=tracking_no or self.tracking_no)

    def scan(self, at: datetime, status: str = "pickup", region: str | None = None) -> str:
        return self.add("carrier_scan", at, status, carrier=self.carrier,
                        tracking_no=self.tracking_no, status=status, region=region)

    def ship(self, at: datetime) -> None:
        """An honest shipment: upload, pickup an hour later, delivered 20 h after that."""
        self.upload(at)
        self.scan(at + HOUR, "pickup")
        self.scan(at + 21 * HOUR, "delivered")

    def report(self, at: datetime, reason: str = "缺货") -> str:
        return self.add("stockout_reported", at, "report", reason=reason)

    def chat(self, at: datetime, text: str, sender: str = "merchant") -> str:
        return self.add("chat_message", at, "chat", sender=sender, text=text)

    def refund_request(self, at: datetime, initiator: str = "buyer", reason: str = "不想要了"
                       ) -> str:
        return self.add("refund_requested", at, "refund_request", initiator=initiator,
                        reason=reason)

    def refund_completed(self, at: datetime, amount_cents: int = 5000) -> str:
        return self.add("refund_completed", at, "refunded", amount_cents=amount_cents)

    def claim(self, at: datetime, kind: str, claim_id: str = "claim-1") -> str:
        return self.add("after_sale_claim", at, "claim", claim_id=claim_id, kind=kind)

    def decide(self, at: datetime, upheld: bool, claim_id: str = "claim-1") -> str:
        return self.add("claim_decided", at, "decided", claim_id=claim_id, upheld=upheld)


def event_lines(orders: Iterable[Order]) -> list[str]:
    return [json.dumps(e, ensure_ascii=False) for o in orders for e in o.events]


def scrambled(lines: Sequence[str], seed: int = 7, duplicate_every: int = 3) -> list[str]:
    """The same lines shuffled, every n-th line repeated somewhere else."""
    rng = random.Random(seed)
    out = list(lines) + list(lines[::duplicate_every])
    rng.shuffle(out)
    return out


def write_lines(path: Path, lines: Iterable[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def verdicts(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def of(self, order_id: str) -> list[dict[str, Any]]:
        return [v for v in self.verdicts if v["order_id"] == order_id]


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "STOCKOUT_LANG"}
    env.update(COLUMNS="1000", PYTHONIOENCODING="utf-8", NO_COLOR="1")
    env.setdefault("STOCKOUT_SPARK_ARCHIVE", "")  # no class archive written in the user's cache
    return env


def run_stockout(*args: str | Path, cwd: Path | None = None) -> Run:
    """`python -m stockout ARGS` in a fresh process."""
    argv = tuple(str(a) for a in args)
    done = subprocess.run([sys.executable, "-m", "stockout", *argv], capture_output=True,
                          text=True, encoding="utf-8", env=_environment(), cwd=cwd, timeout=120,
                          check=False)
    return Run(argv, done.returncode, done.stdout, done.stderr)


class Workspace:
    """A scratch directory to write event, announcement and pack files in and judge them."""

    def __init__(self, root: Path, engine: str = "python") -> None:
        self.root = root
        self.engine = engine  # `stockout judge --engine`

    def events(self, name: str, orders: Iterable[Order] | None = None,
               lines: Iterable[str] | None = None) -> Path:
        return write_lines(self.root / f"{name}.jsonl",
                           lines if lines is not None else event_lines(orders or ()))

    def announcements(self, name: str, notices: list[dict[str, Any]]) -> Path:
        path = self.root / f"{name}.json"
        path.write_text(json.dumps(notices, ensure_ascii=False), encoding="utf-8")
        return path

    def judge(self, name: str, orders: Iterable[Order] | None = None, *, at: datetime | str,
              lines: Iterable[str] | None = None, rules: str | None = None,
              announcements: Path | None = None, lang: str | None = None) -> Run:
        path = self.events(name, orders, lines)
        args: list[str | Path] = ["--lang", lang] if lang else []
        args += ["judge", path, "--json", "--at", _json_value(at)]
        if self.engine != "python":
            args += ["--engine", self.engine]
        if rules is not None:
            args += ["--rules", rules]
        if announcements is not None:
            args += ["--announcements", announcements]
        return run_stockout(*args, cwd=self.root)

"""Helpers for the online judge's tests: a bench around the services with a hand-moved clock,
and `stockout serve` as a real process."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from stockout.rulepacks import resolve_rules
from stockout.services.access.principals import CLI, Principal, Role
from stockout.services.common.clock import ManualClock
from stockout.services.judging.ingest import IngestResult, ingest_events
from stockout.services.judging.queries import list_verdicts
from stockout.services.judging.rules import Rules
from stockout.services.notifications.delivery import MemoryNotifier
from stockout.services.worker.sweep import SweepReport, deliver_outbox, sweep_due
from stockout.store.engine import Store
from stockout.store.uow import UnitOfWork
from tests.helpers import Order


@dataclass
class Bench:
    """The services on one store, with a clock the test moves."""

    store: Store
    clock: ManualClock
    rules: Rules = field(default_factory=lambda: Rules(resolve_rules("pdd")))
    notifier: MemoryNotifier = field(default_factory=MemoryNotifier)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.store)

    def post(self, events: Iterable[dict[str, Any]] | Order, who: Principal = CLI
             ) -> IngestResult:
        items = events.events if isinstance(events, Order) else list(events)
        return ingest_events(self.uow(), self.rules, self.clock, items, who)

    def at(self, when: datetime) -> Bench:
        self.clock.set(when)
        return self

    def sweep(self) -> SweepReport:
        return sweep_due(self.uow(), self.rules, self.clock)

    def deliver(self) -> int:
        return deliver_outbox(self.uow(), self.clock, self.notifier)

    def verdicts(self, who: Principal = CLI, **filters: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        after = None
        with self.uow().reader() as uow:
            while True:
                items, after = list_verdicts(uow, who, shop_id=filters.get("shop_id"),
                                             since=filters.get("since"),
                                             violation=filters.get("violation"), after=after,
                                             limit=filters.get("limit", 500))
                out += items
                if after is None:
                    return out

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        from sqlalchemy import text

        with self.store.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(sql), params)]


def merchant(*shops: str) -> Principal:
    return Principal(Role.MERCHANT, "m-" + "-".join(shops), frozenset(shops))


def buyer(buyer_id: str) -> Principal:
    return Principal(Role.BUYER, "b-" + buyer_id, buyer_id=buyer_id)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("STOCKOUT_LANG", "STOCKOUT_DB", "STOCKOUT_NOW")}
    env.update(STOCKOUT_DATA=str(data_dir), PYTHONIOENCODING="utf-8", NO_COLOR="1",
               COLUMNS="200")
    env.update(extra)
    return env


def stockout(*args: str, env: dict[str, str], timeout: float = 120
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stockout", *args], capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=timeout, check=False)


class Server:
    """`stockout serve` in a child process on a free port of 127.0.0.1."""

    def __init__(self, db_url: str | None, data_dir: Path, *args: str, **env: str) -> None:
        self.db_url = db_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / f"serve-{self.port}.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "stockout", "serve", "--port", str(self.port),
                 *(["--db", db_url] if db_url else []), "--sweep-every", "0", *args],
                stdout=log, stderr=subprocess.STDOUT, env=environment(data_dir, **env))
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"stockout serve exited: {self.log.read_text()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"stockout serve did not answer: {self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL, to the server and its worker processes (`--workers`) at once: no shutdown,
        no flush, no rollback beyond what the database does itself."""
        for pid in self.workers():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.kill()
        self.proc.wait(timeout=30)

    def workers(self) -> list[int]:
        """The server's child processes (uvicorn's workers, when it has several)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(stat[1]) == self.proc.pid:
                    found.append(int(entry.name))
        return found

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60,
                            headers={"Authorization": f"Bearer {token}"})


def get_all(client: Any, path: str, headers: dict[str, str] | None = None, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paginated list, following `next`."""
    items: list[dict[str, Any]] = []
    if headers is None and hasattr(client, "token"):
        headers = {"Authorization": f"Bearer {client.token['platform']}"}
    answer = client.get(path, params=params, headers=headers)
    while True:
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body["items"]
        if body["next"] is None:
            return items
        answer = client.get(body["next"], headers=headers)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]

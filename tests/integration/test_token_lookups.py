"""The API's token lookups: a token a process has just looked up is trusted for a moment, and
the requests that carry it when that trust runs out share one lookup."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from stockout.services.access import tokens
from stockout.services.access.principals import Role
from tests.online import Bench


def _at_once(calls: int, secret: str, bench: Bench) -> list[Any]:
    start = threading.Barrier(calls, timeout=30)
    found: list[Any] = [None] * calls

    def call(n: int) -> None:
        start.wait()
        found[n] = tokens.authenticate_recent(bench.uow(), secret)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return found


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each lookup in the store, slowed so that the callers overlap."""
    looked: list[str] = []
    real = tokens.authenticate

    def slow(uow: Any, secret: str, carriers: bool = False) -> Any:
        looked.append(secret)
        time.sleep(0.05)
        return real(uow, secret, carriers)

    monkeypatch.setattr(tokens, "authenticate", slow)
    monkeypatch.setattr(tokens, "_recent", {})
    return looked


def test_requests_carrying_a_token_at_once_share_one_lookup(bench: Bench,
                                                            counted: list[str]) -> None:
    secret = tokens.create_token(bench.uow(), bench.clock, Role.MERCHANT, ["s1"]).secret
    found = _at_once(12, secret, bench)
    assert counted == [secret]
    assert all(p is not None and p.role is Role.MERCHANT and p.shop_ids == {"s1"}
               for p in found)


def test_an_unknown_token_is_looked_up_for_every_request_and_refused(
        bench: Bench, counted: list[str]) -> None:
    found = _at_once(4, "so_unknown", bench)
    assert found == [None] * 4
    assert len(counted) == 4

"""The online judge agrees with `stockout judge` on a simulated marketplace, verdict for
verdict, however the events arrive: in one pass, ahead of time with the sweep catching up, or
from racing clients (both stores)."""

from __future__ import annotations

import json
import random
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from stockout.adapters.event_file import read_events
from stockout.domain.announcements import Announcement
from stockout.services.access.principals import CLI
from stockout.services.judging.announcements import parse_announcement, post_announcement
from stockout.services.judging.files import judge_log
from stockout.simulation import DEFAULT_START, simulate_announcements, simulate_events
from tests.online import Bench

ORDERS, SEED, DAYS = 300, 11, 20
END = DEFAULT_START + timedelta(days=DAYS + 15)


@pytest.fixture(scope="module")
def market() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    events = [dict(e) for e in simulate_events(ORDERS, SEED, days=DAYS)]
    return events, simulate_announcements(SEED, days=DAYS)


def expected(bench: Bench, events: list[dict[str, Any]], notices: list[dict[str, Any]],
             at: datetime) -> list[dict[str, object]]:
    log = read_events(json.dumps(e, ensure_ascii=False) for e in events)
    anns: list[Announcement] = [parse_announcement(n) for n in notices]
    return [v.to_record() for v in judge_log(log, bench.rules.book, at, anns).verdicts]


def post_all(bench: Bench, events: list[dict[str, Any]], batch: int = 500) -> None:
    for i in range(0, len(events), batch):
        result = bench.post(events[i:i + batch])
        assert result.rejected == []


def test_posting_a_simulated_month_gives_the_verdicts_stockout_judge_gives(
        bench: Bench, market: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    events, notices = market
    bench.at(END)
    for n in notices:
        post_announcement(bench.uow(), bench.rules, bench.clock, n, CLI)
    post_all(bench, events)
    bench.sweep()
    want = expected(bench, events, notices, END)
    assert len(want) > 20
    assert bench.verdicts(limit=7) == want


def test_events_posted_ahead_of_time_are_judged_by_the_sweep_when_they_fall_due(
        bench: Bench, market: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    events, _ = market
    bench.at(DEFAULT_START + timedelta(days=5))
    post_all(bench, events)
    for day in (12, DAYS + 15):
        at = DEFAULT_START + timedelta(days=day)
        bench.at(at).sweep()
        assert bench.verdicts() == expected(bench, events, [], at)


def test_racing_clients_posting_overlapping_batches_record_each_verdict_and_coupon_once(
        bench: Bench, market: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    events, _ = market
    events = events[: len(events) // 2]
    bench.at(END)
    errors: list[BaseException] = []

    def client(seed: int) -> None:
        rng = random.Random(seed)
        batches = [events[i:i + 50] for i in range(0, len(events), 50)]
        rng.shuffle(batches)
        try:
            for b in batches:
                bench.post(b)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(s,)) for s in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert bench.verdicts() == expected(bench, events, [], END)
    ids = {e["event_id"] for e in events}
    assert bench.rows("SELECT count(*) AS n FROM events")[0]["n"] == len(ids)
    active = bench.rows("SELECT v.id, count(c.id) AS coupons FROM verdicts v LEFT JOIN coupons c "
                        "ON c.verdict_id = v.id AND c.state = 'issued' WHERE v.status = 'active' "
                        "AND v.compensation_cents > 0 GROUP BY v.id")
    assert active and all(r["coupons"] == 1 for r in active)

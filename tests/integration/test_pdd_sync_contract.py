"""A recorded month synced from the fake open platform (a real HTTP server on loopback) and its
carriers' pushes give exactly the verdicts `stockout judge` gives on the equivalent event file;
syncing again changes nothing; a sync killed mid-window and restarted loses and doubles nothing
(both stores)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

import pytest

from stockout.adapters.event_file import read_events
from stockout.adapters.pdd.gateway import GatewayStop, PddGateway
from stockout.services.judging.files import judge_log
from stockout.services.sync.pdd import sync_pdd
from stockout.simulation.pdd_gateway import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    RecordedGateway,
)
from stockout.simulation.pdd_month import RecordedMonth, record_month
from tests.online import Bench

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def month() -> RecordedMonth:
    return record_month(1200, 7, 7)


@pytest.fixture(scope="module")
def small_month() -> RecordedMonth:
    return record_month(300, 11, 3)


def client(url: str) -> PddGateway:
    return PddGateway(url, CLIENT_ID, CLIENT_SECRET, ACCESS_TOKEN, sleep=lambda _: None)


def expected(bench: Bench, month: RecordedMonth) -> list[dict[str, Any]]:
    log = read_events(json.dumps(e, ensure_ascii=False) for e in month.expected)
    return [v.to_record() for v in judge_log(log, bench.rules.book, month.clock, []).verdicts]


def stored_ids(bench: Bench) -> list[str]:
    return sorted(r["event_id"] for r in bench.rows("SELECT event_id FROM events"))


def test_a_synced_month_and_its_pushes_give_the_verdicts_of_the_event_file(
        api, month: RecordedMonth) -> None:  # type: ignore[no-untyped-def]
    import copy
    from dataclasses import replace

    bench: Bench = api.bench
    runtime = api.app.state.runtime
    runtime.server = replace(runtime.server, kuaidi100_salt=month.salt, kdniao_app_key=month.salt)
    fresh = copy.deepcopy(month)
    bench.at(fresh.clock)
    fake = RecordedGateway(fresh)
    with fake.serving() as url:
        gw = client(url)
        report = sync_pdd(bench.uow(), bench.rules, bench.clock, gw, start=fresh.start)
        assert fake.moved and gw.retries > 0 and report.details > 0
        assert report.errors == [] and report.rejected == [] and report.mismatches == []
        for push in fresh.pushes:
            answer = api.post("/v1/carriers/kuaidi100/push", data=push)
            assert answer.json() == {"result": True, "returnCode": "200", "message": "成功"}
        for push in fresh.kdniao:
            answer = api.post("/v1/carriers/kdniao/push", data=push).json()
            assert answer["Success"] is True and answer["EBusinessID"] == push["EBusinessID"]
        bench.sweep()
        assert stored_ids(bench) == sorted(e["event_id"] for e in fresh.expected)
        want = expected(bench, fresh)
        assert len(want) > 10
        assert bench.verdicts() == want
        again = sync_pdd(bench.uow(), bench.rules, bench.clock, gw, start=fresh.start)
        assert again.accepted == 0 and again.duplicates > 0
        assert bench.verdicts() == want
        forged = {**fresh.pushes[0], "sign": "0" * 32}
        assert api.post("/v1/carriers/kuaidi100/push", data=forged).json()["result"] is False
        assert stored_ids(bench) == sorted(e["event_id"] for e in fresh.expected)
        wrong = PddGateway(url, CLIENT_ID, "not-the-secret", ACCESS_TOKEN)
        with pytest.raises(GatewayStop, match="20004"):
            sync_pdd(bench.uow(), bench.rules, bench.clock, wrong, start=fresh.start)


def test_a_sync_killed_mid_window_and_restarted_loses_and_doubles_nothing(
        bench: Bench, small_month: RecordedMonth, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import copy
    fresh = copy.deepcopy(small_month)
    fake = RecordedGateway(fresh)
    env = {**os.environ, "STOCKOUT_DATA": str(tmp_path), "STOCKOUT_NOW": fresh.clock.isoformat(),
           "STOCKOUT_PDD_CLIENT_ID": CLIENT_ID, "STOCKOUT_PDD_CLIENT_SECRET": CLIENT_SECRET,
           "STOCKOUT_PDD_ACCESS_TOKEN": ACCESS_TOKEN}
    with fake.serving() as url:
        argv = [sys.executable, "-m", "stockout", "sync", "pdd", "--gateway", url,
                "--db", bench.store.url]
        first = subprocess.Popen([*argv, "--start", fresh.start.isoformat()], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            rows = bench.rows("SELECT windows FROM sync_cursors")
            if rows and rows[0]["windows"] >= 2:
                break
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait()
        partial = len(stored_ids(bench))
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    events = [e for e in fresh.expected if e["type"] != "carrier_scan"]
    assert 0 < partial < len(events)
    assert stored_ids(bench) == sorted(e["event_id"] for e in events)


def test_a_last_ship_time_unlike_stockouts_deadline_is_reported(bench: Bench) -> None:
    tiny = record_month(40, 3, 1)
    bench.at(tiny.clock)
    sn, order = next((sn, o) for sn, o in sorted(tiny.orders.items()) if o["last_ship_time"])
    order["last_ship_time"] = order["confirm_time"]  # the platform says: ship at once
    with RecordedGateway(tiny, throttle_every=0).serving() as url:
        report = sync_pdd(bench.uow(), bench.rules, bench.clock, client(url), start=tiny.start)
    assert [m.order_id for m in report.mismatches] == [sn]
    assert report.mismatches[0].stockout is not None
    assert report.mismatches[0].stockout - report.mismatches[0].platform == timedelta(hours=48)

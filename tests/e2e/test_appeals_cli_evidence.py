"""`stockout appeals file --evidence`: a file over the packs' size limit is refused, naming the
file, without being read whole; a file at the limit is filed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from stockout.services.clock import ManualClock
from stockout.store.engine import open_store
from stockout.store.migrate import upgrade
from tests.integration.test_appeals_contract import H, T, stockout_order, verdict_row
from tests.online import Bench, environment, stockout

LIMIT = 5_242_880  # evidence_max_bytes of the pdd packs


def test_an_evidence_file_over_the_limit_is_refused_by_name_and_one_at_the_limit_is_filed(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    store = open_store(url)
    upgrade(store)
    bench = Bench(store, ManualClock(datetime(2025, 1, 1, tzinfo=UTC)))
    bench.at(T + 10 * H).post(stockout_order("A"))
    vid = str(verdict_row(bench, "A")["id"])
    store.dispose()
    env = environment(tmp_path / "data", STOCKOUT_DB=url)
    at = ("--at", (T + 11 * H).isoformat())
    small = tmp_path / "note.txt"
    small.write_text("快递网点停运通知", encoding="utf-8")
    big = tmp_path / "huge-scan.txt"
    big.write_bytes(b"a" * (LIMIT + 1))

    refused = stockout("--lang", "en", "appeals", "file", vid, "--ground", "carrier_fault",
                       "--evidence", str(small), "--evidence", str(big), *at, env=env)
    assert refused.returncode == 2
    assert "huge-scan.txt" in refused.stderr and f"over {LIMIT} bytes" in refused.stderr
    assert "note.txt" not in refused.stderr
    nothing = stockout("--lang", "en", "appeals", "list", *at, env=env)
    assert nothing.returncode == 0 and "No appeals." in nothing.stdout

    at_limit = tmp_path / "exact.txt"
    at_limit.write_bytes(b"a" * LIMIT)
    filed = stockout("--lang", "en", "appeals", "file", vid, "--ground", "carrier_fault",
                     "--evidence", str(at_limit), *at, env=env)
    assert filed.returncode == 0, filed.stderr
    assert "Appeal 1 filed (pending)" in filed.stdout

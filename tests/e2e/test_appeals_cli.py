"""`stockout appeals list|file|decide`, `measures SHOP` and `reputation SHOP` as a user runs them
on a store where a verdict was issued (Chinese by default, English with --lang en)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from stockout.services.common.clock import ManualClock
from stockout.store.engine import open_store
from stockout.store.migrate import upgrade
from tests.integration.test_appeals_contract import H, T, stockout_order, verdict_row
from tests.online import Bench, environment, stockout

LIMIT = 5_242_880  # evidence_max_bytes of the pdd packs


def with_a_verdict(tmp_path: Path) -> tuple[str, dict[str, str], tuple[str, str]]:
    """A store where order A has a stockout verdict: its id, the CLI's environment, `--at`."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    store = open_store(url)
    upgrade(store)
    bench = Bench(store, ManualClock(datetime(2025, 1, 1, tzinfo=UTC)))
    bench.at(T + 10 * H).post(stockout_order("A"))
    vid = str(verdict_row(bench, "A")["id"])
    store.dispose()
    return vid, environment(tmp_path / "data", STOCKOUT_DB=url), ("--at", (T + 11 * H).isoformat())


def test_the_platform_files_lists_and_decides_appeals_and_sees_scores(tmp_path: Path) -> None:
    vid, env, at = with_a_verdict(tmp_path)
    proof = tmp_path / "proof.txt"
    proof.write_text("快递网点停运通知", encoding="utf-8")

    missing = stockout("--lang", "en", "appeals", "file", vid, "--ground", "carrier_fault",
                       "--evidence", str(tmp_path / "nope.pdf"), *at, env=env)
    assert missing.returncode == 2 and "file not found" in missing.stderr
    filed = stockout("--lang", "en", "appeals", "file", vid, "--ground", "carrier_fault",
                     "--evidence", str(proof), *at, env=env)
    assert filed.returncode == 0, filed.stderr
    assert "Appeal 1 filed (pending)" in filed.stdout
    queue = stockout("appeals", "list", *at, env=env)
    assert queue.returncode == 0 and "待审核" in queue.stdout and "快递原因" in queue.stdout
    unreasoned = stockout("--lang", "en", "appeals", "decide", "1", "--reject", *at, env=env)
    assert unreasoned.returncode == 2 and "reason" in unreasoned.stderr
    done = stockout("--lang", "en", "appeals", "decide", "1", "--approve", "--reason", "ok",
                    *at, env=env)
    assert done.returncode == 0 and "Appeal 1 decided: approved" in done.stdout
    again = stockout("--lang", "en", "appeals", "decide", "1", "--approve", *at, env=env)
    assert again.returncode == 1 and "already approved" in again.stderr
    rejected = stockout("--lang", "en", "appeals", "decide", "1", "--reject", *at, env=env)
    assert rejected.returncode == 1 and "already approved" in rejected.stderr
    assert "reason" not in rejected.stderr
    rep = stockout("--lang", "en", "reputation", "s1", *at, env=env)
    assert rep.returncode == 0 and "Reputation of shop s1: 100" in rep.stdout
    assert "店铺 s1 没有管控措施" in stockout("measures", "s1", *at, env=env).stdout
    unknown = stockout("--lang", "en", "measures", "nope", *at, env=env)
    assert unknown.returncode == 1 and "not found" in unknown.stderr


def test_an_evidence_file_over_the_limit_is_refused_by_name_and_one_at_the_limit_is_filed(
        tmp_path: Path) -> None:
    """Refused without being read whole, naming the file; a file at the limit is filed."""
    vid, env, at = with_a_verdict(tmp_path)
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

"""Bad usage of `stockout judge`, `explain` and `whatif` is a clear error and exit 2, never a
traceback: out-of-range `--at`, unusable packs, folders where files are wanted."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from pathlib import Path

import pytest

from stockout.domain.times import UTC
from tests.helpers import HOUR, Order, Run, event_lines, run_stockout, write_lines

T0 = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
AT = "2025-06-10T00:00:00+08:00"


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    late = Order("L", T0)
    late.confirm(T0)
    shipped = Order("S", T0)
    shipped.confirm(T0)
    shipped.ship(T0 + HOUR)
    folder = tmp_path_factory.mktemp("usage")
    return write_lines(folder / "events.jsonl", [*event_lines([late, shipped]), "{not json"])


def _bad_usage(run: Run, *words: str) -> None:
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    for word in words:
        assert word in run.stderr, (word, run.stderr)


def _pack(tmp_path: Path, old: str, new: str) -> Path:
    text = resources.files("stockout.rulepacks").joinpath("pdd-2025.toml").read_text("utf-8")
    assert old in text
    path = tmp_path / "draft.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("engine", ["python", "duckdb"])
@pytest.mark.parametrize("at", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"])
def test_an_at_that_no_clock_can_hold_is_bad_usage(events: Path, engine: str, at: str) -> None:
    _bad_usage(run_stockout("judge", events, "--json", "--engine", engine, "--at", at), "--at")


@pytest.mark.parametrize("engine", ["python", "duckdb"])
@pytest.mark.parametrize("figure", ["nan", "1e300", "inf"])
def test_a_pack_figure_that_is_not_a_sane_number_is_bad_usage_naming_the_key(
        events: Path, tmp_path: Path, engine: str, figure: str) -> None:
    pack = _pack(tmp_path, "default_hours = 48", f"default_hours = {figure}")
    _bad_usage(run_stockout("judge", events, "--json", "--engine", engine, "--at", AT,
                            "--rules", pack), "deadline.default_hours")


def test_whatif_against_a_broken_draft_is_bad_usage_naming_the_key(
        events: Path, tmp_path: Path) -> None:
    pack = _pack(tmp_path, "default_hours = 48", "default_hours = nan")
    _bad_usage(run_stockout("whatif", events, "--vs", pack, "--at", AT, "--chart",
                            tmp_path / "c.png"), "deadline.default_hours")


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_empty_or_folder_rules_and_folder_announcements_are_bad_usage(
        events: Path, tmp_path: Path, engine: str) -> None:
    base = ("judge", events, "--json", "--engine", engine, "--at", AT)
    _bad_usage(run_stockout(*base, "--rules", ""), "--rules")
    _bad_usage(run_stockout(*base, "--rules", f"{tmp_path}/"), "folder")
    _bad_usage(run_stockout(*base, "--announcements", f"{tmp_path}/"), "folder")
    _bad_usage(run_stockout("explain", "L", events, "--announcements", tmp_path), "folder")


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_out_is_a_file_whose_folder_is_made_but_never_a_folder(
        events: Path, tmp_path: Path, engine: str) -> None:
    base = ("judge", events, "--engine", engine, "--at", AT)
    _bad_usage(run_stockout(*base, "--out", f"{tmp_path}/"), "--out", "folder")
    _bad_usage(run_stockout(*base, "--out", tmp_path / "v.csv"), "--out")
    target = tmp_path / "new" / "deeper" / "v.jsonl"
    run = run_stockout(*base, "--out", target)
    assert run.returncode == 0, run.stderr
    assert [line for line in target.read_text("utf-8").splitlines() if '"L"' in line]


def test_whatif_says_each_rejected_line_once_and_refuses_a_folder_chart_or_a_negative_top(
        events: Path, tmp_path: Path) -> None:
    run = run_stockout("--lang", "en", "whatif", events, "--rules", "pdd-2023", "--vs",
                       "pdd-2025", "--at", AT, "--chart", tmp_path / "c.png")
    assert run.returncode == 0, run.stderr
    bad_line = len(events.read_text("utf-8").splitlines())
    assert run.stderr.count(f"line {bad_line} rejected") == 1, run.stderr
    work, folder = tmp_path / "work", tmp_path / "charts"
    work.mkdir()
    folder.mkdir()
    _bad_usage(run_stockout("whatif", events, "--at", AT, "--chart", f"{folder}/", cwd=work),
               "--chart")
    assert not list(work.iterdir()) and not list(folder.iterdir())
    _bad_usage(run_stockout("whatif", events, "--at", AT, "--top", "-3",
                            "--chart", tmp_path / "d.png"), "--top")


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_a_line_dated_where_no_clock_can_go_is_rejected_by_number_on_every_engine(
        tmp_path: Path, engine: str) -> None:
    """One line's `at` beyond UTC's range, one `presale_ship_by` in year 9999: those lines are
    rejected with their numbers and the range; the other orders are judged; exit 0."""
    late = Order("L", T0)
    late.confirm(T0)
    lines = event_lines([late])
    path = write_lines(tmp_path / "events.jsonl", [
        *lines,
        '{"event_id": "F.placed", "order_id": "F", "type": "order_placed", '
        '"at": "9999-12-31T23:59:59-12:00", "shop_id": "s1", "buyer_id": "b9", "sku_id": "k1", '
        '"quantity": 1, "paid_cents": 100}',
        '{"event_id": "P.placed", "order_id": "P", "type": "order_placed", '
        '"at": "2025-06-02T10:00:00+08:00", "shop_id": "s1", "buyer_id": "b8", "sku_id": "k1", '
        '"quantity": 1, "paid_cents": 100, "presale_ship_by": "9999-12-31T00:00:00+08:00"}'])
    run = run_stockout("--lang", "en", "judge", path, "--json", "--engine", engine, "--at", AT)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    n = len(lines)
    assert f"line {n + 1}" in run.stderr and f"line {n + 2}" in run.stderr, run.stderr
    assert "2000-01-01" in run.stderr and "2100-01-01" in run.stderr
    orders = {json.loads(v)["order_id"] for v in run.stdout.splitlines()}
    assert orders == {"L"}

"""The bulk options of the command line, through real processes: `judge --engine duckdb`,
Parquet in and out, a folder of parts, `simulate --format parquet` and `whatif`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from stockout.simulation.marketplace import DEFAULT_START
from tests.helpers import HOUR, Order, Run, event_lines, run_stockout, scrambled, write_lines

AT = (DEFAULT_START + timedelta(days=40)).isoformat()


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated month of 3,000 orders with its announcements, as JSON Lines."""
    root = tmp_path_factory.mktemp("month")
    done = run_stockout("simulate", "--orders", "3000", "--seed", "21", "--out",
                        root / "events.jsonl", "--announcements-out", root / "ann.json")
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture(scope="module")
def python_run(month: Path) -> Run:
    run = run_stockout("judge", month / "events.jsonl", "--json", "--at", AT,
                       "--announcements", month / "ann.json")
    assert run.returncode == 0, run.stderr
    assert len(run.verdicts) > 300
    return run


def test_duckdb_engine_prints_exactly_the_python_engines_json_lines(month: Path,
                                                                   python_run: Run) -> None:
    run = run_stockout("judge", month / "events.jsonl", "--json", "--at", AT,
                       "--announcements", month / "ann.json", "--engine", "duckdb")
    assert run.returncode == 0, run.stderr
    assert run.stdout == python_run.stdout


def test_simulated_parquet_is_judged_like_the_same_simulation_as_json_lines(
        month: Path, python_run: Run) -> None:
    made = run_stockout("simulate", "--orders", "3000", "--seed", "21", "--format", "parquet",
                        "--out", month / "events.parquet")
    assert made.returncode == 0, made.stderr
    assert pq.ParquetFile(month / "events.parquet").metadata.num_rows > 20_000
    for engine in ("duckdb", "python"):
        run = run_stockout("judge", month / "events.parquet", "--json", "--at", AT,
                           "--announcements", month / "ann.json", "--engine", engine)
        assert run.returncode == 0, run.stderr
        assert run.stdout == python_run.stdout, engine


def test_out_parquet_holds_the_json_records(month: Path, python_run: Run, tmp_path: Path) -> None:
    out = tmp_path / "verdicts.parquet"
    run = run_stockout("judge", month / "events.jsonl", "--at", AT, "--announcements",
                       month / "ann.json", "--engine", "duckdb", "--out", out)
    assert run.returncode == 0, run.stderr
    assert pq.read_table(out).to_pylist() == python_run.verdicts
    assert "verdicts.parquet" in run.stdout


def test_out_jsonl_holds_the_json_lines(month: Path, python_run: Run, tmp_path: Path) -> None:
    out = tmp_path / "verdicts.jsonl"
    run = run_stockout("judge", month / "events.jsonl", "--at", AT, "--announcements",
                       month / "ann.json", "--out", out)
    assert run.returncode == 0, run.stderr
    assert out.read_text(encoding="utf-8") == python_run.stdout


def test_a_folder_of_parts_from_different_writers_keeps_the_first_arrival_of_each_id(
        tmp_path: Path) -> None:
    """Parts without the judge-ready mark are de-duplicated across parts: a second copy of an
    event (here: a later pickup with the same id, in another part) is ignored."""
    t = datetime(2025, 6, 2, 10, 0).astimezone()
    late = Order("L", t)
    late.confirm(t)
    late.upload(t + HOUR)
    late.scan(t + 60 * HOUR)  # after the 48 h deadline: late shipment
    ontime = Order("K", t)
    ontime.confirm(t)
    ontime.upload(t + HOUR)
    ontime.scan(t + 2 * HOUR)
    lines = event_lines([late, ontime])
    copy = json.loads(lines[-1])
    copy["at"] = (t + 3 * HOUR).isoformat()
    jsonl = write_lines(tmp_path / "all.jsonl", [*lines, json.dumps(copy)])
    parts = tmp_path / "parts"
    parts.mkdir()
    from stockout.batch.parquet_io import read_jsonl_table

    _, table = read_jsonl_table(write_lines(tmp_path / "first.jsonl", lines))
    pq.write_table(table, parts / "part-0.parquet")
    _, second = read_jsonl_table(write_lines(tmp_path / "second.jsonl", [json.dumps(copy)]))
    second = second.set_column(second.schema.get_field_index("seq"), "seq",
                               pa.array([len(lines)], type=pa.int64()))
    pq.write_table(second, parts / "part-1.parquet")
    at = (t + 30 * 24 * HOUR).isoformat()
    expected = run_stockout("judge", jsonl, "--json", "--at", at)
    got = run_stockout("judge", parts, "--json", "--at", at, "--engine", "duckdb")
    assert got.returncode == 0, got.stderr
    assert got.stdout == expected.stdout
    # Had the second copy counted, K's pickup would have had a next scan within 24 hours.
    assert ("K", "stalled_after_pickup") in {(v["order_id"], v["trigger"]) for v in got.verdicts}
    assert ("L", "no_pickup_by_deadline") in {(v["order_id"], v["trigger"]) for v in got.verdicts}


def test_duckdb_engine_reports_rejected_lines_and_judges_the_rest(tmp_path: Path) -> None:
    t = datetime(2025, 6, 2, 10, 0).astimezone()
    o = Order("A", t)
    o.confirm(t)
    lines = scrambled(event_lines([o]))
    path = write_lines(tmp_path / "bad.jsonl", ['{"type": "nonsense"}', *lines])
    run = run_stockout("judge", path, "--json", "--at", (t + 130 * HOUR).isoformat(),
                       "--engine", "duckdb")
    assert run.returncode == 0
    assert "1" in run.stderr and "nonsense" in run.stderr
    assert [v["trigger"] for v in run.verdicts] == ["no_pickup_by_deadline",
                                                    "unshipped_after_deadline"]


def test_unknown_engine_is_bad_usage(month: Path) -> None:
    run = run_stockout("judge", month / "events.jsonl", "--engine", "oracle")
    assert run.returncode == 2
    assert "oracle" in run.stderr


def test_whatif_compares_two_packs_per_violation_and_shop_and_draws_a_chart(
        month: Path, tmp_path: Path) -> None:
    chart = tmp_path / "whatif.png"
    run = run_stockout("--lang", "en", "whatif", month / "events.jsonl", "--rules", "pdd-2023",
                       "--vs", "pdd-2025", "--at", AT, "--announcements", month / "ann.json",
                       "--chart", chart, "--top", "5")
    assert run.returncode == 0, run.stderr
    assert "pdd-2023 → pdd-2025" in run.stdout
    assert "late shipment" in run.stdout and "Shops that change most" in run.stdout
    assert chart.stat().st_size > 10_000
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_whatif_in_chinese_by_default(month: Path, tmp_path: Path) -> None:
    run = run_stockout("whatif", month / "events.jsonl", "--rules", "pdd-2023", "--vs",
                       "pdd-2025", "--at", AT, "--chart", tmp_path / "c.png")
    assert run.returncode == 0, run.stderr
    assert "规则变更影响" in run.stdout and "延迟发货" in run.stdout


def test_whatif_against_an_edited_copy_of_a_pack_counts_the_verdicts_it_changes(
        month: Path, tmp_path: Path) -> None:
    """A rules team's draft: pdd-2025 with 72 hours to ship instead of 48."""
    from importlib import resources

    text = resources.files("stockout.rulepacks").joinpath("pdd-2025.toml").read_text("utf-8")
    draft = tmp_path / "draft.toml"
    draft.write_text(text.replace('id = "pdd-2025"', 'id = "pdd-2025-72h"')
                     .replace("default_hours = 48", "default_hours = 72"), encoding="utf-8")
    run = run_stockout("--lang", "en", "whatif", month / "events.jsonl", "--rules", "pdd-2025",
                       "--vs", draft, "--at", AT, "--chart", tmp_path / "draft.png")
    assert run.returncode == 0, run.stderr
    assert "pdd-2025 → pdd-2025-72h (draft.toml)" in run.stdout
    late = next(line for line in run.stdout.splitlines() if line.startswith("│ late shipment"))
    assert "-" in late.split("│")[4]  # fewer late shipments with 72 hours


def test_a_parquet_export_with_a_bad_row_or_a_missing_column_is_told_plainly(
        tmp_path: Path) -> None:
    """A bad row is rejected with its file and row number and the rest judged (exit 0); a file
    without a column every event needs is bad usage (exit 2), named, without a traceback."""
    t = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    rows = {"event_id": ["p", "c", "x"], "order_id": ["A", "A", "A"],
            "type": ["order_placed", "order_confirmed", "carrier_scan"],
            "at": pa.array([t, t, t + HOUR], pa.timestamp("us", tz="UTC")),
            "shop_id": ["s", None, None], "buyer_id": ["b", None, None],
            "sku_id": ["k", None, None], "quantity": [1, None, None],
            "paid_cents": [990, None, None], "carrier": [None, None, "中通"],
            "tracking_no": [None, None, "Z1"], "status": [None, None, "lost"]}
    pq.write_table(pa.table(rows), tmp_path / "export.parquet")
    at = (t + 130 * HOUR).isoformat()
    run = run_stockout("--lang", "en", "judge", tmp_path / "export.parquet", "--json", "--at", at,
                       "--engine", "duckdb")
    assert run.returncode == 0, run.stderr
    assert "export.parquet row 3 rejected: status: input should be 'pickup'" in run.stderr
    assert [v["trigger"] for v in run.verdicts] == ["no_pickup_by_deadline",
                                                    "unshipped_after_deadline"]
    del rows["at"]
    pq.write_table(pa.table(rows), tmp_path / "no_at.parquet")
    bad = run_stockout("--lang", "en", "judge", tmp_path / "no_at.parquet", "--at", at)
    assert bad.returncode == 2
    assert "no_at.parquet: no column at" in bad.stderr and "Traceback" not in bad.stderr

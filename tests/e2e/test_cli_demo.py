"""The demo, the simulator and the rules commands as a person runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_stockout


def test_demo_simulates_judges_and_leaves_events_verdicts_and_a_plot(tmp_path: Path) -> None:
    run = run_stockout("demo", "--orders", "3000", "--seed", "3", "--out", tmp_path / "d")
    assert run.returncode == 0, run.stderr
    out = tmp_path / "d"
    assert (out / "violations.png").read_bytes().startswith(b"\x89PNG")
    verdicts = [json.loads(x) for x in (out / "verdicts.jsonl").read_text("utf-8").splitlines()]
    assert verdicts, "3,000 simulated orders always break some rule"
    assert "按违规与触发条件汇总" in run.stdout and "问题最多的店铺" in run.stdout
    total = sum(v["compensation_cents"] for v in verdicts)
    assert f"{len(verdicts):,} 条判定" in run.stdout
    assert f"¥{total // 100:,}.{total % 100:02d}" in run.stdout
    # The verdicts file is exactly what `stockout judge --json` says of the same files.
    again = run_stockout("judge", out / "events.jsonl", "--json", "--announcements",
                         out / "announcements.json", "--at", "2025-07-16T00:00:00+08:00")
    assert again.verdicts == verdicts


def test_simulate_is_deterministic_and_writes_valid_events(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for path in (a, b):
        run = run_stockout("simulate", "--orders", "500", "--seed", "11", "--out", path,
                           "--announcements-out", tmp_path / "ann.json")
        assert run.returncode == 0, run.stderr
    assert a.read_bytes() == b.read_bytes()
    judged = run_stockout("judge", a, "--json", "--at", "2025-08-01T00:00:00+08:00")
    assert judged.returncode == 0 and judged.stderr.strip() == ""  # no line rejected
    assert isinstance(json.loads((tmp_path / "ann.json").read_text("utf-8")), list)


def test_rules_show_lists_every_figure_and_diff_names_what_changed() -> None:
    shown = run_stockout("--lang", "en", "rules", "show", "pdd-2025")
    assert shown.returncode == 0
    for key in ("deadline.default_hours", "stockout.compensation", "self_report.daily_limit",
                "fake_shipment.tracking_reuse_days", "scorecard.stockout_rate_max"):
        assert key in shown.stdout
    diff = run_stockout("--lang", "en", "rules", "diff", "pdd-2023", "pdd-2025")
    assert diff.returncode == 0
    assert "late_shipment.compensation" in diff.stdout
    assert "deadline.default_hours" not in diff.stdout  # unchanged figures are not listed
    same = run_stockout("--lang", "en", "rules", "diff", "pdd-2025", "pdd-2025")
    assert "same figures" in same.stdout


def test_a_pack_file_with_an_error_is_refused_naming_the_key(tmp_path: Path) -> None:
    from importlib import resources

    text = resources.files("stockout.rulepacks").joinpath("pdd-2025.toml").read_text("utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("daily_limit = 10", "daily_limit = 0"), encoding="utf-8")
    run = run_stockout("rules", "show", bad)
    assert run.returncode == 2
    assert "self_report.daily_limit" in run.stderr

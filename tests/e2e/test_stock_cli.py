"""`stockout audit`: a Rich table of findings, exit 1 while any is left; `--repair` fixes each
with an entry that says why, after which the audit is clean (both stores)."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_stock_audit_contract import damaged
from tests.online import Bench, environment, stockout


def test_audit_reports_then_repairs_a_damaged_ledger(bench: Bench, tmp_path: Path) -> None:
    damaged(bench)
    env = environment(tmp_path / "data")
    url = bench.store.url
    found = stockout("--lang", "en", "audit", "--db", url, env=env)
    assert found.returncode == 1, found.stderr
    assert "closed order still holds stock" in found.stdout
    assert "open order holds no reservation" in found.stdout
    assert "3 findings" in found.stdout
    repaired = stockout("--lang", "en", "audit", "--repair", "--db", url, env=env)
    assert repaired.returncode == 0, repaired.stderr
    assert "3 findings, 3 repaired" in repaired.stdout
    clean = stockout("audit", "--db", url, env=env)
    assert clean.returncode == 0 and "未发现问题" in clean.stdout

"""What the Spark tests run: a small simulated file, the pure judge's records for it, and
`stockout judge --engine spark` in a process of its own (on `$STOCKOUT_SPARK` if given)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from stockout.services.judging.files import judge_file
from stockout.simulation import simulate_events, write_jsonl
from stockout.simulation.marketplace import DEFAULT_START
from tests.helpers import _environment

AT = DEFAULT_START + timedelta(days=40)


def small_month(root: Path, orders: int = 300, seed: int = 13) -> Path:
    path = root / "events.jsonl"
    write_jsonl(simulate_events(orders, seed), path)
    return path


def pure_lines(events: Path) -> list[str]:
    """The pure judge's records of a JSON Lines file, one sorted-key JSON line each."""
    return [json.dumps(v.to_record(), ensure_ascii=False, sort_keys=True)
            for v in judge_file(events, "pdd", AT).verdicts]


def spark_cli(events: Path, address: str | None = None, timeout: float = 1500,
              archive: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command, with the JVM's class archive in `archive` (if given: else none)."""
    env = _environment()
    if address is not None:
        env["STOCKOUT_SPARK"] = address
    if archive is not None:
        env["STOCKOUT_SPARK_ARCHIVE"] = str(archive)
    return subprocess.run([sys.executable, "-m", "stockout", "judge", str(events), "--engine",
                           "spark", "--json", "--at", AT.isoformat()], capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=timeout, check=False)


def json_lines(stdout: str) -> list[str]:
    return [json.dumps(json.loads(line), ensure_ascii=False, sort_keys=True)
            for line in stdout.splitlines() if line.strip()]

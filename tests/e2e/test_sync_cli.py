"""The README's real-data flow on the command line, each step a real process: `sync gateway`
serves a recorded month and writes its carriers' pushes (kuaidi100 and 快递鸟), `sync pdd` reads
the month into a SQLite store, `serve` runs on it with the printed signing keys, `sync pushes`
delivers the pushes as the vendors would, and `GET /v1/verdicts` equals `stockout judge --json`
on the equivalent event file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.online import Server, environment, get_all, read_jsonl, stockout

pytestmark = pytest.mark.slow


def _gateway(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], list[str]]:
    """The gateway's process and the lines it printed up to the pushes' command."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "stockout", "sync", "gateway", "--orders", "200", "--days", "3",
         "--pushes", str(tmp_path / "pushes.jsonl"), "--expected", str(tmp_path / "expected.jsonl")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8", env=env)
    assert proc.stdout is not None
    lines: list[str] = []
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if "stockout sync pushes" in line:
            return proc, lines
    proc.wait()
    raise AssertionError("\n".join(lines))


def test_the_readme_sync_flow_reaches_the_verdicts_of_the_event_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = environment(data)
    gateway, printed = _gateway(tmp_path, env)
    try:
        text = "\n".join(printed)
        assert printed[0].startswith("录制的开放平台网关已启动")
        sync_line = next(line.strip() for line in printed if "stockout sync pdd" in line)
        keys = dict(re.findall(r"(STOCKOUT_\w+)=(\S+)", text))
        assert set(keys) == {"STOCKOUT_KUAIDI100_SALT", "STOCKOUT_KDNIAO_APP_KEY"}
        db = f"sqlite:///{tmp_path / 'store.db'}"
        argv = sync_line.split()[1:]  # the printed command, with the test's store
        argv[argv.index("--db") + 1] = db
        synced = stockout(*argv, env=env, timeout=300)
        assert synced.returncode == 0, synced.stderr
        assert "新事件" in synced.stdout and "accepted" not in synced.stdout
    finally:
        gateway.terminate()
        gateway.wait(timeout=30)
    pushes = read_jsonl(tmp_path / "pushes.jsonl")
    assert {p["vendor"] for p in pushes} == {"kuaidi100", "kdniao"}
    made = stockout("tokens", "create", "--role", "platform", "--db", db, env=env)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    server = Server(db, data, **keys)
    try:
        sent = stockout("sync", "pushes", str(tmp_path / "pushes.jsonl"), "--server", server.url,
                        env=env)
        assert sent.returncode == 0, sent.stderr
        vendors = {v: sum(p["vendor"] == v for p in pushes) for v in ("kuaidi100", "kdniao")}
        assert (f"快递100 {vendors['kuaidi100']} 条，快递鸟 {vendors['kdniao']} 条），被拒 0 条"
                in sent.stdout)
        with server.client(token) as client:
            served = get_all(client, "/v1/verdicts", limit=250)
    finally:
        server.stop()
    judged = stockout("judge", str(tmp_path / "expected.jsonl"), "--json", env=env)
    assert judged.returncode == 0, judged.stderr
    expected = [json.loads(line) for line in judged.stdout.splitlines() if line.strip()]
    assert len(expected) > 20
    assert served == expected


def test_pushes_a_server_cannot_verify_are_listed_and_exit_1(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = environment(data)
    pushes = tmp_path / "pushes.jsonl"
    pushes.write_text(json.dumps({"vendor": "kuaidi100", "form": {
        "param": '{"lastResult": {"nu": "1", "data": []}}', "sign": "0" * 32}}) + "\n",
        encoding="utf-8")
    server = Server(f"sqlite:///{tmp_path / 'store.db'}", data)  # no salt: nothing verifies
    try:
        sent = stockout("sync", "pushes", str(pushes), "--server", server.url, env=env)
    finally:
        server.stop()
    assert sent.returncode == 1
    assert "第 1 条推送（kuaidi100）被拒" in sent.stderr
    assert "STOCKOUT_KUAIDI100_SALT" in sent.stderr and "被拒 1 条" in sent.stdout

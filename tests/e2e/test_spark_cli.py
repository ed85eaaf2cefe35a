"""`stockout judge --engine spark` as a user runs it: a small JSON Lines file is judged as the
pure judge does, and stopping the command stops the JVM it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import _environment
from tests.sparkruns import AT, json_lines, pure_lines, small_month, spark_cli

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'stockout[spark]')")
pytestmark = pytest.mark.slow


def test_spark_judges_like_the_pure_judge_and_its_first_command_writes_the_class_archive(
        tmp_path: Path) -> None:
    """Both commands give the pure judge's verdicts: the first, which writes the JVM's class
    archive, and the second, which maps it without writing it again."""
    events = small_month(tmp_path, orders=120)
    archive = tmp_path / "cache" / "spark.jsa"
    expected = pure_lines(events)
    assert len(expected) > 10
    first = spark_cli(events, archive=archive)
    assert first.returncode == 0, first.stderr[-3000:]
    assert json_lines(first.stdout) == expected  # the JVM's notes kept out of the verdicts
    assert archive.is_file() and archive.stat().st_size > 0
    assert [p.name for p in archive.parent.iterdir()] == ["spark.jsa"]  # no partial left
    written = archive.stat().st_mtime_ns
    second = spark_cli(events, archive=archive)
    assert second.returncode == 0, second.stderr[-3000:]
    assert json_lines(second.stdout) == expected
    assert archive.stat().st_mtime_ns == written  # mapped, not written again


def _children(pid: int) -> dict[int, str]:
    """Every process descending from `pid`, with its command name."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
        names[int(entry.name)] = name
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, p in parents.items():
            if p == parent and child not in found:
                found[child] = names[child]
                frontier.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _judging(events: Path) -> subprocess.Popen[bytes]:
    """`stockout judge EVENTS --engine spark`, started."""
    return subprocess.Popen([sys.executable, "-m", "stockout", "judge", str(events), "--engine",
                             "spark", "--json", "--at", AT.isoformat()],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=_environment())


def _left_alive(started: dict[int, str]) -> list[str]:
    """The processes of `started` still alive 30 s from now (or once all are gone)."""
    gone_by = time.monotonic() + 30
    while any(_alive(p) for p in started) and time.monotonic() < gone_by:
        time.sleep(0.5)
    return [f"{p} {name}" for p, name in started.items() if _alive(p)]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_command_stops_the_jvm_it_started(tmp_path: Path, signum: int) -> None:
    events = small_month(tmp_path, orders=3_000)
    cli = _judging(events)
    try:
        deadline = time.monotonic() + 300
        jvms: list[int] = []
        while not jvms and time.monotonic() < deadline and cli.poll() is None:
            time.sleep(0.5)
            jvms = [p for p, name in _children(cli.pid).items() if name == "java"]
        assert jvms, "the command started no JVM"
        time.sleep(2)  # inside the judge by now, or still starting Spark: both must stop
        started = _children(cli.pid)
        os.kill(cli.pid, signum)
        cli.wait(timeout=60)
        assert cli.returncode != 0
        assert not _left_alive(started)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()


def test_stopping_the_command_ends_it_while_its_jvm_no_longer_answers(tmp_path: Path) -> None:
    """A JVM out of heap may hang without answering: the command waits on its socket. A
    SIGTERM must still end the command (and that JVM) instead of leaving both waiting."""
    events = small_month(tmp_path, orders=3_000)
    cli = _judging(events)
    jvm = None
    try:
        deadline = time.monotonic() + 300
        workers: list[int] = []
        while not workers and time.monotonic() < deadline and cli.poll() is None:
            time.sleep(0.2)
            jvm = next((p for p, name in _children(cli.pid).items() if name == "java"), None)
            if jvm is not None:  # its Python workers run the phrase matchers: judging
                workers = [p for p, name in _children(jvm).items() if name.startswith("python")]
        assert jvm is not None and workers, "the judge never ran its Python workers"
        os.kill(jvm, signal.SIGSTOP)  # it no longer answers; the command waits on it
        started = _children(cli.pid)
        os.kill(cli.pid, signal.SIGTERM)
        cli.wait(timeout=60)
        assert cli.returncode == 128 + signal.SIGTERM
        assert not _left_alive(started)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
        if jvm is not None and _alive(jvm):
            os.kill(jvm, signal.SIGKILL)
            os.kill(jvm, signal.SIGCONT)

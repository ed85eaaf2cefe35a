"""Real Spark servers for tests, from the PySpark distribution, on loopback, in a temporary
directory: a standalone master with workers, and a Spark Connect server. Each runs in a process
group of its own, killed whole when the block ends."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tests.online import free_port


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def _environment(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(SPARK_HOME=str(spark_home()), PYSPARK_PYTHON=sys.executable,
               SPARK_LOCAL_IP="127.0.0.1", SPARK_LOG_DIR=str(tmp), SPARK_PID_DIR=str(tmp),
               SPARK_WORKER_DIR=str(tmp / "work"), SPARK_LOCAL_DIRS=str(tmp / "local"),
               SPARK_NO_DAEMONIZE="1")
    return env


def _start(argv: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def _wait_for(log: Path, pattern: str, count: int, proc: subprocess.Popen[bytes],
              timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text("utf-8", errors="replace") if log.exists() else ""
        if len(re.findall(pattern, text)) >= count:
            return
        if proc.poll() is not None:
            raise RuntimeError(f"{log.name}: the server exited:\n{text[-3000:]}")
        time.sleep(0.5)
    raise TimeoutError(f"{log.name}: no {pattern!r} within {timeout} s")


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    for proc in procs:
        proc.wait(timeout=30)


@contextlib.contextmanager
def standalone_cluster(tmp: Path, workers: int = 2) -> Iterator[str]:
    """A standalone master and `workers` workers (one core and 1 GB, the default executor memory, each); yields the master URL."""
    env = _environment(tmp)
    spark_class = str(spark_home() / "bin" / "spark-class")
    port = free_port()
    procs = [_start([spark_class, "org.apache.spark.deploy.master.Master", "--host",
                     "127.0.0.1", "--port", str(port), "--webui-port", "0"],
                    tmp / "master.log", env)]
    url = f"spark://127.0.0.1:{port}"
    try:
        _wait_for(tmp / "master.log", r"I have been elected leader", 1, procs[0])
        for i in range(workers):
            procs.append(_start([spark_class, "org.apache.spark.deploy.worker.Worker", url,
                                 "--host", "127.0.0.1", "--port", "0", "--webui-port", "0",
                                 "--cores", "1", "--memory", "1g",
                                 "--work-dir", str(tmp / f"work{i}")],
                                tmp / f"worker{i}.log", env))
        _wait_for(tmp / "master.log", r"Registering worker", workers, procs[0])
        yield url
    finally:
        _stop(procs)


@contextlib.contextmanager
def connect_server(tmp: Path) -> Iterator[str]:
    """The Spark Connect server PySpark ships (its jar is in the wheel), on `local[2]`; yields
    its `sc://` address."""
    env = _environment(tmp)
    port = free_port()
    script = str(spark_home() / "sbin" / "start-connect-server.sh")
    proc = _start([script, "--wait", "--master", "local[2]",
                   "--conf", f"spark.connect.grpc.binding.port={port}",
                   "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
                   "--conf", "spark.ui.enabled=false",
                   "--conf", f"spark.pyspark.python={sys.executable}"],
                  tmp / "connect.log", env)
    try:
        _wait_for(tmp / "connect.log", r"Spark Connect server started", 1, proc)
        yield f"sc://127.0.0.1:{port}"
    finally:
        _stop([proc])

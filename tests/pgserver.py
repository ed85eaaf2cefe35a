"""A throw-away PostgreSQL cluster from the machine's binaries (initdb, pg_ctl on the PATH):
data and socket in a temporary directory, listening on its unix socket only, stopped and
removed at the end. As root it runs as the `postgres` system user (initdb refuses root).

Used by the test fixtures and by `benchmarks/ingest.py`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """Why no throw-away PostgreSQL could be started (the message says exactly why)."""


class ThrowawayPostgres:
    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable  # fsync and synchronous commit as shipped (benchmarks)
        self.root: Path | None = None
        self.socket_dir: Path | None = None
        self.data_dir: Path | None = None
        self._as: list[str] = []
        self._started = False
        self._counter = 0

    def _run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self._as, *argv], capture_output=True, text=True,
                              timeout=timeout, check=False)

    def start(self) -> ThrowawayPostgres:
        for tool in ("initdb", "pg_ctl"):
            if shutil.which(tool) is None:
                raise PostgresUnavailable(f"{tool} is not on the PATH (install PostgreSQL 15 "
                                          "server binaries, e.g. Debian's postgresql-15)")
        owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable("running as root, and initdb refuses root, but there "
                                          "is no `postgres` system user to run it as") from None
            if shutil.which("runuser") is None:
                raise PostgresUnavailable("running as root and `runuser` is not on the PATH")
            self._as = ["runuser", "-u", "postgres", "--"]
        # Tests keep the throw-away cluster in memory when they can (creating and removing many
        # small databases on a disk is slow); a durable one (benchmarks) lives on disk.
        shm = Path("/dev/shm")
        memory = not self.durable and shm.is_dir() and os.access(shm, os.W_OK)
        self.root = Path(tempfile.mkdtemp(prefix="stockout-pg-", dir=shm if memory else None))
        self.root.chmod(0o755)
        self.data_dir, self.socket_dir = self.root / "data", self.root / "socket"
        logs = self.root / "log"
        for d in (self.data_dir, self.socket_dir, logs):
            d.mkdir()
            if owner is not None:
                os.chown(d, owner.pw_uid, owner.pw_gid)
        done = self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
                         "--encoding=UTF8", "--locale=C", "--no-sync")
        if done.returncode != 0:
            self._cleanup()
            raise PostgresUnavailable(f"initdb failed ({done.returncode}): "
                                      f"{(done.stderr or done.stdout).strip()[-600:]}")
        options = f"-c listen_addresses='' -k {self.socket_dir} -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        log = logs / "server.log"
        done = self._run("pg_ctl", "-D", str(self.data_dir), "-o", options, "-l", str(log),
                         "-w", "-t", "60", "start")
        if done.returncode != 0:
            tail = log.read_text(errors="replace")[-600:] if log.exists() else ""
            self._cleanup()
            raise PostgresUnavailable(f"pg_ctl start failed ({done.returncode}): "
                                      f"{(done.stderr or done.stdout).strip()[-300:]} {tail}")
        self._started = True
        return self

    def url(self, database: str = "postgres") -> str:
        assert self.socket_dir is not None
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self, name: str | None = None, template: str | None = None) -> str:
        """A new empty database (a copy of `template` when given); its URL."""
        if name is None:
            self._counter += 1
            name = f"t{os.getpid()}_{self._counter}"
        sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        self._admin(sql)
        return self.url(name)

    def stop(self) -> None:
        if self._started and self.data_dir is not None:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
            self._started = False
        self._cleanup()

    def _cleanup(self) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

"""A class-data sharing archive for the JVM of a local Spark: the classes it loads (Spark's,
its libraries', the JDK's), kept in one file that the next JVM maps instead of reading,
verifying and linking them again from the jars (under load, the start of a local session and
its first query took 11 to 13 s without one, 5 to 10 s with one).

JDK 17 writes such an archive (a dynamic one) when a JVM started with `ArchiveClassesAtExit`
exits normally; so the first local command writes it, once its work is done, and the next ones
map it. The JVM checks that the archive matches its JDK and class path, and ignores one that
does not; the name of the file carries the PySpark version and the `java` it runs, so that an
upgrade writes a new one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# The archive's file; empty: none (no archive is read or written). Default: in the user's cache.
ARCHIVE_VARIABLE = "STOCKOUT_SPARK_ARCHIVE"
# The JVM's notes about classes it cannot archive (generated, signed) would go to the command's
# standard output, which may be the verdicts as JSON Lines.
_QUIET = "-Xlog:cds=off -Xlog:cds+dynamic=off"
EXIT_SECONDS = 300  # how long a JVM that writes the archive may take to exit


@dataclass(frozen=True, slots=True)
class ClassArchive:
    """The JVM options that map the archive, or that write it (to `partial`, a file of this
    process that `keep` renames to `path` once the JVM has exited)."""

    path: Path
    options: str
    partial: Path | None = None

    def keep(self) -> None:
        """Make the archive written by a JVM that has exited the one that the next JVMs map."""
        if self.partial is not None and self.partial.exists():
            self.partial.replace(self.path)

    def discard(self) -> None:
        """Remove what a JVM that was killed may have left of the archive it was writing."""
        if self.partial is not None:
            self.partial.unlink(missing_ok=True)


def class_archive(environ: dict[str, str] | None = None) -> ClassArchive | None:
    """The archive of the local JVMs of this PySpark and `java` (`$STOCKOUT_SPARK_ARCHIVE`, else
    in `$XDG_CACHE_HOME/stockout`), or None where there is to be none."""
    env = os.environ if environ is None else environ
    chosen = env.get(ARCHIVE_VARIABLE)
    if chosen is None:
        cache = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "stockout"
        path = cache / f"spark-{_pyspark_version()}-{_java_digest(env)}.jsa"
    elif not chosen:
        return None
    else:
        path = Path(chosen)
    if any(c.isspace() for c in str(path)):  # Spark splits the JVM options at white space
        return None
    if path.is_file():
        return ClassArchive(path, f"-XX:SharedArchiveFile={path} {_QUIET}")
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
    if not os.access(path.parent, os.W_OK):
        return None
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    return ClassArchive(path, f"-XX:ArchiveClassesAtExit={partial} {_QUIET}", partial)


def exit_jvm(proc: subprocess.Popen[bytes] | None) -> None:
    """Let the JVM of a PySpark gateway exit normally (it exits when its standard input ends),
    so that it writes its archive; waits up to `EXIT_SECONDS`."""
    if proc is None or proc.poll() is not None or proc.stdin is None:
        return
    with contextlib.suppress(OSError):
        proc.stdin.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=EXIT_SECONDS)


def _pyspark_version() -> str:
    import pyspark

    return str(pyspark.__version__)


def _java_digest(env: os._Environ[str] | dict[str, str]) -> str:
    """A short digest of the `java` that Spark's launcher runs ($JAVA_HOME's, else the PATH's):
    its real path and modification time."""
    home = env.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java") or "java"
    with contextlib.suppress(OSError):
        real = os.path.realpath(java)
        java = f"{real}:{os.stat(real).st_mtime_ns}"
    return hashlib.sha256(java.encode()).hexdigest()[:12]

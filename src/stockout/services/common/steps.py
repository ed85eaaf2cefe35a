"""Where a post's time goes: CPU time per step of the online path, for `benchmarks/ingest.py`.

Off unless switched on (`enable`, from `STOCKOUT_STEP_TIMES` in bootstrap): then `step(name)`
adds the thread's CPU time spent inside it, nested steps excluded (a step's own time), to a
per-process table that `dump` writes as JSON. Switched off, `step` is one global read and a
shared no-op context (no generator made, entered and closed at every step of every post).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

_enabled = False
_lock = threading.Lock()
_totals: dict[str, float] = {}
_counts: dict[str, int] = {}
_local = threading.local()


class _Frame:
    __slots__ = ("name", "since")

    def __init__(self, name: str, since: float) -> None:
        self.name, self.since = name, since


def enable() -> None:
    global _enabled
    _enabled = True


_OFF: AbstractContextManager[None] = nullcontext()


def step(name: str) -> AbstractContextManager[None]:
    """Count the CPU time spent inside the block as `name`'s (a nested step's as its own)."""
    return _counted(name) if _enabled else _OFF


@contextmanager
def _counted(name: str) -> Iterator[None]:
    stack: list[_Frame] | None = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    started = time.thread_time()
    if stack:  # the enclosing step pauses
        _add(stack[-1].name, started - stack[-1].since, 0)
    frame = _Frame(name, started)
    stack.append(frame)
    try:
        yield
    finally:
        ended = time.thread_time()
        stack.pop()
        _add(name, ended - frame.since, 1)
        if stack:
            stack[-1].since = ended


def _add(name: str, seconds: float, calls: int) -> None:
    with _lock:
        _totals[name] = _totals.get(name, 0.0) + seconds
        _counts[name] = _counts.get(name, 0) + calls


def snapshot() -> dict[str, dict[str, float]]:
    """step -> {"cpu_seconds", "calls"} so far in this process."""
    with _lock:
        return {k: {"cpu_seconds": v, "calls": _counts.get(k, 0)} for k, v in _totals.items()}


def dump(path: Path) -> None:
    """Write this process's table to `path` (replaced whole, never half-written)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "steps": snapshot()}))
    tmp.replace(path)

"""Where delivered notifications go (a port): a JSON Lines file by default, a list in tests."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Protocol


class Notifier(Protocol):
    def send(self, message: dict[str, Any]) -> None:
        """Deliver one message or raise; a message may come again (at least once)."""
        ...


class JsonlNotifier:
    """Appends each message as one line; a receiver drops repeats by `dedupe_key`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        line = json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)


class MemoryNotifier:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

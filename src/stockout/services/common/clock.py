"""The clock is a port: the system clock in production, a fixed or hand-moved one in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """Always the same instant (`stockout serve --at`, STOCKOUT_NOW: replays and tests)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a clock needs an aware time")
        self.at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self.at


class ManualClock(FixedClock):
    """A clock the test moves."""

    def set(self, at: datetime) -> None:
        self.at = at.astimezone(UTC)

    def advance(self, by: timedelta) -> None:
        self.at += by

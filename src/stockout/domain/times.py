"""Time helpers: every instant is timezone-aware; calendar days are Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = ["SHANGHAI", "UTC", "format_time", "shanghai_day"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai_day(at: datetime) -> date:
    """The calendar day (Asia/Shanghai) an instant falls on."""
    return at.astimezone(SHANGHAI).date()


def format_time(at: datetime) -> str:
    """RFC 3339 in Asia/Shanghai, to the second unless the instant has a fraction."""
    local = at.astimezone(SHANGHAI)
    spec = "microseconds" if local.microsecond else "seconds"
    return local.isoformat(timespec=spec)

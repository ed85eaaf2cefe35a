"""Time helpers: every instant is timezone-aware; calendar days are Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = ["SHANGHAI", "UTC", "NaiveTimeError", "format_time", "require_aware", "shanghai_day"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = UTC


class NaiveTimeError(ValueError):
    """A time without an offset reached the core; callers must reject it at the edge."""


def require_aware(value: datetime, what: str) -> datetime:
    """Return `value` in UTC, or raise if it has no offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveTimeError(f"{what}: time without offset: {value.isoformat()}")
    return value.astimezone(UTC)


def shanghai_day(at: datetime) -> date:
    """The calendar day (Asia/Shanghai) an instant falls on."""
    return at.astimezone(SHANGHAI).date()


def format_time(at: datetime) -> str:
    """RFC 3339 in Asia/Shanghai, to the second unless the instant has a fraction."""
    local = at.astimezone(SHANGHAI)
    spec = "microseconds" if local.microsecond else "seconds"
    return local.isoformat(timespec=spec)

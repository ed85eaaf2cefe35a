"""Time helpers: every instant is timezone-aware; calendar days are Asia/Shanghai."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["SHANGHAI", "UTC", "format_time", "hours", "human_time", "shanghai_day", "short_time"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


_US_PER_HOUR = 3_600_000_000


def hours(count: float) -> timedelta:
    """`count` hours as a duration in whole microseconds, rounded half up: the one rounding rule
    of every engine (the SQL rules compute `round(hours * 3600000000)` on the same double)."""
    micros = count * _US_PER_HOUR
    whole = math.floor(micros)
    return timedelta(microseconds=whole + 1 if micros - whole >= 0.5 else whole)


def shanghai_day(at: datetime) -> date:
    """The calendar day (Asia/Shanghai) an instant falls on."""
    return at.astimezone(SHANGHAI).date()


def format_time(at: datetime) -> str:
    """RFC 3339 in Asia/Shanghai, to the second unless the instant has a fraction."""
    local = at.astimezone(SHANGHAI)
    spec = "microseconds" if local.microsecond else "seconds"
    return local.isoformat(timespec=spec)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def human_time(at: datetime, lang: str = "zh") -> str:
    """An instant as people read it, in Beijing time, to the minute: «2025年6月4日 08:00（北京时间）»
    (`lang` "zh") or "4 Jun 2025 08:00 (Beijing time)" ("en"). For texts only: data fields
    stay RFC 3339 (`format_time`)."""
    local = at.astimezone(SHANGHAI)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if str(lang) == "en":
        return f"{local.day} {_MONTHS[local.month - 1]} {local.year} {clock} (Beijing time)"
    return f"{local.year}年{local.month}月{local.day}日 {clock}（北京时间）"


def short_time(at: datetime) -> str:
    """An instant for a table cell or a title, in Beijing time to the minute: «2025-06-04 08:00»
    (the table's caption says the zone). For texts only, like `human_time`."""
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")

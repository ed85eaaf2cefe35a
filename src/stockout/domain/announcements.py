"""Platform announcements that extend ship-by deadlines (big events, bad weather)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_ID = 128
MIN_EXTEND_HOURS = 1
MAX_EXTEND_HOURS = 720  # 30 days
HORIZON = timedelta(days=365)  # a window starts and ends within a year of its posting


@dataclass(frozen=True, slots=True)
class Announcement:
    """Orders whose deadline falls in [starts, ends) and match every list given get
    `extend_hours` more. A list left out (None) matches every order."""

    id: str
    starts: datetime
    ends: datetime
    extend_hours: float
    ship_from_regions: frozenset[str] | None = None
    ship_to_regions: frozenset[str] | None = None
    categories: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.ends <= self.starts:
            raise ValueError(f"announcement {self.id}: ends must be after starts")
        if self.extend_hours <= 0:
            raise ValueError(f"announcement {self.id}: extend_hours must be greater than 0")

    def covers(self, deadline: datetime, ship_from: str | None, ship_to: str | None,
               category: str | None) -> bool:
        return (
            self.starts <= deadline < self.ends
            and _matches(self.ship_from_regions, ship_from)
            and _matches(self.ship_to_regions, ship_to)
            and _matches(self.categories, category)
        )


def _matches(allowed: frozenset[str] | None, value: str | None) -> bool:
    return allowed is None or (value is not None and value in allowed)


def implausibility(ann: Announcement, now: datetime) -> str | None:
    """Why the platform cannot mean this announcement (a field and its bound), or None: an id
    of at most 128 printable characters without `/`, `extend_hours` from 1 to 720, a window
    that starts and ends within a year of `now`."""
    if not ann.id or len(ann.id) > MAX_ID or not ann.id.isprintable() or "/" in ann.id \
            or ann.id.strip() != ann.id:
        return (f"id: at most {MAX_ID} printable characters, without '/' or surrounding "
                "spaces")
    if not MIN_EXTEND_HOURS <= ann.extend_hours <= MAX_EXTEND_HOURS:
        return (f"extend_hours: from {MIN_EXTEND_HOURS} to {MAX_EXTEND_HOURS}, "
                f"not {ann.extend_hours:g}")
    for name, at in (("starts", ann.starts), ("ends", ann.ends)):
        if not now - HORIZON <= at <= now + HORIZON:
            return f"{name}: within a year of now ({now.isoformat()}), not {at.isoformat()}"
    return None

"""Platform announcements that extend ship-by deadlines (big events, bad weather)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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

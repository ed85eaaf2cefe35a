"""The ship-by deadline: confirmation + the pack's limit, a shorter merchant promise, a presale
date over all, then the platform's announcements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from stockout.domain.announcements import Announcement
from stockout.domain.events import Event
from stockout.domain.rulebook import RulePack
from stockout.domain.times import hours


class DeadlineBasis(StrEnum):
    DEFAULT = "default"
    CATEGORY = "category"
    PROMISE = "promise"
    PRESALE = "presale"


class Deadline(NamedTuple):
    """When the order must be picked up by, and how that was worked out."""

    at: datetime
    base: datetime
    basis: DeadlineBasis
    limit: timedelta | None
    announcement_id: str | None = None
    extended_hours: float = 0

    def evidence(self, placed: Event, confirmed: Event) -> tuple[str, ...]:
        """The events the deadline rests on."""
        if self.basis is DeadlineBasis.PRESALE:
            return (placed.event_id,)
        if self.basis is DeadlineBasis.DEFAULT:
            return (confirmed.event_id,)
        return (placed.event_id, confirmed.event_id)


def ship_deadline(placed: Event, confirmed: Event | None, pack: RulePack,
                  announcements: Sequence[Announcement] = ()) -> Deadline | None:
    """None for an order never confirmed: its clock never started."""
    if confirmed is None:
        return None
    if placed.presale_ship_by is not None:
        base, basis, limit = placed.presale_ship_by, DeadlineBasis.PRESALE, None
    else:
        limit = pack.deadline.limit(placed.category)
        in_category = placed.category in pack.deadline.category
        basis = DeadlineBasis.CATEGORY if in_category else DeadlineBasis.DEFAULT
        if placed.promise_hours is not None:
            promise = hours(placed.promise_hours)
            if promise < limit:
                limit, basis = promise, DeadlineBasis.PROMISE
        base = confirmed.at + limit
    if not announcements:
        return Deadline(base, base, basis, limit)
    best: Announcement | None = None
    for ann in announcements:
        if ann.covers(base, placed.ship_from_region, placed.ship_to_region, placed.category) and (
            best is None or ann.extend_hours > best.extend_hours
        ):
            best = ann
    if best is None:
        return Deadline(base, base, basis, limit)
    return Deadline(base + hours(best.extend_hours), base, basis, limit, best.id,
                    best.extend_hours)

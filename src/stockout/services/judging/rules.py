"""The rules the online judge works with: the rule book orders are judged with, and when a
merchant is warned of a deadline. Built once by bootstrap and passed to every use case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from stockout.domain.provenance import DEFAULT_TOLERANCE
from stockout.domain.rulebook import RuleBook, RulePack
from stockout.domain.timeline import Timeline
from stockout.rulepacks import builtin_packs


@dataclass(frozen=True)
class Rules:
    """The rule book orders are judged with, when a merchant is warned of a deadline, and how
    far from its arrival a merchant or buyer may date an event (`backdate_tolerance`)."""

    book: RuleBook
    warn_before: timedelta = timedelta(hours=12)
    backdate_tolerance: timedelta = DEFAULT_TOLERANCE

    def pack_for(self, timeline: Timeline, now: datetime) -> RulePack:
        """Per order, the version in force when its clock started, as seen at `now`
        (services.judging.files)."""
        return self.book.pack_at(timeline.clock_start(now))

    @cached_property
    def reuse_window(self) -> timedelta:
        return max(p.fake_shipment.tracking_reuse_window for p in self.book.packs)


def pack_by_id(rules: Rules, pack_id: str | None) -> RulePack:
    """The pack a stored verdict or order names (one of the book's or a built-in one), else
    the book's latest."""
    for pack in (*rules.book.packs, *builtin_packs()):
        if pack.id == pack_id:
            return pack
    return rules.book.packs[-1]

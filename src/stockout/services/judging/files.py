"""Use case: judge a file of events (the `stockout judge` contract) with a rule book."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from stockout.adapters.event_file import EventLog, read_announcements, read_event_file
from stockout.domain.announcements import Announcement
from stockout.domain.judge import Judgement, judge_timelines
from stockout.domain.rulebook import RuleBook, RulePack
from stockout.domain.timeline import Timeline
from stockout.domain.verdicts import Verdict
from stockout.rulepacks import resolve_rules


@dataclass(frozen=True, slots=True)
class JudgeRun:
    log: EventLog
    book: RuleBook
    now: datetime
    judgements: tuple[Judgement, ...]

    @property
    def verdicts(self) -> list[Verdict]:
        """Every verdict, in the contract's order: order id, detection time, violation."""
        out = [v for j in self.judgements for v in j.verdicts]
        out.sort(key=lambda v: v.sort_key)
        return out

    def pack(self, pack_id: str) -> RulePack:
        return next(p for p in self.book.packs if p.id == pack_id)


def pack_chooser(book: RuleBook, now: datetime) -> Callable[[Timeline], RulePack]:
    """Per order, the version of the family in force when its clock started (as seen at `now`)."""
    return lambda timeline: book.pack_at(timeline.clock_start(now))


def judge_log(log: EventLog, book: RuleBook, now: datetime,
              announcements: Sequence[Announcement] = ()) -> JudgeRun:
    judgements = tuple(judge_timelines(log.timelines(), pack_chooser(book, now), now, announcements))
    return JudgeRun(log, book, now, judgements)


def judge_file(events: Path, rules: str, now: datetime, announcements: Path | None = None,
               progress: Callable[[int], None] | None = None) -> JudgeRun:
    """Read, validate and judge a JSON Lines file; bad lines are kept in `run.log.rejections`."""
    book = resolve_rules(rules)
    notices = read_announcements(announcements) if announcements is not None else []
    log = read_event_file(events, progress)
    return judge_log(log, book, now, notices)

"""Use case: the platform posts an announcement; the unclosed orders whose deadline it covers
are marked due at once and re-judged (a crash half-way leaves the rest to the worker). An
announcement must be plausible (a window within a year of now, 1 to 720 hours, a clean id);
withdrawn, it extends nothing any more and exactly the orders it had extended are re-judged."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from stockout.adapters.event_schema import AnnouncementModel, describe
from stockout.domain.announcements import Announcement, implausibility
from stockout.domain.errors import StockoutError
from stockout.services.access.principals import Forbidden, NotFound, Principal
from stockout.services.appeals.workflow import approve_proved_by
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.judging.adjudicate import rejudge
from stockout.services.judging.ledger import audit_row
from stockout.services.judging.rules import Rules
from stockout.store.locks import lock_key
from stockout.store.mapping import announcement_digest, announcement_row
from stockout.store.uow import UnitOfWork

CHUNK = 500


class InvalidAnnouncement(StockoutError, ValueError):
    family = "invalid-announcement"

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason, field=field)
        self.reason = reason


class AnnouncementConflict(StockoutError, ValueError):
    """The id is taken by an announcement with other figures."""

    family = "announcement-conflict"


@dataclass(slots=True)
class Posted:
    announcement: Announcement
    created: bool
    orders: int = 0
    issued: int = 0
    voided: int = 0


def parse_announcement(obj: object) -> Announcement:
    try:
        return AnnouncementModel.model_validate(obj).to_domain()
    except ValidationError as exc:
        raise InvalidAnnouncement(describe(exc)) from None
    except (ValueError, OverflowError) as exc:
        raise InvalidAnnouncement(str(exc)) from None


def post_announcement(uow: UnitOfWork, rules: Rules, clock: Clock, obj: object,
                      principal: Principal) -> Posted:
    if not principal.is_platform:
        raise Forbidden("only the platform posts announcements")
    ann = parse_announcement(obj)
    why = implausibility(ann, clock.now())
    if why is not None:
        raise InvalidAnnouncement(why)
    digest = announcement_digest(ann)

    def record(uow: UnitOfWork) -> tuple[bool, list[str]]:
        now = clock.now()
        uow.lock([lock_key("announcements")])  # posted one at a time
        held = uow.announcements.get(ann.id)
        if held is not None:
            if held["withdrawn_at"] is not None:
                raise AnnouncementConflict(f"announcement {ann.id!r} was withdrawn; post it "
                                           "again under another id")
            if held["digest"] != digest:
                raise AnnouncementConflict(f"announcement {ann.id!r} exists with other figures")
            return False, []
        row = announcement_row(ann)
        row.update(digest=digest, raw=json.dumps(obj, ensure_ascii=False), created_at=now,
                   created_by=principal.actor)
        uow.announcements.insert(row)
        touched = uow.orders.with_base_deadline_in(ann.starts, ann.ends)
        uow.orders.mark_due(touched, now)
        approve_proved_by(uow, rules, now, ann)  # pending force-majeure appeals it proves
        uow.audit.append([audit_row(now, principal.actor, "announcement.posted",
                                    f"announcement:{ann.id}",
                                    {"extend_hours": ann.extend_hours, "orders": len(touched)})])
        return True, touched

    created, touched = in_transaction(uow, record)
    posted = Posted(ann, created, len(touched))
    posted.issued, posted.voided = _rejudge(uow, rules, clock, touched, principal.actor,
                                            f"announcement:{ann.id}")
    return posted


@dataclass(slots=True)
class Withdrawn:
    announcement_id: str
    withdrawn: bool  # False: it had been withdrawn already (nothing done)
    orders: int = 0
    issued: int = 0
    voided: int = 0


def withdraw_announcement(uow: UnitOfWork, rules: Rules, clock: Clock, announcement_id: str,
                          principal: Principal) -> Withdrawn:
    """The platform takes an announcement back: it extends nothing from now on, and the orders
    whose deadline it extended are re-judged (only those). Withdrawing twice does nothing."""
    if not principal.is_platform:
        raise Forbidden("only the platform withdraws announcements")

    def record(uow: UnitOfWork) -> tuple[bool, list[str]]:
        now = clock.now()
        uow.lock([lock_key("announcements")])
        held = uow.announcements.get(announcement_id)
        if held is None:
            raise NotFound(f"announcement {announcement_id!r} not found")
        if held["withdrawn_at"] is not None:
            return False, []
        uow.announcements.withdraw(announcement_id, now, principal.actor)
        touched = uow.orders.extended_by(announcement_id)
        uow.orders.mark_due(touched, now)
        uow.audit.append([audit_row(now, principal.actor, "announcement.withdrawn",
                                    f"announcement:{announcement_id}", {"orders": len(touched)})])
        return True, touched

    done, touched = in_transaction(uow, record)
    out = Withdrawn(announcement_id, done, len(touched))
    out.issued, out.voided = _rejudge(uow, rules, clock, touched, principal.actor,
                                      f"announcement_withdrawn:{announcement_id}")
    return out


def _rejudge(uow: UnitOfWork, rules: Rules, clock: Clock, order_ids: list[str], actor: str,
             cause: str) -> tuple[int, int]:
    """Re-judge in chunks, one transaction each; (verdicts issued, voided)."""
    issued = voided = 0
    for start in range(0, len(order_ids), CHUNK):
        part = order_ids[start:start + CHUNK]

        def judge(uow: UnitOfWork, part: list[str] = part) -> Any:
            return rejudge(uow, rules, part, clock.now(), actor, cause)

        outcome = in_transaction(uow, judge)
        issued += outcome.issued
        voided += outcome.voided
    return issued, voided

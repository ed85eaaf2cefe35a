"""The business refusals a console form can meet, and the words for each in the viewer's
language: translated by the refusal's reason (the domain's StrEnum where it has one), with the
date or the rule where it helps; a form's fields named by their labels, never their internal
names. `refusal_text` is the one place the console turns a refusal into words."""

from __future__ import annotations

import re

from stockout.domain.aftersales import AftersaleRefused
from stockout.domain.inventory import InsufficientStock, LedgerError
from stockout.domain.language import Lang
from stockout.domain.remedies import RemedyRefused
from stockout.domain.rulebook import PackError
from stockout.domain.times import human_time
from stockout.services.appeals.workflow import (
    AppealAlreadyDecided,
    AppealRefused,
    BadAppeal,
    BadEvidence,
)
from stockout.services.console.platform import NoValidEvents
from stockout.services.contact.feedback import FeedbackAnswered
from stockout.services.contact.messages import BadText
from stockout.services.contact.tickets import TicketRefused
from stockout.services.coupons.redemption import CouponNotRedeemable
from stockout.services.judging.announcements import AnnouncementConflict, InvalidAnnouncement
from stockout.services.judging.ingest import EventsRefused
from stockout.services.stock.capacity import CapacityNotSet
from stockout.services.stock.self_report import ReportRefused
from stockout.web.texts import has, say

# A form field's label (a key of texts.py), by the field's name in the form or the service.
FIELD_LABELS = {
    "id": "ann_id", "starts": "ann_starts", "ends": "ann_ends", "extend_hours": "ann_hours",
    "ship_from_regions": "ann_from", "ship_to_regions": "ann_to", "categories": "ann_categories",
    "quantity": "quantity", "daily_capacity": "daily_capacity", "day": "day",
    "carrier": "carrier", "tracking_no": "tracking_no", "reason": "reason", "until": "field_until",
    "text": "field_text", "verdict_id": "verdict", "ground": "ground", "statement": "statement",
    "evidence": "evidence_files", "remedy": "choose_legend", "decision": "decide",
    "kind": "claim_kind", "token": "token", "rules_a": "pack_a", "rules_b": "pack_b",
    "file": "whatif_file", "listed": "listing",
}
# What pydantic says of a field, in words people read (the first match wins).
_PROBLEMS = (
    (re.compile(r"greater than (\S+)"), "problem_gt"),
    (re.compile(r"less than or equal to (\S+)"), "problem_le"),
    (re.compile(r"at least 1 character|field required|missing|must not be empty"), "problem_empty"),
    (re.compile(r"datetime|date and time|time without offset"), "problem_time"),
    (re.compile(r"ends must be after starts"), "problem_ends_after_starts"),
    (re.compile(r"at most (\d+) characters"), "problem_too_long"),
)


def field_label(name: str, lang: Lang) -> str:
    key = FIELD_LABELS.get(name.strip())
    return say(key, lang) if key else name.strip()


def _problem(text: str, lang: Lang) -> str:
    for pattern, key in _PROBLEMS:
        found = pattern.search(text)
        if found:
            return say(key, lang, n=found.group(1) if found.groups() else "")
    return say("problem_invalid", lang)


def _fields(described: str, lang: Lang) -> str:
    """`field: problem; field: problem` (pydantic's, `describe`) as labels and problems."""
    parts = []
    for item in described.split(";"):
        name, _, problem = item.strip().partition(":")
        if name.startswith("announcement "):  # a whole-announcement check (ends after starts)
            parts.append(_problem(problem, lang))
        elif name:
            parts.append(say("field_problem", lang, field=field_label(name, lang),
                             problem=_problem(problem, lang)))
    return say("list_sep", lang).join(parts)


def _keyed(prefix: str, value: str, lang: Lang, fallback: str, **kw: object) -> str:
    key = f"{prefix}{value}"
    return say(key, lang, **kw) if has(key) else fallback


def refusal_text(exc: Exception, lang: Lang, field_error: bool = False) -> str:
    """The banner a refused form shows: `未执行：…` / `Not done: …`."""
    if field_error:
        names = [n for n in str(exc).split(",") if n.strip()]
        return say("refused_fields", lang, fields=say("list_sep", lang).join(
            field_label(n, lang) for n in names))
    if isinstance(exc, ReportRefused):
        return say("refused_rule", lang, why=_keyed("refusal_", exc.refusal.value, lang,
                                                      exc.detail), rule=exc.rule)
    if isinstance(exc, RemedyRefused):
        return say("refused", lang, why=_keyed("remedy_refusal_", exc.reason.value, lang,
                                                 str(exc)))
    if isinstance(exc, AppealRefused):
        why = _keyed("appeal_refusal_", exc.refusal.value, lang, str(exc),
                     id=exc.verdict_id or "-",
                     at=human_time(exc.closed_at, lang) if exc.closed_at else "-")
        return say("refused_rule", lang, why=why, rule=exc.rule) if exc.rule else \
            say("refused", lang, why=why)
    if isinstance(exc, BadEvidence):
        return say("refused", lang, why=_keyed("evidence_refusal_", exc.refusal.value, lang,
                                                 str(exc), name=exc.name or exc.index + 1))
    if isinstance(exc, BadAppeal):
        name, _, rest = str(exc).partition(":")
        key = {"reason": "appeal_needs_reason", "ground": "appeal_bad_ground",
               "state": "appeal_bad_state"}.get(name)
        if name == "evidence":
            key = "appeal_needs_evidence" if "at least" in rest else "appeal_too_many_files"
        return say("refused", lang, why=say(key, lang) if key else str(exc))
    if isinstance(exc, AppealAlreadyDecided):
        return say("refused", lang, why=say("appeal_already_decided", lang))
    if isinstance(exc, InvalidAnnouncement):
        return say("refused", lang, why=_fields(exc.reason, lang))
    if isinstance(exc, AnnouncementConflict):
        found = re.search(r"'([^']*)'", str(exc))
        return say("refused", lang, why=say("announcement_conflict", lang,
                                            id=found.group(1) if found else ""))
    if isinstance(exc, AftersaleRefused):
        why = _keyed("aftersale_refusal_", exc.reason.value, lang, exc.detail)
        return say("refused_rule", lang, why=why, rule=exc.rule) if exc.rule else \
            say("refused", lang, why=why)
    if isinstance(exc, BadText):
        return say("refused", lang, why=say("field_problem", lang,
                                            field=field_label(exc.field or "text", lang),
                                            problem=_problem(str(exc), lang)))
    if isinstance(exc, TicketRefused):
        return say("refused", lang, why=say("ticket_refused", lang,
                                            state=say(f"ticket_{exc.state}", lang)))
    if isinstance(exc, FeedbackAnswered):
        return say("refused", lang, why=say("feedback_answered", lang))
    if isinstance(exc, NoValidEvents):
        lines = say("list_sep", lang).join(say("whatif_rejected_line", lang, line=r.line,
                                               reason=r.reason) for r in exc.first[:3])
        return say("refused", lang, why=say("whatif_no_events", lang, n=exc.rejected,
                                            lines=lines))
    if isinstance(exc, InsufficientStock):
        return say("refused", lang, why=say("stock_insufficient", lang))
    for kind, key in ((CouponNotRedeemable, "coupon_not_redeemable"),
                      (CapacityNotSet, "capacity_not_set"), (LedgerError, "ledger_refused"),
                      (EventsRefused, "events_refused"), (PackError, "pack_refused")):
        if isinstance(exc, kind):
            return say("refused", lang, why=say(key, lang))
    name, colon, rest = str(exc).partition(":")
    if colon and name.strip() in FIELD_LABELS:  # `field: problem` (a service's ValueError)
        return say("refused", lang, why=say("field_problem", lang,
                                            field=field_label(name, lang),
                                            problem=_problem(rest, lang)))
    return say("refused", lang, why=str(exc))

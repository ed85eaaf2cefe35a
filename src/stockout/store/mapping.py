"""Explicit row <-> domain mapping: events as normalised JSON, verdicts and announcements as
columns. No ORM: what is stored is exactly what these functions write."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from stockout.domain.announcements import Announcement
from stockout.domain.appeals import AppealGround, AppealState
from stockout.domain.events import ClaimKind, Event, EventType, Party, Remedy, ScanStatus
from stockout.domain.remedies import RemedyState
from stockout.domain.verdicts import Trigger, Verdict, Violation

_TIME_FIELDS = ("at", "presale_ship_by", "until")
_ENUMS: dict[str, dict[str, Any]] = {
    "type": {m.value: m for m in EventType},
    "by": {m.value: m for m in Party},
    "initiator": {m.value: m for m in Party},
    "sender": {m.value: m for m in Party},
    "status": {m.value: m for m in ScanStatus},
    "kind": {m.value: m for m in ClaimKind},
    "remedy": {m.value: m for m in Remedy},
}
_VIOLATIONS = {m.value: m for m in Violation}
_TRIGGERS = {m.value: m for m in Trigger}


# One encoder of each spelling, made once: `json.dumps` with options builds a new encoder at
# every call, a good part of the cost of the small documents written for each event and
# verdict. No circular check: what the store writes is built fresh, never self-referencing.
_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                           check_circular=False).encode
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                            check_circular=False).encode


def dumps(value: object) -> str:
    """Compact JSON, keys sorted, non-ASCII kept: the one JSON spelling the store writes."""
    return _SORTED(value)


def compact(value: object) -> str:
    """Compact JSON, non-ASCII kept, keys in their order: an event's raw body as stored."""
    return _COMPACT(value)


def event_fields(event: Event) -> dict[str, Any]:
    """The domain event as a JSON-ready mapping: fields that are set, times in UTC."""
    out: dict[str, Any] = {}
    for name, value in zip(Event._fields, event, strict=True):
        if value is None:
            continue
        if isinstance(value, datetime):
            out[name] = value.isoformat()
        elif isinstance(value, str):
            out[name] = str(value)  # StrEnum members as their plain value
        else:
            out[name] = value
    return out


def event_digest(fields: Mapping[str, Any]) -> str:
    """Two posts of one event id are the same event when their normalised fields agree."""
    return hashlib.sha256(dumps(fields).encode("utf-8")).hexdigest()


def normalised(event: Event) -> tuple[str, str]:
    """(fields as stored, digest): computed once per posted event."""
    text = dumps(event_fields(event))
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_row(event: Event, raw: str, received_at: datetime, received_by: str | None,
              fields: str | None = None, digest: str | None = None, source: str = "platform"
              ) -> dict[str, Any]:
    if fields is None or digest is None:
        fields, digest = normalised(event)
    return {
        "event_id": event.event_id, "order_id": event.order_id, "type": event.type.value,
        "at": event.at, "carrier": event.carrier, "tracking_no": event.tracking_no,
        "digest": digest, "fields": fields, "raw": raw,
        "received_at": received_at, "received_by": received_by, "source": source,
    }


_READ: dict[str, Event] = {}  # stored fields text -> its event (the oldest go first)
_READ_MOST = 1 << 17
_READ_LOCK = threading.Lock()


def event_from_fields(text: str) -> Event:
    """The event its stored fields describe. Memoised: a pure function of the text (an event,
    a NamedTuple, never changes), and re-judging reads an order's events again at each post."""
    event = _READ.get(text)
    if event is None:
        event = _event_of(text)
        _remember(text, event)
    return event


def read_back_as(text: str, event: Event) -> None:
    """`text`, the `normalised` fields of a posted event (as `parse_event_object` makes it:
    times in UTC, every enumerated field a member), reads back as that very event, field for
    field and of the same types: re-judging just after its insert need not parse its row."""
    _remember(text, event)


def _remember(text: str, event: Event) -> None:
    with _READ_LOCK:
        while len(_READ) >= _READ_MOST:
            del _READ[next(iter(_READ))]
        _READ[text] = event


def _event_of(text: str) -> Event:
    data: dict[str, Any] = json.loads(text)
    for name in _TIME_FIELDS:
        value = data.get(name)
        if value is not None:
            data[name] = datetime.fromisoformat(value)
    for name, members in _ENUMS.items():
        value = data.get(name)
        if value is not None:
            data[name] = members[value]
    return Event(**data)


def verdict_columns(v: Verdict) -> dict[str, Any]:
    """The columns a verdict's own fields map to (the record of `stockout judge --json`)."""
    return {
        "order_id": v.order_id, "violation": v.violation.value, "trigger": v.trigger.value,
        "detected_at": v.detected_at, "deadline": v.deadline,
        "compensation_cents": v.compensation_cents, "rule": v.rule,
        "evidence": dumps(list(v.evidence)), "shop_id": v.shop_id, "paid_cents": v.paid_cents,
        "detail": v.detail, "legal_claim_cents": v.legal_claim_cents,
    }


def verdict_from_row(row: Mapping[str, Any]) -> Verdict:
    return Verdict(
        order_id=row["order_id"], violation=_VIOLATIONS[row["violation"]],
        trigger=_TRIGGERS[row["trigger"]], detected_at=row["detected_at"],
        deadline=row["deadline"], compensation_cents=int(row["compensation_cents"]),
        rule=row["rule"], evidence=tuple(json.loads(row["evidence"])), shop_id=row["shop_id"],
        paid_cents=int(row["paid_cents"]), detail=row["detail"],
        legal_claim_cents=(int(row["legal_claim_cents"])
                           if row["legal_claim_cents"] is not None else None),
    )


def _opt_list(values: frozenset[str] | None) -> str | None:
    return dumps(sorted(values)) if values is not None else None


def _opt_set(text: str | None) -> frozenset[str] | None:
    return frozenset(json.loads(text)) if text is not None else None


def announcement_row(a: Announcement) -> dict[str, Any]:
    return {
        "id": a.id, "starts": a.starts, "ends": a.ends, "extend_hours": a.extend_hours,
        "ship_from_regions": _opt_list(a.ship_from_regions),
        "ship_to_regions": _opt_list(a.ship_to_regions), "categories": _opt_list(a.categories),
    }


def announcement_digest(a: Announcement) -> str:
    row = announcement_row(a)
    row["starts"], row["ends"] = a.starts.isoformat(), a.ends.isoformat()
    return hashlib.sha256(dumps(row).encode("utf-8")).hexdigest()


def announcement_from_row(row: Mapping[str, Any]) -> Announcement:
    return Announcement(row["id"], row["starts"], row["ends"], float(row["extend_hours"]),
                        _opt_set(row["ship_from_regions"]), _opt_set(row["ship_to_regions"]),
                        _opt_set(row["categories"]))


@dataclass(frozen=True, slots=True)
class RemedyRecord:
    """A buyer's remedy as stored (one row per order of `tables.remedies`)."""

    order_id: str
    shop_id: str
    buyer_id: str | None
    sku_id: str | None
    quantity: int
    paid_cents: int
    pack_id: str
    opened_at: datetime
    choose_by: datetime
    default_remedy: Remedy
    state: RemedyState
    remedy: Remedy | None
    chosen_at: datetime | None
    chosen_by: str | None  # buyer | default
    proposed_until: datetime | None
    proposed_at: datetime | None
    until: datetime | None  # the promised ship-by of a wait, presale or substitute
    substitute_sku_id: str | None
    refund_cents: int
    due_at: datetime | None
    resolved_at: datetime | None


_REMEDY_FIELDS = tuple(f.name for f in fields(RemedyRecord))


def remedy_from_row(row: Mapping[str, Any]) -> RemedyRecord:
    values = {name: row[name] for name in _REMEDY_FIELDS}
    values["default_remedy"] = Remedy(row["default_remedy"])
    values["state"] = RemedyState(row["state"])
    values["remedy"] = Remedy(row["remedy"]) if row["remedy"] else None
    return RemedyRecord(**values)


@dataclass(frozen=True, slots=True)
class AppealRecord:
    """An appeal as stored (one row of `tables.appeals`)."""

    id: int
    verdict_id: int
    order_id: str
    violation: Violation
    shop_id: str
    ground: AppealGround
    statement: str
    state: AppealState
    filed_at: datetime
    filed_by: str
    review_due_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
    announcement_id: str | None  # the announcement that approved it automatically


_APPEAL_FIELDS = tuple(f.name for f in fields(AppealRecord))


def appeal_from_row(row: Mapping[str, Any]) -> AppealRecord:
    values = {name: row[name] for name in _APPEAL_FIELDS}
    values["violation"] = _VIOLATIONS[row["violation"]]
    values["ground"] = AppealGround(row["ground"])
    values["state"] = AppealState(row["state"])
    return AppealRecord(**values)

"""The event-file contract (DESIGN.md) as Pydantic models: validation with clear reasons at the
edge, then plain domain events inside. The HTTP API reuses these models."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    TypeAdapter,
    ValidationError,
)

from stockout.adapters.fields import Cents, Hours, Id, Instant, Units
from stockout.adapters.fields import Text as Words
from stockout.domain.announcements import Announcement
from stockout.domain.errors import StockoutError
from stockout.domain.events import ClaimKind, Event, EventType, Party, Remedy, ScanStatus
from stockout.domain.times import UTC

Text = Id  # ids, carriers, tracking numbers: printable, without `/`, at most 128 characters


class _Base(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=False)
    event_id: Text
    order_id: Text
    at: Instant


class OrderPlaced(_Base):
    type: Literal["order_placed"]
    shop_id: Text
    buyer_id: Text
    sku_id: Text
    quantity: Units
    paid_cents: Cents
    category: Words | None = None
    promise_hours: Hours | None = None
    presale_ship_by: Instant | None = None
    campaign: StrictBool | None = None
    ship_from_region: Words | None = None
    ship_to_region: Words | None = None


class OrderConfirmed(_Base):
    type: Literal["order_confirmed"]


class GroupFailed(_Base):
    type: Literal["group_failed"]


class OrderCancelled(_Base):
    type: Literal["order_cancelled"]
    by: Party
    reason: Words


class ShipmentUploaded(_Base):
    type: Literal["shipment_uploaded"]
    carrier: Text
    tracking_no: Text


class CarrierScan(_Base):
    type: Literal["carrier_scan"]
    carrier: Text
    tracking_no: Text
    status: ScanStatus
    region: Words | None = None


class StockoutReported(_Base):
    type: Literal["stockout_reported"]
    reason: Words


class ChatMessage(_Base):
    type: Literal["chat_message"]
    sender: Literal["merchant", "buyer"]
    text: Words


class RefundRequested(_Base):
    type: Literal["refund_requested"]
    initiator: Literal["buyer", "merchant"]
    reason: Words


class RefundCompleted(_Base):
    type: Literal["refund_completed"]
    amount_cents: Cents


class AfterSaleClaim(_Base):
    type: Literal["after_sale_claim"]
    claim_id: Text
    kind: ClaimKind


class ClaimDecided(_Base):
    type: Literal["claim_decided"]
    claim_id: Text
    upheld: StrictBool


class RemedyChosen(_Base):
    type: Literal["remedy_chosen"]
    remedy: Remedy
    until: Instant | None = None
    substitute_sku_id: Text | None = None


class RefundDecided(_Base):
    """The merchant's answer to a buyer's refund request, or the platform's decision on it."""

    type: Literal["refund_decided"]
    by: Literal["merchant", "platform"]
    upheld: StrictBool
    reason: Words = ""


class ReturnRequested(_Base):
    type: Literal["return_requested"]
    reason: Words = ""


class ReturnDecided(_Base):
    type: Literal["return_decided"]
    by: Literal["merchant", "platform"]
    upheld: StrictBool
    reason: Words = ""


class ReturnShipped(_Base):
    type: Literal["return_shipped"]
    carrier: Text
    tracking_no: Text


class ReturnReceived(_Base):
    type: Literal["return_received"]
    by: Literal["merchant", "platform"] = "merchant"


class AftersaleEscalated(_Base):
    """The buyer asks the platform to step in (平台介入) on a refused refund or return."""

    type: Literal["aftersale_escalated"]
    reason: Words = ""


EventModel = Annotated[
    OrderPlaced | OrderConfirmed | GroupFailed | OrderCancelled | ShipmentUploaded | CarrierScan
    | StockoutReported | ChatMessage | RefundRequested | RefundCompleted | AfterSaleClaim
    | ClaimDecided | RemedyChosen | RefundDecided | ReturnRequested | ReturnDecided
    | ReturnShipped | ReturnReceived | AftersaleEscalated,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[EventModel] = TypeAdapter(EventModel)

_TIME_FIELDS = ("presale_ship_by", "until")
_PARTY_FIELDS = ("sender", "initiator", "by")


_TYPES = {t.value: t for t in EventType}
_PARTIES = {p.value: p for p in Party}


def to_domain(model: _Base) -> Event:
    """The domain event for a validated model; every time in UTC."""
    fields = dict(model.__dict__)
    fields["type"] = _TYPES[fields["type"]]
    fields["at"] = model.at.astimezone(UTC)
    for name in _TIME_FIELDS:
        value = fields.get(name)
        if value is not None:
            fields[name] = value.astimezone(UTC)
    for name in _PARTY_FIELDS:
        value = fields.get(name)
        if value is not None:
            fields[name] = _PARTIES[value]
    return Event(**fields)


class InvalidEvent(StockoutError, ValueError):
    """A line or object that is not a valid event; `reason` says what and where."""

    family = "invalid-event"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def describe(error: ValidationError) -> str:
    """Pydantic's errors as one line: `field: problem; field: problem`."""
    parts = []
    for err in error.errors(include_url=False):
        loc = [str(x) for x in err["loc"]]
        if len(loc) > 1 and err["type"] != "union_tag_invalid":
            loc = loc[1:]  # drop the union tag (the event type) from the location
        where = ".".join(loc) or "event"
        if err["type"] == "union_tag_invalid":
            tag = err.get("ctx", {}).get("tag", "")
            parts.append(f"type: unknown event type {tag!r}")
            continue
        if err["type"] == "union_tag_not_found":
            parts.append("type: missing")
            continue
        if err["type"] == "timezone_aware":
            parts.append(f"{where}: time without offset")
            continue
        msg = err["msg"]
        parts.append(f"{where}: {msg[:1].lower()}{msg[1:]}")
    return "; ".join(parts)


_HIGH_SURROGATE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}")


def _json_error(error: str, line: str | bytes) -> str:
    """The JSON parser's complaint; a lone surrogate escape (`\\ud800` without its pair), which
    it words as a broken hex escape, is said for what it is."""
    raw = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
    if "surrogate" in error or ("end of hex escape" in error and _HIGH_SURROGATE.search(raw)):
        where = error[error.find(" at line"):] if " at line" in error else ""
        return f"not valid Unicode: a lone surrogate escape (\\ud800-\\udfff){where}"
    return f"not JSON: {error}"


def parse_event_json(line: str | bytes) -> Event:
    try:
        return to_domain(EVENT_ADAPTER.validate_json(line))
    except ValidationError as exc:
        if exc.errors()[0]["type"] == "json_invalid":
            raise InvalidEvent(_json_error(exc.errors()[0]["ctx"]["error"], line)) from None
        if exc.errors()[0]["type"] == "model_attributes_type":
            raise InvalidEvent("not a JSON object") from None
        raise InvalidEvent(describe(exc)) from None


def parse_event_object(obj: object) -> Event:
    try:
        return to_domain(EVENT_ADAPTER.validate_python(obj))
    except ValidationError as exc:
        raise InvalidEvent(describe(exc)) from None


class AnnouncementModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Text
    starts: Instant
    ends: Instant
    extend_hours: Hours
    ship_from_regions: list[Words] | None = None
    ship_to_regions: list[Words] | None = None
    categories: list[Words] | None = None

    def to_domain(self) -> Announcement:
        def opt(values: list[str] | None) -> frozenset[str] | None:
            return frozenset(values) if values is not None else None

        return Announcement(self.id, self.starts.astimezone(UTC), self.ends.astimezone(UTC),
                            self.extend_hours, opt(self.ship_from_regions),
                            opt(self.ship_to_regions), opt(self.categories))


ANNOUNCEMENTS_ADAPTER: TypeAdapter[list[AnnouncementModel]] = TypeAdapter(list[AnnouncementModel])

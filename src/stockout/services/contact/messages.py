"""A message between the order's buyer and its merchant: a `chat_message` event of the order
(so the judge reads the merchant's words, 没货 included), and a notice to the other side."""

from __future__ import annotations

from typing import Any

from stockout.domain.errors import StockoutError
from stockout.domain.events import EventType
from stockout.domain.provenance import Via
from stockout.domain.times import format_time
from stockout.services.access.principals import Forbidden, NotFound, Principal, Role
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.contact.notices import notice
from stockout.services.judging.adjudicate import lock_orders
from stockout.services.judging.ingest import append_events
from stockout.services.judging.rules import Rules
from stockout.store.uow import UnitOfWork

MAX_TEXT = 2000


class BadText(StockoutError, ValueError):
    """A message, ticket or feedback without words, or too long; `field` names it."""

    family = "invalid-text"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", field=field)


def clean_text(text: str, field: str = "text") -> str:
    text = text.strip()
    if not text:
        raise BadText(field, "must not be empty")
    if len(text) > MAX_TEXT:
        raise BadText(field, f"at most {MAX_TEXT} characters, got {len(text)}")
    return text


def send_message(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
                 text: str) -> dict[str, Any]:
    """The buyer writes to the merchant, or the merchant to the buyer; the platform answers
    through customer-service tickets instead."""
    if who.role is Role.PLATFORM:
        raise Forbidden("the platform answers through tickets, not the order's chat")
    text = clean_text(text)

    def work(u: UnitOfWork) -> dict[str, Any]:
        now = clock.now()
        lock_orders(u, [order_id])
        row = u.orders.get(order_id)
        if row is None or not who.sees_order(row["shop_id"], row["buyer_id"]):
            raise NotFound(f"order {order_id!r} not found")
        sender = who.role.value
        n = sum(1 for e in u.events.of_order(order_id) if e["type"] == "chat_message") + 1
        eid = f"{order_id}.chat.{n}"
        append_events(u, rules, now, who, [{
            "event_id": eid, "order_id": order_id, "type": EventType.CHAT_MESSAGE.value,
            "at": format_time(now), "sender": sender, "text": text}], via=Via.MESSAGES)
        to_role, to_id = (("merchant", row["shop_id"]) if who.role is Role.BUYER
                          else ("buyer", row["buyer_id"]))
        u.outbox.enqueue(notice(f"chat:{eid}", f"message_{sender}", to_role, to_id, order_id,
                                {"event_id": eid, "text": text}, now, text=text))
        return {"event_id": eid, "order_id": order_id, "sender": sender, "text": text,
                "at": format_time(now)}

    return in_transaction(uow, work)

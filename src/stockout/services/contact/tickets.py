"""Complaints to the platform's customer service (客服工单): the order, the buyer's words and an
answer due by the pack's `[contact] ticket_response_hours`. States open -> answered -> closed;
the buyer may reopen an answered or closed ticket (a new due time). The platform's queue lists
open tickets, the soonest due first, each flagged `overdue`."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from stockout.domain.errors import StockoutError
from stockout.domain.times import format_time, human_time
from stockout.services.access.principals import Forbidden, NotFound, Principal, Role
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.contact.messages import clean_text
from stockout.services.contact.notices import notice
from stockout.services.judging.rules import Rules, pack_by_id
from stockout.store.mapping import dumps
from stockout.store.uow import UnitOfWork


class TicketState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


# The pure transitions: which step each state allows.
STEPS: dict[str, frozenset[TicketState]] = {
    "answer": frozenset({TicketState.OPEN}),
    "close": frozenset({TicketState.OPEN, TicketState.ANSWERED}),
    "reopen": frozenset({TicketState.ANSWERED, TicketState.CLOSED}),
}


# A step's column values, its history entry and its notices.
Change = tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]


class TicketRefused(StockoutError, ValueError):
    """The step does not apply to the ticket's state; `code` is the step."""

    family = "ticket-refused"

    def __init__(self, ticket_id: int, step: str, state: str) -> None:
        super().__init__(f"ticket {ticket_id} is {state}: cannot {step} it", code=step)
        self.ticket_id = ticket_id
        self.step = step
        self.state = state

    def problem_fields(self) -> dict[str, Any]:
        return {"state": self.state}


def _when(at: datetime) -> Any:
    return lambda lang: human_time(at, lang)


def record(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"id": row["id"], "order_id": row["order_id"], "shop_id": row["shop_id"],
            "buyer_id": row["buyer_id"], "text": row["text"], "state": row["state"],
            "opened_at": format_time(row["opened_at"]),
            "respond_by": format_time(row["respond_by"]),
            "overdue": row["state"] == TicketState.OPEN and now > row["respond_by"],
            "answer": row["answer"],
            "answered_at": format_time(row["answered_at"]) if row["answered_at"] else None,
            "closed_at": format_time(row["closed_at"]) if row["closed_at"] else None,
            "reopened": row["reopened"], "history": json.loads(row["history"])}


def open_ticket(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, order_id: str,
                text: str) -> dict[str, Any]:
    """The buyer (or customer service for the buyer) complains about an order."""
    if who.role is Role.MERCHANT:
        raise Forbidden("tickets are the buyer's complaints to the platform")
    text = clean_text(text)

    def work(u: UnitOfWork) -> dict[str, Any]:
        now = clock.now()
        order = u.orders.get(order_id)
        if order is None or not who.sees_order(order["shop_id"], order["buyer_id"]) \
                or not order["buyer_id"]:
            raise NotFound(f"order {order_id!r} not found")
        due = now + pack_by_id(rules, order["pack_id"]).contact.ticket_response
        row = {"order_id": order_id, "shop_id": order["shop_id"] or "",
               "buyer_id": order["buyer_id"], "text": text, "state": TicketState.OPEN.value,
               "opened_at": now, "respond_by": due, "reopened": 0,
               "history": dumps([{"at": format_time(now), "by": "buyer", "step": "open",
                                  "text": text}])}
        ticket_id = u.tickets.insert(row)
        u.outbox.enqueue(notice(f"ticket:{ticket_id}:opened", "ticket_opened", "merchant",
                                order["shop_id"], order_id,
                                {"ticket_id": ticket_id, "respond_by": format_time(due)}, now,
                                id=ticket_id, text=text, until=_when(due)))
        _audit(u, now, who, "ticket.opened", ticket_id, order_id)
        return record(dict(row, id=ticket_id, answer=None, answered_at=None, closed_at=None),
                      now)

    return in_transaction(uow, work)


def _step(uow: UnitOfWork, clock: Clock, who: Principal, ticket_id: int, step: str,
          change: Any) -> dict[str, Any]:
    def work(u: UnitOfWork) -> dict[str, Any]:
        now = clock.now()
        row = u.tickets.get(ticket_id, lock=True)
        if row is None or not who.sees_order(row["shop_id"], row["buyer_id"]):
            raise NotFound(f"ticket {ticket_id} not found")
        if TicketState(row["state"]) not in STEPS[step]:
            raise TicketRefused(ticket_id, step, row["state"])
        values, history, outbox = change(u, row, now)
        values["history"] = dumps([*json.loads(row["history"]), history])
        u.tickets.change(ticket_id, **values)
        u.outbox.enqueue(outbox)
        _audit(u, now, who, f"ticket.{step}", ticket_id, row["order_id"])
        return record(dict(row, **values), now)

    return in_transaction(uow, work)


def _audit(u: UnitOfWork, now: datetime, who: Principal, action: str, ticket_id: int,
           order_id: str) -> None:
    u.audit.append([{"at": now, "actor": who.actor, "action": action,
                     "subject": f"ticket:{ticket_id}", "order_id": order_id,
                     "amount_cents": None, "details": "{}"}])


def answer_ticket(uow: UnitOfWork, clock: Clock, who: Principal, ticket_id: int, text: str
                  ) -> dict[str, Any]:
    """Customer service answers; the buyer is told."""
    if who.role is not Role.PLATFORM:
        raise Forbidden("customer service (the platform) answers tickets")
    text = clean_text(text)

    def change(u: UnitOfWork, row: dict[str, Any], now: datetime) -> Change:
        n = int(row["reopened"])
        tell = notice(f"ticket:{ticket_id}:answered:{n}", "ticket_answered", "buyer",
                      row["buyer_id"], row["order_id"],
                      {"ticket_id": ticket_id, "late": now > row["respond_by"]}, now,
                      id=ticket_id, text=text)
        return ({"state": TicketState.ANSWERED.value, "answer": text, "answered_at": now,
                 "answered_by": who.actor},
                {"at": format_time(now), "by": "platform", "step": "answer", "text": text}, tell)

    return _step(uow, clock, who, ticket_id, "answer", change)


def close_ticket(uow: UnitOfWork, clock: Clock, who: Principal, ticket_id: int
                 ) -> dict[str, Any]:
    """The buyer (satisfied) or customer service closes the ticket."""
    if who.role is Role.MERCHANT:
        raise Forbidden("the buyer or customer service closes a ticket")

    def change(u: UnitOfWork, row: dict[str, Any], now: datetime) -> Change:
        return ({"state": TicketState.CLOSED.value, "closed_at": now},
                {"at": format_time(now), "by": who.role.value, "step": "close"}, [])

    return _step(uow, clock, who, ticket_id, "close", change)


def reopen_ticket(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, ticket_id: int,
                  text: str) -> dict[str, Any]:
    """The buyer is not satisfied: the ticket is open again, with a new answer due time."""
    if who.role is not Role.BUYER:
        raise Forbidden("the buyer reopens a ticket")
    text = clean_text(text)

    def change(u: UnitOfWork, row: dict[str, Any], now: datetime) -> Change:
        order = u.orders.get(row["order_id"]) or {}
        due = now + pack_by_id(rules, order.get("pack_id")).contact.ticket_response
        n = int(row["reopened"]) + 1
        tell = notice(f"ticket:{ticket_id}:reopened:{n}", "ticket_reopened", "merchant",
                      row["shop_id"], row["order_id"], {"ticket_id": ticket_id}, now,
                      id=ticket_id, text=text, until=_when(due))
        return ({"state": TicketState.OPEN.value, "respond_by": due, "closed_at": None,
                 "reopened": n},
                {"at": format_time(now), "by": "buyer", "step": "reopen", "text": text}, tell)

    return _step(uow, clock, who, ticket_id, "reopen", change)


def list_tickets(uow: UnitOfWork, clock: Clock, who: Principal, state: str | None = "open",
                 order_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The platform's queue (open tickets, the soonest due first, overdue flagged); a buyer
    sees its own tickets, a merchant those about its shops' orders."""
    if state is not None:
        try:
            TicketState(state)
        except ValueError:
            raise TicketRefused(0, "list", state) from None
    now = clock.now()
    with uow.reader() as r:
        rows = r.tickets.listed(state, order_id,
                                sorted(who.shop_ids) if who.role is Role.MERCHANT else None,
                                who.buyer_id if who.role is Role.BUYER else None, limit)
    return [record(x, now) for x in rows]


def open_for_order(uow: UnitOfWork, order_id: str) -> list[dict[str, Any]]:
    """Inside a reader: the order's open tickets (for the buyer's answers)."""
    return uow.tickets.listed(TicketState.OPEN.value, order_id, None, None, 100)

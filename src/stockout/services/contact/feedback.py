"""Product feedback (留言反馈): a buyer's words on a SKU's page, which the SKU's merchant sees and
answers, due within the pack's `[contact] feedback_reply_hours`. The SKU must be one the store
tracks, or the SKU of one of the buyer's own orders (a buyer writes about what it can buy or
bought, never about another shop through a made-up id)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stockout.domain.errors import StockoutError
from stockout.domain.times import format_time, human_time
from stockout.services.access.principals import Forbidden, NotFound, Principal, Role
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.contact.messages import clean_text
from stockout.services.contact.notices import notice
from stockout.services.judging.rules import Rules, pack_by_id
from stockout.store.uow import UnitOfWork


class FeedbackAnswered(StockoutError, ValueError):
    family = "feedback-answered"

    def __init__(self, feedback_id: int) -> None:
        super().__init__(f"feedback {feedback_id} was already answered")
        self.feedback_id = feedback_id


def record(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"id": row["id"], "sku_id": row["sku_id"], "shop_id": row["shop_id"],
            "buyer_id": row["buyer_id"], "order_id": row["order_id"], "text": row["text"],
            "created_at": format_time(row["created_at"]),
            "reply_by": format_time(row["reply_by"]),
            "overdue": row["replied_at"] is None and now > row["reply_by"],
            "reply": row["reply"],
            "replied_at": format_time(row["replied_at"]) if row["replied_at"] else None}


def leave_feedback(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, sku_id: str,
                   text: str, order_id: str | None = None) -> dict[str, Any]:
    """The buyer's feedback on a product page; its merchant is told."""
    if who.role is not Role.BUYER or who.buyer_id is None:
        raise Forbidden("feedback is the buyer's")
    text = clean_text(text)

    def work(u: UnitOfWork) -> dict[str, Any]:
        now = clock.now()
        shop, pack_id = None, None
        if order_id is not None:
            order = u.orders.get(order_id)
            skus = u.events.skus([order_id]) if order is not None else {}
            if order is None or order["buyer_id"] != who.buyer_id \
                    or skus.get(order_id) != sku_id:
                raise NotFound(f"order {order_id!r} of SKU {sku_id!r} not found")
            shop, pack_id = order["shop_id"], order["pack_id"]
        else:
            sku = u.stock.get(sku_id)
            if sku is None:
                raise NotFound(f"SKU {sku_id!r} not found")
            shop = sku["shop_id"]
        due = now + pack_by_id(rules, pack_id).contact.feedback_reply
        row = {"sku_id": sku_id, "shop_id": shop or "", "buyer_id": who.buyer_id,
               "order_id": order_id, "text": text, "created_at": now, "reply_by": due}
        fid = u.feedback.insert(row)
        u.outbox.enqueue(notice(f"feedback:{fid}:left", "feedback_left", "merchant", shop,
                                order_id, {"feedback_id": fid, "sku_id": sku_id,
                                           "reply_by": format_time(due)}, now,
                                id=fid, sku=sku_id, text=text,
                                until=lambda lang: human_time(due, lang)))
        return record(dict(row, id=fid, reply=None, replied_at=None), now)

    return in_transaction(uow, work)


def reply_feedback(uow: UnitOfWork, clock: Clock, who: Principal, feedback_id: int, text: str
                   ) -> dict[str, Any]:
    """The SKU's merchant (or the platform) answers once; the buyer is told."""
    if who.role is Role.BUYER:
        raise Forbidden("the merchant answers feedback")
    text = clean_text(text)

    def work(u: UnitOfWork) -> dict[str, Any]:
        now = clock.now()
        row = u.feedback.get(feedback_id, lock=True)
        if row is None or not who.sees_shop(row["shop_id"]):
            raise NotFound(f"feedback {feedback_id} not found")
        if row["replied_at"] is not None:
            raise FeedbackAnswered(feedback_id)
        values = {"reply": text, "replied_at": now, "replied_by": who.actor}
        u.feedback.change(feedback_id, **values)
        u.outbox.enqueue(notice(f"feedback:{feedback_id}:replied", "feedback_replied", "buyer",
                                row["buyer_id"], row["order_id"],
                                {"feedback_id": feedback_id, "late": now > row["reply_by"]},
                                now, id=feedback_id, text=text))
        return record(dict(row, **values), now)

    return in_transaction(uow, work)


def list_feedback(uow: UnitOfWork, clock: Clock, who: Principal, sku_id: str | None = None,
                  unanswered: bool = False, limit: int = 100) -> list[dict[str, Any]]:
    """A merchant's shops' feedback (oldest first, overdue flagged), a buyer's own, or all."""
    now = clock.now()
    with uow.reader() as r:
        rows = r.feedback.listed(sku_id,
                                 sorted(who.shop_ids) if who.role is Role.MERCHANT else None,
                                 who.buyer_id if who.role is Role.BUYER else None, unanswered,
                                 limit)
    return [record(x, now) for x in rows]

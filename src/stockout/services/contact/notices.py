"""What the other side is told when the buyer (or the merchant, or customer service) writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stockout.services.aftersales.notices import localised
from stockout.services.notifications.notices import _row

_TEXTS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "message_buyer": (("买家消息：订单 {order}", "买家：{text}"),
                      ("Message from the buyer: order {order}", "Buyer: {text}")),
    "message_merchant": (("商家消息：订单 {order}", "商家：{text}"),
                         ("Message from the merchant: order {order}", "Merchant: {text}")),
    "ticket_opened": (("客服工单 {id}：订单 {order}", "买家向平台客服投诉：{text}（应在 {until} 前答复）"),
                      ("Ticket {id}: order {order}", "The buyer complained to customer service: {text} (answer due by {until})")),
    "ticket_answered": (("客服已答复工单 {id}", "平台客服答复：{text}"),
                        ("Customer service answered ticket {id}", "Customer service: {text}")),
    "ticket_reopened": (("工单 {id} 已重新打开：订单 {order}", "买家重新打开了工单：{text}（应在 {until} 前答复）"),
                        ("Ticket {id} reopened: order {order}", "The buyer reopened the ticket: {text} (answer due by {until})")),
    "feedback_left": (("商品留言 {id}：{sku}", "买家在商品页面留言：{text}（请在 {until} 前回复）"),
                      ("Product feedback {id}: {sku}", "A buyer left feedback on the product page: {text} (reply by {until})")),
    "feedback_replied": (("商家回复了您的留言 {id}", "商家回复：{text}"),
                         ("The merchant answered your feedback {id}", "Merchant: {text}")),
}


def notice(key: str, kind: str, role: str, recipient: str | None, order_id: str | None,
           data: dict[str, Any], now: datetime, **values: Any) -> list[dict[str, Any]]:
    if not recipient:
        return []
    texts = localised(_TEXTS[kind], order=order_id or "-", **values)
    return [_row(key, role, recipient, kind, order_id, texts, data, now)]

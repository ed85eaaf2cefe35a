"""What the other side of an after-sales step is told, in Chinese and English (outbox rows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stockout.services.notifications.notices import _row

# (title, body) per step, in zh and en; `{order}`, `{what}`, `{until}`, `{reason}` filled in.
_TEXTS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "refund_requested": (("买家申请退款：订单 {order}", "买家申请退款（{reason}），请在 {until} 前同意或拒绝，逾期未处理将自动退款。"),
                         ("Refund requested: order {order}", "The buyer requests a refund ({reason}); agree or refuse by {until}, or it is refunded automatically.")),
    "refund_granted": (("退款成功：订单 {order}", "您的退款申请已同意，{amount} 原路退回。"),
                       ("Refunded: order {order}", "Your refund was granted: {amount} goes back to you.")),
    "refund_refused": (("商家拒绝退款：订单 {order}", "商家拒绝了您的退款申请（{reason}）。您可在 {until} 前申请平台介入。"),
                       ("Refund refused: order {order}", "The merchant refused your refund ({reason}). You may ask the platform to step in by {until}.")),
    "return_requested": (("买家申请退货：订单 {order}", "买家申请退货（{reason}），请在 {until} 前同意或拒绝，逾期未处理视为同意。"),
                         ("Return requested: order {order}", "The buyer asks to return the order ({reason}); agree or refuse by {until}, or it is agreed.")),
    "return_agreed": (("同意退货：订单 {order}", "退货已同意，请在 {until} 前寄回商品并填写快递单号。"),
                      ("Return agreed: order {order}", "The return was agreed: send the parcel back with its tracking number by {until}.")),
    "return_refused": (("商家拒绝退货：订单 {order}", "商家拒绝了您的退货申请（{reason}）。您可在 {until} 前申请平台介入。"),
                       ("Return refused: order {order}", "The merchant refused your return ({reason}). You may ask the platform to step in by {until}.")),
    "return_shipped": (("买家已寄回：订单 {order}", "买家已寄回商品（{what}），请在 {until} 前确认收货，逾期由平台确认并退款。"),
                       ("Parcel sent back: order {order}", "The buyer sent the parcel back ({what}); confirm receipt by {until}, or the platform does and refunds.")),
    "escalated": (("平台介入：订单 {order}", "买家申请平台介入（{reason}），平台将在 {until} 前裁决。"),
                  ("The platform steps in: order {order}", "The buyer asked the platform to step in ({reason}); it decides by {until}.")),
    "platform_granted": (("平台裁决：支持买家（订单 {order}）", "平台支持了买家的{what}申请：{reason}"),
                         ("Platform decision for the buyer: order {order}", "The platform granted the buyer's {what}: {reason}")),
    "platform_refused": (("平台裁决：不支持买家（订单 {order}）", "平台未支持买家的{what}申请：{reason}"),
                         ("Platform decision against the buyer: order {order}", "The platform refused the buyer's {what}: {reason}")),
    "claim_filed": (("买家售后申请：订单 {order}", "买家提交了售后申请（{what}），平台将在 {until} 前裁决。"),
                    ("Claim filed: order {order}", "The buyer filed a claim ({what}); the platform decides by {until}.")),
    "claim_upheld": (("售后申请成立：订单 {order}", "平台认定售后申请（{what}）成立：{reason}"),
                     ("Claim upheld: order {order}", "The platform upheld the claim ({what}): {reason}")),
    "claim_rejected": (("售后申请不成立：订单 {order}", "平台认定售后申请（{what}）不成立：{reason}"),
                       ("Claim not upheld: order {order}", "The platform did not uphold the claim ({what}): {reason}")),
}

WHAT = {"refund": ("退款", "refund"), "return": ("退货", "return"),
        "empty_parcel": ("空包", "empty parcel"), "wrong_item": ("错发商品", "wrong item"),
        "damaged": ("商品损坏", "damaged"), "not_received": ("未收到货", "not received"),
        "other": ("其他", "other")}


def localised(pairs: tuple[tuple[str, str], tuple[str, str]], **values: Any
              ) -> dict[str, dict[str, str]]:
    """{lang: {title, body}}; a value may be a (zh, en) pair or a function of the language."""
    out: dict[str, dict[str, str]] = {}
    for i, lang in enumerate(("zh", "en")):
        local = {k: (v[i] if isinstance(v, tuple) else v(lang) if callable(v) else v)
                 for k, v in values.items()}
        title, body = pairs[i]
        out[lang] = {"title": title.format(**local), "body": body.format(**local)}
    return out


def step(key: str, step_name: str, role: str, recipient: str | None, order_id: str,
         data: dict[str, Any], now: datetime, **values: Any) -> list[dict[str, Any]]:
    """One outbox row for `recipient` (none when there is nobody to tell)."""
    if not recipient:
        return []
    texts = localised(_TEXTS[step_name], order=order_id, **values)
    return [_row(key, role, recipient, f"aftersale_{step_name}", order_id, texts, data, now)]

"""What buyers and merchants are told about remedies, in both languages (outbox rows): what
happened, what the buyer may choose, until when, and what happens by default."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stockout.domain.explain import Lang
from stockout.domain.money import format_yuan
from stockout.domain.times import format_time, human_time
from stockout.i18n import Texts
from stockout.services.notifications.notices import _both, _row

_T = {lang: Texts(lang) for lang in Lang}


def remedy_name(remedy: str) -> Any:
    return lambda lang: _T[lang](f"remedy_{remedy}")


def _when(at: datetime | None) -> Any:
    """An instant as the texts show it (data fields stay RFC 3339)."""
    return lambda lang: human_time(at, lang) if at is not None else ""


def offered(order_id: str, buyer_id: str, choose_by: datetime, default: str, now: datetime
            ) -> dict[str, Any]:
    texts = _both("notice_remedy_offer_title", "notice_remedy_offer_body", order=order_id,
                  choose_by=_when(choose_by), default=remedy_name(default))
    data = {"choose_by": format_time(choose_by), "default": default,
            "options": ["wait", "substitute", "presale", "refund"]}
    return _row(f"remedy:{order_id}:offered", "buyer", buyer_id, "remedy_offer", order_id,
                texts, data, now)


def proposed(order_id: str, buyer_id: str, until: datetime, choose_by: datetime, default: str,
             now: datetime) -> dict[str, Any]:
    texts = _both("notice_remedy_proposed_title", "notice_remedy_proposed_body", order=order_id,
                  until=_when(until), choose_by=_when(choose_by),
                  default=remedy_name(default))
    data = {"proposed_until": format_time(until), "choose_by": format_time(choose_by)}
    return _row(f"remedy:{order_id}:proposed:{format_time(until)}", "buyer", buyer_id,
                "remedy_proposal", order_id, texts, data, now)


def chosen(order_id: str, buyer_id: str | None, shop_id: str, remedy: str, by_default: bool,
           now: datetime, *, until: datetime | None = None, sku: str = "",
           refund_cents: int = 0, choose_by: datetime | None = None) -> list[dict[str, Any]]:
    values: dict[str, Any] = {"order": order_id, "remedy": remedy_name(remedy),
                              "until": _when(until), "sku": sku,
                              "amount": format_yuan(refund_cents),
                              "choose_by": _when(choose_by)}
    kind = "default" if by_default else remedy
    data = {"remedy": remedy, "by_default": by_default, "refund_cents": refund_cents,
            "until": format_time(until) if until else None, "substitute_sku_id": sku or None}
    out = [_row(f"remedy:{order_id}:merchant:{remedy}", "merchant", shop_id, "remedy_chosen",
                order_id, _both("notice_remedy_merchant_title",
                                f"notice_remedy_merchant_{remedy}", **values), data, now)]
    if buyer_id:
        body = f"notice_remedy_chosen_{kind}"
        if kind == "substitute" and refund_cents == 0:
            body = "notice_remedy_chosen_substitute_same"
        out.append(_row(f"remedy:{order_id}:chosen:{remedy}", "buyer", buyer_id,
                        "remedy_chosen", order_id,
                        _both("notice_remedy_chosen_title", body, **values), data, now))
    return out


def missed(order_id: str, buyer_id: str | None, shop_id: str, remedy: str, until: datetime,
           refund_cents: int, coupon_key: str, coupon_cents: int, now: datetime
           ) -> list[dict[str, Any]]:
    values = {"order": order_id, "remedy": remedy_name(remedy), "until": _when(until),
              "amount": format_yuan(refund_cents), "coupon": format_yuan(coupon_cents)}
    data = {"remedy": remedy, "until": format_time(until), "refund_cents": refund_cents,
            "coupon_key": coupon_key, "coupon_cents": coupon_cents}
    out = [_row(f"remedy:{order_id}:missed:merchant", "merchant", shop_id, "remedy_missed",
                order_id, _both("notice_remedy_missed_title", "notice_remedy_missed_merchant",
                                **values), data, now)]
    if buyer_id:
        out.append(_row(f"remedy:{order_id}:missed", "buyer", buyer_id, "remedy_missed",
                        order_id, _both("notice_remedy_missed_title", "notice_remedy_missed_body",
                                        **values), data, now))
    return out

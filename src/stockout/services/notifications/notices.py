"""Notifications to buyers and merchants, written to the outbox in both languages.

Each message has a dedupe key derived from what it reports (a coupon's idempotency key, a
verdict's order/violation/generation, an order's deadline), so a retried transaction or a
re-delivered message is recognisable as the same news.

The two notices of every issued verdict (the merchant's verdict, the buyer's coupon) are
written without their texts, with what the texts are made of (`render`); `with_texts` makes
them when the message is read or delivered. Rendering both languages at ingest was most of a
notice's cost and of its outbox row's size, for a message read once, later.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from stockout.domain.explain import VIOLATION_AS_CASE, explain_verdict, name
from stockout.domain.language import Lang
from stockout.domain.money import format_yuan
from stockout.domain.rulebook import RulePack
from stockout.domain.times import format_time, human_time
from stockout.domain.triggers import RULE_OF
from stockout.domain.verdicts import Verdict, Violation
from stockout.i18n import Texts
from stockout.rulepacks import builtin_packs
from stockout.store.mapping import AppealRecord, dumps, verdict_columns, verdict_from_row

_TEXTS = {lang: Texts(lang) for lang in Lang}


def _both(title: str, body: str, **values: Any) -> dict[str, dict[str, str]]:
    out = {}
    for lang, t in _TEXTS.items():
        local = {k: (v(lang) if callable(v) else v) for k, v in values.items()}
        out[lang.value] = {"title": t(title, **local), "body": t(body, **local)}
    return out


def _row(key: str, role: str, recipient: str, topic: str, order_id: str | None,
         texts: dict[str, dict[str, str]] | None, data: dict[str, Any], now: datetime,
         render: dict[str, Any] | None = None) -> dict[str, Any]:
    """`render`: instead of `texts`, what `with_texts` makes them of when the message is read."""
    payload: dict[str, Any] = {"dedupe_key": key, "topic": topic, "order_id": order_id,
                               "data": data}
    if render is not None:
        payload["render"] = render
    else:
        payload["texts"] = texts
    return {"dedupe_key": key, "recipient_role": role, "recipient_id": recipient, "topic": topic,
            "order_id": order_id, "payload": dumps(payload), "created_at": now,
            "available_at": now, "state": "pending", "attempts": 0}


def verdict_key(v: Verdict, generation: int) -> str:
    return f"{v.order_id}/{v.violation.value}/{generation}"


def coupon_notice_key(coupon_key: str) -> str:
    return f"coupon:{coupon_key}:issued"


def verdict_notice_key(v: Verdict, generation: int) -> str:
    return f"verdict:{verdict_key(v, generation)}:issued"


def void_reason_text(reason: str, cause: str, lang: Lang) -> str:
    t = _TEXTS[lang]
    if cause.startswith("announcement:"):
        return t("void_announcement", id=cause.split(":", 1)[1])
    return t(f"void_{reason}")


def _remedies(v: Verdict, lang: Lang) -> str:
    """What happens next, as the buyer is told: a late shipment is still owed (a refund goes
    through the usual after-sale route); a stockout opens the remedy offer, notified on its own
    (services/remedies/offers.py); fake and fraudulent shipments as the rules provide."""
    return _TEXTS[lang](f"notice_next_{v.violation.value}",
                        legal=format_yuan(v.legal_claim_cents or 0))


# What the buyer may do, as `coupon_issued`'s data says it (and its text): the remedy offer
# opens only with a stockout verdict; otherwise a refund through the after-sale route.
BUYER_OPTIONS: dict[Violation, list[str]] = {
    Violation.LATE_SHIPMENT: ["refund"],
    Violation.STOCKOUT: ["wait", "substitute", "presale", "refund"],
    Violation.FAKE_SHIPMENT: ["refund"],
    Violation.FRAUDULENT_SHIPMENT: ["refund"],
}


def violation_a(violation: Violation, lang: Lang) -> str:
    """The violation as a case of it ("a late shipment"), for "found to be …"."""
    return VIOLATION_AS_CASE[violation].pick(lang)


def buyer_why(v: Verdict, lang: Lang) -> str:
    """What happened to the buyer's order, addressed to the buyer, without rule ids."""
    deadline = v.deadline or v.detected_at
    return RULE_OF[v.trigger].buyer_why.format(lang, at=human_time(v.detected_at, lang),
                                                deadline=human_time(deadline, lang))


def merchant_why(v: Verdict, pack: RulePack, lang: Lang) -> str:
    """`explain_verdict` with its instant as people read it."""
    return explain_verdict(v, pack, lang, human=True)


def coupon_issued(v: Verdict, coupon_key: str, buyer_id: str, pack: RulePack, now: datetime,
                  amount_cents: int | None = None) -> dict[str, Any]:
    """`amount_cents`: what the coupon pays when less than the verdict's compensation (part of
    it was already paid by a used coupon of the verdict this one replaces). Its texts are made
    when it is read (`with_texts`)."""
    amount = v.compensation_cents if amount_cents is None else amount_cents
    data = {"coupon_key": coupon_key, "amount_cents": amount, "rule": v.rule,
            "violation": v.violation.value, "remedies": list(BUYER_OPTIONS[v.violation])}
    return _row(coupon_notice_key(coupon_key), "buyer", buyer_id, "compensation", v.order_id,
                None, data, now, {"notice": "coupon_issued", "verdict": _verdict_fields(v),
                                  "amount_cents": amount})


def _coupon_issued_texts(v: Verdict, amount: int) -> dict[str, dict[str, str]]:
    return _both("notice_coupon_title", "notice_coupon_body", order=v.order_id,
                 amount=format_yuan(amount),
                 violation=lambda lang: violation_a(v.violation, lang),
                 why=lambda lang: buyer_why(v, lang),
                 next=lambda lang: _remedies(v, lang))


def coupon_taken_back(v: Verdict, coupon_key: str, buyer_id: str, reason: str, cause: str,
                      now: datetime) -> dict[str, Any]:
    texts = _both("notice_clawback_title", "notice_clawback_body", order=v.order_id,
                  amount=format_yuan(v.compensation_cents),
                  violation=lambda lang: violation_a(v.violation, lang),
                  reason=lambda lang: void_reason_text(reason, cause, lang))
    data = {"coupon_key": coupon_key, "amount_cents": v.compensation_cents, "reason": reason}
    return _row(f"coupon:{coupon_key}:clawed_back", "buyer", buyer_id, "compensation_withdrawn",
                v.order_id, texts, data, now)


def verdict_issued(v: Verdict, generation: int, pack: RulePack, now: datetime) -> dict[str, Any]:
    """Its texts are made when it is read (`with_texts`), with the figures of `pack`."""
    data = {"verdict": v.to_record(), "generation": generation}
    return _row(verdict_notice_key(v, generation), "merchant", v.shop_id, "verdict", v.order_id,
                None, data, now, {"notice": "verdict_issued", "verdict": _verdict_fields(v),
                                  "pack": pack.id})


def _verdict_issued_texts(v: Verdict, pack: RulePack) -> dict[str, dict[str, str]]:
    return _both("notice_verdict_title", "notice_verdict_body", order=v.order_id,
                 amount=format_yuan(v.compensation_cents), rule=v.rule,
                 violation=lambda lang: name(v.violation, lang),
                 why=lambda lang: merchant_why(v, pack, lang))


def _verdict_fields(v: Verdict) -> dict[str, Any]:
    """The verdict's columns (`verdict_columns`) as JSON values: what its notices' texts are
    made of."""
    return {**verdict_columns(v), "detected_at": v.detected_at.isoformat(),
            "deadline": v.deadline.isoformat() if v.deadline is not None else None}


def _verdict_of(fields: dict[str, Any]) -> Verdict:
    deadline = fields["deadline"]
    return verdict_from_row({**fields, "detected_at": datetime.fromisoformat(fields["detected_at"]),
                             "deadline": datetime.fromisoformat(deadline) if deadline else None})


def with_texts(payload: dict[str, Any], packs: Iterable[RulePack] = ()) -> dict[str, Any]:
    """A stored payload as it is read and delivered: a notice stored without its texts gets
    them now (`render` becomes `texts`, the keys in the order they are stored in). `packs`:
    the rule packs a verdict's notice may name besides the built-in ones (the server's)."""
    render = payload.pop("render", None)
    if render is None:
        return payload
    v = _verdict_of(render["verdict"])
    if render["notice"] == "coupon_issued":
        payload["texts"] = _coupon_issued_texts(v, render["amount_cents"])
    else:
        payload["texts"] = _verdict_issued_texts(v, _pack(render["pack"], packs))
    return dict(sorted(payload.items()))


def _pack(pack_id: str, packs: Iterable[RulePack]) -> RulePack:
    """The pack of that id: the server's, else a built-in one, else the newest built-in (its
    figures are only quoted in a text)."""
    known = (*packs, *builtin_packs())
    return next((p for p in known if p.id == pack_id), builtin_packs()[-1])


def verdict_voided(v: Verdict, generation: int, reason: str, cause: str, now: datetime,
                   buyer_keeps: bool = False) -> dict[str, Any]:
    """To the merchant: the verdict is withdrawn. Its compensation is cancelled, unless it was
    `replaced` (the new verdict decides it) or the buyer had already used the coupon
    (`buyer_keeps`: the buyer keeps it, charged to the platform, no longer to the shop)."""
    body = ("notice_voided_body_replaced" if reason == "replaced"
            else "notice_voided_body_buyer_keeps" if buyer_keeps else "notice_voided_body")
    texts = _both("notice_voided_title", body, order=v.order_id,
                  violation=lambda lang: name(v.violation, lang),
                  reason=lambda lang: void_reason_text(reason, cause, lang))
    data = {"verdict": v.to_record(), "generation": generation, "reason": reason,
            "buyer_keeps_coupon": buyer_keeps}
    return _row(f"verdict:{verdict_key(v, generation)}:voided", "merchant", v.shop_id,
                "verdict_voided", v.order_id, texts, data, now)


def at_risk(order_id: str, shop_id: str, deadline: datetime, late_cents: int, now: datetime
            ) -> dict[str, Any]:
    hours = max(0.0, (deadline - now) / timedelta(hours=1))
    texts = _both("notice_at_risk_title", "notice_at_risk_body", order=order_id,
                  deadline=lambda lang: human_time(deadline, lang), hours=f"{hours:.1f}",
                  late=format_yuan(late_cents))
    data = {"deadline": format_time(deadline), "late_shipment_cents": late_cents}
    return _row(f"at_risk:{order_id}:{format_time(deadline)}", "merchant", shop_id, "at_risk",
                order_id, texts, data, now)


def stock_shortfall(order_id: str, shop_id: str, sku_id: str, quantity: int, sellable: int,
                    now: datetime) -> dict[str, Any]:
    texts = _both("notice_stock_shortfall_title", "notice_stock_shortfall_body", order=order_id,
                  sku=sku_id, quantity=quantity, sellable=sellable)
    data = {"sku_id": sku_id, "quantity": quantity, "sellable": sellable}
    return _row(f"stock_shortfall:{order_id}:{format_time(now)}", "merchant", shop_id,
                "stock_shortfall", order_id, texts, data, now)


def _kinds(kinds_json: str, lang: Lang) -> str:
    t = _TEXTS[lang]
    return ("、" if lang is Lang.ZH else ", ").join(t(f"measure_{k}")
                                                   for k in json.loads(kinds_json))


def measure_applied(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """To the merchant: a threshold was crossed, these measures apply from `starts` to `ends`."""
    orders = json.loads(row["order_ids"])
    texts = _both("notice_measure_title", "notice_measure_body", shop=row["shop_id"],
                  sku=row["sku_id"] or "-", count=row["offences"],
                  violation=lambda lang: name(Violation(row["violation"]), lang),
                  measures=lambda lang: _kinds(row["kinds"], lang),
                  starts=lambda lang: human_time(row["starts"], lang),
                  ends=lambda lang: human_time(row["ends"], lang),
                  orders=", ".join(orders[:10]) + (" …" if len(orders) > 10 else ""))
    data = {"measure_key": row["key"], "rule": row["rule_id"], "sku_id": row["sku_id"],
            "measures": json.loads(row["kinds"]), "starts": format_time(row["starts"]),
            "ends": format_time(row["ends"]), "orders": orders}
    return _row(f"measure:{row['key']}:applied", "merchant", row["shop_id"], "measure_applied",
                None, texts, data, now)


def measure_closed(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """To the merchant: a measure ended (its time passed) or was lifted (its cause is gone)."""
    texts = _both("notice_measure_closed_title", f"notice_measure_{row['state']}_body",
                  shop=row["shop_id"], measures=lambda lang: _kinds(row["kinds"], lang),
                  at=lambda lang: human_time(row["changed_at"], lang))
    data = {"measure_key": row["key"], "state": row["state"], "reason": row["change_reason"]}
    return _row(f"measure:{row['key']}:{row['state']}:{format_time(row['changed_at'])}",
                "merchant", row["shop_id"], f"measure_{row['state']}", None, texts, data, now)


def appeal_decided(appeal: AppealRecord, now: datetime) -> dict[str, Any]:
    """To the merchant: its appeal was approved (the verdict and its compensation withdrawn)
    or rejected (with the reviewer's reason)."""
    state = appeal.state.value
    ann = appeal.announcement_id
    texts = _both(f"notice_appeal_{state}_title", f"notice_appeal_{state}_body",
                  order=appeal.order_id, id=appeal.id,
                  violation=lambda lang: name(appeal.violation, lang),
                  reason=lambda lang: (_TEXTS[lang]("appeal_auto_reason", id=ann) if ann
                                       else appeal.decision_reason or "-"))
    data = {"appeal_id": appeal.id, "state": state, "reason": appeal.decision_reason,
            "announcement_id": appeal.announcement_id}
    return _row(f"appeal:{appeal.id}:{state}", "merchant", appeal.shop_id,
                f"appeal_{state}", appeal.order_id, texts, data, now)

"""Orders as people read them: one order with each verdict explained in words (as
`stockout explain` says it), and a buyer's own orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stockout.domain.appeals import appeal_refusal
from stockout.domain.explain import explain_verdict
from stockout.domain.language import Lang
from stockout.domain.times import format_time
from stockout.services.access.principals import NotFound, Principal, Role
from stockout.services.judging.queries import order_view
from stockout.services.judging.rules import Rules, pack_by_id
from stockout.services.notifications.notices import buyer_why
from stockout.store.mapping import verdict_from_row
from stockout.store.uow import UnitOfWork

BUYER_ORDERS = 100


def explained_order(uow: UnitOfWork, rules: Rules, who: Principal, order_id: str, lang: Lang
                    ) -> dict[str, Any]:
    """`GET /v1/orders/{id}` for the caller, each verdict with `why`: the explanation in `lang`,
    its time as people read it (Beijing time)."""
    with uow.reader() as r:
        view = order_view(r, who, order_id)
        rows = {v["id"]: v for v in r.verdicts.of_order(order_id)}
    for record in view["verdicts"]:
        verdict = verdict_from_row(rows[record["id"]])
        pack = pack_by_id(rules, record["pack"])
        record["why"] = explain_verdict(verdict, pack, lang, human=True)
        record["buyer_why"] = buyer_why(verdict, lang)
    placed: dict[str, Any] = next((e["event"] for e in view["timeline"]
                   if e["event"].get("type") == "order_placed"), {})
    view["sku_id"] = placed.get("sku_id")
    view["paid_cents"] = placed.get("paid_cents")
    view["quantity"] = placed.get("quantity")
    return view


def buyer_orders(uow: UnitOfWork, who: Principal) -> list[dict[str, Any]]:
    """The buyer's own orders, newest first (nobody else's: other roles get none)."""
    if who.role is not Role.BUYER or not who.buyer_id:
        return []
    with uow.reader() as r:
        rows = r.orders.of_buyer(who.buyer_id, BUYER_ORDERS)
        offers = {o: r.remedies.get(o) for o in (row["order_id"] for row in rows)}
    return [{"order_id": row["order_id"], "shop_id": row["shop_id"], "state": row["state"],
             "paid_cents": row["paid_cents"],
             "placed_at": format_time(row["placed_at"]) if row["placed_at"] else None,
             "deadline": format_time(row["deadline_at"]) if row["deadline_at"] else None,
             "remedy_state": (rem.state.value if (rem := offers[row["order_id"]]) else None)}
            for row in rows]


SHOP_VERDICTS = 200


def shop_verdicts(uow: UnitOfWork, rules: Rules, who: Principal, shop_id: str, lang: Lang,
                  now: datetime | None = None) -> list[dict[str, Any]]:
    """The shop's active verdicts (as `GET /v1/verdicts?shop_id=` lists them), newest first,
    each with its id, why in words, its coupons, and whether it can be appealed `now` (the
    domain's `appeal_refusal`: in the pack's window, not appealed yet) and until when."""
    if not who.sees_shop(shop_id):
        raise NotFound(f"shop {shop_id!r} not found")
    out = []
    with uow.reader() as r:
        rows = r.verdicts.page(shop_ids=[shop_id], buyer_id=None, violation=None, since=None,
                               after=None, limit=SHOP_VERDICTS)
        for row in rows:
            verdict = verdict_from_row(row)
            record = verdict.to_record()
            appeals = pack_by_id(rules, row["pack_id"]).appeals
            refusal = None if now is None else appeal_refusal(
                verdict, now, appeals, already_appealed=r.appeals.of_verdict(row["id"]) is not None)
            record.update(id=row["id"], pack=row["pack_id"],
                          appealable=now is not None and refusal is None,
                          appeal_by=format_time(verdict.detected_at + appeals.window),
                          why=explain_verdict(verdict, pack_by_id(rules, row["pack_id"]), lang,
                                                human=True),
                          coupons=[{"amount_cents": c["amount_cents"], "state": c["state"]}
                                   for c in r.coupons.of_order(row["order_id"])
                                   if c["verdict_id"] == row["id"]])
            out.append(record)
    out.sort(key=lambda v: (v["detected_at"], v["id"]), reverse=True)
    return out

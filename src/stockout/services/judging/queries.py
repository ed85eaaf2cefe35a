"""Read-side use cases: one order, the verdict list, a shop's orders at risk and scorecard, a
party's notifications. A merchant or buyer asking for what is not theirs gets `NotFound`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from stockout.domain.rulebook import RulePack
from stockout.domain.times import format_time
from stockout.services.access.principals import Forbidden, NotFound, Principal, Role
from stockout.services.judging.rules import Rules, pack_by_id
from stockout.services.notifications import notices
from stockout.store.mapping import verdict_from_row
from stockout.store.uow import UnitOfWork


def _t(at: datetime | None) -> str | None:
    return format_time(at) if at is not None else None


def order_view(uow: UnitOfWork, principal: Principal, order_id: str) -> dict[str, Any]:
    row = uow.orders.get(order_id)
    if row is None or not principal.sees_order(row["shop_id"], row["buyer_id"]):
        raise NotFound(f"order {order_id!r} not found")
    deadline = None
    if row["deadline_at"] is not None:
        deadline = {"at": _t(row["deadline_at"]), "base": _t(row["deadline_base_at"]),
                    "basis": row["deadline_basis"],
                    "announcement_id": row["deadline_announcement_id"]}
    verdicts = []
    for v in uow.verdicts.of_order(order_id):
        record = verdict_from_row(v).to_record()
        record.update(id=v["id"], status=v["status"], generation=v["generation"],
                      pack=v["pack_id"], issued_at=_t(v["issued_at"]), cause=v["cause"],
                      voided_at=_t(v["voided_at"]), void_reason=v["void_reason"],
                      void_cause=v["void_cause"], replaced_by=v["replaced_by"])
        verdicts.append(record)
    coupons = [{"id": c["id"], "idempotency_key": c["idempotency_key"],
                "amount_cents": c["amount_cents"], "state": c["state"],
                "charged_to": c["charged_to"], "redeemed_at": _t(c["redeemed_at"]),
                "verdict_id": c["verdict_id"],
                "issued_at": _t(c["issued_at"]), "changed_at": _t(c["changed_at"]),
                "change_reason": c["change_reason"]} for c in uow.coupons.of_order(order_id)]
    # Who stated each event and when it arrived: an event dated well before its arrival is
    # history the platform (or its sync) imported, the only sources allowed to date the past.
    timeline = [{"seq": e["seq"], "received_at": _t(e["received_at"]), "source": e["source"],
                 "event": json.loads(e["raw"])} for e in uow.events.of_order(order_id)]
    rem = uow.remedies.get(order_id)
    remedy = None if rem is None else {
        "state": rem.state.value, "remedy": rem.remedy.value if rem.remedy else None,
        "choose_by": _t(rem.choose_by), "default": rem.default_remedy.value,
        "new_ship_by": _t(rem.until),
        "substitute_sku_id": rem.substitute_sku_id, "refund_cents": rem.refund_cents}
    return {"order_id": order_id, "shop_id": row["shop_id"], "buyer_id": row["buyer_id"],
            "state": row["state"], "pack": row["pack_id"], "deadline": deadline,
            "remedy": remedy,
            "next_due_at": _t(row["next_due_at"]), "judged_at": _t(row["judged_at"]),
            "timeline": timeline, "verdicts": verdicts, "coupons": coupons}


VerdictKey = tuple[str, datetime, str]


def list_verdicts(uow: UnitOfWork, principal: Principal, *, shop_id: str | None,
                  since: datetime | None, violation: str | None, after: VerdictKey | None,
                  limit: int) -> tuple[list[dict[str, Any]], VerdictKey | None]:
    """Active verdicts as `stockout judge --json` prints them; the key to continue after."""
    shops: list[str] | None = [shop_id] if shop_id is not None else None
    buyer: str | None = None
    if principal.role is Role.MERCHANT:
        if shop_id is not None and shop_id not in principal.shop_ids:
            raise NotFound(f"shop {shop_id!r} not found")
        shops = [shop_id] if shop_id is not None else sorted(principal.shop_ids)
    elif principal.role is Role.BUYER:
        if shop_id is not None:
            raise NotFound(f"shop {shop_id!r} not found")
        buyer = principal.buyer_id
    rows = uow.verdicts.page(shop_ids=shops, buyer_id=buyer, violation=violation, since=since,
                             after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    items = [verdict_from_row(r).to_record() for r in rows]
    last = rows[-1] if more and rows else None
    return items, ((last["order_id"], last["detected_at"], last["violation"])
                   if last is not None else None)


def _shop(uow: UnitOfWork, principal: Principal, shop_id: str) -> None:
    if not principal.sees_shop(shop_id) or (principal.is_platform
                                            and not uow.orders.shop_known(shop_id)):
        raise NotFound(f"shop {shop_id!r} not found")


def at_risk(uow: UnitOfWork, rules: Rules, principal: Principal, shop_id: str, now: datetime,
            *, within: timedelta | None, after: tuple[datetime, str] | None, limit: int
            ) -> tuple[list[dict[str, Any]], tuple[datetime, str] | None]:
    """The shop's open orders without a pickup, soonest deadline first, with what a miss costs."""
    _shop(uow, principal, shop_id)
    rows = uow.orders.at_risk(shop_id, after, now + within if within is not None else None,
                              limit + 1)
    more = len(rows) > limit
    short = {s["order_id"] for s in uow.stock.shortfalls(shop_id)} if rows else set()
    items = []
    for r in rows[:limit]:
        pack = pack_by_id(rules, r["pack_id"])
        paid = r["paid_cents"] or 0
        left = (r["deadline_at"] - now).total_seconds()
        items.append({"order_id": r["order_id"], "deadline": _t(r["deadline_at"]),
                      "seconds_left": int(left), "late": left < 0,
                      "tracking_uploaded": r["first_upload_at"] is not None, "paid_cents": paid,
                      "stock_shortfall": r["order_id"] in short,
                      "if_missed": {
                          "late_shipment_cents": pack.late_shipment.compensation.for_paid(paid),
                          "stockout_cents": pack.stockout.compensation.for_paid(paid)}})
    last = rows[limit - 1] if more else None
    return items, ((last["deadline_at"], last["order_id"]) if last is not None else None)


def _rate(count: int, total: int) -> float | None:
    return round(count / total, 6) if total else None


def scorecard(uow: UnitOfWork, rules: Rules, principal: Principal, shop_id: str, now: datetime,
              days: int | None) -> dict[str, Any]:
    """Late-shipment, stockout and valid-tracking rates over `days`, against the targets of the
    pack in force now."""
    _shop(uow, principal, shop_id)
    targets = rules.book.pack_at(now)
    days = days or targets.scorecard.days
    since = now - timedelta(days=days)
    c = uow.orders.scorecard_counts(shop_id, since, now)
    sc = targets.scorecard
    late, stockout = _rate(c["late_shipment"], c["due"]), _rate(c["stockout"], c["due"])
    valid = _rate(c["valid_tracking"], c["uploads"])
    return {
        "shop_id": shop_id, "days": days, "from": _t(since), "to": _t(now), "pack": targets.id,
        "late_shipment": {"orders": c["due"], "count": c["late_shipment"], "rate": late,
                          "target_max": sc.late_shipment_rate_max,
                          "meets": None if late is None else late < sc.late_shipment_rate_max},
        "stockout": {"orders": c["due"], "count": c["stockout"], "rate": stockout,
                     "target_max": sc.stockout_rate_max,
                     "meets": None if stockout is None else stockout < sc.stockout_rate_max},
        "valid_tracking": {"uploads": c["uploads"], "valid": c["valid_tracking"], "rate": valid,
                           "target_min": sc.valid_tracking_rate_min,
                           "meets": None if valid is None else valid >= sc.valid_tracking_rate_min},
    }


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    after: int | None


def notifications(uow: UnitOfWork, principal: Principal, after: int | None, limit: int,
                  packs: Sequence[RulePack] = ()) -> Page:
    """The caller's notifications (the platform: everyone's), oldest first, with their texts
    (`packs`: the server's rule packs, which a verdict's notice may quote)."""
    if principal.role is Role.MERCHANT:
        role, ids = "merchant", sorted(principal.shop_ids)
    elif principal.role is Role.BUYER:
        role, ids = "buyer", [principal.buyer_id or ""]
    else:
        role, ids = None, None
    rows = uow.outbox.for_recipient(role, ids, after, limit + 1)
    items = [dict(notices.with_texts(json.loads(r["payload"]), packs), id=r["id"],
                  state=r["state"],
                  recipient={"role": r["recipient_role"], "id": r["recipient_id"]},
                  created_at=_t(r["created_at"]), delivered_at=_t(r["delivered_at"]))
             for r in rows[:limit]]
    return Page(items, rows[limit - 1]["id"] if len(rows) > limit else None)


def audit(uow: UnitOfWork, principal: Principal, order_id: str | None, after: int | None,
          limit: int) -> Page:
    if not principal.is_platform:
        raise Forbidden("the audit log is the platform's")
    rows = uow.audit.page(order_id, after, limit + 1)
    items = [{"id": r["id"], "at": _t(r["at"]), "actor": r["actor"], "action": r["action"],
              "subject": r["subject"], "order_id": r["order_id"],
              "amount_cents": r["amount_cents"], "details": json.loads(r["details"])}
             for r in rows[:limit]]
    return Page(items, rows[limit - 1]["id"] if len(rows) > limit else None)

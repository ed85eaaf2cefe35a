"""Read side: a shop's reputation score from its recent active verdicts, with what each order
cost, and its measures (current and past, with the orders that caused them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stockout.domain.reputation import reputation
from stockout.domain.times import format_time
from stockout.services.access.principals import NotFound, Principal
from stockout.services.judging.rules import Rules
from stockout.services.reputation.measures import measure_view
from stockout.store.mapping import verdict_from_row
from stockout.store.uow import UnitOfWork


def _shop(uow: UnitOfWork, principal: Principal, shop_id: str) -> None:
    if not principal.sees_shop(shop_id) or (principal.is_platform
                                            and not uow.orders.shop_known(shop_id)):
        raise NotFound(f"shop {shop_id!r} not found")


def shop_reputation(uow: UnitOfWork, rules: Rules, principal: Principal, shop_id: str,
                    now: datetime) -> dict[str, Any]:
    _shop(uow, principal, shop_id)
    pack = rules.book.pack_at(now)
    rr = pack.reputation
    rows = uow.verdicts.active_of_shop(shop_id, now - rr.window, now)
    rep = reputation(shop_id, [verdict_from_row(r) for r in rows], now, rr)
    return {"shop_id": shop_id, "score": rep.score, "start": rr.start, "at": format_time(now),
            "pack": pack.id, "window_days": rr.window.days,
            "half_life_days": rr.half_life.days,
            "costs": [{"order_id": c.order_id, "kind": c.kind,
                       "detected_at": format_time(c.detected_at), "points": c.points}
                      for c in rep.costs]}


def shop_measures(uow: UnitOfWork, principal: Principal, shop_id: str, now: datetime
                  ) -> dict[str, Any]:
    _shop(uow, principal, shop_id)
    items = [measure_view(r, now) for r in uow.measures.of_shop(shop_id)]
    return {"shop_id": shop_id, "at": format_time(now),
            "current": [m for m in items if m["state"] in ("active", "scheduled")],
            "past": [m for m in items if m["state"] not in ("active", "scheduled")]}

"""A shop's scorecard rates and reputation score over time, for the console's charts: the
same `scorecard` and `shop_reputation` use cases, evaluated as of each day of a span."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from stockout.domain.times import shanghai_day
from stockout.services.access.principals import Principal
from stockout.services.judging.queries import scorecard
from stockout.services.judging.rules import Rules
from stockout.services.reputation.score import shop_reputation
from stockout.store.uow import UnitOfWork

SPAN_DAYS = 30


def score_history(uow: UnitOfWork, rules: Rules, who: Principal, shop_id: str, now: datetime,
                  days: int = SPAN_DAYS) -> dict[str, Any]:
    """One point a day for the last `days` days (the last is now): the scorecard's three rates
    over the pack's window ending that day, and the reputation score that day."""
    points = []
    with uow.reader() as r:
        for back in range(days - 1, -1, -1):
            at = now - timedelta(days=back)
            card = scorecard(r, rules, who, shop_id, at, None)
            rep = shop_reputation(r, rules, who, shop_id, at)
            points.append({"day": shanghai_day(at).isoformat(),
                           "late_shipment": card["late_shipment"]["rate"],
                           "stockout": card["stockout"]["rate"],
                           "valid_tracking": card["valid_tracking"]["rate"],
                           "score": rep["score"]})
        current = scorecard(r, rules, who, shop_id, now, None)
        reputation = shop_reputation(r, rules, who, shop_id, now)
    return {"points": points, "scorecard": current, "reputation": reputation}

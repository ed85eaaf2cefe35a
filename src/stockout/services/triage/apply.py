"""Carrying out a chosen triage plan's reports and restock proposals in one transaction,
through the out-of-stock report and remedy services (so the pack's daily limit, the campaign
rule and the remedy window still decide). Each decision must still be one of its order's
options now; shipments, substitutes (the buyer chooses them) and refunds are left to their
own steps and listed as such."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stockout.domain.errors import StockoutError
from stockout.domain.remedies import RemedyRefused
from stockout.domain.triage import Action, Option, options, restock_until
from stockout.services.access.principals import NotFound, Principal
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.judging.rules import Rules
from stockout.services.remedies.choices import propose_within
from stockout.services.stock.self_report import report_within
from stockout.services.triage.plan import load_shortage, option_body
from stockout.store.uow import UnitOfWork


class DecisionRefused(StockoutError, ValueError):
    """A decision that is not (or no longer) one of its order's options; `index` is its place
    in the request."""

    family = "triage-decision-refused"

    def __init__(self, index: int, order_id: str, detail: str) -> None:
        super().__init__(f"decisions[{index}] ({order_id}): {detail}")
        self.index = index
        self.order_id = order_id
        self.detail = detail

    def problem_fields(self) -> dict[str, Any]:
        return {"index": self.index, "order_id": self.order_id}


def apply_decisions(uow: UnitOfWork, rules: Rules, clock: Clock, who: Principal, shop_id: str,
                    decisions: Sequence[dict[str, Any]], horizon_days: int = 7,
                    reason: str = "缺货") -> dict[str, Any]:
    """Report the orders whose decision takes a report, then propose each restock date; all in
    one transaction. A decision names `order_id`, `action` and, for a dated one, `day` (and
    `sku_id` for a substitute), as the plan gave it."""
    def work(u: UnitOfWork) -> dict[str, Any]:
        now = clock.now()
        shortage = load_shortage(u, rules, clock, who, shop_id, horizon_days)
        by_id = {o.order_id: o for o in shortage.orders}
        chosen: list[tuple[str, Option]] = []
        for i, d in enumerate(decisions):
            order = by_id.get(str(d.get("order_id")))
            if order is None:
                raise NotFound(f"decisions[{i}]: order {d.get('order_id')!r} is not an open "
                               f"order of shop {shop_id!r} short of stock")
            match = [x for x in options(order, shortage) if _same(x, d)]
            if not match:
                raise DecisionRefused(i, order.order_id, f"{d.get('action')} on "
                                      f"{d.get('day')} is not an option of the order now")
            chosen.append((order.order_id, match[0]))
        if len({o for o, _ in chosen}) != len(chosen):
            raise DecisionRefused(len(chosen) - 1, chosen[-1][0], "one decision per order")
        to_report = [o for o, x in chosen if x.report]
        reported, refused = report_within(u, rules, who, to_report, reason, now)
        refused_ids = {r.order_id for r in refused}
        proposed, skipped = [], []
        for order_id, x in chosen:
            if x.action is not Action.RESTOCK or order_id in refused_ids:
                if x.action in (Action.SHIP, Action.SUBSTITUTE, Action.REFUND):
                    skipped.append({"order_id": order_id, **option_body(x)})
                continue
            assert x.day is not None
            o = by_id[order_id]
            opened = o.offer_opened_at or now
            until = restock_until(x.day, opened + shortage.packs[o.pack_id].remedies.max_wait)
            try:
                body = propose_within(u, rules, now, who, order_id, until)
                proposed.append({"order_id": order_id, "until": body["proposed_until"]})
            except RemedyRefused as exc:
                skipped.append({"order_id": order_id, **option_body(x), "refused": str(exc)})
        return {"shop_id": shop_id, "reported": [r.to_dict() for r in reported],
                "refused": [r.to_dict() for r in refused], "proposed": proposed,
                "not_applied": skipped}

    return in_transaction(uow, work)


def _same(x: Option, d: dict[str, Any]) -> bool:
    day = d.get("day")
    return (x.action.value == d.get("action")
            and (x.day.isoformat() if x.day else None) == (str(day) if day else None)
            and (d.get("sku_id") is None or d.get("sku_id") == x.sku_id))


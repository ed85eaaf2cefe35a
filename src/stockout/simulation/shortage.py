"""Simulated shortage days of one shop, for the triage benchmark: SKUs in a few categories with
prices close enough to substitute, less stock than open orders, a daily shipping capacity,
receipts on their way, campaign orders, stockouts already found and buyers who already chose to
wait. Deterministic for a seed."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from stockout.domain.inventory import Receipt
from stockout.domain.rulebook import RulePack
from stockout.domain.times import shanghai_day
from stockout.domain.triage import Shortage, ShortOrder, SkuSupply, Standing

CATEGORIES = ("服饰", "食品", "数码", "家居")


def shortage_day(seed: int, orders: int, now: datetime, pack: RulePack, *,
                 horizon_days: int = 7, margin_percent: int = 20) -> Shortage:
    rng = random.Random(seed)
    n_skus = max(3, orders // 150)
    skus: dict[str, SkuSupply] = {}
    base = {c: rng.randint(20, 300) * 100 for c in CATEGORIES}
    weights = [1 / (i + 1) for i in range(n_skus)]  # a few best sellers, a long tail
    ids = [f"S{i:04d}" for i in range(n_skus)]
    picks = rng.choices(ids, weights, k=orders)
    demand: dict[str, int] = {}
    lines: list[tuple[str, int]] = []
    for sku in picks:
        q = rng.choices((1, 2, 3), (80, 15, 5))[0]
        lines.append((sku, q))
        demand[sku] = demand.get(sku, 0) + q
    today = shanghai_day(now)
    for i, sku in enumerate(ids):
        category = CATEGORIES[i % len(CATEGORIES)]
        want = demand.get(sku, 0)
        price = base[category] * rng.randint(85, 115) // 100 // 100 * 100
        receipts = tuple(Receipt(today + timedelta(days=rng.randint(1, horizon_days - 1)),
                                 max(1, int(want * rng.uniform(0.1, 0.5))))
                         for _ in range(rng.choice((0, 1, 1, 2))))
        skus[sku] = SkuSupply(
            sku, on_hand=int(want * rng.uniform(0.2, 0.9)),
            daily_capacity=max(3, int(want * rng.uniform(0.2, 0.5))) if rng.random() < 0.9
            else None,
            receipts=receipts, category=category, title=f"{category}商品{i}",
            price_cents=price, listed=rng.random() < 0.9)
    out: list[ShortOrder] = []
    for n, (sku, q) in enumerate(lines):
        confirmed = now - timedelta(minutes=rng.randint(0, 70 * 60))
        limit = timedelta(hours=168) if rng.random() < 0.05 else pack.deadline.default
        deadline = confirmed + limit
        paid = (skus[sku].price_cents or 0) * q
        standing = rng.choices(list(Standing), (85, 10, 5))[0]
        opened = choose_by = promised = None
        if standing is Standing.OFFERED:
            opened = now - timedelta(minutes=rng.randint(0, 40 * 60))
            choose_by = opened + pack.remedies.choice_window
        elif standing is Standing.PROMISED:
            promised = now + timedelta(hours=rng.randint(20, 10 * 24))
        out.append(ShortOrder(
            f"O{seed}-{n:05d}", sku, q, paid, pack.id, confirmed, deadline,
            campaign=rng.random() < 0.15, standing=standing,
            late_owed=standing is Standing.OPEN and deadline < now, offer_opened_at=opened,
            choose_by=choose_by, promised=promised))
    return Shortage(f"shop{seed}", now, horizon_days, tuple(out), skus, {pack.id: pack},
                    reports_left=rng.randint(0, pack.self_report.daily_limit),
                    margin_percent=margin_percent)

"""A shop's reputation: a score from its recent verdicts, each weighed by kind (fraud worst, a
self-reported stockout lightest) and fading with age, with what each order cost."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from stockout.domain.verdicts import Trigger, Verdict, Violation

SELF_REPORTED = "stockout_self_report"  # the weight key of a stockout the merchant reported


@dataclass(frozen=True, slots=True)
class ReputationRules:
    start: float
    half_life: timedelta = field(metadata={"toml": "half_life_days", "unit": "days"})
    window: timedelta = field(metadata={"toml": "window_days", "unit": "days"})
    weights: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Cost:
    order_id: str
    kind: str
    detected_at: datetime
    points: float


@dataclass(frozen=True, slots=True)
class Reputation:
    shop_id: str
    score: float
    costs: tuple[Cost, ...]  # the largest first


def weight_key(v: Verdict) -> str:
    if v.violation is Violation.STOCKOUT and v.trigger is Trigger.SELF_REPORT:
        return SELF_REPORTED
    return v.violation.value


def reputation(shop_id: str, verdicts: Iterable[Verdict], now: datetime,
               rules: ReputationRules) -> Reputation:
    """`start` minus each verdict's weight, halved every `half_life`, over the last `window`."""
    costs = []
    for v in verdicts:
        if v.shop_id != shop_id or v.detected_at > now or now - v.detected_at > rules.window:
            continue
        key = weight_key(v)
        fade = 0.5 ** ((now - v.detected_at) / rules.half_life)
        costs.append(Cost(v.order_id, key, v.detected_at, round(rules.weights[key] * fade, 4)))
    costs.sort(key=lambda c: (-c.points, c.order_id))
    score = max(rules.start - sum(c.points for c in costs), 0.0)
    return Reputation(shop_id, round(score, 2), tuple(costs))

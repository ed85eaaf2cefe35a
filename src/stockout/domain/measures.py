"""Measures against repeat offenders: thresholds from the pack over verdicts, per product per day
(the fake-shipment rule) or per shop over a window, each crossing applying measures for a time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from stockout.domain.times import SHANGHAI, shanghai_day
from stockout.domain.verdicts import Violation


class MeasureKind(StrEnum):
    __hash__ = str.__hash__

    WARNING = "warning"
    LISTING_RESTRICTION = "listing_restriction"
    WITHDRAWAL_HOLD = "withdrawal_hold"
    PROMOTION_REMOVAL = "promotion_removal"
    SEARCH_DEMOTION = "search_demotion"


class MeasureState(StrEnum):
    """A measure is `active` from its crossing (shown as `scheduled` before it starts) until its
    time passes (`ended`) or its cause is removed (`lifted`: an appeal approved, a verdict
    voided); a lifted measure whose cause stands again is active again."""

    __hash__ = str.__hash__

    ACTIVE = "active"
    ENDED = "ended"
    LIFTED = "lifted"


class MeasureRefusal(StrEnum):
    __hash__ = str.__hash__

    NOT_ACTIVE = "not_active"  # only an active measure ends or is lifted
    NOT_LIFTED = "not_lifted"  # only a lifted measure is applied again


def measure_closed(state: MeasureState, *, cause_removed: bool
                   ) -> MeasureState | MeasureRefusal:
    """An active measure ends when its time passed, or is lifted when its cause is removed."""
    if state is not MeasureState.ACTIVE:
        return MeasureRefusal.NOT_ACTIVE
    return MeasureState.LIFTED if cause_removed else MeasureState.ENDED


def measure_restored(state: MeasureState) -> MeasureState | MeasureRefusal:
    """A lifted measure whose cause stands again is active again."""
    return MeasureState.ACTIVE if state is MeasureState.LIFTED else MeasureRefusal.NOT_LIFTED


def shown_state(state: MeasureState, starts: datetime, ends: datetime, now: datetime) -> str:
    """The state as a party is shown it at `now`: an active measure is `scheduled` before it
    starts and `ended` once its time passed, even before the worker closed it."""
    if state is MeasureState.ACTIVE:
        return "scheduled" if starts > now else ("active" if ends > now else "ended")
    return state.value


class Scope(StrEnum):
    __hash__ = str.__hash__

    SKU_DAY = "sku_day"  # one product, one calendar day (Asia/Shanghai)
    SHOP = "shop"  # one shop, the last `window` before now


@dataclass(frozen=True, slots=True)
class MeasureRule:
    id: str
    scope: Scope
    violation: Violation
    more_than_count: int
    more_than_rate: float
    measures: tuple[MeasureKind, ...]
    duration: timedelta
    window: timedelta | None = None  # for the shop scope


@dataclass(frozen=True, slots=True)
class Offence:
    """A verdict as the measures see it (voided verdicts are left out by the caller)."""

    order_id: str
    shop_id: str
    sku_id: str
    violation: Violation
    detected_at: datetime
    shipped_at: datetime | None = None  # the order's first tracking upload, if any

    @property
    def ship_day(self) -> date:
        """The calendar day (Asia/Shanghai) the offence counts on per product: the day the
        order was shipped (its first tracking upload), the day of its detection without one."""
        return shanghai_day(self.shipped_at if self.shipped_at is not None else self.detected_at)


@dataclass(frozen=True, slots=True)
class Crossing:
    """A threshold crossed: the measures apply from `starts` to `ends`, because of `order_ids`."""

    rule_id: str
    shop_id: str
    sku_id: str | None
    count: int
    base: int
    starts: datetime
    ends: datetime
    measures: tuple[MeasureKind, ...]
    order_ids: tuple[str, ...]
    day: date | None = None  # per product: the shipment day the offences and base count on

    @property
    def rate(self) -> float:
        return self.count / self.base if self.base else 1.0

    def active(self, now: datetime) -> bool:
        return self.starts <= now < self.ends


def _crosses(rule: MeasureRule, count: int, base: int) -> bool:
    return count > rule.more_than_count and (count / base if base else 1.0) > rule.more_than_rate


def sku_day_crossings(rule: MeasureRule, offences: Iterable[Offence],
                      shipments: Mapping[tuple[str, date], int]) -> list[Crossing]:
    """Per product and day: more than N offences that are more than X % of its shipments.

    `shipments` counts the orders of each (sku_id, day) that were shipped (first tracking upload
    that day). Offences count on the same day: the day their order was shipped (`ship_day`), not
    the day they were found (a "no scan after upload" is found a day later), so the count and
    the base are the same cohort of orders. The measures start on the day after the offence that
    took the count over N was found (they cannot start before the crossing is known).
    """
    groups: dict[tuple[str, str, date], list[Offence]] = defaultdict(list)
    for o in offences:
        if o.violation is rule.violation:
            groups[(o.shop_id, o.sku_id, o.ship_day)].append(o)
    found = []
    for (shop, sku, day), group in sorted(groups.items()):
        base = max(shipments.get((sku, day), 0), len(group))
        if _crosses(rule, len(group), base):
            found_at = sorted(o.detected_at for o in group)[rule.more_than_count]
            starts = datetime.combine(shanghai_day(found_at) + timedelta(days=1),
                                      datetime.min.time(), SHANGHAI)
            found.append(Crossing(rule.id, shop, sku, len(group), base, starts,
                                  starts + rule.duration, rule.measures,
                                  tuple(sorted(o.order_id for o in group)), day))
    return found


def shop_crossing(rule: MeasureRule, shop_id: str, offences: Iterable[Offence], orders: int,
                  now: datetime) -> Crossing | None:
    """Over the last window: more than N offences that are more than X % of the shop's orders."""
    assert rule.window is not None
    since = now - rule.window
    group = [o for o in offences if o.shop_id == shop_id and o.violation is rule.violation
             and since < o.detected_at <= now]
    base = max(orders, len(group))
    if not _crosses(rule, len(group), base):
        return None
    starts = max(o.detected_at for o in group)
    return Crossing(rule.id, shop_id, None, len(group), base, starts, starts + rule.duration,
                    rule.measures, tuple(sorted(o.order_id for o in group)))

"""Shortage triage: when a shop has more open orders than units and days, one action per order
(ship on a day, report out of stock now, offer a substitute, propose a restock date, refund)
so that the merchant pays the least, never an action the pack forbids.

This module is the model: what each order may do and what it costs (`options`), whether a plan
keeps every rule (`plan_problems`), its cost, the greedy baselines (first come first served and
earliest deadline first) and why each decision beats the next best one. The optimiser that
searches the plans lives outside the domain.

Days are Asia/Shanghai calendar days; a shipment on a day counts as in time when that day is the
deadline's day (as the capacity plan counts). An order ships whole on one day. Costs are what the
merchant pays from now on: compensation not owed yet, price differences refunded, the margin of
a refunded order (`margin_percent`, 0 when not given). A verdict already issued is not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from stockout.domain.inventory import Receipt
from stockout.domain.remedies import Listing, rank_substitutes
from stockout.domain.rulebook import RulePack
from stockout.domain.times import SHANGHAI, shanghai_day

SUBSTITUTES_PER_ORDER = 3  # the most similar in-band substitutes weighed for one order


class Action(StrEnum):
    __hash__ = str.__hash__

    SHIP = "ship"  # ship the order's SKU on `day`
    RESTOCK = "restock"  # (report now if needed and) propose `day` as the restock date
    SUBSTITUTE = "substitute"  # (report now if needed and) offer `sku_id`, shipped on `day`
    REPORT = "report"  # report out of stock now; the buyer's default remedy follows
    REFUND = "refund"  # the order is refunded (by the merchant, or the remedy's default)


# At equal cost the earlier kind is preferred: it keeps the sale, or the buyer's remedies.
PREFERENCE = (Action.SHIP, Action.RESTOCK, Action.SUBSTITUTE, Action.REPORT, Action.REFUND)
_RANK = {a: i for i, a in enumerate(PREFERENCE)}


class Standing(StrEnum):
    """Where the order stands in the remedy flow."""

    __hash__ = str.__hash__

    OPEN = "open"  # no stockout verdict yet
    OFFERED = "offered"  # a stockout verdict; the buyer's remedy offer is open
    PROMISED = "promised"  # the buyer chose to wait, a presale or a substitute: ship by `promised`


@dataclass(frozen=True, slots=True)
class ShortOrder:
    order_id: str
    sku_id: str  # what it ships: a chosen substitute's SKU once the buyer took one
    quantity: int
    paid_cents: int
    pack_id: str
    confirmed_at: datetime  # first come, first served
    deadline: datetime
    campaign: bool = False
    standing: Standing = Standing.OPEN
    late_owed: bool = False  # a late-shipment verdict is already issued
    offer_opened_at: datetime | None = None  # OFFERED: when the stockout was found
    choose_by: datetime | None = None  # OFFERED: the end of the buyer's window
    promised: datetime | None = None  # PROMISED: the date the buyer accepted


@dataclass(frozen=True, slots=True)
class SkuSupply:
    sku_id: str
    on_hand: int
    daily_capacity: int | None  # None: not set, no limit but the stock
    receipts: tuple[Receipt, ...] = ()
    category: str | None = None
    title: str = ""
    price_cents: int | None = None
    listed: bool = True  # only a listed SKU is offered as a substitute


@dataclass(frozen=True, slots=True)
class Shortage:
    shop_id: str
    now: datetime
    horizon_days: int
    orders: tuple[ShortOrder, ...]
    skus: Mapping[str, SkuSupply]
    packs: Mapping[str, RulePack]
    reports_left: int  # out-of-stock reports the shop may still file today
    margin_percent: int = 0

    @property
    def days(self) -> tuple[date, ...]:
        today = shanghai_day(self.now)
        return tuple(today + timedelta(days=i) for i in range(self.horizon_days))


@dataclass(frozen=True, slots=True)
class Option:
    """One thing an order may do: what it costs, which SKU's units it ships on which day, and
    whether it takes one of today's out-of-stock reports."""

    action: Action
    cost_cents: int
    sku_id: str | None = None
    day: date | None = None
    report: bool = False

    def sort_key(self) -> tuple[int, int, date, str]:
        return (self.cost_cents, _RANK[self.action], self.day or date.max, self.sku_id or "")


class Why(StrEnum):
    """What makes a decision the choice, as a merchant would ask it."""

    __hash__ = str.__hash__

    ONLY_OPTION = "only_option"  # nothing of another kind is possible for this order
    CHEAPEST = "cheapest"  # cheaper than the next best (`alternative`)
    TIE = "tie"  # as cheap as the next best: preferred as it keeps the sale or the buyer's item
    STOCK = "stock"  # a cheaper option (`gave_up`) needs units or capacity other orders take
    REPORT_LIMIT = "report_limit"  # a cheaper option (`gave_up`) needs a report; none left today


class CostBasis(StrEnum):
    """What a decision's cost pays for."""

    __hash__ = str.__hash__

    NOTHING = "nothing"  # in time, or a remedy the buyer already has
    LATE = "late"  # the late-shipment compensation
    STOCKOUT = "stockout"  # the stockout compensation
    STOCKOUT_AND_DIFFERENCE = "stockout_and_difference"  # with the substitute's price difference
    DIFFERENCE = "difference"  # the substitute's price difference refunded
    PROMISE_MISSED = "promise_missed"  # the date the buyer accepted is missed: compensated again
    MARGIN = "margin"  # the margin of a refunded sale


@dataclass(frozen=True, slots=True)
class Decision:
    order_id: str
    option: Option
    alternative: Option | None  # the cheapest option of another kind (None: there is none)
    why: Why
    gave_up: Option | None = None  # STOCK, REPORT_LIMIT: the cheaper option it could not take
    receipt_day: date | None = None  # the expected receipt its units come from (None: on hand)
    basis: CostBasis = CostBasis.NOTHING
    taken_by: tuple[str, ...] = ()  # STOCK: the orders planned on `gave_up`'s SKU by its day


@dataclass(frozen=True, slots=True)
class Plan:
    method: str  # optimal | best_found | rounded | greedy (the optimiser) | fcfs | edf
    decisions: tuple[Decision, ...]
    note: str = ""

    @property
    def cost_cents(self) -> int:
        return sum(d.option.cost_cents for d in self.decisions)

    def chosen(self) -> dict[str, Option]:
        return {d.order_id: d.option for d in self.decisions}


def options(order: ShortOrder, shortage: Shortage,
            substitutes: Sequence[SkuSupply] | None = None) -> tuple[Option, ...]:
    """Everything the pack lets this order do in the horizon, cheapest first. A refund is always
    there, so every order has an option."""
    pack = shortage.packs[order.pack_id]
    now, days = shortage.now, shortage.days
    supply = shortage.skus.get(order.sku_id)
    margin = order.paid_cents * shortage.margin_percent // 100
    stockout = pack.stockout.compensation.for_paid(order.paid_cents)
    ships = supply is not None and (supply.daily_capacity is None
                                    or order.quantity <= supply.daily_capacity)
    out: list[Option] = []
    if order.standing is Standing.PROMISED:
        assert order.promised is not None
        last = shanghai_day(order.promised)
        if ships:
            out += [Option(Action.SHIP, 0, order.sku_id, d) for d in days if d <= last]
        # A promise missed: the buyer is refunded and compensated again.
        out.append(Option(Action.REFUND, stockout + margin))
        return tuple(sorted(out, key=Option.sort_key))
    if order.standing is Standing.OPEN:
        late = 0 if order.late_owed or order.deadline <= now else \
            pack.late_shipment.compensation.for_paid(order.paid_cents)
        in_time = shanghai_day(order.deadline)
        last = shanghai_day(order.deadline + pack.stockout.unshipped_after_deadline)
        if ships:
            out += [Option(Action.SHIP, 0 if d <= in_time else late, order.sku_id, d)
                    for d in days if d <= last]
        reportable = not order.campaign or pack.self_report.allow_campaign
        opened, owed, report = now, stockout, True
        out.append(Option(Action.REFUND, stockout + margin))
        if not reportable:
            return tuple(sorted(out, key=Option.sort_key))
        out.append(Option(Action.REPORT, stockout + margin, report=True))
    else:
        assert order.offer_opened_at is not None and order.choose_by is not None
        out.append(Option(Action.REFUND, margin))  # the remedy's default
        if now > order.choose_by:
            return tuple(out)
        opened, owed, report = order.offer_opened_at, 0, False
    # A remedy after a stockout: a restock date within the pack's wait, or a substitute that
    # ships within the standard limit from the buyer's choice.
    if ships:
        latest = opened + pack.remedies.max_wait
        out += [Option(Action.RESTOCK, owed, order.sku_id, d, report)
                for d in days if d <= shanghai_day(latest) and restock_until(d, latest) > now]
    sub_last = shanghai_day(now + pack.deadline.default)
    for sub in substitutes if substitutes is not None else substitutes_for(order, shortage):
        refund = max(order.paid_cents - (sub.price_cents or 0) * order.quantity, 0)
        if sub.daily_capacity is None or order.quantity <= sub.daily_capacity:
            out += [Option(Action.SUBSTITUTE, owed + refund, sub.sku_id, d, report)
                    for d in days if d <= sub_last]
    return tuple(sorted(out, key=Option.sort_key))


def restock_until(day: date, latest: datetime) -> datetime:
    """The restock date a RESTOCK option proposes: the last minute of its day (Asia/Shanghai),
    or `latest` (the pack's longest wait from the stockout) when that comes first."""
    return min(datetime(day.year, day.month, day.day, 23, 59, tzinfo=SHANGHAI), latest)


def substitutes_for(order: ShortOrder, shortage: Shortage) -> list[SkuSupply]:
    """Listed SKUs of the shop and category priced within the pack's band of what the buyer
    paid (the remedies' own ranking), with stock in the horizon, most similar first."""
    own = shortage.skus.get(order.sku_id)
    if own is None:
        return []
    pack = shortage.packs[order.pack_id]
    last = shortage.days[-1]

    def listing(s: SkuSupply) -> Listing:
        units = s.on_hand + sum(r.quantity for r in s.receipts if r.day <= last)
        return Listing(s.sku_id, shortage.shop_id, s.category, s.title, s.price_cents or 0, units)

    candidates = [listing(s) for s in shortage.skus.values()
                  if s.listed and s.price_cents is not None]
    ranked = rank_substitutes(listing(own), order.paid_cents, order.quantity, candidates,
                              pack.remedies.substitute_price_band_percent,
                              limit=SUBSTITUTES_PER_ORDER)
    return [shortage.skus[s.listing.sku_id] for s in ranked]


def all_options(shortage: Shortage) -> dict[str, tuple[Option, ...]]:
    """Each order's options, computed once per profile: orders alike in SKU, units, price and
    in every day and flag `options` reads share one computation."""
    out: dict[str, tuple[Option, ...]] = {}
    seen: dict[tuple[object, ...], tuple[Option, ...]] = {}
    subs: dict[tuple[object, ...], list[SkuSupply]] = {}
    for o in shortage.orders:
        key = _profile(o, shortage)
        if key not in seen:
            like = (o.sku_id, o.quantity, o.paid_cents, o.pack_id)
            if like not in subs:
                subs[like] = substitutes_for(o, shortage)
            seen[key] = options(o, shortage, subs[like])
        out[o.order_id] = seen[key]
    return out


def _profile(o: ShortOrder, shortage: Shortage) -> tuple[object, ...]:
    """What `options` reads of an order, as days and flags rather than instants."""
    now, pack = shortage.now, shortage.packs[o.pack_id]
    day = shanghai_day
    key: tuple[object, ...] = (o.sku_id, o.quantity, o.paid_cents, o.pack_id, o.standing)
    if o.standing is Standing.PROMISED:
        assert o.promised is not None
        return (*key, day(o.promised))
    if o.standing is Standing.OPEN:
        opened = now
        key = (*key, o.campaign, o.late_owed or o.deadline <= now, day(o.deadline),
               day(o.deadline + pack.stockout.unshipped_after_deadline))
    else:
        assert o.offer_opened_at is not None and o.choose_by is not None
        opened = o.offer_opened_at
        key = (*key, now > o.choose_by)
    latest = opened + pack.remedies.max_wait
    return (*key, day(latest), restock_until(day(now), latest) > now)


class Ledger:
    """Units and capacity used so far, per SKU and day, and the reports taken: what a plan
    may still add without breaking a rule."""

    def __init__(self, shortage: Shortage) -> None:
        self.days = shortage.days
        self.index = {d: i for i, d in enumerate(self.days)}
        self.skus = shortage.skus
        self.reports_left = shortage.reports_left
        # slack[s][i]: units of s still free for shipments on or before day i
        self.slack: dict[str, list[int]] = {}
        self.room: dict[str, list[int | None]] = {}
        for s in shortage.skus.values():
            arriving: dict[date, int] = defaultdict(int)
            for r in s.receipts:
                arriving[max(r.day, self.days[0])] += r.quantity
            total, slack = s.on_hand, []
            for d in self.days:
                total += arriving.get(d, 0)
                slack.append(total)
            self.slack[s.sku_id] = slack
            self.room[s.sku_id] = [s.daily_capacity] * len(self.days)

    def fits(self, option: Option, quantity: int) -> bool:
        if option.report and self.reports_left <= 0:
            return False
        if option.sku_id is None or option.day is None:
            return True
        i = self.index.get(option.day)
        if i is None or option.sku_id not in self.slack:
            return False
        room = self.room[option.sku_id][i]
        if room is not None and room < quantity:
            return False
        return min(self.slack[option.sku_id][i:]) >= quantity

    def take(self, option: Option, quantity: int) -> None:
        self._shift(option, -quantity, -1)

    def give(self, option: Option, quantity: int) -> None:
        """Undo `take`."""
        self._shift(option, quantity, 1)

    def _shift(self, option: Option, units: int, reports: int) -> None:
        """Move the option's units on its day (and its report, if it files one) by `units` and
        `reports`: negative takes, positive gives back."""
        if option.report:
            self.reports_left += reports
        if option.sku_id is None or option.day is None:
            return
        i = self.index[option.day]
        room = self.room[option.sku_id]
        r = room[i]
        if r is not None:
            room[i] = r + units
        slack = self.slack[option.sku_id]
        for j in range(i, len(slack)):
            slack[j] += units

    def problems(self) -> list[str]:
        out = [] if self.reports_left >= 0 else \
            [f"reports: {-self.reports_left} more than today's limit allows"]
        for sku, slack in self.slack.items():
            for d, left in zip(self.days, slack, strict=True):
                if left < 0:
                    out.append(f"{sku} {d.isoformat()}: {-left} units more than in stock")
            for d, r in zip(self.days, self.room[sku], strict=True):
                if r is not None and r < 0:
                    out.append(f"{sku} {d.isoformat()}: {-r} units over the daily capacity")
        return out


def plan_problems(shortage: Shortage, chosen: Mapping[str, Option]) -> list[str]:
    """Every rule a plan breaks (empty: none): one option of its own per order, units in stock
    and within each day's capacity, no more reports than today's limit allows."""
    found: list[str] = []
    ledger = Ledger(shortage)
    for o in shortage.orders:
        option = chosen.get(o.order_id)
        if option is None:
            found.append(f"{o.order_id}: no decision")
            continue
        if option not in options(o, shortage):
            found.append(f"{o.order_id}: {option.action.value} is not an option the pack allows")
            continue
        ledger.take(option, o.quantity)
    extra = set(chosen) - {o.order_id for o in shortage.orders}
    found += [f"{x}: not an open order of the shortage" for x in sorted(extra)]
    return found + ledger.problems()


def explain(shortage: Shortage, chosen: Mapping[str, Option],
            opts: Mapping[str, tuple[Option, ...]] | None = None, method: str = "",
            note: str = "") -> Plan:
    """A plan from each order's chosen option, with why (`Why`): its cost against the cheapest
    option of another kind the order could take alone (or that it has no other), and, when one
    cheaper than its own was possible alone, what kept it (the stock or capacity orders due
    earlier use, or today's report limit); what its cost pays for; and whether its units come
    from an expected receipt rather than the stock on hand."""
    opts = opts if opts is not None else all_options(shortage)
    reports_used = sum(1 for o in chosen.values() if o.report)
    alone = Ledger(shortage)  # what each option could do with the stock and a report to itself
    alone.reports_left = 1
    possible: dict[tuple[int, int], list[Option]] = {}  # (units, id of the options): alone
    reasons: dict[tuple[tuple[int, int], Option], tuple[Option | None, Why, Option | None]] = {}
    receipts = receipt_days(shortage, chosen)
    users: dict[str, list[tuple[date, datetime, str]]] = defaultdict(list)  # SKU -> shipments
    deadlines = {o.order_id: o.deadline for o in shortage.orders}
    for order_id, x in chosen.items():
        if x.sku_id is not None and x.day is not None and order_id in deadlines:
            users[x.sku_id].append((x.day, deadlines[order_id], order_id))
    decisions = []
    for o in sorted(shortage.orders, key=lambda x: (x.deadline, x.order_id)):
        mine = chosen[o.order_id]
        key = (o.quantity, id(opts[o.order_id]))  # orders of one profile share the tuple
        if key not in possible:
            possible[key] = [x for x in opts[o.order_id] if alone.fits(x, o.quantity)]
        if (key, mine) not in reasons:
            others = [x for x in possible[key] if x.action is not mine.action]
            cheaper = sorted((x for x in possible[key] if x.cost_cents < mine.cost_cents),
                             key=Option.sort_key)
            alternative = min(others, key=Option.sort_key) if others else None
            gave_up = cheaper[0] if cheaper else None
            if cheaper:
                why = Why.STOCK
                if all(x.report for x in cheaper) and reports_used >= shortage.reports_left:
                    why = Why.REPORT_LIMIT
            elif alternative is None:
                why = Why.ONLY_OPTION
            elif alternative.cost_cents == mine.cost_cents:
                why = Why.TIE
            else:
                why = Why.CHEAPEST
            reasons[(key, mine)] = (alternative, why, gave_up)
        alternative, why, gave_up = reasons[(key, mine)]
        taken: tuple[str, ...] = ()
        if why is Why.STOCK and gave_up is not None and gave_up.sku_id is not None:
            day = gave_up.day or date.max
            taken = tuple(x for _, _, x in sorted(u for u in users[gave_up.sku_id]
                                                 if u[0] <= day and u[2] != o.order_id))
        decisions.append(Decision(o.order_id, mine, alternative, why, gave_up,
                                  receipts.get(o.order_id), cost_basis(o, mine, shortage),
                                  taken))
    return Plan(method, tuple(decisions), note)


def cost_basis(order: ShortOrder, option: Option, shortage: Shortage) -> CostBasis:
    """What the option's cost pays for, by where the order stands (as `options` prices it)."""
    if option.cost_cents == 0:
        return CostBasis.NOTHING
    if order.standing is Standing.PROMISED:  # only a refund costs: the promise is missed
        return CostBasis.PROMISE_MISSED
    if option.action is Action.SHIP:
        return CostBasis.LATE
    if option.action is Action.SUBSTITUTE:
        if order.standing is Standing.OPEN:  # reported now: the stockout compensation is owed
            pack = shortage.packs[order.pack_id]
            stockout = pack.stockout.compensation.for_paid(order.paid_cents)
            return (CostBasis.STOCKOUT_AND_DIFFERENCE if option.cost_cents > stockout
                    else CostBasis.STOCKOUT)
        return CostBasis.DIFFERENCE
    if order.standing is Standing.OFFERED:  # the stockout is already owed: a refund's margin
        return CostBasis.MARGIN
    return CostBasis.STOCKOUT


def receipt_days(shortage: Shortage, chosen: Mapping[str, Option]) -> dict[str, date]:
    """For each order whose chosen units cannot all come from the stock on hand, the day of the
    expected receipt they wait for: per SKU, the plan's shipments by day (earliest deadline
    first within a day) use the stock on hand first, then the receipts in order of arrival."""
    by_sku: dict[str, list[tuple[date, datetime, str, int]]] = defaultdict(list)
    for o in shortage.orders:
        x = chosen.get(o.order_id)
        if x is not None and x.sku_id is not None and x.day is not None:
            by_sku[x.sku_id].append((x.day, o.deadline, o.order_id, o.quantity))
    out: dict[str, date] = {}
    for sku, shipments in by_sku.items():
        supply = shortage.skus.get(sku)
        if supply is None:
            continue
        arrivals = sorted((r.day, r.quantity) for r in supply.receipts)
        used = 0
        for _day, _, order_id, quantity in sorted(shipments):
            used += quantity
            if used <= supply.on_hand:
                continue
            total = supply.on_hand
            for arrives, units in arrivals:
                total += units
                if total >= used:
                    out[order_id] = max(arrives, shortage.days[0])
                    break
    return out


def prefer_kinds(shortage: Shortage, chosen: dict[str, Option],
                 opts: Mapping[str, tuple[Option, ...]]) -> dict[str, Option]:
    """At equal cost, the preferred kind (`PREFERENCE`: the buyer's own SKU before a
    substitute, shipping before a restock date), then the earlier day, whenever the stock,
    the capacity and the reports allow it: the optimum is the same, the choice the one a
    merchant would make."""
    ledger = Ledger(shortage)
    by_id = {o.order_id: o for o in shortage.orders}
    for order_id, x in chosen.items():
        ledger.take(x, by_id[order_id].quantity)
    for o in sorted(shortage.orders, key=lambda x: (x.deadline, x.order_id)):
        mine = chosen[o.order_id]
        better = [x for x in opts[o.order_id] if x.cost_cents == mine.cost_cents
                  and x.sort_key() < mine.sort_key() and (mine.report or not x.report)]
        if not better:
            continue
        ledger.give(mine, o.quantity)
        pick = next((x for x in better if ledger.fits(x, o.quantity)), mine)
        ledger.take(pick, o.quantity)
        chosen[o.order_id] = pick
    return chosen


def prefer_reports(shortage: Shortage, chosen: dict[str, Option],
                   opts: Mapping[str, tuple[Option, ...]]) -> dict[str, Option]:
    """At equal cost a report beats a refund the merchant makes (the buyer keeps the remedies,
    and the reputation weighs a self-report less): use the reports left for that."""
    left = shortage.reports_left - sum(1 for o in chosen.values() if o.report)
    for o in sorted(shortage.orders, key=lambda x: (x.deadline, x.order_id)):
        if left <= 0:
            break
        mine = chosen[o.order_id]
        if mine.action is not Action.REFUND:
            continue
        report = next((x for x in opts[o.order_id] if x.action is Action.REPORT
                       and x.cost_cents == mine.cost_cents), None)
        if report is not None:
            chosen[o.order_id] = report
            left -= 1
    return chosen


def greedy(shortage: Shortage, order_key: Callable[[ShortOrder], tuple[datetime, str]],
           opts: Mapping[str, tuple[Option, ...]], first: Mapping[str, Option] | None = None
           ) -> dict[str, Option]:
    """Orders one by one in `order_key` order, each taking its cheapest option still possible;
    the options in `first` are taken before, each while it still fits."""
    ledger = Ledger(shortage)
    chosen: dict[str, Option] = {}
    by_id = {o.order_id: o for o in shortage.orders}
    for order_id, x in (first or {}).items():
        if ledger.fits(x, by_id[order_id].quantity):
            ledger.take(x, by_id[order_id].quantity)
            chosen[order_id] = x
    for o in sorted(shortage.orders, key=order_key):
        if o.order_id in chosen:
            continue
        pick = next(x for x in opts[o.order_id] if ledger.fits(x, o.quantity))
        ledger.take(pick, o.quantity)
        chosen[o.order_id] = pick
    return chosen


def by_deadline(o: ShortOrder) -> tuple[datetime, str]:
    """Earliest deadline first (the capacity plan's order); a promised date is the deadline."""
    return (o.promised or o.deadline, o.order_id)


def fcfs(shortage: Shortage, opts: Mapping[str, tuple[Option, ...]] | None = None) -> Plan:
    """First come, first served: by confirmation time, each order its cheapest option left."""
    opts = opts if opts is not None else all_options(shortage)
    chosen = greedy(shortage, lambda o: (o.confirmed_at, o.order_id), opts)
    return explain(shortage, chosen, opts, "fcfs")


def edf(shortage: Shortage, opts: Mapping[str, tuple[Option, ...]] | None = None) -> Plan:
    """Earliest deadline first, each order its cheapest option left."""
    opts = opts if opts is not None else all_options(shortage)
    return explain(shortage, greedy(shortage, by_deadline, opts), opts, "edf")

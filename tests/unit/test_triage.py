"""Shortage triage: the optimiser's plan costs the least (checked against brute force on small
generated shortages), keeps every rule of the pack, and never costs more than the baselines;
a solver out of time still answers with a valid plan and says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockout.domain.inventory import Receipt
from stockout.domain.times import shanghai_day
from stockout.domain.triage import (
    Action,
    CostBasis,
    Ledger,
    Option,
    Shortage,
    ShortOrder,
    SkuSupply,
    Standing,
    Why,
    all_options,
    edf,
    fcfs,
    options,
    plan_problems,
    prefer_kinds,
)
from stockout.rulepacks import builtin_packs
from stockout.services.triage.solver import solve
from stockout.simulation.shortage import shortage_day

PACK = next(p for p in builtin_packs() if p.id == "pdd-2025")
NOW = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TODAY = shanghai_day(NOW)
H = timedelta(hours=1)


@st.composite
def shortages(draw: st.DrawFn, max_orders: int = 8) -> Shortage:
    horizon = draw(st.integers(1, 3))
    n_skus = draw(st.integers(1, 3))
    skus = {}
    for i in range(n_skus):
        sku = f"K{i}"
        receipts = tuple(Receipt(TODAY + timedelta(days=draw(st.integers(0, horizon))),
                                 draw(st.integers(1, 3)))
                         for _ in range(draw(st.integers(0, 1))))
        skus[sku] = SkuSupply(sku, draw(st.integers(0, 3)),
                              draw(st.one_of(st.none(), st.integers(1, 3))), receipts,
                              category=draw(st.sampled_from(["服装", "食品"])), title=f"短袖{i}",
                              price_cents=draw(st.sampled_from([4000, 4500, 5000, 12000])),
                              listed=draw(st.booleans()))
    orders = []
    for n in range(draw(st.integers(1, max_orders))):
        sku = draw(st.sampled_from(sorted(skus)))
        q = draw(st.integers(1, 2))
        confirmed = NOW - H * draw(st.integers(0, 100))
        deadline = confirmed + PACK.deadline.default
        standing = draw(st.sampled_from(list(Standing)))
        extra: dict[str, object] = {}
        if standing is Standing.OFFERED:
            opened = NOW - H * draw(st.integers(0, 60))
            extra = {"offer_opened_at": opened, "choose_by": opened + PACK.remedies.choice_window}
        elif standing is Standing.PROMISED:
            extra = {"promised": NOW + H * draw(st.integers(1, 80))}
        orders.append(ShortOrder(
            f"o{n}", sku, q, (skus[sku].price_cents or 0) * q, PACK.id, confirmed, deadline,
            campaign=draw(st.booleans()), standing=standing,
            late_owed=deadline < NOW and draw(st.booleans()), **extra))
    return Shortage("s1", NOW, horizon, tuple(orders), skus, {PACK.id: PACK},
                    draw(st.integers(0, 2)), draw(st.sampled_from([0, 20])))


def brute_force(shortage: Shortage) -> int:
    """The least cost of any plan that keeps every rule: depth first over each order's options,
    cutting a branch once it cannot beat the best plan found."""
    opts = all_options(shortage)
    orders = list(shortage.orders)
    floor = [min(x.cost_cents for x in opts[o.order_id]) for o in orders]
    rest = [sum(floor[i:]) for i in range(len(orders) + 1)]
    best = [sum(max(x.cost_cents for x in opts[o.order_id]) for o in orders) + 1]

    def go(i: int, ledger: Ledger, cost: int) -> None:
        if cost + rest[i] >= best[0]:
            return
        if i == len(orders):
            best[0] = cost
            return
        o = orders[i]
        for x in opts[o.order_id]:
            if ledger.fits(x, o.quantity):
                copy = _copy(ledger)
                copy.take(x, o.quantity)
                go(i + 1, copy, cost + x.cost_cents)

    go(0, Ledger(shortage), 0)
    return best[0]


def _copy(ledger: Ledger) -> Ledger:
    new = Ledger.__new__(Ledger)
    new.days, new.index, new.skus = ledger.days, ledger.index, ledger.skus
    new.reports_left = ledger.reports_left
    new.slack = {k: list(v) for k, v in ledger.slack.items()}
    new.room = {k: list(v) for k, v in ledger.room.items()}
    return new


@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shortages())
def test_optimiser_cost_is_the_brute_force_minimum_and_plans_keep_every_rule(s: Shortage
                                                                             ) -> None:
    plan = solve(s)
    assert plan.method == "optimal"
    assert plan.cost_cents == brute_force(s)
    for p in (plan, fcfs(s), edf(s)):
        assert plan_problems(s, p.chosen()) == [], p.method
    assert plan.cost_cents <= min(fcfs(s).cost_cents, edf(s).cost_cents)
    assert len(plan.decisions) == len(s.orders)


@settings(max_examples=70, deadline=None)
@given(shortages())
def test_plan_never_takes_an_action_the_pack_forbids(s: Shortage) -> None:
    """Read straight from the pack, not from the model's options."""
    chosen = solve(s).chosen()
    by_id = {o.order_id: o for o in s.orders}
    reports = [o for o, x in chosen.items() if x.report]
    assert len(reports) <= s.reports_left <= PACK.self_report.daily_limit
    for order_id, x in chosen.items():
        o = by_id[order_id]
        if x.report:
            assert o.standing is Standing.OPEN and not o.campaign  # allow_campaign = false
        if x.action is Action.REPORT:
            assert x.report
        if x.day is not None:
            assert TODAY <= x.day < TODAY + timedelta(days=s.horizon_days)
        if x.action is Action.SHIP and o.standing is Standing.OPEN:
            limit = o.deadline + PACK.stockout.unshipped_after_deadline
            assert x.day is not None and x.day <= shanghai_day(limit)  # not yet a stockout
            late = x.day > shanghai_day(o.deadline) and o.deadline > NOW and not o.late_owed
            assert x.cost_cents == (PACK.late_shipment.compensation.for_paid(o.paid_cents)
                                    if late else 0)
        if x.action is Action.SHIP and o.standing is Standing.PROMISED:
            assert o.promised is not None and x.day is not None
            assert x.day <= shanghai_day(o.promised) and x.sku_id == o.sku_id
        if x.action is Action.RESTOCK:
            opened = o.offer_opened_at or NOW
            assert x.day is not None
            assert x.day <= shanghai_day(opened + PACK.remedies.max_wait)
        if x.action is Action.SUBSTITUTE:
            sub, own = s.skus[x.sku_id or ""], s.skus[o.sku_id]
            assert sub.sku_id != own.sku_id and sub.category == own.category and sub.listed
            band = PACK.remedies.substitute_price_band_percent
            price = (sub.price_cents or 0) * o.quantity * 100
            assert o.paid_cents * (100 - band) <= price <= o.paid_cents * (100 + band)
            assert x.day is not None and x.day <= shanghai_day(NOW + PACK.deadline.default)
        if o.standing is not Standing.OPEN:
            assert x.action is not Action.REPORT


def _order(order_id: str, hours_left: float, **extra: object) -> ShortOrder:
    return ShortOrder(order_id, "K1", 1, 5000, PACK.id, NOW - 10 * H,
                      NOW + H * hours_left, **extra)  # type: ignore[arg-type]


def test_optimiser_gives_the_unit_to_the_campaign_order_that_cannot_be_reported() -> None:
    """EDF ships the earlier deadline and leaves the campaign order nothing but a refund; the
    optimiser ships the campaign order and reports the other (its restock date once goods
    arrive), which keeps both sales."""
    skus = {"K1": SkuSupply("K1", 1, 5, (Receipt(TODAY + timedelta(days=5), 1),),
                            price_cents=5000)}
    orders = (_order("a", 2), _order("b", 5, campaign=True))
    s = Shortage("s1", NOW, 7, orders, skus, {PACK.id: PACK}, 1, margin_percent=20)
    stockout = PACK.stockout.compensation.for_paid(5000)
    assert edf(s).chosen()["b"].action is Action.REFUND
    assert edf(s).cost_cents == stockout + 1000
    plan = solve(s)
    chosen = plan.chosen()
    assert chosen["b"] == Option(Action.SHIP, 0, "K1", TODAY)
    assert chosen["a"].action is Action.RESTOCK and chosen["a"].report
    assert chosen["a"].day is not None and chosen["a"].day >= TODAY + timedelta(days=5)
    assert plan.cost_cents == stockout
    why = {d.order_id: d for d in plan.decisions}
    assert why["a"].why == "stock" and why["a"].alternative is not None
    assert why["a"].gave_up == Option(Action.SHIP, 0, "K1", TODAY)
    assert why["a"].taken_by == ("b",)  # the campaign order ships the unit
    assert why["a"].alternative.action is Action.SHIP  # alone, it would have shipped today


def test_a_cheaper_action_kept_out_by_the_report_limit_says_so() -> None:
    """Goods arrive after the order would be a stockout: only a restock date (a report) or a
    refund is left, and no report is left today."""
    skus = {"K1": SkuSupply("K1", 0, None, (Receipt(TODAY + timedelta(days=5), 1),))}
    s = Shortage("s1", NOW, 7, (_order("a", 5),), skus, {PACK.id: PACK}, 0, margin_percent=20)
    d = solve(s).decisions[0]
    assert d.option.action is Action.REFUND and d.why == "report_limit"
    assert d.alternative is not None and d.alternative.cost_cents < d.option.cost_cents


def test_solver_out_of_time_answers_with_a_valid_plan_no_worse_than_edf_and_says_so() -> None:
    s = shortage_day(3, 600, NOW, PACK)
    plan = solve(s, time_limit=0.0)
    assert plan.method in ("best_found", "rounded", "greedy") and "time limit" in plan.note
    assert plan_problems(s, plan.chosen()) == []
    assert plan.cost_cents <= edf(s).cost_cents


def test_orders_of_one_profile_share_options_and_each_keeps_its_own_id() -> None:
    s = shortage_day(5, 300, NOW, PACK)
    opts = all_options(s)
    assert set(opts) == {o.order_id for o in s.orders}
    plan = solve(s)
    assert sorted(d.order_id for d in plan.decisions) == sorted(opts)
    assert plan_problems(s, plan.chosen()) == []
    assert plan.cost_cents <= edf(s).cost_cents


def test_a_promised_order_without_goods_has_refund_as_its_only_option_and_says_what_it_pays(
) -> None:
    """The trial's o-1003: the buyer accepted a date, nothing is on hand or coming: a refund
    is all that is left, and it costs a second coupon because the promise is missed."""
    skus = {"K1": SkuSupply("K1", 0, None)}
    o = _order("a", -20, standing=Standing.PROMISED, promised=NOW + 30 * H)
    d = solve(Shortage("s1", NOW, 7, (o,), skus, {PACK.id: PACK}, 5)).decisions[0]
    assert d.option.action is Action.REFUND and d.alternative is None
    assert (d.why, d.basis) == (Why.ONLY_OPTION, CostBasis.PROMISE_MISSED)
    assert d.option.cost_cents == PACK.stockout.compensation.for_paid(5000)


def test_shipping_from_an_expected_receipt_names_the_receipt_and_what_it_saves() -> None:
    """Nothing on hand, 1 unit expected in two days, the deadline that day: ship it then, in
    time, rather than report or refund."""
    skus = {"K1": SkuSupply("K1", 0, None, (Receipt(TODAY + timedelta(days=2), 1),))}
    o = _order("a", 48 + 6)
    d = solve(Shortage("s1", NOW, 7, (o,), skus, {PACK.id: PACK}, 5)).decisions[0]
    assert d.option == Option(Action.SHIP, 0, "K1", TODAY + timedelta(days=2))
    assert (d.why, d.basis, d.receipt_day) == (Why.CHEAPEST, CostBasis.NOTHING,
                                               TODAY + timedelta(days=2))
    assert d.alternative is not None
    assert d.alternative.cost_cents - d.option.cost_cents == PACK.stockout.compensation.for_paid(
        5000)


def test_at_equal_cost_the_buyers_own_item_beats_a_substitute() -> None:
    """The trial's o-0902: reported, its own SKU in stock and a substitute in the band, both
    free to the merchant: the plan ships the buyer's own SKU and says it was a tie."""
    skus = {"K1": SkuSupply("K1", 18, None, category="茶", price_cents=8500),
            "K2": SkuSupply("K2", 9, None, category="茶", price_cents=8800)}
    o = ShortOrder("a", "K1", 1, 8500, PACK.id, NOW - 10 * H, NOW + 5 * H,
                   standing=Standing.OFFERED, offer_opened_at=NOW - H,
                   choose_by=NOW - H + PACK.remedies.choice_window)
    s = Shortage("s1", NOW, 7, (o,), skus, {PACK.id: PACK}, 5)
    assert any(x.action is Action.SUBSTITUTE and x.cost_cents == 0 for x in options(o, s))
    d = solve(s).decisions[0]
    assert (d.option.action, d.option.sku_id, d.option.day) == (Action.RESTOCK, "K1", TODAY)
    assert d.why is Why.TIE and d.receipt_day is None
    assert d.alternative is not None and d.alternative.cost_cents == 0


def test_prefer_kinds_keeps_the_cost_and_every_rule() -> None:
    s = shortage_day(5, 300, NOW, PACK)
    opts = all_options(s)
    plan = solve(s)
    again = prefer_kinds(s, plan.chosen(), opts)
    assert sum(x.cost_cents for x in again.values()) == plan.cost_cents
    assert plan_problems(s, again) == []

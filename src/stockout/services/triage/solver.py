"""The optimiser of a shortage triage: a mixed-integer program over the domain's options, solved
by HiGHS through `scipy.optimize.milp`.

Orders alike in everything the model sees (units and the same options at the same costs) are
one class with an integer count per option: a shop's 10,000 orders of a few SKUs become a few
hundred columns, and the optimum is the same as with one binary per order and option.
Rows: each class's orders take one option each; per SKU and day, the units shipped up to that
day stay within the stock on hand plus the receipts arrived, and the units shipped that day
within its capacity; the reports within today's limit.

The relaxation is solved first and its solution, rounded down and completed greedily, is a
plan in hand (optimal when it costs the relaxation's bound). When HiGHS does not prove an
optimum within the time limit, the cheapest of the best plan it found, that rounded plan and
the earliest-deadline-first plan is used, and the plan says which it is.
"""

from __future__ import annotations

import time
from collections import defaultdict
from itertools import pairwise

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from stockout.domain.triage import (
    Ledger,
    Option,
    Plan,
    Shortage,
    ShortOrder,
    all_options,
    by_deadline,
    explain,
    greedy,
    prefer_kinds,
    prefer_reports,
)

TIME_LIMIT_SECONDS = 4.0
EXPLAIN_SECONDS_PER_ORDER = 1e-4  # kept back from the solver for the plan's explanation
ROOT_PER_RELAXATION = 50  # the search's root costs about this many relaxations (see below)


def solve(shortage: Shortage, time_limit: float = TIME_LIMIT_SECONDS) -> Plan:
    """The cheapest plan HiGHS proves within about `time_limit` seconds in all (see the
    module): the solver gets what is left once the model is built, less the time to explain
    the plan afterwards."""
    started = time.perf_counter()
    opts = all_options(shortage)
    baseline = greedy(shortage, by_deadline, opts)
    if not shortage.orders:
        return explain(shortage, {}, opts, "optimal")
    # A class: the orders of one quantity sharing one options tuple (one per profile).
    classes: dict[tuple[int, int], list[ShortOrder]] = defaultdict(list)
    for o in shortage.orders:
        classes[(o.quantity, id(opts[o.order_id]))].append(o)
    keys = list(classes)
    cols = [(k, x) for k, key in enumerate(keys)
            for x in _undominated(opts[classes[key][0].order_id])]
    supply = Ledger(shortage)
    day_index = supply.index
    lower: list[float] = []
    upper: list[float] = []

    def row(lo: float, hi: float) -> int:
        lower.append(lo)
        upper.append(hi)
        return len(lower) - 1

    class_rows = [row(len(classes[key]), len(classes[key])) for key in keys]
    report_row = row(0, max(shortage.reports_left, 0))
    # Per SKU and day: units shipped + left at the end of the day - left the day before =
    # arrived (the stock on hand on the first day), and units shipped <= capacity.
    flow_rows: dict[tuple[str, int], int] = {}
    room_rows: dict[tuple[str, int], int] = {}
    cells: list[tuple[int, int, float]] = []  # (row, column, value)
    for j, (k, x) in enumerate(cols):
        cells.append((class_rows[k], j, 1.0))
        if x.report:
            cells.append((report_row, j, 1.0))
        if x.sku_id is None or x.day is None:
            continue
        i, q = day_index[x.day], float(keys[k][0])
        if (x.sku_id, 0) not in flow_rows:
            arrived = [supply.slack[x.sku_id][0]] + [
                b - a for a, b in pairwise(supply.slack[x.sku_id])]
            for n, units in enumerate(arrived):
                flow_rows[(x.sku_id, n)] = row(units, units)
        cells.append((flow_rows[(x.sku_id, i)], j, q))
        cap = supply.room[x.sku_id][i]
        if cap is not None:
            if (x.sku_id, i) not in room_rows:
                room_rows[(x.sku_id, i)] = row(-np.inf, cap)
            cells.append((room_rows[(x.sku_id, i)], j, q))
    # The stock left at the end of each day: one column per SKU and day.
    stock_cols = len(cols)
    for n, ((sku, i), r) in enumerate(sorted(flow_rows.items())):
        cells.append((r, stock_cols + n, 1.0))
        if i + 1 < len(supply.days):
            cells.append((flow_rows[(sku, i + 1)], stock_cols + n, -1.0))
    width = stock_cols + len(flow_rows)
    rows, colidx, vals = zip(*cells, strict=True)
    a = coo_matrix((vals, (rows, colidx)), shape=(len(lower), width)).tocsr()
    cost = np.concatenate([[x.cost_cents for _, x in cols], np.zeros(len(flow_rows))])
    ub = np.concatenate([[len(classes[keys[k]]) for k, _ in cols],
                         np.full(len(flow_rows), np.inf)])
    integrality = np.concatenate([np.ones(len(cols)), np.zeros(len(flow_rows))])
    members = {k: sorted(classes[key], key=lambda o: (o.deadline, o.order_id))
               for k, key in enumerate(keys)}

    def plan_of(x: np.ndarray) -> dict[str, Option]:
        """Each class's orders to its columns' counts (rounded down), earliest deadline first."""
        counts = np.floor(x[:stock_cols] + 1e-6).astype(int)
        chosen: dict[str, Option] = {}
        taken: dict[int, int] = defaultdict(int)
        for j, (k, option) in enumerate(cols):
            for o in members[k][taken[k]:taken[k] + counts[j]]:
                chosen[o.order_id] = option
            taken[k] += counts[j]
        return chosen

    def left() -> float:
        spent = time.perf_counter() - started
        return time_limit - spent - EXPLAIN_SECONDS_PER_ORDER * len(shortage.orders)

    bounds, rows_ = Bounds(0, ub), LinearConstraint(a, lower, upper)
    # (cost, preference at equal cost, plan, method); the relaxation first: its solution rounded down and completed greedily is a plan in hand.
    candidates = [(plan_cost(baseline), 2, baseline, "greedy")]
    lp_started = time.perf_counter()
    relaxed = milp(cost, integrality=np.zeros(width), bounds=bounds, constraints=rows_,
                   options={"time_limit": left(), "presolve": False}) if left() > 0 else None
    lp_seconds = time.perf_counter() - lp_started
    if relaxed is not None and relaxed.x is not None:
        rounded = greedy(shortage, by_deadline, opts, plan_of(relaxed.x))
        candidates.append((plan_cost(rounded), 1, rounded, "rounded"))
        if relaxed.status == 0 and plan_cost(rounded) <= relaxed.fun + 1e-6:
            candidates[-1] = (plan_cost(rounded), 0, rounded, "optimal")
    # HiGHS reads its clock only between phases of its search: its root alone took about 50
    # times the relaxation's time at 10,000 orders (5.3 s against 0.11 s, whatever its limit).
    # Without that much time left it would only overrun the plan's time budget.
    if left() > ROOT_PER_RELAXATION * lp_seconds and not any(c[3] == "optimal"
                                                             for c in candidates):
        result = milp(cost, integrality=integrality, bounds=bounds, constraints=rows_,
                      options={"time_limit": left(), "mip_rel_gap": 0.0, "presolve": False})
        if result.x is not None:
            found = plan_of(result.x)
            if len(found) == len(shortage.orders):
                method = "optimal" if result.status == 0 else "best_found"
                candidates.append((plan_cost(found), -1, found, method))
    _, _, chosen, method = min(candidates, key=lambda c: (c[0], c[1]))
    note = ""
    if method != "optimal":
        name = {"greedy": "the greedy plan (earliest deadline first)",
                "rounded": "the solver's relaxation rounded and completed greedily",
                "best_found": "the best plan the solver found so far"}[method]
        note = f"time limit {time_limit:g} s reached: {name}"
    chosen = prefer_kinds(shortage, dict(chosen), opts)
    return explain(shortage, prefer_reports(shortage, chosen, opts), opts, method, note)


def plan_cost(chosen: dict[str, Option]) -> int:
    return sum(x.cost_cents for x in chosen.values())


def _undominated(options: tuple[Option, ...]) -> list[Option]:
    """The options no other option beats: one on the same SKU and day (or without either), at
    most as costly, and needing a report only if it does too. Dropping the others keeps the
    optimum."""
    best: dict[tuple[str | None, object, bool], Option] = {}
    for x in options:  # cheapest first
        best.setdefault((x.sku_id, x.day, x.report), x)
    return [x for x in best.values()
            if x.report is False or (x.sku_id, x.day, False) not in best
            or best[(x.sku_id, x.day, False)].cost_cents > x.cost_cents]

"""The optimiser of a shortage triage: a mixed-integer program over the domain's options, solved
by HiGHS through `scipy.optimize.milp`.

Orders alike in everything the model sees (units and the same options at the same costs) are
one class with an integer count per option: a shop's 10,000 orders of a few SKUs become a few
hundred columns, and the optimum is the same as with one binary per order and option.
Rows: each class's orders take one option each; per SKU and day, the units shipped up to that
day stay within the stock on hand plus the receipts arrived, and the units shipped that day
within its capacity; the reports within today's limit.

When HiGHS does not finish within the time limit, the best plan it found is used, or the
earliest-deadline-first plan when it found none or that one costs less; the plan says which.
"""

from __future__ import annotations

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
    edf,
    explain,
    prefer_reports,
)

TIME_LIMIT_SECONDS = 4.0
DISP = False


def solve(shortage: Shortage, time_limit: float = TIME_LIMIT_SECONDS) -> Plan:
    """The cheapest plan HiGHS proves within `time_limit` seconds (see the module)."""
    opts = all_options(shortage)
    baseline = edf(shortage, opts)
    if not shortage.orders:
        return explain(shortage, {}, opts, "optimal")
    classes: dict[tuple[int, tuple[Option, ...]], list[ShortOrder]] = defaultdict(list)
    for o in shortage.orders:
        classes[(o.quantity, opts[o.order_id])].append(o)
    keys = list(classes)
    cols = [(k, x) for k, key in enumerate(keys) for x in _undominated(key[1])]
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
    result = milp(cost, integrality=integrality, bounds=Bounds(0, ub),
                  constraints=LinearConstraint(a, lower, upper),
                  options={"time_limit": max(time_limit, 0.01), "mip_rel_gap": 0.0, "presolve": False,
                           "disp": DISP})
    if result.x is None:
        return _fallback(shortage, baseline, opts, "the solver found no plan within "
                                                   f"{time_limit:g} s")
    counts = np.rint(result.x[:stock_cols]).astype(int)
    chosen: dict[str, Option] = {}
    taken: dict[int, int] = defaultdict(int)
    members = {k: sorted(classes[key], key=lambda o: (o.deadline, o.order_id))
               for k, key in enumerate(keys)}
    for j, (k, x) in enumerate(cols):
        for o in members[k][taken[k]:taken[k] + counts[j]]:
            chosen[o.order_id] = x
        taken[k] += counts[j]
    method, note = ("optimal", "") if result.status == 0 else \
        ("best_found", f"time limit {time_limit:g} s reached: the best plan found so far")
    if len(chosen) != len(shortage.orders) or sum(
            x.cost_cents for x in chosen.values()) > baseline.cost_cents:
        return _fallback(shortage, baseline, opts, note or "the solver's plan cost more")
    return explain(shortage, prefer_reports(shortage, chosen, opts), opts, method, note)


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


def _fallback(shortage: Shortage, baseline: Plan, opts: dict[str, tuple[Option, ...]],
              why: str) -> Plan:
    chosen = prefer_reports(shortage, baseline.chosen(), opts)
    return explain(shortage, chosen, opts, "greedy",
                   f"{why}: the earliest-deadline-first plan instead")

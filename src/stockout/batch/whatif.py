"""What-if: how verdict counts and compensation change between two rule books on the same events.

Both runs use the same engine and the same events; the comparison is per violation, per shop
and in total, as plain rows that the reports turn into tables and a chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from stockout.domain.verdicts import Violation


@dataclass(frozen=True, slots=True)
class Change:
    """Verdicts and compensation (fen) of one group under rules A and under rules B."""

    key: str
    count_a: int
    count_b: int
    cents_a: int
    cents_b: int

    @property
    def count_delta(self) -> int:
        return self.count_b - self.count_a

    @property
    def cents_delta(self) -> int:
        return self.cents_b - self.cents_a


@dataclass(frozen=True, slots=True)
class WhatIf:
    rules_a: str
    rules_b: str
    by_violation: tuple[Change, ...]
    total: Change
    by_shop: tuple[Change, ...]  # every shop with a verdict under A or B, largest change first


def _sums(result: pa.Table, key: str) -> dict[str, tuple[int, int]]:
    grouped = result.group_by(key).aggregate([("order_id", "count"),
                                              ("compensation_cents", "sum")])
    keys = grouped[key].to_pylist()
    counts = grouped["order_id_count"].to_pylist()
    cents = grouped["compensation_cents_sum"].to_pylist()
    return {k: (int(n), int(c or 0)) for k, n, c in zip(keys, counts, cents, strict=True)
            if k is not None}


def _changes(a: dict[str, tuple[int, int]], b: dict[str, tuple[int, int]],
             keys: Sequence[str]) -> list[Change]:
    return [Change(k, a.get(k, (0, 0))[0], b.get(k, (0, 0))[0], a.get(k, (0, 0))[1],
                   b.get(k, (0, 0))[1]) for k in keys]


def compare(result_a: pa.Table, result_b: pa.Table, rules_a: str, rules_b: str) -> WhatIf:
    """Compare two result tables (`records.RESULT_COLUMNS`) of the same events."""
    va, vb = _sums(result_a, "violation"), _sums(result_b, "violation")
    by_violation = _changes(va, vb, [v.value for v in Violation])
    total = Change("total", sum(c.count_a for c in by_violation),
                   sum(c.count_b for c in by_violation), sum(c.cents_a for c in by_violation),
                   sum(c.cents_b for c in by_violation))
    sa, sb = _sums(result_a, "shop_id"), _sums(result_b, "shop_id")
    shops = _changes(sa, sb, sorted(set(sa) | set(sb)))
    shops.sort(key=lambda c: (-abs(c.cents_delta), -abs(c.count_delta), c.key))
    return WhatIf(rules_a, rules_b, tuple(by_violation), total, tuple(shops))

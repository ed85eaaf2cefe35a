"""One error root and one table: every error stockout names derives from `StockoutError` and has
its row (status, problem type, exit code) in `stockout.errors.OUTCOMES`."""

from __future__ import annotations

import importlib
import pkgutil

import stockout
from stockout.errors import OUTCOMES, StockoutError, outcome

SKIP = ("stockout.__main__", "stockout.store.migrations", "stockout.batch.spark",
        "stockout.simulation")  # they run when imported, or are heavy and name no errors


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_stockout_error_has_its_row_in_the_table() -> None:
    for info in pkgutil.walk_packages(stockout.__path__, "stockout."):
        if not info.name.startswith(SKIP):
            importlib.import_module(info.name)
    kinds = _subclasses(StockoutError)
    assert len(kinds) >= 30
    missing = sorted(k.__qualname__ for k in kinds if k.family not in OUTCOMES)
    assert missing == []


def test_a_refined_code_falls_back_to_its_family_and_an_unknown_one_is_internal() -> None:
    assert outcome("report-refused.daily_limit").status == 429
    assert outcome("report-refused.after_pickup") == outcome("report-refused")
    assert outcome("no-such-family").status == 500
    for row in OUTCOMES.values():
        assert 400 <= row.status < 600 and row.type.startswith("/problems/")
        assert row.exit_code in (1, 2)

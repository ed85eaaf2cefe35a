"""A part's text columns without a byte their patterns refuse are checked without the regular
expressions (`validation.pattern_free`): the reasons must be those of the full checks."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pytest

from stockout.batch.schema import EVENT_SCHEMA
from stockout.batch.validation import pattern_free, reason_sql

TEXTS = ["o1", "", " ", "   ", " o1", "o1 ", "a/b", "a\x01b", "tab\tin", "\x7f", "中通",
         "\u3000", "\u00a0x", "x\x00y", "退款 没货", None]


def _rows(values: list[str | None]) -> pa.Table:
    """Placed orders whose ids and texts take each value (the other fields valid)."""
    n = len(values)
    at = pa.array([datetime(2025, 6, 1, tzinfo=UTC)] * n, EVENT_SCHEMA.field("at").type)
    columns = {f.name: pa.nulls(n, f.type) for f in EVENT_SCHEMA}
    texts = pa.array(values, pa.string())
    columns.update(event_id=pa.array([f"e{i}" for i in range(n)]), order_id=texts,
                   type=pa.array(["order_placed"] * n), at=at, shop_id=texts, buyer_id=texts,
                   sku_id=pa.array(["k"] * n), quantity=pa.array([1] * n, pa.int64()),
                   paid_cents=pa.array([100] * n, pa.int64()), category=texts)
    return pa.table(columns)


@pytest.mark.parametrize("value", TEXTS)
def test_a_column_checked_without_its_pattern_gets_the_reasons_of_the_full_check(
        value: str | None) -> None:
    for values in ([value], [value, "o2"], ["o2", value, None]):
        table = _rows(values)
        con = duckdb.connect()
        con.register("t", table)
        free = pattern_free(table)
        full = con.execute(f"SELECT {reason_sql()} FROM t").fetchall()
        fast = con.execute(f"SELECT {reason_sql(free)} FROM t").fetchall()
        assert fast == full, (values, sorted(free))
        con.close()


def test_only_columns_holding_no_refused_byte_are_free() -> None:
    free = pattern_free(pa.table({
        "order_id": ["o1", None], "event_id": ["e1", "a/b"], "shop_id": [" s", "t"],
        "buyer_id": ["", "b"], "text": ["ok", "x\x00"], "reason": ["a\x01", ""],
        # sliced arrays: only the values inside the slice count
        "tracking_no": pa.array(["a/b", "z1", "z2"]).slice(1, 2),
        "carrier": pa.array(["c1", None, " c"]).slice(0, 2),
        "claim_id": pa.array(["", None, "c"]).slice(1, 2)}))
    assert sorted(free) == ["carrier", "claim_id", "order_id", "reason", "tracking_no"]

"""A part's text columns none of whose bytes breaks a pattern or a length are checked without the
regular expressions and the lengths (`validation.clean_texts`): the reasons must be those of the
full checks, for columns of strings and of dictionaries alike."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pytest

from stockout.batch.schema import EVENT_SCHEMA
from stockout.batch.validation import clean_texts, reason_sql

TEXTS = ["o1", "", " ", "   ", " o1", "o1 ", "a/b", "a\x01b", "tab\tin", "\x7f", "中通",
         "\u3000", "\u00a0x", "x\x00y", "退款 没货", None,
         # lengths: at most 128 characters; a text of 129 bytes may hold fewer characters
         "a" * 128, "a" * 129, "中" * 43, "中" * 128, "中" * 129]


def _rows(values: list[str | None], dictionary: bool = False) -> pa.Table:
    """Placed orders whose ids and texts take each value (the other fields valid); the texts
    as a dictionary array if `dictionary`."""
    n = len(values)
    at = pa.array([datetime(2025, 6, 1, tzinfo=UTC)] * n, EVENT_SCHEMA.field("at").type)
    columns = {f.name: pa.nulls(n, f.type) for f in EVENT_SCHEMA}
    texts = pa.array(values, pa.string())
    if dictionary:
        texts = texts.dictionary_encode()
    columns.update(event_id=pa.array([f"e{i}" for i in range(n)]), order_id=texts,
                   type=pa.array(["order_placed"] * n), at=at, shop_id=texts, buyer_id=texts,
                   sku_id=pa.array(["k"] * n), quantity=pa.array([1] * n, pa.int64()),
                   paid_cents=pa.array([100] * n, pa.int64()), category=texts)
    return pa.table(columns)


@pytest.mark.parametrize("dictionary", [False, True], ids=["strings", "dictionary"])
@pytest.mark.parametrize("value", TEXTS)
def test_a_column_checked_without_its_pattern_gets_the_reasons_of_the_full_check(
        value: str | None, dictionary: bool) -> None:
    for values in ([value], [value, "o2"], ["o2", value, None]):
        table = _rows(values, dictionary)
        con = duckdb.connect()
        con.register("t", table)
        free = clean_texts(table)
        full = con.execute(f"SELECT {reason_sql()} FROM t").fetchall()
        fast = con.execute(f"SELECT {reason_sql(free)} FROM t").fetchall()
        assert fast == full, (values, sorted(free))
        con.close()


def test_only_columns_holding_no_refused_byte_nor_too_many_are_free() -> None:
    free = clean_texts(pa.table({
        "order_id": ["o1", None], "event_id": ["e1", "a/b"], "shop_id": [" s", "t"],
        "buyer_id": ["", "b"], "text": ["ok", "x\x00"], "reason": ["a\x01", ""],
        # sliced arrays: only the values inside the slice count
        "tracking_no": pa.array(["a/b", "z1", "z2"]).slice(1, 2),
        "carrier": pa.array(["c1", None, " c"]).slice(0, 2),
        "claim_id": pa.array(["", None, "c"]).slice(1, 2),
        # 129 bytes: perhaps 129 characters (only the check can tell), under a limit of 128
        "sku_id": ["中" * 43, "k"], "substitute_sku_id": ["a" * 128, "k"],
        # a dictionary's values are looked at, used or not
        "category": pa.array(["c", "d"]).dictionary_encode(),
        "region": pa.DictionaryArray.from_arrays(pa.array([0, 0], pa.int32()), ["r", "x\x00"])}))
    assert sorted(free) == ["carrier", "category", "claim_id", "order_id", "reason",
                            "substitute_sku_id", "tracking_no"]

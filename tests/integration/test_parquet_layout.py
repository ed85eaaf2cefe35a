"""The judge-ready Parquet layout as written (schema.LAYOUT_COLUMNS): what the engines rely on."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from stockout.batch import prepare
from stockout.batch.parquet_io import open_events
from stockout.batch.prepare import write_simulated
from stockout.simulation import simulate_events


@pytest.fixture(scope="module")
def laid_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,500 simulated orders laid out in several slices and small row groups."""
    path = tmp_path_factory.mktemp("layout") / "events.parquet"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(prepare, "SLICE_ROWS", 4_000)
        patch.setattr(prepare, "LAYOUT_ROW_GROUP", 1_000)
        write_simulated(simulate_events(1_500, 3).lines(), path, buckets=6, chunk=3_000)
    return path


def test_every_row_group_holds_one_event_type_sorted_by_order_then_event(laid_out: Path) -> None:
    meta = pq.ParquetFile(laid_out).metadata
    type_column = pq.read_schema(laid_out).get_field_index("type")
    assert meta.num_row_groups > 13  # several types, slices and full row groups
    seen = defaultdict(list)
    for i in range(meta.num_row_groups):
        stats = meta.row_group(i).column(type_column).statistics
        assert stats.min == stats.max, f"row group {i} mixes {stats.min} and {stats.max}"
        group = pq.ParquetFile(laid_out).read_row_group(i, columns=["ok", "eid"])
        keys = list(zip(group["ok"].to_pylist(), group["eid"].to_pylist(), strict=True))
        assert keys == sorted(keys)
        seen[stats.min].append(i)
    assert max(meta.row_group(i).num_rows for i in range(meta.num_row_groups)) <= 1_000
    assert {"order_placed", "carrier_scan", "chat_message"} <= set(seen)


def test_orders_and_events_are_numbered_densely_in_time_order_within_each_order(
        laid_out: Path) -> None:
    table = pq.read_table(laid_out).sort_by([("ok", "ascending"), ("eid", "ascending")])
    rows = table.select(["order_id", "event_id", "type", "at", "ok", "eid", "kr"]).to_pylist()
    assert open_events(laid_out).layout
    assert sorted({r["ok"] for r in rows}) == list(range(len({r["order_id"] for r in rows})))
    assert [r["eid"] for r in rows] == list(range(len(rows)))  # unique, no gap
    assert len({r["event_id"] for r in rows}) == len(rows)  # first arrivals only
    ok_of: dict[str, int] = {}
    for r in rows:
        assert ok_of.setdefault(r["order_id"], r["ok"]) == r["ok"]
    for a, b in pairwise(rows):
        if a["ok"] == b["ok"]:
            assert (a["at"], a["event_id"]) < (b["at"], b["event_id"])
    ranks: dict[tuple[int, str], int] = defaultdict(int)
    for r in rows:
        ranks[r["ok"], r["type"]] += 1
        assert r["kr"] == ranks[r["ok"], r["type"]]


def test_a_file_of_the_first_layout_version_is_judged_as_one_without_the_layout(
        laid_out: Path, tmp_path: Path) -> None:
    """Version 1 sorted every row by order: its integer columns are computed again instead."""
    from stockout.batch.schema import LAYOUT_KEY

    table = pq.read_table(laid_out)
    old = tmp_path / "v1.parquet"
    pq.write_table(table.replace_schema_metadata({**table.schema.metadata, LAYOUT_KEY: b"1"}),
                   old)
    assert open_events(laid_out).layout
    assert open_events(old).unique and not open_events(old).layout

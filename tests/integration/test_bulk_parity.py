"""The columnar engines (DuckDB, Spark) give the pure judge's verdicts, record for record.

Differential tests: the same events judged by `stockout.domain.judge` and by `rules.sql` on each
engine; whole records are compared (order, violation, trigger, detected_at, deadline,
compensation, rule, evidence).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockout.adapters.event_file import EventLog
from stockout.batch import duckdb_engine
from stockout.batch.parquet_io import event_log_table, open_events
from stockout.batch.prepare import write_simulated
from stockout.batch.records import verdict_records
from stockout.batch.schema import events_table
from stockout.domain.announcements import Announcement
from stockout.domain.events import Event
from stockout.rulepacks import resolve_rules
from stockout.services.judging.files import judge_file, judge_log
from stockout.simulation import simulate_announcements, simulate_events, write_jsonl
from stockout.simulation.marketplace import DEFAULT_START
from tests.strategies import T0, announcements, marketplaces

BOOK = resolve_rules("pdd")  # two versions: each order judged by the one in force at its clock
EXAMPLES = int(os.environ.get("STOCKOUT_EXAMPLES", "150"))
# Shifting an order back by this much puts its clock start around the day pdd-2025 took effect.
TO_PACK_CHANGE = (T0 - BOOK.packs[-1].effective) + timedelta(hours=6)


def _lines(records: Iterable[dict[str, Any]]) -> list[str]:
    return [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records]


def pure(events: Sequence[Event], now: datetime,
         notices: Sequence[Announcement]) -> list[dict[str, Any]]:
    log = EventLog()
    for line, e in enumerate(events, start=1):
        log.add(e, line)
    return [v.to_record() for v in judge_log(log, BOOK, now, notices).verdicts]


def columnar(events: Sequence[Event], now: datetime, notices: Sequence[Announcement],
             spark: Any = None) -> list[dict[str, Any]]:
    """Every row as it arrived (duplicates too): the engine keeps the first arrival of an id."""
    table = events_table(events)
    if spark is None:
        result = duckdb_engine.judge(_duckdb(), BOOK, now, notices, table=table, unique=False)
    else:
        from stockout.batch import spark_engine

        result = spark_engine.judge(spark, BOOK, now, notices, table=table, unique=False)
    return list(verdict_records(result))


@cache
def _duckdb() -> Any:
    """One in-memory DuckDB for the many small examples (each query replaces the view)."""
    return duckdb_engine.connect(threads=1)


@st.composite
def shifted_marketplaces(draw: st.DrawFn) -> list[Event]:
    """`marketplaces`, some orders moved back to the days around the rule change (so both pack
    versions judge in one run), arrivals shuffled and a few events delivered twice."""
    events = draw(marketplaces())
    shift = {oid: draw(st.sampled_from([timedelta(0), -TO_PACK_CHANGE]))
             for oid in sorted({e.order_id for e in events})}
    moved = [e._replace(at=e.at + shift[e.order_id],
                        presale_ship_by=e.presale_ship_by and e.presale_ship_by + shift[e.order_id])
             for e in events]
    again = draw(st.lists(st.sampled_from(moved), max_size=3))
    return draw(st.permutations(moved + again))


PARITY = settings(max_examples=EXAMPLES, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PARITY
@given(shifted_marketplaces(), announcements, st.sampled_from([0, 30, 49, 73, 121, 400]))
def test_duckdb_gives_the_pure_judges_verdicts_on_edge_case_timelines(
        events: list[Event], notices: list[Announcement], hours: int) -> None:
    now = T0 + timedelta(hours=hours)
    assert _lines(columnar(events, now, notices)) == _lines(pure(events, now, notices))


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, datetime]:
    """A simulated month of 20,000 orders (JSON Lines) with its announcements."""
    root = tmp_path_factory.mktemp("sim")
    events, notices = root / "events.jsonl", root / "announcements.json"
    write_jsonl(simulate_events(20_000, 11), events)
    notices.write_text(json.dumps(simulate_announcements(11)), encoding="utf-8")
    return events, notices, DEFAULT_START + timedelta(days=40)


def test_duckdb_gives_the_pure_judges_verdicts_on_20000_simulated_orders(
        simulated: tuple[Path, Path, datetime], tmp_path: Path) -> None:
    events, notices, now = simulated
    run = judge_file(events, "pdd", now, notices)
    expected = [v.to_record() for v in run.verdicts]
    parquet = tmp_path / "events.parquet"
    write_simulated(simulate_events(20_000, 11).lines(), parquet)
    con = duckdb_engine.connect()
    result = duckdb_engine.judge(con, BOOK, now, _notices(notices), source=open_events(parquet))
    got = list(verdict_records(result))
    assert len(expected) > 4_000
    assert {r["trigger"] for r in expected} >= {"no_pickup_by_deadline", "self_report",
                                                "merchant_chat", "tracking_reused"}
    assert _lines(got) == _lines(expected)


def _notices(path: Path) -> list[Announcement]:
    from stockout.adapters.event_file import read_announcements

    return read_announcements(path)


def test_the_layout_written_from_an_event_file_keeps_first_arrivals_and_clusters_orders(
        simulated: tuple[Path, Path, datetime]) -> None:
    events, _, _ = simulated
    from stockout.adapters.event_file import read_event_file

    table = event_log_table(read_event_file(events))
    assert table.num_rows == len(set(table["event_id"].to_pylist()))
    orders = table["order_id"].to_pylist()
    changes = sum(1 for a, b in pairwise(orders) if a != b)
    assert changes == len(set(orders)) - 1
    assert isinstance(table, pa.Table)


# --- Spark (local mode, one session for the run: see conftest.py) ---------------------------

def _disjoint(batch: list[list[Event]]) -> list[Event]:
    """Several marketplaces as one, renamed so that no order, shop, buyer or tracking number of
    one meets another's (the rules that span orders see each marketplace alone)."""
    out: list[Event] = []
    for i, events in enumerate(batch):
        def tag(value: str | None, i: int = i) -> str | None:
            return None if value is None else f"m{i}.{value}"

        out += [e._replace(event_id=tag(e.event_id), order_id=tag(e.order_id),
                           shop_id=tag(e.shop_id), buyer_id=tag(e.buyer_id),
                           tracking_no=tag(e.tracking_no)) for e in events]
    return out


@settings(max_examples=int(os.environ.get("STOCKOUT_SPARK_EXAMPLES", "4")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(shifted_marketplaces(), min_size=30, max_size=30), announcements,
       st.sampled_from([30, 73, 400]))
def test_spark_gives_the_pure_judges_verdicts_on_edge_case_timelines(
        spark: Any, batch: list[list[Event]], notices: list[Announcement], hours: int) -> None:
    events = _disjoint(batch)
    now = T0 + timedelta(hours=hours)
    expected = pure(events, now, notices)
    assert _lines(columnar(events, now, notices, spark)) == _lines(expected)
    assert _lines(columnar(events, now, notices)) == _lines(expected)


def test_spark_and_duckdb_give_the_pure_judges_verdicts_on_3000_orders_across_a_rule_change(
        spark: Any, tmp_path: Path) -> None:
    from stockout.batch import spark_engine

    events, notices_path = tmp_path / "events.jsonl", tmp_path / "announcements.json"
    start = BOOK.packs[-1].effective - timedelta(days=12)  # orders on both sides of the change
    write_jsonl(simulate_events(3_000, 5, start=start), events)
    notices_path.write_text(json.dumps(simulate_announcements(5, start=start)), encoding="utf-8")
    now = start + timedelta(days=33)
    expected = [v.to_record() for v in judge_file(events, "pdd", now, notices_path).verdicts]
    assert {r["rule"].split("/")[0] for r in expected} == {p.id for p in BOOK.packs}
    parquet = tmp_path / "events.parquet"
    write_simulated(simulate_events(3_000, 5, start=start).lines(), parquet)
    source = open_events(parquet)
    assert source.unique
    notices = _notices(notices_path)
    by_spark = spark_engine.judge(spark, BOOK, now, notices, source=source)
    con = duckdb_engine.connect()
    by_duckdb = duckdb_engine.judge(con, BOOK, now, notices, source=source)
    assert len(expected) > 300
    assert _lines(verdict_records(by_spark)) == _lines(expected)
    assert _lines(verdict_records(by_duckdb)) == _lines(expected)


def test_an_export_of_orders_is_judge_ready_and_judged_like_the_event_file(
        simulated: tuple[Path, Path, datetime], tmp_path: Path) -> None:
    """What a store exports (each order's events together) is read without de-duplication."""
    from stockout.adapters.event_file import read_event_file
    from stockout.batch.parquet_io import export_orders

    events, notices, now = simulated
    log = read_event_file(events)
    path = tmp_path / "export.parquet"
    export_orders((log.by_order[o] for o in sorted(log.by_order)), path, batch_rows=50_000)
    source = open_events(path)
    assert source.unique
    result = duckdb_engine.judge(_duckdb(), BOOK, now, _notices(notices), source=source)
    expected = [v.to_record() for v in judge_log(log, BOOK, now, _notices(notices)).verdicts]
    assert _lines(verdict_records(result)) == _lines(expected)


@pytest.mark.parametrize("hours_after_change", [0, 2])
def test_the_columnar_pack_choice_ignores_a_confirmation_after_now(
        hours_after_change: int) -> None:
    """Placed before the rule change, confirmed after it: judged between the two, the order is
    under the version in force when it was placed (the confirmation is not seen yet)."""
    from tests.unit.test_rulebook import _placed_before_the_change_confirmed_after

    events, change = _placed_before_the_change_confirmed_after()
    now = change + timedelta(hours=hours_after_change)
    expected = pure(events, now, [])
    assert [r["rule"].split("/")[0] for r in expected] == (
        ["pdd-2023"] if hours_after_change == 0 else ["pdd-2025"])
    assert _lines(columnar(events, now, [])) == _lines(expected)


def test_an_event_file_converted_to_the_integer_layout_is_judged_like_the_event_file(
        simulated: tuple[Path, Path, datetime], tmp_path: Path) -> None:
    """`convert_events`: JSON Lines (validated, first arrivals) to one Parquet file in the
    integer layout, which the engine reads as is."""
    from stockout.batch.prepare import convert_events

    events, notices, now = simulated
    path = tmp_path / "layout.parquet"
    convert_events(events, path, buckets=3)
    source = open_events(path)
    assert source.unique and source.layout
    result = duckdb_engine.judge(_duckdb(), BOOK, now, _notices(notices), source=source)
    expected = [v.to_record() for v in judge_file(events, "pdd", now, notices).verdicts]
    assert _lines(verdict_records(result)) == _lines(expected)


def test_orders_judged_in_ranges_of_the_order_key_give_the_same_verdicts(
        simulated: tuple[Path, Path, datetime], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Above `ROWS_PER_PART` events, the per-order aggregation runs one range of `ok` at a time
    (`split_orders`): the same query in pieces, the same verdicts."""
    events, notices, now = simulated
    parquet = tmp_path / "events.parquet"
    write_simulated(simulate_events(20_000, 11).lines(), parquet, buckets=4)
    source = open_events(parquet)
    assert source.layout
    monkeypatch.setattr(duckdb_engine, "ROWS_PER_PART", 40_000)
    result = duckdb_engine.judge(duckdb_engine.connect(), BOOK, now, _notices(notices),
                                 source=source)
    expected = [v.to_record() for v in judge_file(events, "pdd", now, notices).verdicts]
    assert _lines(verdict_records(result)) == _lines(expected)


def test_reports_at_the_same_instant_over_the_daily_quota_are_ranked_by_event_id() -> None:
    """Twelve orders of one shop report a stockout at the same second: the first ten by
    event id count (the pack's daily quota), whatever the order ids, on every engine."""
    from stockout.domain.events import EventType

    at = T0 + timedelta(hours=1)
    events: list[Event] = []
    for n in range(1, 13):
        oid, tag = f"o{n:02d}", f"r{13 - n:02d}"  # event ids in the reverse order of orders
        events += [
            Event(f"{tag}-placed", oid, EventType.ORDER_PLACED, T0, shop_id="s1",
                  buyer_id=f"b{n}", sku_id="k1", quantity=1, paid_cents=5_000),
            Event(f"{tag}-confirmed", oid, EventType.ORDER_CONFIRMED, T0),
            Event(f"{tag}-report", oid, EventType.STOCKOUT_REPORTED, at, reason="断货"),
        ]
    now = T0 + timedelta(hours=2)
    expected = pure(events, now, [])
    assert sorted(r["order_id"] for r in expected) == [f"o{n:02d}" for n in range(3, 13)]
    assert _lines(columnar(events, now, [])) == _lines(expected)


def test_the_other_upload_of_a_reused_number_at_a_tie_is_the_largest_event_id() -> None:
    """Two other buyers' orders uploaded the number at the same instant: the evidence names
    the later of the two in (at, event_id) order, on every engine."""
    from stockout.domain.events import EventType

    up = T0 + timedelta(hours=2)
    events: list[Event] = []
    for oid, tag, at in [("o1", "z", up), ("o2", "a", up), ("o3", "m", up + timedelta(hours=3))]:
        events += [
            Event(f"{tag}-placed", oid, EventType.ORDER_PLACED, T0, shop_id=f"s{oid}",
                  buyer_id=f"b{oid}", sku_id="k1", quantity=1, paid_cents=5_000),
            Event(f"{tag}-confirmed", oid, EventType.ORDER_CONFIRMED, T0),
            Event(f"{tag}-upload", oid, EventType.SHIPMENT_UPLOADED, at, carrier="中通",
                  tracking_no="ZT1"),
        ]
    now = T0 + timedelta(hours=6)
    expected = pure(events, now, [])
    reused = {r["order_id"]: r["evidence"] for r in expected if r["trigger"] == "tracking_reused"}
    assert reused["o3"] == ["m-upload", "z-upload"]
    assert _lines(columnar(events, now, [])) == _lines(expected)


def test_spark_judges_a_small_parquet_folder_of_another_writer_like_the_pure_judge(
        spark: Any, tmp_path: Path) -> None:
    """Parts without stockout's metadata: de-duplicated and laid out inside the query."""
    import pyarrow.parquet as pq

    from stockout.adapters.event_file import read_event_file
    from stockout.batch.bulk import Engine, judge_path

    path = tmp_path / "events.jsonl"
    write_jsonl(simulate_events(40, 8), path)
    log = read_event_file(path)
    table = event_log_table(log)  # no stockout metadata: not known to be unique
    folder = tmp_path / "parts"
    folder.mkdir()
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), folder / "a.parquet")
    pq.write_table(table.slice(half), folder / "b.parquet")
    now = DEFAULT_START + timedelta(days=40)
    expected = [v.to_record() for v in judge_log(log, BOOK, now, ()).verdicts]
    assert len(expected) > 3
    run = judge_path(folder, BOOK, now, engine=Engine.SPARK, spark=spark)
    assert _lines(verdict_records(run.result)) == _lines(expected)

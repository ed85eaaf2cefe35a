"""Every engine judges any input of the event contract after the one shared preparation
(`batch.prepare`): foreign Parquet (columns in any order, extra or missing optional columns,
no `seq`, parts whose `seq` restarts), validated row by row like JSON lines; a file that breaks
the contract as a whole is refused with the file and the column named."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from stockout.adapters.event_file import read_event_file
from stockout.batch.bulk import Engine, judge_path
from stockout.batch.parquet_io import event_log_table
from stockout.batch.records import verdict_records
from stockout.batch.validation import BadInput
from stockout.rulepacks import resolve_rules
from stockout.services.judging.files import judge_file
from stockout.simulation import simulate_events, write_jsonl
from stockout.simulation.marketplace import DEFAULT_START

BOOK = resolve_rules("pdd")
NOW = DEFAULT_START + timedelta(days=40)
T = DEFAULT_START + timedelta(days=1)
ENGINES = [Engine.PYTHON, Engine.DUCKDB,
           pytest.param(Engine.SPARK, marks=pytest.mark.slow)]


def _judge(path: Path, engine: Engine, request: pytest.FixtureRequest) -> Any:
    spark = request.getfixturevalue("spark") if engine is Engine.SPARK else None
    return judge_path(path, BOOK, NOW, (), engine, spark=spark)


@pytest.fixture(params=["one pass", "staged"])
def preparation(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Parquet input is read in one pass up to `prepare.IN_MEMORY_ROWS` rows, staged into
    buckets above: both ways must give the same outcome."""
    from stockout.batch import prepare

    if request.param == "staged":
        monkeypatch.setattr(prepare, "IN_MEMORY_ROWS", 0)
    return str(request.param)


def _records(run: Any) -> list[str]:
    return [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in verdict_records(run.result)]


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    """1,500 simulated orders as JSON Lines, and the same events as a platform's export: three
    shuffled parts, columns in another order, an extra column, two optional columns and `seq`
    left out. With the pure judge's verdicts of the JSON Lines."""
    root = tmp_path_factory.mktemp("inputs")
    jsonl = root / "events.jsonl"
    write_jsonl(simulate_events(1_500, 4), jsonl)
    table = event_log_table(read_event_file(jsonl))
    order = list(range(table.num_rows))
    random.Random(1).shuffle(order)
    table = table.take(order)
    columns = [c for c in table.column_names if c not in ("seq", "until", "substitute_sku_id")]
    random.Random(2).shuffle(columns)
    parts = root / "export"
    parts.mkdir()
    step = -(-table.num_rows // 3)
    for i in range(3):
        part = table.slice(i * step, step).select(columns)
        part = part.append_column("exported_by", pa.array(["erp"] * part.num_rows))
        pq.write_table(part, parts / f"part-{i}.parquet")
    expected = [json.dumps(v.to_record(), ensure_ascii=False, sort_keys=True)
                for v in judge_file(jsonl, "pdd", NOW).verdicts]
    assert len(expected) > 300
    return jsonl, parts, expected


@pytest.mark.parametrize("engine", ENGINES)
def test_a_shuffled_export_in_parts_without_seq_is_judged_like_the_event_file(
        month: tuple[Path, Path, list[str]], engine: Engine, preparation: str,
        request: pytest.FixtureRequest) -> None:
    _, parts, expected = month
    run = _judge(parts, engine, request)
    assert _records(run) == expected
    assert not run.rejections


def test_the_pure_engines_preparation_stages_what_it_may_not_hold_whole(
        month: tuple[Path, Path, list[str]], request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from stockout.batch import prepare, pure_engine

    _, parts, expected = month
    rows = pq.ParquetDataset(parts).read().num_rows
    staged: list[int] = []
    stage = prepare._stage_parts
    monkeypatch.setattr(prepare, "_stage_parts", lambda *a: staged.append(a[-1]) or stage(*a))
    monkeypatch.setattr(pure_engine, "HOLDING", prepare.Holding(rows - 1, rows // 2))
    assert _records(_judge(parts, Engine.DUCKDB, request)) == expected
    assert staged == []  # the other engines hold it whole
    run = _judge(parts, Engine.PYTHON, request)
    assert _records(run) == expected
    assert staged == [rows // 2]


def test_parts_of_other_column_types_beside_plain_parts_are_judged_like_the_event_file(
        month: tuple[Path, Path, list[str]], tmp_path: Path) -> None:
    """A plain part is read by Arrow as it is, a part whose columns need a cast by DuckDB:
    one folder may hold both."""
    _, parts, expected = month
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for i, part in enumerate(sorted(parts.glob("*.parquet"))):
        table = pq.read_table(part)
        if i == 1:
            table = table.cast(pa.schema([
                pa.field(f.name, {"quantity": pa.int32(), "at": pa.timestamp("ms", tz="UTC"),
                                  "event_id": pa.large_string()}.get(f.name, f.type))
                for f in table.schema]))
        pq.write_table(table, mixed / part.name)
    run = judge_path(mixed, BOOK, NOW, (), Engine.DUCKDB)
    assert _records(run) == expected
    assert not run.rejections


def test_a_part_with_text_that_is_not_utf8_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.parquet"
    rows = [_row("p1", "o1", "order_placed", T, **_PLACED)]
    table = pa.Table.from_pylist([{n: r.get(n) for n in _SCHEMA.names} for r in rows],
                                 schema=_SCHEMA)
    latin1 = pa.array([b"caf\xe9"], pa.binary()).view(pa.string())
    pq.write_table(table.set_column(0, "event_id", latin1), path)
    with pytest.raises(BadInput) as caught:
        judge_path(path, BOOK, NOW, (), Engine.DUCKDB)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("engine", [Engine.PYTHON, Engine.DUCKDB])
def test_json_lines_are_prepared_like_the_pure_judge_reads_them(
        month: tuple[Path, Path, list[str]], engine: Engine,
        request: pytest.FixtureRequest) -> None:
    jsonl, _, expected = month
    run = _judge(jsonl, engine, request)
    assert _records(run) == expected
    assert run.duplicates == read_event_file(jsonl).duplicates > 0


def test_the_pure_engine_reads_ranges_of_orders_in_order_and_gives_the_same_verdicts(
        month: tuple[Path, Path, list[str]], monkeypatch: pytest.MonkeyPatch,
        request: pytest.FixtureRequest) -> None:
    from stockout.batch import pure_engine

    _, parts, expected = month
    monkeypatch.setattr(pure_engine, "ORDERS_PER_RANGE", 170)  # nine ranges of 1,500 orders
    assert _records(_judge(parts, Engine.PYTHON, request)) == expected


def _row(event_id: str, order_id: str, type_: str, at: Any, **fields: Any) -> dict[str, Any]:
    return {"event_id": event_id, "order_id": order_id, "type": type_, "at": at, **fields}


_PLACED = {"shop_id": "s1", "buyer_id": "b1", "sku_id": "k1", "quantity": 1,
           "paid_cents": 5_000}
_SCHEMA = pa.schema([
    ("event_id", pa.string()), ("order_id", pa.string()), ("type", pa.string()),
    ("at", pa.timestamp("us", tz="UTC")), ("shop_id", pa.string()), ("buyer_id", pa.string()),
    ("sku_id", pa.string()), ("quantity", pa.int64()), ("paid_cents", pa.int64()),
    ("presale_ship_by", pa.timestamp("us", tz="UTC")), ("carrier", pa.string()),
    ("tracking_no", pa.string()), ("status", pa.string()), ("seq", pa.int64())])


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    full = [{name: r.get(name) for name in _SCHEMA.names} for r in rows]
    pq.write_table(pa.Table.from_pylist(full, schema=_SCHEMA), path)
    return path


@pytest.mark.parametrize("engine", ENGINES)
def test_parts_whose_seq_restarts_arrive_in_part_order_then_seq(
        tmp_path: Path, engine: Engine, preparation: str,
        request: pytest.FixtureRequest) -> None:
    """The same scan id in two parts, `seq` 7 in the first and 0 in the second: the first
    part's row arrived first and is kept (pickup in time), the other is rejected as a different
    body, with its file and row, on every engine."""
    scan = {"carrier": "中通", "tracking_no": "ZT9"}
    first = [_row("p", "o1", "order_placed", T, seq=5, **_PLACED),
             _row("c", "o1", "order_confirmed", T, seq=6),
             _row("s", "o1", "carrier_scan", T + timedelta(hours=2), seq=7, status="pickup",
                  **scan)]
    second = [_row("s", "o1", "carrier_scan", T + timedelta(hours=60), seq=0,
                   status="pickup", **scan)]
    parts = tmp_path / "parts"
    parts.mkdir()
    _write(parts / "a.parquet", first)
    _write(parts / "b.parquet", second)
    run = _judge(parts, engine, request)
    triggers = {r["trigger"] for r in verdict_records(run.result)}
    assert "no_pickup_by_deadline" not in triggers
    assert "stalled_after_pickup" in triggers  # the kept scan, without a second one
    assert run.duplicates == 1
    assert [(r.file, r.line) for r in run.rejections] == [("b.parquet", 1)]
    assert "different body" in run.rejections[0].reason


@pytest.mark.parametrize("engine", ENGINES)
def test_foreign_parquet_rows_are_validated_like_json_lines_and_the_rest_judged(
        tmp_path: Path, engine: Engine, preparation: str,
        request: pytest.FixtureRequest) -> None:
    far = T.replace(year=2150)
    rows = [
        _row("p1", "o1", "order_placed", T, **_PLACED),
        _row("c1", "o1", "order_confirmed", T),
        _row("x1", "o1", "carrier_scan", T + timedelta(hours=1), carrier="中通",
             tracking_no="Z1", status="lost"),
        _row("x2", "o1", "bogus_type", T + timedelta(hours=1)),
        _row("p2", "o2", "order_placed", T, **{**_PLACED, "paid_cents": -1}),
        _row("p3", "o3", "order_placed", T, **{**_PLACED, "quantity": 0}),
        _row("p4", "o4", "order_placed", far, **_PLACED),
        _row("p5", "o5", "order_placed", T, presale_ship_by=T.replace(year=9999), **_PLACED),
        _row("p6", "o6", "order_placed", T, **{**_PLACED, "shop_id": None}),
        _row("p7", "a/b", "order_placed", T, **_PLACED),
        _row("p8", "   ", "order_placed", T, **_PLACED),
    ]
    run = _judge(_write(tmp_path / "events.parquet", rows), engine, request)
    reasons = {r.line: r.reason for r in run.rejections}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    # The ids a JSON line may not carry (read back through a URL path): the same reason.
    assert reasons[10].startswith("order_id: string should match pattern")
    assert reasons[11] == reasons[10]
    assert {r.file for r in run.rejections} == {"events.parquet"}
    assert "status" in reasons[3] and "'pickup'" in reasons[3]
    assert "bogus_type" in reasons[4]
    assert reasons[5].startswith("paid_cents") and reasons[6].startswith("quantity")
    assert reasons[7] == "at: outside the supported range 2000-01-01 to 2100-01-01"
    assert reasons[8].startswith("presale_ship_by: outside the supported range")
    assert reasons[9] == "shop_id: field required"
    # o1 was judged without the invalid scan: no pickup, a late shipment.
    assert [(r["order_id"], r["trigger"]) for r in verdict_records(run.result)] == [
        ("o1", "no_pickup_by_deadline"), ("o1", "unshipped_after_deadline")]


def test_a_parquet_file_that_breaks_the_contract_is_refused_naming_the_file_and_column(
        tmp_path: Path) -> None:
    no_at = tmp_path / "no_at.parquet"
    pq.write_table(pa.table({"event_id": ["e"], "order_id": ["o"], "type": ["order_placed"]}),
                   no_at)
    text_money = tmp_path / "text_money.parquet"
    pq.write_table(pa.table({"event_id": ["e"], "order_id": ["o"], "type": ["order_placed"],
                             "at": pa.array([T], pa.timestamp("us", tz="UTC")),
                             "paid_cents": ["50"]}), text_money)
    naive = tmp_path / "naive.parquet"
    pq.write_table(pa.table({"event_id": ["e"], "order_id": ["o"], "type": ["order_placed"],
                             "at": pa.array([T.replace(tzinfo=None)], pa.timestamp("us"))}),
                   naive)
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"PAR1 this is not a parquet file")
    for path, words in [(no_at, "no column at"), (text_money, "column paid_cents is string"),
                        (naive, "time zone"), (corrupt, "not a readable Parquet file")]:
        for engine in (Engine.PYTHON, Engine.DUCKDB):
            with pytest.raises(BadInput) as caught:
                judge_path(path, BOOK, NOW, (), engine)
            assert str(path) in str(caught.value) and words in str(caught.value)

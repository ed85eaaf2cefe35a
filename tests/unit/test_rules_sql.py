"""The rules' SQL: generated from the packs, transpiled for Spark, each figure as the domain has it.

Expressions are evaluated in an in-memory DuckDB (no files) and compared with the domain's own
functions on the values around every threshold.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa
import pytest
import sqlglot
from sqlglot import exp

from stockout.batch.records import RESULT_SCHEMA, verdict_table
from stockout.batch.rules_sql import _amount, _pack_index, micros, rules_query, transpile
from stockout.batch.udfs import find_phrases
from stockout.domain.rulebook import RuleBook
from stockout.domain.times import format_time
from stockout.rulepacks import builtin_packs, resolve_rules
from tests.strategies import TEXTS

BOOK = resolve_rules("pdd")
NOW = datetime(2025, 7, 1, tzinfo=UTC)


def test_every_placeholder_is_filled_and_every_duration_comes_from_the_packs() -> None:
    sql = rules_query(BOOK, NOW).duckdb
    assert "${" not in sql
    for pack in BOOK.packs:
        for figure in (pack.stockout.unshipped_after_deadline, pack.fake_shipment.no_scan_after_upload,
                       pack.fake_shipment.tracking_reuse_window, pack.deadline.default):
            assert str(micros(figure)) in sql
    assert "'pdd-2023'" in sql and "'pdd-2025'" in sql


def test_spark_text_parses_as_spark_sql_and_has_no_duckdb_only_syntax() -> None:
    spark = rules_query(BOOK, NOW).spark()
    sqlglot.parse_one(spark, read="spark")
    for duckdb_only in ("STRUCT_PACK", "LIST_FILTER", "//", "MATERIALIZED", "LAMBDA", ":="):
        assert duckdb_only not in spark.upper()


def test_materialisation_hints_are_dropped_for_spark() -> None:
    spark = transpile("WITH a AS MATERIALIZED (SELECT 1 AS x) SELECT x FROM a", "spark")
    assert "MATERIALIZED" not in spark.upper()


def _eval(expr: str, **columns: object) -> object:
    select = ", ".join(f"{v!r} AS {k}" if not isinstance(v, int) else f"{v}::BIGINT AS {k}"
                       for k, v in columns.items())
    rows = duckdb.sql(f"SELECT {expr} FROM (SELECT {select})").fetchall()
    return rows[0][0]


@pytest.mark.parametrize("pack", builtin_packs(), ids=lambda p: p.id)
def test_compensation_in_sql_is_the_packs_scale_rounded_down_to_a_yuan(pack: object) -> None:
    from stockout.domain.rulebook import RulePack

    assert isinstance(pack, RulePack)
    scales = (pack.late_shipment.compensation, pack.stockout.compensation,
              pack.fake_shipment.compensation, pack.fraudulent_shipment.compensation)
    paid_values = {0, 1, 99, 100, 1999, 2000, 9999, 10000, 10099, 29999, 30000, 30001, 30100,
                   123_456, 999_999, 10_000_000}
    for scale in scales:
        expr = _amount(scale, "paid")
        for paid in sorted(paid_values):
            assert _eval(expr, paid=paid) == scale.for_paid(paid), (scale, paid)


def test_the_pack_in_force_at_the_clock_start_is_chosen_as_the_rule_book_does() -> None:
    expr = _pack_index(list(BOOK.packs))
    for pack in BOOK.packs:
        for delta in (timedelta(0), timedelta(microseconds=-1), timedelta(days=400)):
            at = pack.effective + delta
            chosen = BOOK.packs[int(_eval(expr, clock=micros(at)))]  # type: ignore[call-overload]
            assert chosen is BOOK.pack_at(at)
    assert _pack_index([BOOK.packs[0]]) == "0"
    assert isinstance(RuleBook([BOOK.packs[0]]).pack_at(NOW), type(BOOK.packs[0]))


def test_times_are_written_as_the_domain_writes_them() -> None:
    # 2025: UTC+8 without a zone lookup; 1990: summer time (UTC+9); 1900: local mean time
    times = [datetime(2025, 6, 1, 2, 0, tzinfo=UTC), datetime(2025, 6, 1, 2, 0, 0, 500, tzinfo=UTC),
             datetime(1990, 7, 1, 0, 0, tzinfo=UTC), datetime(1990, 1, 1, 0, 0, 1, tzinfo=UTC),
             datetime(1900, 3, 1, 12, 0, tzinfo=UTC), datetime(2025, 12, 31, 16, 0, tzinfo=UTC)]
    n = len(times) + 1
    result = pa.table({
        "order_id": [f"o{i}" for i in range(n)], "shop_id": ["s"] * n, "paid_cents": [100] * n,
        "violation": ["late_shipment"] * n, "trigger": ["not_collected"] * n,
        "detected_us": [micros(datetime(2025, 1, 1, tzinfo=UTC))] * n,
        "deadline_us": [micros(t) for t in times] + [None], "compensation_cents": [1] * n,
        "rule": ["r"] * n, "evidence": [["e"]] * n}, schema=RESULT_SCHEMA)
    table = verdict_table(result)
    assert table["deadline"].to_pylist() == [format_time(t) for t in times] + [None]
    assert set(table["detected_at"].to_pylist()) == {"2025-01-01T08:00:00+08:00"}


def test_phrase_function_is_the_domains_matcher_for_every_text() -> None:
    matcher = BOOK.packs[-1].stockout.says_stockout
    texts = [*TEXTS, None, "", *TEXTS]
    cache: dict[str, str | None] = {}
    for use in (None, cache, cache):
        found = find_phrases(matcher, pa.array(texts, type=pa.string()), use)
        assert found.to_pylist() == [matcher.find(t) for t in texts]


def test_spark_stages_read_only_the_views_of_earlier_stages_and_keep_the_materialised_ones(
        ) -> None:
    from stockout.batch.spark_engine import CHECKPOINTED, stages

    query = rules_query(BOOK, NOW)
    steps, final = stages(query.duckdb)
    tree = sqlglot.parse_one(query.duckdb, read="duckdb")
    ctes = list(tree.find_all(exp.CTE))
    assert [s.view for s in steps] == [f"stockout_{c.alias}" for c in ctes]
    materialised = {f"stockout_{c.alias}" for c in ctes if c.args.get("materialized")}
    kept = {s.view for s in steps if s.keep}
    assert kept == materialised | {f"stockout_{name}" for name in CHECKPOINTED}
    earlier: set[str] = set()
    for step in [*steps, None]:
        text = final if step is None else step.sql
        read = {t.name for t in sqlglot.parse_one(text, read="spark").find_all(exp.Table)}
        assert read <= earlier | {"events"}, (step, read - earlier)
        if step is not None:
            earlier.add(step.view)


def test_spark_broadcast_hints_name_relations_that_each_stage_joins() -> None:
    from stockout.batch.spark_engine import BROADCAST, BROADCAST_SMALL, stages

    query = rules_query(BOOK, NOW)
    hints = {**BROADCAST, **BROADCAST_SMALL}
    steps, final = stages(query.duckdb, broadcast=hints)
    texts = {s.view.removeprefix("stockout_"): s.sql for s in steps} | {"": final}
    for stage, relations in hints.items():
        tree = sqlglot.parse_one(texts[stage], read="spark")
        hinted = {str(h.this) for hint in tree.find_all(exp.Hint) for h in hint.expressions}
        named = {r.name for hint in tree.find_all(exp.Hint) for h in hint.expressions
                 for r in h.expressions}
        assert hinted == {"BROADCAST"}, stage
        wanted = {"s" if r == "IN" else r for r in relations}
        assert named == wanted, (stage, named, wanted)
    plain, _ = stages(query.duckdb)
    assert not any("BROADCAST" in s.sql for s in plain)


def test_spark_spreads_the_rows_of_some_stages_by_order_over_the_sessions_partitions() -> None:
    from stockout.batch.spark_engine import BROADCAST_SMALL, SPREAD, stages

    query = rules_query(BOOK, NOW)
    steps, _ = stages(query.duckdb, broadcast=BROADCAST_SMALL, parts=6)
    for step in steps:
        hint = sqlglot.parse_one(step.sql, read="spark").args.get("hint")
        spread = [[a.sql() for a in h.expressions] for h in (hint.expressions if hint else ())
                  if str(h.this) == "REPARTITION"]
        name = step.view.removeprefix("stockout_")
        assert spread == ([["6", "ok"]] if name in SPREAD else []), name
        if name in SPREAD:  # beside its other hints
            assert hint is not None, name
            assert "BROADCAST" in {str(h.this) for h in hint.expressions}, name
    plain, _ = stages(query.duckdb)
    assert not any("REPARTITION" in s.sql for s in plain)


@pytest.mark.parametrize(("rows", "quick"), [(None, True), (8_000_000, True),
                                             (20_000_000, True), (82_000_000, False)])
def test_a_local_spark_jvm_compiles_quickly_only_for_inputs_of_a_minute_or_two(
        monkeypatch: pytest.MonkeyPatch, rows: int | None, quick: bool) -> None:
    pytest.importorskip("pyspark")
    from stockout.batch import spark_engine

    chosen: dict[str, object] = {}
    monkeypatch.setattr(spark_engine, "local_session",
                        lambda **kwargs: chosen.update(kwargs))  # the choice, not a JVM
    spark_engine.session("local[2]", rows=rows)
    assert chosen["quick_jvm"] is quick
    assert chosen["cores"] == 2

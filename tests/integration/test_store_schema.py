"""The schema the migrations build is the one the code queries, and the database itself refuses
a second active verdict or a second coupon for one verdict (both stores)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Text, cast, event, insert, select
from sqlalchemy.exc import IntegrityError

from stockout.store.engine import Store
from stockout.store.migrate import current_revision, head_revision, upgrade
from stockout.store.tables import coupons, metadata, verdicts
from stockout.store.uow import UnitOfWork

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _verdict(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = dict(
        order_id="o1", violation="late_shipment", generation=1, trigger="no_pickup_by_deadline",
        detected_at=NOW, deadline=NOW, compensation_cents=300,
        rule="pdd-2025/late_shipment/no_pickup_by_deadline", evidence='["o1.confirmed"]',
        shop_id="s1", buyer_id="b1", paid_cents=5000, detail="", legal_claim_cents=None,
        pack_id="pdd-2025", judged_seq=2, status="active", issued_at=NOW, issued_by="test",
        cause="test")
    row.update(overrides)
    return row


def test_migrated_schema_matches_the_tables_the_code_queries(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrading_a_current_database_changes_nothing(store: Store) -> None:
    assert current_revision(store) == head_revision(store)
    assert upgrade(store) == (head_revision(store), head_revision(store))


def test_database_refuses_a_second_active_verdict_of_one_violation(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(insert(verdicts), [_verdict()])
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(insert(verdicts), [_verdict(generation=2)])
    with store.engine.begin() as conn:  # a voided one may sit beside the active one
        conn.execute(insert(verdicts), [_verdict(generation=2, status="voided")])


def test_database_refuses_two_coupons_with_one_idempotency_key(store: Store) -> None:
    with store.engine.begin() as conn:
        first, second = (conn.execute(insert(verdicts).returning(verdicts.c.id),
                                      [_verdict(generation=g, status=s)]).scalar_one()
                         for g, s in ((1, "voided"), (2, "active")))
        coupon = dict(order_id="o1", shop_id="s1", buyer_id="b1", amount_cents=300,
                      state="issued", issued_at=NOW, idempotency_key="o1/late_shipment/1")
        conn.execute(insert(coupons), [dict(coupon, verdict_id=first)])
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(insert(coupons), [dict(coupon, verdict_id=second)])


def test_due_orders_are_found_through_the_due_index_not_a_scan_of_all_orders(store: Store
                                                                              ) -> None:
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        seen.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        with UnitOfWork(store, readonly=True) as uow:
            assert uow.orders.due(NOW, 500) == []
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    statement, params = next((s, p) for s, p in seen if "next_due_at" in s)
    with store.engine.connect() as conn:
        if store.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, params))  # type: ignore[arg-type]
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(str(r[0]) for r in conn.exec_driver_sql(
                "EXPLAIN " + statement, params))  # type: ignore[arg-type]
    assert "ix_orders_due" in plan, plan


def test_bulk_writes_store_times_as_sqlalchemy_does_and_read_them_back_in_utc(
        store: Store) -> None:
    """The dialects' bulk writes (`insert_rows`, `update_rows`) bypass SQLAlchemy's parameter
    processing: a time in any offset is stored exactly as SQLAlchemy stores it itself, so
    comparisons in SQL keep agreeing, and comes back the same instant, in UTC."""
    at = datetime(2025, 6, 1, 8, 30, 15, 123, tzinfo=timezone(timedelta(hours=8)))
    later = at + timedelta(days=1, microseconds=7)
    with store.engine.begin() as conn:
        conn.execute(insert(verdicts), [_verdict(order_id="a", detected_at=at, deadline=later)])
        written = store.dialect.insert_rows(
            conn, verdicts, [_verdict(order_id="b", detected_at=at)],
            returning=("id", "detected_at"))
        store.dialect.update_rows(conn, verdicts, "id",
                                  [{"id": written[0][0], "deadline": later}])
        rows = {r.order_id: r for r in conn.execute(select(verdicts))}
        spelled = {o: (d, e) for o, d, e in conn.execute(select(
            verdicts.c.order_id, cast(verdicts.c.detected_at, Text),
            cast(verdicts.c.deadline, Text)))}
    assert written[0][1] == at and written[0][1].utcoffset() == timedelta(0)
    assert rows["b"].detected_at == rows["a"].detected_at == at
    assert rows["b"].deadline == rows["a"].deadline == later
    assert rows["b"].detected_at.utcoffset() == timedelta(0)
    assert spelled["b"] == spelled["a"]

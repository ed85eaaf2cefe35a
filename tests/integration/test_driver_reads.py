"""Reads run on the driver's cursor (`store.reads`) give what SQLAlchemy gives for the same
statement, value for value and type for type, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.exc import DBAPIError

from stockout.store.engine import Store
from stockout.store.reads import planned_each_run
from stockout.store.tables import announcements, verdicts
from stockout.store.uow import UnitOfWork

NOW = datetime(2025, 6, 1, 8, 30, 15, 123456, tzinfo=UTC)


def _announcement(n: int, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict(
        id=f"a{n}", starts=NOW + timedelta(hours=n), ends=NOW + timedelta(days=n),
        extend_hours=12.5 * n, ship_from_regions='["north"]' if n % 2 else None,
        ship_to_regions=None, categories='["toys", "books"]', digest=f"d{n}", raw="{}",
        created_at=NOW, created_by="platform", withdrawn_at=None, withdrawn_by=None)
    return row | overrides


def _verdict(n: int, status: str) -> dict[str, Any]:
    return dict(order_id=f"o{n % 2}", violation="late_shipment", generation=n,
                trigger="no_pickup_by_deadline", detected_at=NOW - timedelta(minutes=n),
                deadline=None, compensation_cents=300 + n, rule="r", evidence="{}", detail="",
                shop_id="s1", paid_cents=1000, buyer_id=None, pack_id="p", judged_seq=n,
                status=status, issued_at=NOW, issued_by="t", cause="c")


def _both(store: Store, statement: Any, params: dict[str, Any]
          ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    uow = UnitOfWork(store)
    with uow:
        driver = store.dialect.rows(uow.events.conn, statement, params)
        through = [tuple(r) for r in uow.events.conn.execute(statement, params)]
    return driver, through


@pytest.fixture
def filled(store: Store) -> Store:
    uow = UnitOfWork(store)
    with uow:
        uow.events.conn.execute(insert(announcements), [
            _announcement(1), _announcement(2), _announcement(3, withdrawn_at=NOW,
                                                              withdrawn_by="platform")])
        uow.events.conn.execute(insert(verdicts), [_verdict(n, "active" if n == 4 else "voided")
                                            for n in range(1, 5)])
        uow.commit()
    return store


def _typed(rows: list[tuple[Any, ...]]) -> list[tuple[tuple[Any, type], ...]]:
    return [tuple((v, type(v)) for v in r) for r in rows]


def test_a_read_with_times_floats_nulls_and_a_literal_gives_what_sqlalchemy_gives(
        filled: Store) -> None:
    q = (select(announcements).where(announcements.c.withdrawn_at.is_(None),
                                     announcements.c.created_by == "platform")
         .order_by(announcements.c.id))
    driver, through = _both(filled, q, {})
    assert len(driver) == 2
    assert _typed(driver) == _typed(through)
    assert all(r[1].tzinfo is UTC for r in driver)


def test_a_read_with_a_bound_list_and_a_bound_time_gives_what_sqlalchemy_gives(
        filled: Store) -> None:
    d = filled.dialect
    q = (select(verdicts.c.id, verdicts.c.order_id, verdicts.c.detected_at, verdicts.c.status)
         .where(d.any_of(verdicts.c.order_id, "ids"),
                verdicts.c.detected_at > bindparam("since"))
         .order_by(verdicts.c.id))
    params = {"ids": ["o0", "o1", "o9"], "since": NOW - timedelta(minutes=3, seconds=30)}
    driver, through = _both(filled, q, params)
    assert [r[0] for r in driver] == [r[0] for r in through]
    assert len(driver) == 3
    assert _typed(driver) == _typed(through)


def test_the_latest_generation_and_the_active_verdict_are_what_the_ledger_reads(
        filled: Store) -> None:
    uow = UnitOfWork(filled)
    with uow:
        active, top = uow.verdicts.ledger_of(["o0", "o1"])
    assert top == {("o1", "late_shipment"): 3, ("o0", "late_shipment"): 4}
    assert set(active) == {"o0"} and active["o0"]["late_shipment"]["generation"] == 4


def test_a_statement_with_an_expanding_in_is_refused_not_run_wrongly(filled: Store) -> None:
    q = select(verdicts.c.id).where(verdicts.c.status.in_(["active", "voided"]))
    uow = UnitOfWork(filled)
    with uow, pytest.raises(ValueError, match="expanding IN"):
        filled.dialect.rows(uow.events.conn, q, {})


def test_statements_after_a_failed_one_on_the_same_connection_read_their_own_rows(
        filled: Store) -> None:
    """The driver's statements of a connection share what runs them: a write that fails (its
    transaction rolled back) and a write without rows leave the next reads their own rows. A
    write that fails is raised before the next read answers (on PostgreSQL a write without
    RETURNING is sent with that read)."""
    d = filled.dialect
    ids = d.prepared("test.announcement_ids", lambda: select(announcements.c.id).where(
        d.any_of(announcements.c.id, "ids")).order_by(announcements.c.id))
    uow = UnitOfWork(filled)
    with uow, pytest.raises(DBAPIError):
        d.insert_rows(uow.events.conn, announcements, [_announcement(1)])  # id a1 is taken
        d.rows(uow.events.conn, ids, {"ids": ["a1"]})
    for _ in range(3):  # whichever connection of the pool comes back
        with uow:
            conn = uow.events.conn
            assert d.rows(conn, ids, {"ids": ["a1", "a3"]}) == [("a1",), ("a3",)]
            d.insert_rows(conn, announcements, [_announcement(7)])
            assert d.rows(conn, ids, {"ids": ["a2", "a7", "a9"]}) == [("a2",), ("a7",)]


def test_reads_asked_for_later_give_their_own_rows_and_see_the_writes_before_them(
        filled: Store) -> None:
    """Reads asked for `later` (on PostgreSQL sent together with the next statement that
    needs an answer, the writes made before them first) each give their own rows, whichever
    is called for first; a failing write before them fails them, and nothing stays."""
    d = filled.dialect
    ids = d.prepared("test.announcement_ids", lambda: select(announcements.c.id).where(
        d.any_of(announcements.c.id, "ids")).order_by(announcements.c.id))
    uow = UnitOfWork(filled)
    with uow:
        conn = uow.events.conn
        d.insert_rows(conn, announcements, [_announcement(5)])
        first = d.later(conn, ids, {"ids": ["a1", "a5"]})
        second = d.later(conn, ids, {"ids": ["a2"]})
        assert d.rows(conn, ids, {"ids": ["a3"]}) == [("a3",)]
        assert second() == [("a2",)]
        assert first() == [("a1",), ("a5",)]
        third = d.later(conn, ids, {"ids": ["a5", "a9"]})
        assert third() == [("a5",)]
    with uow, pytest.raises(DBAPIError):
        d.insert_rows(uow.events.conn, announcements, [_announcement(1)])  # id a1 is taken
        d.later(uow.events.conn, ids, {"ids": ["a1"]})()
    with uow:
        assert d.rows(uow.events.conn, ids, {"ids": ["a5"]}) == []


def test_a_write_that_fails_fails_its_commit_and_nothing_of_it_stays(filled: Store) -> None:
    """A write without an answer (on PostgreSQL sent with the next statement that needs one)
    fails the commit at the latest, and nothing of its transaction stays; a write rolled back
    before it was sent never reaches the connection's next transaction."""
    d = filled.dialect
    ids = d.prepared("test.announcement_ids", lambda: select(announcements.c.id).where(
        d.any_of(announcements.c.id, "ids")).order_by(announcements.c.id))
    uow = UnitOfWork(filled)
    with uow, pytest.raises(DBAPIError):
        d.insert_rows(uow.events.conn, announcements, [_announcement(8)])
        d.insert_rows(uow.events.conn, announcements, [_announcement(1)])  # id a1 is taken
        uow.commit()
    for _ in range(3):  # whichever connection of the pool comes back
        with uow:
            d.insert_rows(uow.events.conn, announcements, [_announcement(9)])
        with uow:
            d.update_rows(uow.events.conn, announcements, "id",
                          [{"id": "a2", "digest": "changed"}])
            uow.commit()
    with uow:
        assert d.rows(uow.events.conn, ids, {"ids": ["a2", "a8", "a9"]}) == [("a2",)]
        assert uow.events.conn.execute(select(announcements.c.digest).where(
            announcements.c.id == "a2")).scalar_one() == "changed"


def test_a_connection_lost_while_it_waited_in_the_pool_is_replaced_before_it_serves(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection that waited in the pool long enough is pinged before it serves (on
    PostgreSQL only after a while idle, not at every checkout): one whose server process
    went away meanwhile is replaced, and the transaction runs as usual."""
    if store.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to lose")
    import psycopg

    from stockout.store import postgres

    monkeypatch.setattr(postgres, "IDLE_PING", 0.0)
    uow = UnitOfWork(store)
    with uow:
        pid = uow.events.conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with psycopg.connect(store.dialect.url.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])  # waits till it is gone
    with uow:
        assert uow.events.conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid


def test_a_read_planned_at_each_run_gives_the_same_rows_and_keeps_no_plan(
        filled: Store) -> None:
    """A read marked `planned_each_run` gives what the same read with a kept plan gives, at
    once and asked for `later`; on PostgreSQL the server keeps no prepared statement of it
    (each run is planned with its keys), while the kept read is prepared."""
    d = filled.dialect

    def ids_read(key: str, each_run: bool) -> Any:
        def build() -> Any:
            q = select(announcements.c.id).where(
                d.any_of(announcements.c.id, "ids")).order_by(announcements.c.id)
            return planned_each_run(q) if each_run else q
        return d.prepared(key, build)

    kept, each = ids_read("test.ids_kept", False), ids_read("test.ids_each_run", True)
    uow = UnitOfWork(filled)

    def prepared(conn: Any) -> int:
        if filled.dialect.name != "postgresql":
            return 0
        return len(conn.execute(text("SELECT name FROM pg_prepared_statements WHERE "
                                     "statement LIKE 'SELECT announcements.id%'")).all())

    with uow:
        conn = uow.events.conn
        got = {}
        for keys in (["a1", "a3"], ["a2", "a9"], []):
            for _ in range(3):
                got[tuple(keys)] = d.rows(conn, each, {"ids": keys})
            assert d.later(conn, each, {"ids": keys})() == got[tuple(keys)]
        assert prepared(conn) == 0
        for keys, rows in got.items():
            assert d.rows(conn, kept, {"ids": list(keys)}) == rows
        assert got[("a1", "a3")] == [("a1",), ("a3",)]
        if filled.dialect.name == "postgresql":
            assert prepared(conn) >= 1  # one a set of parameter types

"""Two writers on PostgreSQL never wait for each other in a circle: a lock key below one the
transaction holds (a later round's neighbours) is only tried, and when another transaction
holds it the first starts again at once, taking that key in order, instead of sitting in a
deadlock that PostgreSQL breaks only after a second."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from stockout.services.common.tx import in_transaction
from stockout.store.engine import Store
from stockout.store.locks import LockBusy, lock_key, lock_plan
from stockout.store.uow import UnitOfWork

LOW, HIGH = sorted([lock_key("order", "o-low"), lock_key("order", "o-high")])


@pytest.fixture
def pg(store: Store) -> Store:
    if not UnitOfWork(store).shares_writes:
        pytest.skip("SQLite has one writer at a time: no lock keys")
    return store


def _held(uow: UnitOfWork) -> set[int]:
    """The advisory keys this transaction's session holds (sends what waits first)."""
    rows = uow.events.conn.execute(text(
        "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks "
        "WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted"))
    return {k - (1 << 64) if k >= 1 << 63 else k for (k,) in rows}


def test_a_plan_is_one_ascending_order_of_every_kind_of_key() -> None:
    plan = lock_plan(["o2", "o1", "o2"], [("YTO", "T1")], [("s1", "2025-03-03")])
    assert plan == sorted({lock_key("tracking", "YTO", "T1"),
                           lock_key("shop-day", "s1", "2025-03-03"),
                           lock_key("order", "o1"), lock_key("order", "o2")})


def test_a_key_below_a_held_one_is_tried_and_a_busy_one_ends_the_attempt_at_once(pg: Store
                                                                                  ) -> None:
    first, second = UnitOfWork(pg), UnitOfWork(pg)
    with first:
        first.lock([LOW])
        assert _held(first) == {LOW}
        with second:
            second.lock([HIGH])
            assert _held(second) == {HIGH}
            with pytest.raises(LockBusy) as busy:
                second.lock([LOW])  # waiting here would close a circle with `first`
            assert busy.value.keys == [LOW]
            assert second.is_retryable(busy.value)
        first.lock([HIGH])  # in order, and free again: `second` was rolled back
        assert _held(first) == {LOW, HIGH}
    with second:  # the next attempt takes the busy key in order, with its first keys
        second.lock([HIGH])
        assert _held(second) == {LOW, HIGH}
        second.lock([LOW])  # held already: the try succeeds
        assert _held(second) == {LOW, HIGH}



def test_a_try_answered_later_lets_a_read_travel_with_it_and_fails_only_at_its_check(
        pg: Store) -> None:
    """`lock_later`: a read asked for `later` after the try gives its rows; the check of a
    busy key raises `LockBusy` (the next attempt takes the key in order), of a free one
    passes; the keys above every key held are taken whatever the try's answer."""
    top = max(LOW, HIGH) + 1
    first, second = UnitOfWork(pg), UnitOfWork(pg)
    read = text("SELECT 1 + 1")
    with first:
        first.lock([LOW])
        assert _held(first) == {LOW}  # sent: a lock waits for the next answer
        with second:
            second.lock([HIGH])
            check = second.lock_later([LOW, top])
            answer = pg.dialect.later(second.events.conn, read, {})
            with pytest.raises(LockBusy) as busy:
                check()
            assert busy.value.keys == [LOW]
            assert answer() == [(2,)]
            assert _held(second) == {HIGH, top}
    with second:
        second.lock([HIGH])
        assert _held(second) == {LOW, HIGH}
        check = second.lock_later([LOW, top])
        answer = pg.dialect.later(second.events.conn, read, {})
        check()
        assert answer() == [(2,)]
        assert _held(second) == {LOW, HIGH, top}


def test_two_transactions_that_take_each_others_keys_late_both_finish_without_a_deadlock(
        pg: Store) -> None:
    """Each holds its own key, then both ask for the other's: one starts again, both commit,
    and PostgreSQL records no deadlock."""
    both_hold = threading.Barrier(2)
    attempts = {LOW: 0, HIGH: 0}

    def run(own: int, other: int) -> None:
        def work(uow: UnitOfWork) -> None:
            attempts[own] += 1
            uow.lock([own])
            _held(uow)
            if attempts[own] == 1:
                both_hold.wait(10)
            uow.lock([other])
            _held(uow)
        in_transaction(UnitOfWork(pg), work)

    def deadlocks() -> int:
        with pg.engine.connect() as conn:
            return conn.execute(text("SELECT deadlocks FROM pg_stat_database "
                                     "WHERE datname = current_database()")).scalar_one()

    before = deadlocks()
    threads = [threading.Thread(target=run, args=(LOW, HIGH)),
               threading.Thread(target=run, args=(HIGH, LOW))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    assert attempts[HIGH] == 2 and attempts[LOW] == 1  # the one that held the higher key
    assert deadlocks() == before

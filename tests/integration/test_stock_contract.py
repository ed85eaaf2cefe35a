"""The stock ledger in the store: every movement is appended and the SKU's balance and listing
rewritten in the same transaction; order-driven movements count once; concurrent reservations
never sell more than is sellable (both stores)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from stockout.domain.inventory import InsufficientStock, LedgerError, ListingState, replay
from stockout.services.common.clock import ManualClock
from stockout.services.stock import movements as stock
from stockout.store.engine import Store
from stockout.store.uow import UnitOfWork

NOW = datetime(2025, 6, 1, 8, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


def uow(store: Store) -> UnitOfWork:
    return UnitOfWork(store)


def ledger(store: Store, sku_id: str) -> list[tuple[str, int, str | None, str]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT kind, quantity, order_id, reason FROM stock_movements WHERE sku_id = :s "
            "ORDER BY id"), {"s": sku_id})]


def test_receipt_is_appended_to_the_ledger_and_the_balance_follows(store: Store,
                                                                  clock: ManualClock) -> None:
    assert stock.register_sku(uow(store), clock, "K1", "s1", title="杯子", price_cents=990)
    state = stock.receive(uow(store), clock, "K1", 5, reason="PO-1")
    assert (state.balance.on_hand, state.balance.reserved, state.listing) == (5, 0, "listed")
    assert ledger(store, "K1") == [("receipt", 5, None, "PO-1")]
    with uow(store).reader() as r:
        assert replay("K1", r.stock.movements("K1"))[0] == stock.stock_of(uow(store), "K1").balance


def test_registering_a_known_sku_again_changes_nothing(store: Store, clock: ManualClock) -> None:
    stock.register_sku(uow(store), clock, "K1", "s1")
    stock.receive(uow(store), clock, "K1", 2)
    assert not stock.register_sku(uow(store), clock, "K1", "s2")
    assert stock.stock_of(uow(store), "K1").balance.on_hand == 2
    assert stock.stock_of(uow(store), "K1").shop_id == "s1"


def test_new_sku_is_delisted_automatically_until_goods_are_received(store: Store,
                                                                   clock: ManualClock) -> None:
    stock.register_sku(uow(store), clock, "K1", "s1")
    assert stock.stock_of(uow(store), "K1").listing is ListingState.DELISTED_AUTO
    assert stock.receive(uow(store), clock, "K1", 1).listing is ListingState.LISTED


def test_reservation_to_the_safety_stock_delists_in_the_same_transaction(store: Store,
                                                                        clock: ManualClock
                                                                        ) -> None:
    stock.register_sku(uow(store), clock, "K1", "s1", safety_stock=2)
    stock.receive(uow(store), clock, "K1", 5)
    assert stock.reserve(uow(store), clock, "K1", 2, "o1").listing is ListingState.LISTED
    state = stock.reserve(uow(store), clock, "K1", 1, "o2")
    assert state.balance.sellable == 2 and state.listing is ListingState.DELISTED_AUTO
    assert stock.stock_of(uow(store), "K1").listing is ListingState.DELISTED_AUTO


def test_receipt_relists_an_automatic_delisting_but_not_a_manual_one(store: Store,
                                                                    clock: ManualClock) -> None:
    stock.register_sku(uow(store), clock, "K1", "s1")
    stock.receive(uow(store), clock, "K1", 1)
    stock.reserve(uow(store), clock, "K1", 1, "o1")
    assert stock.receive(uow(store), clock, "K1", 3).listing is ListingState.LISTED
    stock.set_listing(uow(store), clock, "K1", listed=False)
    assert stock.receive(uow(store), clock, "K1", 3).listing is ListingState.DELISTED_MANUAL
    assert stock.set_listing(uow(store), clock, "K1", listed=True).listing is ListingState.LISTED


def test_relisting_by_hand_without_sellable_stock_stays_delisted_automatically(
        store: Store, clock: ManualClock) -> None:
    stock.register_sku(uow(store), clock, "K1", "s1")
    stock.set_listing(uow(store), clock, "K1", listed=False)
    state = stock.set_listing(uow(store), clock, "K1", listed=True)
    assert state.listing is ListingState.DELISTED_AUTO


def test_reservation_beyond_sellable_is_refused_and_nothing_is_written(store: Store,
                                                                      clock: ManualClock) -> None:
    stock.register_sku(uow(store), clock, "K1", "s1")
    stock.receive(uow(store), clock, "K1", 2)
    with pytest.raises(InsufficientStock) as refused:
        stock.reserve(uow(store), clock, "K1", 3, "o1")
    assert (refused.value.requested, refused.value.sellable) == (3, 2)
    assert ledger(store, "K1") == [("receipt", 2, None, "")]
    assert stock.stock_of(uow(store), "K1").balance.reserved == 0


def test_order_driven_movement_repeated_with_its_key_counts_once(store: Store,
                                                                clock: ManualClock) -> None:
    stock.register_sku(uow(store), clock, "K1", "s1")
    stock.receive(uow(store), clock, "K1", 5)
    stock.reserve(uow(store), clock, "K1", 2, "o1")
    again = stock.reserve(uow(store), clock, "K1", 2, "o1")
    assert not again.applied and again.balance.reserved == 2
    stock.ship(uow(store), clock, "K1", 2, "o1")
    assert not stock.ship(uow(store), clock, "K1", 2, "o1").applied
    final = stock.stock_of(uow(store), "K1").balance
    assert (final.on_hand, final.reserved) == (3, 0)
    assert [k for k, *_ in ledger(store, "K1")] == ["receipt", "reservation", "shipment"]


def test_release_gives_back_what_the_order_held(store: Store, clock: ManualClock) -> None:
    stock.register_sku(uow(store), clock, "K1", "s1")
    stock.receive(uow(store), clock, "K1", 1)
    stock.reserve(uow(store), clock, "K1", 1, "o1")
    state = stock.release(uow(store), clock, "K1", 1, "o1")
    assert state.balance.sellable == 1 and state.listing is ListingState.LISTED


def test_adjustment_must_say_why_and_cannot_go_below_reserved(store: Store,
                                                             clock: ManualClock) -> None:
    stock.register_sku(uow(store), clock, "K1", "s1")
    stock.receive(uow(store), clock, "K1", 4)
    stock.reserve(uow(store), clock, "K1", 3, "o1")
    with pytest.raises(LedgerError):
        stock.adjust(uow(store), clock, "K1", -1, reason=" ")
    with pytest.raises(LedgerError):
        stock.adjust(uow(store), clock, "K1", -2, reason="盘点短少")
    assert stock.adjust(uow(store), clock, "K1", -1, reason="盘点短少").balance.on_hand == 3
    assert ledger(store, "K1")[-1] == ("adjustment", -1, None, "盘点短少")


def test_movement_of_an_unknown_sku_is_refused(store: Store, clock: ManualClock) -> None:
    with pytest.raises(stock.UnknownSku):
        stock.receive(uow(store), clock, "nope", 1)


def test_database_refuses_a_balance_with_sellable_below_zero(store: Store,
                                                            clock: ManualClock) -> None:
    stock.register_sku(uow(store), clock, "K1", "s1")
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(text("UPDATE skus SET reserved = 1 WHERE sku_id = 'K1'"))


@pytest.mark.parametrize("last", [1, 3])
def test_concurrent_clients_racing_for_the_last_units_never_oversell(store: Store,
                                                                     clock: ManualClock,
                                                                     last: int) -> None:
    clients = 24
    stock.register_sku(uow(store), clock, "K1", "s1")
    stock.receive(uow(store), clock, "K1", 10)
    stock.reserve(uow(store), clock, "K1", 10 - last, "early")
    start = threading.Barrier(clients)
    won: list[str] = []
    refused: list[str] = []
    failed: list[BaseException] = []
    guard = threading.Lock()

    def client(i: int) -> None:
        order = f"o{i}"
        start.wait()
        try:
            stock.reserve(UnitOfWork(store), clock, "K1", 1, order)
            outcome = won
        except InsufficientStock:
            outcome = refused
        except BaseException as exc:  # surfaced below
            with guard:
                failed.append(exc)
            return
        with guard:
            outcome.append(order)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failed == []
    assert len(won) == last and len(refused) == clients - last
    final = stock.stock_of(uow(store), "K1")
    assert final.balance.sellable == 0 and final.listing is ListingState.DELISTED_AUTO
    with uow(store).reader() as r:
        balance, anomalies = replay("K1", r.stock.movements("K1"))
    assert balance == final.balance and anomalies == []
    assert sorted(o for _, _, o, _ in ledger(store, "K1") if o not in (None, "early")) \
        == sorted(won)

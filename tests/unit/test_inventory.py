"""The stock ledger, listings that follow stock, and shipping capacity (pure rules)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockout.domain.inventory import (
    Balance,
    Commitment,
    InsufficientStock,
    LedgerError,
    ListingState,
    Movement,
    MovementKind,
    Receipt,
    listing_after,
    plan_capacity,
    replay,
    reservations_by_order,
)

CST = timezone(timedelta(hours=8))
T = datetime(2025, 6, 1, 9, 0, tzinfo=CST)
K = MovementKind


def mv(kind: MovementKind, q: int, order: str | None = None, reason: str = "",
       minutes: int = 0) -> Movement:
    return Movement("k1", kind, q, T + timedelta(minutes=minutes), order, reason)


def test_sellable_is_on_hand_minus_reserved_and_a_shipment_consumes_its_reservation() -> None:
    b = Balance()
    for m in (mv(K.RECEIPT, 5), mv(K.RESERVATION, 2, "o1"), mv(K.RESERVATION, 1, "o2"),
              mv(K.SHIPMENT, 2, "o1"), mv(K.RELEASE, 1, "o2")):
        b = b.after(m)
    assert (b.on_hand, b.reserved, b.sellable) == (3, 0, 3)


def test_a_reservation_beyond_what_is_sellable_is_refused_with_the_figures() -> None:
    b = Balance().after(mv(K.RECEIPT, 2)).after(mv(K.RESERVATION, 2, "o1"))
    with pytest.raises(InsufficientStock) as info:
        b.after(mv(K.RESERVATION, 1, "o2"))
    assert (info.value.requested, info.value.sellable) == (1, 0)


@pytest.mark.parametrize("movement", [
    mv(K.RELEASE, 1, "o1"),
    mv(K.SHIPMENT, 1, "o1"),
    mv(K.ADJUSTMENT, -1),  # no reason
    mv(K.ADJUSTMENT, -5, reason="盘点少了"),  # below zero
    mv(K.RECEIPT, 0),
])
def test_movements_that_cannot_happen_are_refused(movement: Movement) -> None:
    with pytest.raises(LedgerError):
        Balance(on_hand=1).after(movement)


@given(st.lists(st.tuples(st.sampled_from(list(K)), st.integers(-3, 5)), max_size=40))
def test_whatever_is_attempted_sellable_never_goes_below_zero(attempts: list[tuple[K, int]]
                                                               ) -> None:
    b = Balance()
    for kind, q in attempts:
        try:
            b = b.after(mv(kind, q, "o1", reason="x"))
        except LedgerError:
            continue
        assert b.sellable >= 0 and b.reserved >= 0


def test_replay_reports_a_damaged_ledger_instead_of_refusing_it() -> None:
    ledger = [mv(K.RECEIPT, 1), mv(K.RESERVATION, 1, "o1", minutes=1),
              mv(K.RESERVATION, 1, "o2", minutes=2)]  # oversold: written around the check
    balance, anomalies = replay("k1", ledger)
    assert (balance.on_hand, balance.reserved) == (1, 2)
    assert [a.kind for a in anomalies] == ["negative_stock"]
    assert anomalies[0].order_id == "o2"


def test_reservations_by_order_nets_releases_and_shipments() -> None:
    ledger = [mv(K.RESERVATION, 2, "o1"), mv(K.SHIPMENT, 2, "o1"), mv(K.RESERVATION, 1, "o2")]
    assert reservations_by_order(ledger) == {"o2": 1}


@pytest.mark.parametrize("state, sellable, expected", [
    (ListingState.LISTED, 0, ListingState.DELISTED_AUTO),
    (ListingState.LISTED, 1, ListingState.LISTED),
    (ListingState.DELISTED_AUTO, 3, ListingState.LISTED),
    (ListingState.DELISTED_MANUAL, 3, ListingState.DELISTED_MANUAL),
])
def test_listings_follow_stock_but_never_undo_a_manual_delisting(
        state: ListingState, sellable: int, expected: ListingState) -> None:
    assert listing_after(state, Balance(on_hand=sellable), safety_stock=0) is expected


def test_the_safety_stock_delists_before_the_last_unit() -> None:
    assert listing_after(ListingState.LISTED, Balance(on_hand=2), 2) is ListingState.DELISTED_AUTO


def test_orders_beyond_daily_capacity_show_as_at_risk_earliest_deadline_first() -> None:
    orders = [Commitment(f"o{i}", 1, T + timedelta(hours=10)) for i in range(5)]
    plan = plan_capacity(T, on_hand=10, daily_capacity=3, receipts=[], commitments=orders,
                         new_order_limit=timedelta(hours=48))
    assert plan.at_risk == ("o3", "o4")  # 3 ship today; two wait for tomorrow, past their day
    assert plan.ship_day["o0"] == date(2025, 6, 1)
    # Left for new orders within 48 h (to 06-03): 1 unit of room on 06-02 and 3 on 06-03 = 4,
    # while 5 units remain in stock: capacity is the bound.
    assert plan.listing_cap == 4


def test_a_receipt_with_a_date_lets_orders_wait_for_it_and_caps_the_listing() -> None:
    orders = [Commitment("o1", 2, T + timedelta(days=3))]
    plan = plan_capacity(T, on_hand=0, daily_capacity=10,
                         receipts=[Receipt(date(2025, 6, 2), 4)], commitments=orders,
                         new_order_limit=timedelta(hours=48))
    assert plan.at_risk == ()
    assert plan.ship_day["o1"] == date(2025, 6, 2)
    assert plan.listing_cap == 2  # 4 arrive, 2 are promised


def test_an_order_larger_than_a_days_capacity_ships_over_days_and_blocks_no_one() -> None:
    orders = [Commitment("big", 2, T + timedelta(days=1)),
              Commitment("small", 1, T + timedelta(days=2)),
              Commitment("huge", 50, T + timedelta(days=3))]  # more than will ever be in stock
    plan = plan_capacity(T, on_hand=5, daily_capacity=1, receipts=[], commitments=orders,
                         new_order_limit=timedelta(hours=48))
    assert plan.ship_day["big"] == date(2025, 6, 2)  # one unit on 06-01, the other on 06-02
    assert plan.ship_day["small"] == date(2025, 6, 3)
    assert "huge" not in plan.ship_day and plan.at_risk == ("huge",)


def test_a_receipt_that_would_overflow_the_balance_is_refused_with_the_limit() -> None:
    from stockout.domain.inventory import MAX_ON_HAND, Balance, LedgerError, Movement, MovementKind

    full = Balance(MAX_ON_HAND - 1, 0)
    assert full.after(Movement("k1", MovementKind.RECEIPT, 1, T)).on_hand == MAX_ON_HAND
    with pytest.raises(LedgerError, match="1,000,000,000"):
        full.after(Movement("k1", MovementKind.RECEIPT, 2, T))

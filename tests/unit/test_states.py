"""The states of remedies, appeals and measures move only by the domain's pure transitions:
each returns the new state or a named refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stockout.domain.appeals import AppealRefusal, AppealState, appeal_decision
from stockout.domain.events import Remedy
from stockout.domain.measures import (
    MeasureRefusal,
    MeasureState,
    measure_closed,
    measure_restored,
    shown_state,
)
from stockout.domain.remedies import (
    PROMISES,
    RefusalReason,
    RemedyState,
    remedy_chosen,
    remedy_settled,
)

T = datetime(2025, 6, 1, tzinfo=UTC)
H = timedelta(hours=1)


def test_only_an_open_offer_is_chosen_and_each_remedy_is_a_state() -> None:
    for remedy in Remedy:
        assert remedy_chosen(RemedyState.OFFERED, remedy) is RemedyState(remedy.value)
    assert remedy_chosen(RemedyState.WITHDRAWN, Remedy.WAIT) is RefusalReason.NO_STOCKOUT
    for state in set(RemedyState) - {RemedyState.OFFERED, RemedyState.WITHDRAWN}:
        assert remedy_chosen(state, Remedy.REFUND) is RefusalReason.ALREADY_CHOSEN
    assert {RemedyState(r.value) for r in Remedy} - PROMISES == {RemedyState.REFUND}


@pytest.mark.parametrize(("state", "closed", "picked", "until", "expected"), [
    (RemedyState.OFFERED, False, None, None, None),  # the default is carried out
    (RemedyState.OFFERED, True, None, None, RemedyState.CLOSED),
    (RemedyState.OFFERED, False, T, None, RemedyState.FULFILLED),
    (RemedyState.WAIT, False, T, T + H, RemedyState.FULFILLED),
    (RemedyState.PRESALE, False, T + 2 * H, T + H, RemedyState.MISSED),
    (RemedyState.SUBSTITUTE, True, None, T + H, RemedyState.CLOSED),
    (RemedyState.WAIT, False, None, T + H, RemedyState.MISSED),
    (RemedyState.REFUND, False, None, None, RemedyState.REFUND),
    (RemedyState.MISSED, True, T, None, RemedyState.MISSED),
])
def test_a_due_remedy_settles(state: RemedyState, closed: bool, picked: datetime | None,
                              until: datetime | None, expected: RemedyState | None) -> None:
    assert remedy_settled(state, order_closed=closed, picked_up=picked, until=until) is expected


def test_only_a_pending_appeal_is_decided_and_a_lost_verdict_makes_it_moot() -> None:
    pending = AppealState.PENDING
    assert appeal_decision(pending, approve=True) is AppealState.APPROVED
    assert appeal_decision(pending, approve=False) is AppealState.REJECTED
    assert appeal_decision(pending, approve=True, verdict_active=False) is AppealState.MOOT
    for state in set(AppealState) - {pending}:
        assert appeal_decision(state, approve=True) is AppealRefusal.ALREADY_DECIDED


def test_measures_end_are_lifted_and_restored_only_from_their_states() -> None:
    active, ended, lifted = MeasureState.ACTIVE, MeasureState.ENDED, MeasureState.LIFTED
    assert measure_closed(active, cause_removed=False) is ended
    assert measure_closed(active, cause_removed=True) is lifted
    assert measure_closed(lifted, cause_removed=True) is MeasureRefusal.NOT_ACTIVE
    assert measure_restored(lifted) is active
    assert measure_restored(ended) is MeasureRefusal.NOT_LIFTED
    assert shown_state(active, T + H, T + 2 * H, T) == "scheduled"
    assert shown_state(active, T, T + H, T) == "active"
    assert shown_state(active, T - H, T, T) == "ended"
    assert shown_state(lifted, T, T + H, T) == "lifted"

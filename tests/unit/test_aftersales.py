"""The pure after-sales fold, its checks and the buyer's answers: each state a function of the
timeline and `now`; the judge never reads the after-sales steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings

from stockout.domain.aftersales import (
    AftersaleRefused,
    CaseKind,
    CaseState,
    DueAction,
    Refusal,
    check_claim,
    check_refund_request,
    check_return_request,
    delivery_of,
    fold_cases,
)
from stockout.domain.answers import OrderState, Phase, Question, RemedyStatus, answer_all
from stockout.domain.events import ClaimKind, Event, EventType, Party, ScanStatus
from stockout.domain.judge import judge_order, judge_timelines
from stockout.domain.language import Lang
from stockout.domain.rulebook import PackError, pack_from_mapping
from stockout.domain.timeline import Timeline, fold
from stockout.rulepacks import builtin_packs, resolve_rules
from tests.strategies import marketplaces

PACK = resolve_rules("pdd-2025").packs[0]
A = PACK.aftersales
T0 = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)
H = timedelta(hours=1)
AFTERSALE_TYPES = {EventType.REFUND_DECIDED, EventType.RETURN_REQUESTED,
                   EventType.RETURN_DECIDED, EventType.RETURN_SHIPPED,
                   EventType.RETURN_RECEIVED, EventType.AFTERSALE_ESCALATED}


def ev(n: int, type_: EventType, at: datetime, **fields: object) -> Event:
    return Event(f"o1.e{n:02d}", "o1", type_, at, **fields)  # type: ignore[arg-type]


def placed(paid: int = 8800) -> list[Event]:
    return [ev(0, EventType.ORDER_PLACED, T0, shop_id="s1", buyer_id="b1", sku_id="k1",
               quantity=1, paid_cents=paid),
            ev(1, EventType.ORDER_CONFIRMED, T0)]


def delivered(at: datetime) -> list[Event]:
    scan = {"carrier": "ZTO", "tracking_no": "Z1"}
    return [ev(20, EventType.CARRIER_SCAN, at - 30 * H, status=ScanStatus.PICKUP, **scan),
            ev(21, EventType.CARRIER_SCAN, at - 15 * H, status=ScanStatus.IN_TRANSIT, **scan),
            ev(22, EventType.CARRIER_SCAN, at, status=ScanStatus.DELIVERED, **scan)]


def state(events: list[Event], now: datetime, **kw: object) -> OrderState:
    j = judge_order(Timeline.of("o1", events), PACK, now)
    return OrderState("o1", j.facts, j.deadline, j.verdicts,
                      fold_cases(Timeline.of("o1", events).events, A, now), PACK, now,
                      **kw)  # type: ignore[arg-type]


def test_a_refund_request_the_merchant_ignores_is_due_to_be_granted_after_the_pack_time() -> None:
    req = ev(5, EventType.REFUND_REQUESTED, T0 + H, initiator=Party.BUYER, reason="不要了")
    (case,) = fold_cases([*placed(), req], A, T0 + H + A.refund_answer)
    assert (case.kind, case.state, case.due_at) == (CaseKind.REFUND, CaseState.REQUESTED,
                                                    T0 + H + A.refund_answer)
    assert case.due_action(T0 + H + A.refund_answer) is None  # the last instant is the merchant's
    assert case.due_action(T0 + H + A.refund_answer + timedelta(seconds=1)) \
        is DueAction.GRANT_REFUND


def test_a_refusal_not_escalated_in_time_lapses_and_a_late_escalation_changes_nothing() -> None:
    events = [*placed(), ev(5, EventType.REFUND_REQUESTED, T0 + H, initiator=Party.BUYER,
                            reason=""),
              ev(6, EventType.REFUND_DECIDED, T0 + 2 * H, by=Party.MERCHANT, upheld=False,
                 reason="马上发")]
    late = T0 + 2 * H + A.escalate_within + H
    assert fold_cases(events, A, T0 + 3 * H)[0].state is CaseState.REFUSED
    assert fold_cases(events, A, late)[0].state is CaseState.LAPSED
    escalated_late = [*events, ev(7, EventType.AFTERSALE_ESCALATED, late, reason="")]
    assert fold_cases(escalated_late, A, late)[0].state is CaseState.LAPSED
    in_time = [*events, ev(7, EventType.AFTERSALE_ESCALATED, T0 + 3 * H, reason="")]
    case = fold_cases(in_time, A, late)[0]
    assert (case.state, case.due_at) == (CaseState.ESCALATED, T0 + 3 * H + A.platform_decision)


def test_a_return_walks_agreed_shipped_back_received_refunded() -> None:
    d = T0 + 40 * H
    steps = [*placed(), *delivered(d),
             ev(5, EventType.RETURN_REQUESTED, d + H, reason="尺码"),
             ev(6, EventType.RETURN_DECIDED, d + 2 * H, by=Party.MERCHANT, upheld=True, reason=""),
             ev(7, EventType.RETURN_SHIPPED, d + 3 * H, carrier="YTO", tracking_no="Y1"),
             ev(8, EventType.RETURN_RECEIVED, d + 50 * H, by=Party.MERCHANT),
             ev(9, EventType.REFUND_COMPLETED, d + 50 * H, amount_cents=8800)]
    seen = [fold_cases(steps[:n], A, d + 60 * H)[0].state for n in range(6, 11)]
    assert seen == [CaseState.REQUESTED, CaseState.AGREED, CaseState.SHIPPED_BACK,
                    CaseState.RECEIVED, CaseState.REFUNDED]
    assert fold_cases(steps, A, d + 60 * H)[0].refunded_cents == 8800


def test_refunds_before_delivery_returns_after_within_the_window_claims_need_a_pickup() -> None:
    events = placed()
    f = fold(Timeline.of("o1", events), T0 + H)
    check_refund_request(delivery_of(f), (), T0 + H)
    with pytest.raises(AftersaleRefused) as no_return:
        check_return_request(delivery_of(f), (), A, T0 + H)
    assert no_return.value.reason is Refusal.NOT_DELIVERED
    with pytest.raises(AftersaleRefused) as no_claim:
        check_claim(delivery_of(f), (), ClaimKind.EMPTY_PARCEL, A, T0 + H)
    assert no_claim.value.reason is Refusal.NOT_PICKED_UP
    d = T0 + 40 * H
    g = fold(Timeline.of("o1", [*events, *delivered(d)]), d + H)
    with pytest.raises(AftersaleRefused) as after:
        check_refund_request(delivery_of(g), (), d + H)
    assert after.value.reason is Refusal.DELIVERED
    check_return_request(delivery_of(g), (), A, d + A.return_window)
    with pytest.raises(AftersaleRefused) as closed:
        check_return_request(delivery_of(g), (), A, d + A.return_window + H)
    assert (closed.value.reason, closed.value.rule) == (Refusal.WINDOW_CLOSED,
                                                        "aftersales.return_window_days")
    check_claim(delivery_of(g), (), ClaimKind.WRONG_ITEM, A, d + A.claim_window)


def test_an_upheld_empty_parcel_claim_is_fraud_and_the_legal_answer_names_the_claim_at_law() -> None:
    d = T0 + 40 * H
    events = [*placed(paid=30000), *delivered(d),
              ev(5, EventType.AFTER_SALE_CLAIM, d + H, claim_id="c1",
                 kind=ClaimKind.EMPTY_PARCEL),
              ev(6, EventType.CLAIM_DECIDED, d + 5 * H, claim_id="c1", upheld=True),
              ev(7, EventType.REFUND_COMPLETED, d + 5 * H, amount_cents=30000)]
    s = state(events, d + 6 * H)
    assert [v.violation.value for v in s.verdicts] == ["fraudulent_shipment"]
    phase, answers = answer_all(s, Lang.EN)
    legal = answers[5]
    assert (phase, legal.question) == (Phase.REFUNDED, Question.LEGAL_CLAIM)
    assert "¥900.00" in legal.answer and "does not remove the seller's legal liability" \
        in legal.answer
    assert legal.rule == "pdd-2025/fraudulent_shipment.legal_multiple"
    assert dict(legal.facts)["legal_claim_cents"] == "90000"
    zh = answer_all(s, Lang.ZH)[1][5].answer
    assert "第五十五条" in zh and "¥900.00" in zh


def test_answers_follow_the_order_through_its_states() -> None:
    deadline = T0 + PACK.deadline.default
    assert answer_all(state(placed(), T0 + H), Lang.EN)[0] is Phase.BEFORE_DEADLINE
    phase, late = answer_all(state(placed(), deadline + H), Lang.EN)
    assert phase is Phase.LATE
    assert late[0].rule == "pdd-2025/stockout.unshipped_after_deadline_hours"
    assert late[0].actions[0].until == deadline + PACK.stockout.unshipped_after_deadline
    report = ev(4, EventType.STOCKOUT_REPORTED, T0 + 2 * H, reason="缺货")
    offer = RemedyStatus("offered", T0 + 50 * H, "refund")
    phase, out = answer_all(state([*placed(), report], T0 + 3 * H, remedy=offer), Lang.ZH)
    assert phase is Phase.OUT_OF_STOCK
    assert out[0].answer.startswith("不必") and out[0].actions[0].until == T0 + 50 * H
    assert out[1].rule == "pdd-2025/remedies.default"
    chosen = RemedyStatus("presale", T0 + 50 * H, "refund", None, T0 + 100 * H)
    phase, later = answer_all(state([*placed(), report], T0 + 60 * H, remedy=chosen), Lang.EN)
    assert phase is Phase.REMEDY_CHOSEN and later[0].actions[0].until == T0 + 100 * H
    d = T0 + 40 * H
    phase, got = answer_all(state([*placed(), *delivered(d)], d + H), Lang.EN)
    assert phase is Phase.DELIVERED
    assert got[2].actions[0].until == d + A.return_window
    phase, after = answer_all(state([*placed(), *delivered(d)], d + A.claim_window + H),
                              Lang.EN)
    assert after[2].answer.startswith("No: the return window closed") and not after[2].actions


def test_every_answer_names_a_key_of_its_pack_or_a_verdict_rule() -> None:
    d = T0 + 40 * H
    for events, now in ((placed(), T0 + H), (placed(), T0 + 60 * H),
                        ([*placed(), *delivered(d)], d + H)):
        for lang in Lang:
            for a in answer_all(state(events, now), lang)[1]:
                assert a.rule.startswith("pdd-2025/") and a.answer


@settings(max_examples=60, deadline=None)
@given(marketplaces())
def test_after_sales_steps_never_change_a_verdict(events: list[Event]) -> None:
    book = resolve_rules("pdd")
    now = datetime(2025, 7, 1, tzinfo=UTC)

    def verdicts(evs: list[Event]) -> list[object]:
        ids = sorted({e.order_id for e in evs})
        lines = [Timeline.of(o, [e for e in evs if e.order_id == o]) for o in ids]
        return [v.to_record() for j in judge_timelines(lines, lambda t: book.pack_at(
            t.clock_start(now)), now) for v in j.verdicts]

    assert verdicts(events) == verdicts([e for e in events if e.type not in AFTERSALE_TYPES])


def test_the_pack_loader_names_a_missing_or_contradictory_after_sales_figure() -> None:
    import tomllib
    from importlib import resources

    text = resources.files("stockout.rulepacks").joinpath("pdd-2025.toml").read_text("utf-8")
    data = tomllib.loads(text)
    del data["aftersales"]["refund_answer_hours"]
    with pytest.raises(PackError) as missing:
        pack_from_mapping(data)
    assert missing.value.key == "aftersales.refund_answer_hours"
    data = tomllib.loads(text)
    data["aftersales"]["claim_window_days"] = 3
    with pytest.raises(PackError) as short:
        pack_from_mapping(data)
    assert short.value.key == "aftersales.claim_window_days"
    data = tomllib.loads(text)
    data["contact"]["ticket_response_hours"] = 0
    with pytest.raises(PackError) as zero:
        pack_from_mapping(data)
    assert zero.value.key == "contact.ticket_response_hours"
    assert all(p.contact.ticket_response > timedelta(0) for p in builtin_packs())


def test_answers_cite_pack_keys_for_figures_and_the_law_where_they_rest_on_it() -> None:
    report = ev(4, EventType.STOCKOUT_REPORTED, T0 + 2 * H, reason="缺货")
    offer = RemedyStatus("offered", T0 + 50 * H, "refund")
    for lang, law in ((Lang.EN, "E-Commerce Law art. 49"), (Lang.ZH, "《电子商务法》第四十九条")):
        _, got = answer_all(state([*placed(), report], T0 + 3 * H, remedy=offer), lang)
        by = {a.question: a for a in got}
        paid = by[Question.COMPENSATION]
        assert paid.rule == "pdd-2025/stockout.compensation"  # the figure, not the verdict id
        assert ("verdict", "pdd-2025/stockout/self_report") in paid.facts
        legal = by[Question.LEGAL_CLAIM]
        assert legal.rule == law and law in legal.answer
        assert all(a.rule.startswith("pdd-2025/") and "/" not in a.rule.split("/", 1)[1]
                   for a in got if a is not legal)

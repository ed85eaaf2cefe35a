"""The buyer's remedies after a stockout: the choice window and what may be chosen."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from stockout.domain.events import Remedy
from stockout.domain.remedies import (
    Listing,
    RefusalReason,
    RemedyRefused,
    check_choice,
    default_applies,
    rank_substitutes,
    remedy_offer,
)
from stockout.domain.verdicts import Trigger, Verdict, Violation
from stockout.rulepacks import resolve_rules

RULES = resolve_rules("pdd-2025").packs[0].remedies
T = datetime(2025, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def verdict(violation: Violation = Violation.STOCKOUT) -> Verdict:
    return Verdict("o1", violation, Trigger.SELF_REPORT, T, None, 500, "r", ("e1",), "s1", 5000)


def test_a_stockout_opens_a_48_hour_choice_that_defaults_to_a_refund() -> None:
    offer = remedy_offer([verdict(Violation.LATE_SHIPMENT), verdict()], RULES, T)
    assert offer is not None
    assert offer.choose_by == T + timedelta(hours=48)
    assert offer.default is Remedy.REFUND
    assert not default_applies(offer, chosen=False, now=T + timedelta(hours=48))
    assert default_applies(offer, chosen=False, now=T + timedelta(hours=48, seconds=1))
    assert not default_applies(offer, chosen=True, now=T + timedelta(days=9))


def test_a_stockout_found_late_still_gives_the_buyer_the_whole_window() -> None:
    found = T + timedelta(hours=60)  # its events arrived 60 h after the stockout
    offer = remedy_offer([verdict()], RULES, found)
    assert offer is not None
    assert (offer.opened_at, offer.choose_by) == (T, found + timedelta(hours=48))
    check_choice(offer, Remedy.REFUND, found + timedelta(hours=1), RULES)
    with pytest.raises(RemedyRefused, match=r"\+08:00"):  # said in Beijing time
        check_choice(offer, Remedy.REFUND, found + timedelta(hours=49), RULES)


def test_no_stockout_no_remedy() -> None:
    assert remedy_offer([verdict(Violation.LATE_SHIPMENT)], RULES, T) is None
    with pytest.raises(RemedyRefused) as info:
        check_choice(None, Remedy.REFUND, T, RULES)
    assert info.value.reason is RefusalReason.NO_STOCKOUT


@pytest.mark.parametrize("remedy, kwargs, now_h, reason", [
    (Remedy.REFUND, {}, 49, RefusalReason.WINDOW_CLOSED),
    (Remedy.WAIT, {}, 1, RefusalReason.DATE_REQUIRED),
    (Remedy.PRESALE, {}, 1, RefusalReason.PRESALE_DATE_REQUIRED),
    (Remedy.WAIT, {"until": T + timedelta(days=16)}, 1, RefusalReason.DATE_OUT_OF_RANGE),
    (Remedy.PRESALE, {"until": T}, 1, RefusalReason.DATE_OUT_OF_RANGE),
    (Remedy.SUBSTITUTE, {}, 1, RefusalReason.SUBSTITUTE_REQUIRED),
    (Remedy.SUBSTITUTE, {"substitute_sku_id": "k9", "offered_substitutes": ["k2"]}, 1,
     RefusalReason.SUBSTITUTE_NOT_OFFERED),
    (Remedy.REFUND, {"already_chosen": True}, 1, RefusalReason.ALREADY_CHOSEN),
])
def test_a_choice_outside_the_rules_is_refused_naming_the_rule(
        remedy: Remedy, kwargs: dict[str, object], now_h: int, reason: RefusalReason) -> None:
    offer = remedy_offer([verdict()], RULES, T)
    with pytest.raises(RemedyRefused) as info:
        check_choice(offer, remedy, T + timedelta(hours=now_h), RULES, **kwargs)  # type: ignore[arg-type]
    assert info.value.reason is reason


def test_waiting_for_a_restock_date_within_15_days_is_accepted() -> None:
    offer = remedy_offer([verdict()], RULES, T)
    check_choice(offer, Remedy.WAIT, T + timedelta(hours=2), RULES, until=T + timedelta(days=15))


ORIGINAL = Listing("k1", "s1", "服饰", "纯棉白色短袖T恤 男款", 5000, 0)


def listing(sku: str, title: str, price: int, *, shop: str = "s1", category: str = "服饰",
            sellable: int = 10) -> Listing:
    return Listing(sku, shop, category, title, price, sellable)


def test_substitutes_are_same_shop_same_category_in_stock_within_the_price_band() -> None:
    candidates = [
        listing("k2", "纯棉白色短袖T恤 女款", 5500),
        listing("k3", "纯棉黑色短袖T恤", 4200),
        listing("k4", "纯棉白色短袖T恤 男款 加大", 7000),  # 40 % dearer: outside the band
        listing("k5", "纯棉白色短袖T恤", 5000, shop="s2"),  # another shop
        listing("k6", "纯棉白色短袖T恤", 5000, category="家居"),
        listing("k7", "纯棉白色短袖T恤", 5000, sellable=0),
        listing("k8", "不锈钢保温杯", 5000),  # same band, unrelated title: ranked last
    ]
    ranked = rank_substitutes(ORIGINAL, 5000, 1, candidates, RULES.substitute_price_band_percent)
    assert [s.listing.sku_id for s in ranked] == ["k2", "k3", "k8"]
    assert ranked[0].refund_cents == 0  # dearer: never charged more
    assert ranked[1].refund_cents == 800  # cheaper: the difference is refunded
    assert ranked[2].similarity == 0


def test_a_cheaper_substitute_refunds_the_exact_difference_in_fen() -> None:
    # 1,001 fen for two units; two units of the substitute cost 1,000: 1 fen back.
    [sub] = rank_substitutes(ORIGINAL, 1001, 2, [listing("k2", "纯棉白色短袖T恤 女款", 500)],
                             RULES.substitute_price_band_percent)
    assert sub.refund_cents == 1
    band = RULES.substitute_price_band_percent
    edge = 1000 * (100 + band) // 100  # the dearest unit price still in the band
    assert rank_substitutes(ORIGINAL, 1000, 1, [listing("k3", "T恤", edge)], band)
    assert not rank_substitutes(ORIGINAL, 1000, 1, [listing("k3", "T恤", edge + 1)], band)

"""Chat detection: the pack's phrases after normalisation; denials and other senders don't count."""

from __future__ import annotations

import pytest

from stockout.domain.chat import normalise
from stockout.rulepacks import resolve_rules

PACK = resolve_rules("pdd-2025").packs[0]
STOCKOUT = PACK.stockout.says_stockout
INDUCE = PACK.stockout.asks_to_refund


@pytest.mark.parametrize("raw, expected", [
    ("沒貨", "没货"),
    ("缺　貨！", "缺货"),
    ("ＡＢＣ１２３", "abc123"),
    ("没 . 有 - 货", "没有货"),
    ("冇货", "没有货"),
    ("没\u200b货", "没货"),
])
def test_normalise_folds_width_case_traditional_spaces_and_punctuation(raw: str, expected: str
                                                                       ) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize("text", [
    "亲，这款没货了", "沒貨", "缺 - 貨", "暂时断货哦", "库存不足，发不了货", "卖完了亲", "這個沒有現貨",
    "没.货.了", "冇货啦", "ｍｅｉ 没货",
])
def test_merchant_saying_there_is_no_stock_is_found(text: str) -> None:
    assert STOCKOUT.find(text) is not None


@pytest.mark.parametrize("text", [
    "不缺货的亲", "有货，放心", "放心不会缺货", "我们没有缺货", "今天发货", "现货充足", "", None,
    "不是没货，是快递还没来", "怎么会没货呢",
])
def test_denials_and_ordinary_messages_are_not_a_stockout(text: str | None) -> None:
    assert STOCKOUT.find(text) is None


def test_a_denial_does_not_hide_a_real_stockout_elsewhere_in_the_message() -> None:
    assert STOCKOUT.find("昨天说有货，结果今天没货了") == "没货"


@pytest.mark.parametrize("text", [
    "麻烦您申请一下退款", "申請退款吧", "亲 取消订单 就好", "退款吧亲", "帮您把订单取消",
])
def test_merchant_asking_the_buyer_to_refund_or_cancel_is_found(text: str) -> None:
    assert INDUCE.find(text) is not None


@pytest.mark.parametrize("text", [
    "退款已经到账了吗", "亲，请不要取消订单，明天一定发货", "不用申请退款哦，已经补货了",
])
def test_ordinary_refund_talk_and_asking_not_to_refund_is_not_an_induced_refund(text: str
                                                                                  ) -> None:
    assert INDUCE.find(text) is None

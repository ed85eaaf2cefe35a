"""Who sees what, on both stores: the platform everything; a merchant its shops; a buyer its
own orders. Asking for what is not yours is a 404, exactly like asking for what does not
exist; only the platform and the order's own shop post its events."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.helpers import Order
from tests.online import get_all

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
T = datetime(2025, 3, 3, 10, 0, tzinfo=CST)


def auth(api: Any, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token[who]}"}


@pytest.fixture
def market(api: Any) -> Any:
    """Order S1A (shop s1, buyer b1) and S2B (shop s2, buyer b2), both late."""
    api.bench.at(T + 50 * H)
    for order_id, shop, buyer in (("S1A", "s1", "b1"), ("S2B", "s2", "b2")):
        o = Order(order_id, T - H, shop_id=shop, buyer_id=buyer)
        o.confirm(T)
        assert api.post("/v1/events", json=o.events, headers=auth(api, "platform")
                        ).status_code == 200
    return api


def orders_of(items: list[dict[str, Any]]) -> set[str]:
    return {v["order_id"] for v in items}


def test_the_platform_sees_every_order_and_verdict(market: Any) -> None:
    assert orders_of(get_all(market, "/v1/verdicts", auth(market, "platform"))) == {"S1A", "S2B"}
    for order_id in ("S1A", "S2B"):
        assert market.get(f"/v1/orders/{order_id}", headers=auth(market, "platform")
                          ).status_code == 200


def test_a_merchant_sees_its_own_shop_and_gets_404_for_another_shops_order(market: Any) -> None:
    mine = market.get("/v1/orders/S1A", headers=auth(market, "s1"))
    theirs = market.get("/v1/orders/S2B", headers=auth(market, "s1"))
    missing = market.get("/v1/orders/NOPE", headers=auth(market, "s1"))
    assert mine.status_code == 200
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["detail"].replace("S2B", "X") == missing.json()["detail"].replace(
        "NOPE", "X")
    assert orders_of(get_all(market, "/v1/verdicts", auth(market, "s1"))) == {"S1A"}


@pytest.mark.parametrize("path", ["/v1/verdicts?shop_id=s2", "/v1/shops/s2/at-risk",
                                  "/v1/shops/s2/scorecard"])
def test_a_merchant_asking_for_another_shop_gets_404(market: Any, path: str) -> None:
    answer = market.get(path, headers=auth(market, "s1"))
    assert answer.status_code == 404
    assert "S2B" not in answer.text


def test_a_buyer_sees_only_its_own_orders_verdicts_and_notices(market: Any) -> None:
    assert market.get("/v1/orders/S1A", headers=auth(market, "b1")).status_code == 200
    assert market.get("/v1/orders/S2B", headers=auth(market, "b1")).status_code == 404
    assert orders_of(get_all(market, "/v1/verdicts", auth(market, "b1"))) == {"S1A"}
    notices = market.get("/v1/notifications", headers=auth(market, "b1")).json()["items"]
    assert {n["order_id"] for n in notices} == {"S1A"}
    assert {n["recipient"]["id"] for n in notices} == {"b1"}
    for path in ("/v1/shops/s1/at-risk", "/v1/shops/s1/scorecard", "/v1/verdicts?shop_id=s1"):
        assert market.get(path, headers=auth(market, "b1")).status_code == 404


def test_a_buyer_may_not_post_events(market: Any) -> None:
    o = Order("B1X", T, shop_id="s1", buyer_id="b1")
    answer = market.post("/v1/events", json=o.events, headers=auth(market, "b1"))
    assert answer.status_code == 403
    assert market.get("/v1/orders/B1X", headers=auth(market, "platform")).status_code == 404


def test_a_merchant_posts_for_its_own_orders_only(market: Any) -> None:
    # Placing an order is the platform's word, for the merchant's own shop too (provenance).
    own = Order("S1NEW", T, shop_id="s1", buyer_id="b9")
    foreign_new = Order("S2NEW", T, shop_id="s2", buyer_id="b9")
    now = (T + 50 * H).isoformat()
    upload = {"event_id": "S1A.upload", "order_id": "S1A", "type": "shipment_uploaded",
              "at": now, "carrier": "YTO", "tracking_no": "YT1"}
    chat = {"event_id": "S2B.chat", "order_id": "S2B", "type": "chat_message",
            "at": now, "sender": "merchant", "text": "没货了"}
    answer = market.post("/v1/events", json=[*own.events, *foreign_new.events, upload, chat],
                         headers=auth(market, "s1")).json()
    assert answer["accepted"] == ["S1A.upload"]
    assert [(r["event_id"], r["status"], r["rule"]) for r in answer["rejected"]] == [
        ("S1NEW.placed", 403, "provenance/order_placed"),
        ("S2NEW.placed", 403, "provenance/order_placed"), ("S2B.chat", 404, None)]
    view = market.get("/v1/orders/S2B", headers=auth(market, "platform")).json()
    assert "S2B.chat" not in {e["event"]["event_id"] for e in view["timeline"]}


def test_a_revoked_token_is_refused(market: Any) -> None:
    from stockout.services.access.tokens import authenticate, revoke_token

    principal = authenticate(market.bench.uow(), market.token["s1"])
    assert principal is not None
    assert revoke_token(market.bench.uow(), market.bench.clock, principal.token_id)
    assert market.get("/v1/orders/S1A", headers=auth(market, "s1")).status_code == 401

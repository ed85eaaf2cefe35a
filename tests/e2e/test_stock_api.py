"""The stock API: a SKU's balance and listing, receipts and adjustments posted by hand;
merchants only for their own shops' SKUs, 404 for anyone else's (both stores)."""

from __future__ import annotations

from typing import Any

from stockout.services.stock import movements as stock


def auth(api: Any, who: str = "platform") -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token[who]}"}


def sku(api: Any, sku_id: str = "K1", shop: str = "s1") -> None:
    stock.register_sku(api.bench.uow(), api.bench.clock, sku_id, shop, safety_stock=1)


def test_merchant_receives_goods_and_sees_balance_and_listing(api: Any) -> None:
    sku(api)
    posted = api.post("/v1/skus/K1/movements", headers=auth(api, "s1"),
                      json={"kind": "receipt", "quantity": 3, "reason": "PO-7"})
    assert posted.status_code == 201, posted.text
    got = api.get("/v1/skus/K1", headers=auth(api, "s1")).json()
    assert (got["on_hand"], got["reserved"], got["sellable"], got["listing"]) == \
        (3, 0, 3, "listed")
    rows = api.bench.rows("SELECT recorded_by, reason FROM stock_movements")
    assert rows == [{"recorded_by": rows[0]["recorded_by"], "reason": "PO-7"}]
    assert rows[0]["recorded_by"].startswith("token:")


def test_another_shops_merchant_and_buyers_get_404(api: Any) -> None:
    sku(api)
    for who in ("s2", "b1"):
        assert api.get("/v1/skus/K1", headers=auth(api, who)).status_code == 404
        assert api.post("/v1/skus/K1/movements", headers=auth(api, who),
                        json={"kind": "receipt", "quantity": 1}).status_code == 404
    assert api.get("/v1/skus/nope", headers=auth(api)).status_code == 404
    assert api.bench.rows("SELECT count(*) AS n FROM stock_movements")[0]["n"] == 0


def test_adjustment_without_a_reason_is_refused_with_422(api: Any) -> None:
    sku(api)
    api.post("/v1/skus/K1/movements", headers=auth(api), json={"kind": "receipt", "quantity": 2})
    refused = api.post("/v1/skus/K1/movements", headers=auth(api),
                       json={"kind": "adjustment", "quantity": -1})
    assert refused.status_code == 422 and "why" in refused.json()["detail"]
    counted = api.post("/v1/skus/K1/movements", headers=auth(api),
                       json={"kind": "adjustment", "quantity": -1, "reason": "破损"})
    assert counted.status_code == 201
    assert (counted.json()["on_hand"], counted.json()["listing"]) == (1, "delisted_auto")


def test_only_receipts_and_adjustments_are_posted_by_hand(api: Any) -> None:
    sku(api)
    answer = api.post("/v1/skus/K1/movements", headers=auth(api),
                      json={"kind": "reservation", "quantity": 1})
    assert answer.status_code == 422

"""The HTTP API of SKUs, shipping plans, out-of-stock reports and remedies (both stores):
merchants only for their shops, buyers only for their orders (404 otherwise), refusals as
problem documents that name the rule."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from tests.helpers import Order

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
T = datetime(2025, 3, 3, 10, 0, tzinfo=CST)


def auth(api: Any, who: str = "platform") -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token[who]}"}


def register(api: Any, sku_id: str = "K1", on_hand: int = 2, **extra: Any) -> None:
    body = {"sku_id": sku_id, "shop_id": "s1", "title": "纯棉短袖T恤 白色", "category": "服装",
            "price_cents": 5000, **extra}
    answer = api.post("/v1/skus", headers=auth(api, "s1"), json=body)
    assert answer.status_code == 201, answer.text
    if on_hand:
        api.post(f"/v1/skus/{sku_id}/movements", headers=auth(api, "s1"),
                 json={"kind": "receipt", "quantity": on_hand})


def orders(api: Any, *ids: str, campaign: bool = False) -> None:
    events = []
    for i, order_id in enumerate(ids):
        o = Order(order_id, T - 2 * H, shop_id="s1", buyer_id="b1", campaign=campaign or None)
        o.events[0].update(sku_id="K1")
        o.confirm(T - H + i * timedelta(minutes=1))
        events += o.events
    # The marketplace places and confirms orders (a merchant may not state either).
    answer = api.post("/v1/events", headers=auth(api, "platform"), json=events)
    assert answer.status_code == 200 and not answer.json()["rejected"], answer.text


def test_register_sku_defaults_safety_stock_to_the_pack_and_refuses_other_shops(api: Any
                                                                                ) -> None:
    api.bench.at(T)
    register(api, on_hand=0)
    got = api.get("/v1/skus/K1", headers=auth(api, "s1")).json()
    assert (got["safety_stock"], got["listing"]) == (0, "delisted_auto")
    again = api.post("/v1/skus", headers=auth(api, "s1"), json={
        "sku_id": "K1", "shop_id": "s1", "title": "x", "price_cents": 1})
    assert again.status_code == 409
    other = api.post("/v1/skus", headers=auth(api, "s2"), json={
        "sku_id": "K9", "shop_id": "s1", "title": "x", "price_cents": 1})
    assert other.status_code == 404


def test_plan_gives_listing_cap_and_orders_at_risk_from_capacity_and_receipts(api: Any
                                                                              ) -> None:
    api.bench.at(T)
    register(api, on_hand=2)
    orders(api, "A", "B", "C", "D")  # A and B hold the two units; C and D wait for stock
    assert api.get("/v1/skus/K1/plan", headers=auth(api, "s1")).status_code == 409
    put = api.put("/v1/skus/K1/capacity", headers=auth(api, "s1"), json={"daily_capacity": 1})
    assert put.status_code == 200, put.text
    posted = api.post("/v1/skus/K1/expected-receipts", headers=auth(api, "s1"),
                      json={"day": "2025-03-04", "quantity": 5})
    assert posted.status_code == 201, posted.text
    plan = api.get("/v1/skus/K1/plan", headers=auth(api, "s1")).json()
    # One a day from 3 March: A on the 3rd, B the 4th, C the 5th (its deadline day), D late.
    assert [(o["order_id"], o["ship_day"]) for o in plan["orders"]] == [
        ("A", "2025-03-03"), ("B", "2025-03-04"), ("C", "2025-03-05"), ("D", None)]
    assert (plan["at_risk"], plan["listing_cap"]) == (["D"], 0)
    api.put("/v1/skus/K1/capacity", headers=auth(api, "s1"), json={"daily_capacity": 3})
    plan = api.get("/v1/skus/K1/plan", headers=auth(api, "s1")).json()
    assert (plan["at_risk"], plan["listing_cap"]) == ([], 3)
    assert api.get("/v1/skus/K1/plan", headers=auth(api, "s2")).status_code == 404
    past = api.post("/v1/skus/K1/expected-receipts", headers=auth(api, "s1"),
                    json={"day": "2025-03-01", "quantity": 5})
    assert past.status_code == 422 and "day" in past.json()["detail"]


def test_report_delists_and_refusal_is_a_problem_naming_the_rule(api: Any) -> None:
    api.bench.at(T)
    register(api)
    orders(api, "A")
    orders(api, "C", campaign=True)
    refused = api.post("/v1/orders/C/stockout-report", headers=auth(api, "s1"), json={})
    assert refused.status_code == 422
    body = refused.json()
    assert refused.headers["content-type"] == "application/problem+json"
    assert (body["code"], body["rule"]) == ("campaign", "pdd-2025/self_report/campaign")
    assert api.post("/v1/orders/A/stockout-report", headers=auth(api, "s2"),
                    json={}).status_code == 404
    done = api.post("/v1/orders/A/stockout-report", headers=auth(api, "s1"),
                    json={"reason": "供应商断货"})
    assert done.status_code == 201, done.text
    # The answer says what the report did to the listing: the order's SKU is taken down.
    assert (done.json()["sku_id"], done.json()["listing"]) == ("K1", "delisted_manual")
    assert api.get("/v1/skus/K1", headers=auth(api, "s1")).json()["listing"] == \
        "delisted_manual"
    sku_report = api.post("/v1/skus/K1/stockout-report", headers=auth(api, "s1"), json={})
    assert sku_report.status_code == 201
    assert [r["order_id"] for r in sku_report.json()["reported"]] == ["A"]
    assert sku_report.json()["reported"][0]["already_reported"] is True
    assert [r["code"] for r in sku_report.json()["refused"]] == ["campaign"]


def test_buyer_chooses_a_remedy_after_the_merchant_proposes_a_date(api: Any) -> None:
    api.bench.at(T)
    register(api)
    orders(api, "A")
    api.post("/v1/orders/A/stockout-report", headers=auth(api, "s1"), json={})
    offer = api.get("/v1/orders/A/remedy", headers=auth(api, "b1"))
    assert offer.status_code == 200 and offer.json()["state"] == "offered"
    for who in ("b2", "s2"):
        assert api.get("/v1/orders/A/remedy", headers=auth(api, who)).status_code == 404
    until = (T + 72 * H).isoformat()
    assert api.post("/v1/orders/A/remedy/proposal", headers=auth(api, "b1"),
                    json={"until": until}).status_code == 403
    proposed = api.post("/v1/orders/A/remedy/proposal", headers=auth(api, "s1"),
                        json={"until": until})
    assert proposed.status_code == 200 and proposed.json()["proposed_until"] == until
    assert api.post("/v1/orders/A/remedy", headers=auth(api, "s1"),
                    json={"remedy": "wait"}).status_code == 403
    chosen = api.post("/v1/orders/A/remedy", headers=auth(api, "b1"), json={"remedy": "wait"})
    assert chosen.status_code == 200, chosen.text
    assert (chosen.json()["state"], chosen.json()["until"]) == ("wait", until)
    again = api.post("/v1/orders/A/remedy", headers=auth(api, "b1"), json={"remedy": "refund"})
    assert again.status_code == 409 and again.json()["code"] == "already_chosen"
    for remedy in ("wait", "presale"):  # refused as chosen already, not for a missing date
        again = api.post("/v1/orders/A/remedy", headers=auth(api, "b1"), json={"remedy": remedy})
        assert again.status_code == 409 and again.json()["code"] == "already_chosen", again.text
    view = api.get("/v1/orders/A", headers=auth(api, "b1")).json()
    assert "remedy_chosen" in [e["event"]["type"] for e in view["timeline"]]
    assert (view["remedy"]["state"], view["remedy"]["new_ship_by"]) == ("wait", until)
    notes = api.get("/v1/notifications", headers=auth(api, "b1")).json()["items"]
    assert {"remedy_offer", "remedy_proposal", "remedy_chosen"} <= {n["topic"] for n in notes}


def test_an_order_without_stockout_has_no_remedy(api: Any) -> None:
    api.bench.at(T)
    register(api)
    orders(api, "A")
    answer = api.get("/v1/orders/A/remedy", headers=auth(api, "b1"))
    assert answer.status_code == 404 and answer.json()["code"] == "no_stockout"


def test_presale_without_until_is_a_problem_that_says_what_is_needed(api: Any) -> None:
    api.bench.at(T)
    register(api)
    orders(api, "A")
    api.post("/v1/orders/A/stockout-report", headers=auth(api, "s1"), json={})
    refused = api.post("/v1/orders/A/remedy", headers=auth(api, "b1"), json={"remedy": "presale"})
    assert refused.status_code == 422 and refused.json()["code"] == "presale_date_required"
    assert "presale needs `until`" in refused.json()["detail"]

"""The shortage triage over HTTP (both stores): the plan for the shop's merchant and the
platform only, never an action the pack forbids, and applying a plan's reports and restock
proposals through the report and remedy services, so that the daily limit still holds."""

from __future__ import annotations

from typing import Any

from tests.e2e.test_report_remedy_api import H, T, auth, register
from tests.helpers import Order


def orders(api: Any, *ids: str, campaign: bool = False, sku: str = "K1") -> None:
    events = []
    for i, order_id in enumerate(ids):
        o = Order(order_id, T - 2 * H, shop_id="s1", buyer_id="b1", campaign=campaign or None)
        o.events[0].update(sku_id=sku)
        o.confirm(T - H + i * H / 60)
        events += o.events
    # The marketplace places and confirms orders (a merchant may not state either).
    answer = api.post("/v1/events", headers=auth(api, "platform"), json=events)
    assert answer.status_code == 200 and not answer.json()["rejected"], answer.text


def test_plan_ships_the_campaign_order_proposes_restock_for_others_and_applies_it(api: Any
                                                                                 ) -> None:
    api.bench.at(T)
    register(api, "K1", on_hand=1)
    api.put("/v1/skus/K1/capacity", headers=auth(api, "s1"), json={"daily_capacity": 5})
    got = api.post("/v1/skus/K1/expected-receipts", headers=auth(api, "s1"),
                   json={"day": "2025-03-09", "quantity": 5})
    assert got.status_code == 201, got.text
    orders(api, "A", "B")
    orders(api, "C", campaign=True)
    url = "/v1/shops/s1/triage?margin_percent=20"
    plan = api.get(url, headers=auth(api, "s1"))
    assert plan.status_code == 200, plan.text
    body = plan.json()
    chosen = {d["order_id"]: d for d in body["decisions"]}
    assert set(chosen) == {"A", "B", "C"}
    # The one unit goes to the campaign order (it cannot be reported); the others are reported
    # with a restock date once the goods arrive, which keeps their sales.
    assert (chosen["C"]["action"], chosen["C"]["day"]) == ("ship", "2025-03-03")
    for o in ("A", "B"):
        assert chosen[o]["action"] == "restock" and chosen[o]["report"]
        assert chosen[o]["day"] == "2025-03-09"  # after it would be a stockout anyway
        assert chosen[o]["why"] == "stock" and chosen[o]["alternative"]["action"] == "ship"
    assert body["method"] == "optimal" and body["cost_cents"] == 1000
    assert body["cost_cents"] <= body["baselines"]["edf"] <= body["baselines"]["fcfs"]
    assert body["savings_vs_edf_cents"] == body["baselines"]["edf"] - 1000
    assert api.get(url, headers=auth(api)).json()["decisions"] == body["decisions"]
    for other in ("s2", "b1"):
        assert api.get(url, headers=auth(api, other)).status_code == 404

    done = api.post("/v1/shops/s1/triage/apply", headers=auth(api, "s1"),
                    json={"decisions": body["decisions"]})
    assert done.status_code == 200, done.text
    applied = done.json()
    assert sorted(r["order_id"] for r in applied["reported"]) == ["A", "B"]
    assert sorted(p["order_id"] for p in applied["proposed"]) == ["A", "B"]
    assert [x["order_id"] for x in applied["not_applied"]] == ["C"]
    remedy = api.get("/v1/orders/A/remedy", headers=auth(api, "b1")).json()
    assert remedy["state"] == "offered" and remedy["proposed_until"].startswith(chosen["A"]["day"])
    # Applied again: nothing is reported twice (the orders have their stockout already).
    again = api.post("/v1/shops/s1/triage/apply", headers=auth(api, "s1"),
                     json={"decisions": body["decisions"]})
    assert again.status_code == 200 and again.json()["reported"] == []
    # A campaign order cannot be reported: not one of its options, and nothing is written.
    forbidden = api.post("/v1/shops/s1/triage/apply", headers=auth(api, "s1"),
                         json={"decisions": [{"order_id": "C", "action": "report"}]})
    assert forbidden.status_code == 409 and forbidden.json()["order_id"] == "C"
    assert "decisions[0]" in forbidden.json()["detail"]
    other = api.post("/v1/shops/s1/triage/apply", headers=auth(api, "s2"),
                     json={"decisions": body["decisions"]})
    assert other.status_code == 404


def test_apply_keeps_the_daily_report_limit_and_rejects_bad_input(api: Any) -> None:
    api.bench.at(T)
    register(api, "K1", on_hand=0)
    ids = [f"R{i:02d}" for i in range(11)]
    orders(api, *ids)
    plan = api.get("/v1/shops/s1/triage", headers=auth(api, "s1")).json()
    assert sum(d["report"] for d in plan["decisions"]) <= plan["reports_left"] == 10
    decisions = [{"order_id": o, "action": "report"} for o in ids]
    done = api.post("/v1/shops/s1/triage/apply", headers=auth(api, "s1"),
                    json={"decisions": decisions})
    assert done.status_code == 200, done.text
    body = done.json()
    assert len(body["reported"]) == 10
    assert [(r["order_id"], r["code"]) for r in body["refused"]] == [("R10", "daily_limit")]
    bad = api.post("/v1/shops/s1/triage/apply", headers=auth(api, "s1"),
                   json={"decisions": [{"order_id": "R10", "action": "teleport"}]})
    assert bad.status_code == 422 and "action" in bad.text
    wide = api.get("/v1/shops/s1/triage?horizon_days=99", headers=auth(api, "s1"))
    assert wide.status_code == 422 and "horizon_days" in wide.text


def test_an_order_whose_waybill_is_uploaded_is_not_planned_and_keeps_its_unit(api: Any
                                                                              ) -> None:
    api.bench.at(T)
    register(api, "K1", on_hand=1)
    orders(api, "A", "B")  # A, confirmed first, holds the one unit
    before = api.get("/v1/shops/s1/triage", headers=auth(api, "s1")).json()
    assert {d["order_id"]: d["action"] for d in before["decisions"]}["A"] == "ship"
    waybill = Order("A", T - 2 * H, shop_id="s1", buyer_id="b1")
    waybill.upload(T - H / 4)
    answer = api.post("/v1/events", headers=auth(api, "s1"), json=waybill.events[-1:])
    assert answer.status_code == 200 and answer.json()["accepted"], answer.text
    after = api.get("/v1/shops/s1/triage", headers=auth(api, "s1")).json()
    chosen = {d["order_id"]: d for d in after["decisions"]}
    assert set(chosen) == {"B"}  # A is on its way, not an unshipped order
    assert chosen["B"]["action"] != "ship"  # A's unit is packed: none is on hand for B
    assert chosen["B"]["why"] in ("cheapest", "tie", "only_option")

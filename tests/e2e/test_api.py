"""The HTTP API through FastAPI's test client, on both stores: answers, lists, problems."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.helpers import Order
from tests.online import get_all

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
T = datetime(2025, 3, 3, 10, 0, tzinfo=CST)
FIELDS = ["order_id", "violation", "trigger", "detected_at", "deadline", "compensation_cents",
          "rule", "evidence"]


def auth(api: Any, who: str = "platform") -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token[who]}"}


def order(order_id: str, shop: str = "s1", buyer: str = "b1", **kw: Any) -> Order:
    o = Order(order_id, T - H, shop_id=shop, buyer_id=buyer, **kw)
    o.confirm(T)
    return o


def post(api: Any, events: list[dict[str, Any]], who: str = "platform") -> Any:
    return api.post("/v1/events", json=events, headers=auth(api, who))


def is_problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    assert body["status"] == status
    return body


def test_a_post_answers_what_was_accepted_duplicated_and_rejected_with_indexes(api: Any) -> None:
    api.bench.at(T + H)
    o = order("A")
    answer = post(api, [*o.events, o.events[0], {"event_id": "x", "type": "order_placed"}])
    assert answer.status_code == 200
    body = answer.json()
    assert body["accepted"] == ["A.placed", "A.confirmed"]
    assert body["duplicates"] == ["A.placed"]
    assert [(r["index"], r["status"]) for r in body["rejected"]] == [(3, 422)]
    assert "order_id" in body["rejected"][0]["reason"]


def test_numbers_too_large_for_any_column_are_rejected_one_by_one_not_with_a_500(
        api: Any) -> None:
    api.bench.at(T + H)
    good, huge, many = order("A"), order("B"), order("C")
    huge.events[0]["paid_cents"] = 10**20
    many.events[0]["quantity"] = 2**63
    answer = post(api, [*good.events, huge.events[0], many.events[0]])
    assert answer.status_code == 200
    body = answer.json()
    assert body["accepted"] == ["A.placed", "A.confirmed"]
    rejected = {r["event_id"]: r for r in body["rejected"]}
    assert rejected["B.placed"]["status"] == rejected["C.placed"]["status"] == 422
    assert "paid_cents" in rejected["B.placed"]["reason"]
    assert "quantity" in rejected["C.placed"]["reason"]
    sku = {"sku_id": "K9", "shop_id": "s1", "title": "T恤", "price_cents": 2**63}
    assert "price_cents" in is_problem(api.post("/v1/skus", json=sku, headers=auth(api)),
                                       422)["detail"]


def test_a_body_that_is_not_an_array_of_events_is_a_problem_document(api: Any) -> None:
    is_problem(api.post("/v1/events", json={"event_id": "x"}, headers=auth(api)), 422)
    is_problem(api.post("/v1/events", content=b"{not json", headers={
        **auth(api), "content-type": "application/json"}), 422)


def test_the_events_body_is_read_as_a_json_body_parameter_is(api: Any) -> None:
    """POST /v1/events is answered past the framework (`answer_direct`): its body is
    still read as FastAPI reads a `Body()` parameter, each case the same answer."""
    json_type = {**auth(api), "content-type": "application/json"}
    bad = is_problem(api.post("/v1/events", content=b"[1, {x", headers=json_type), 422)
    assert bad["code"] == "invalid-request" and bad["errors"][0]["loc"] == ["body", "5"]
    assert api.post("/v1/events", content=b"[]", headers=json_type).json()["accepted"] == []
    text = {**auth(api), "content-type": "text/plain"}
    # Empty, or not JSON by its content type (none, text): not an array of events.
    for body, headers in ((b"", json_type), (b"", auth(api)), (b"[]", auth(api)), (b"[]", text)):
        got = api.post("/v1/events", content=body, headers=headers)
        assert is_problem(got, 422)["code"] == "not-an-array"
    for kind in ("application/json; charset=utf-8", "application/vnd.orders+json"):
        got = api.post("/v1/events", content=b"[]", headers={**auth(api), "content-type": kind})
        assert got.status_code == 200
    is_problem(api.post("/v1/events", content='["\xe9"]'.encode("latin-1"), headers=json_type),
               400)
    unauthorised = api.post("/v1/events", content=b"[]", headers={
        "content-type": "application/json", "Authorization": "Basic x"})
    assert is_problem(unauthorised, 401)["code"] == "unauthorized"
    assert unauthorised.headers["www-authenticate"] == "Bearer"


def test_an_invalid_event_whose_id_is_not_valid_unicode_is_rejected_without_its_id(api: Any
                                                                                     ) -> None:
    body = b'[{"event_id": "\\ud800", "order_id": "A", "type": "order_confirmed"}]'
    answer = api.post("/v1/events", content=body, headers={
        **auth(api), "content-type": "application/json"})
    assert answer.status_code == 200
    [rejected] = answer.json()["rejected"]
    assert (rejected["index"], rejected["event_id"], rejected["status"]) == (0, None, 422)
    assert "event_id" in rejected["reason"]


def test_a_streamed_body_over_the_size_limit_is_refused_as_too_large(api: Any) -> None:
    def chunks() -> Any:
        for _ in range(5):
            yield b" " * (1024 * 1024)

    answer = api.post("/v1/events", content=chunks(), headers={
        **auth(api), "content-type": "application/json"})
    is_problem(answer, 413)


def test_more_than_a_thousand_events_in_one_post_is_too_large(api: Any) -> None:
    body = is_problem(post(api, [{}] * 1001), 413)
    assert body["count"] == 1001


def test_a_body_over_the_size_limit_is_refused_before_it_is_read(api: Any) -> None:
    big = b"[" + b" " * (1024 * 1024 + 10) + b"]"
    answer = api.post("/v1/events", content=big, headers={
        **auth(api), "content-type": "application/json"})
    is_problem(answer, 413)


def test_no_token_or_an_unknown_token_is_401_with_a_bearer_challenge(api: Any) -> None:
    for headers in ({}, {"Authorization": "Bearer so_nope_nope"}):
        answer = api.get("/v1/verdicts", headers=headers)
        is_problem(answer, 401)
        assert answer.headers["www-authenticate"] == "Bearer"


def test_an_order_shows_its_timeline_deadline_verdicts_and_coupons(api: Any) -> None:
    api.bench.at(T + 50 * H)
    post(api, order("A").events)
    body = api.get("/v1/orders/A", headers=auth(api)).json()
    assert [e["event"]["event_id"] for e in body["timeline"]] == ["A.placed", "A.confirmed"]
    assert body["deadline"]["at"] == (T + 48 * H).isoformat()
    assert [(v["violation"], v["status"], v["pack"]) for v in body["verdicts"]] == [
        ("late_shipment", "active", "pdd-2025")]
    assert [(c["amount_cents"], c["state"]) for c in body["coupons"]] == [(300, "issued")]
    is_problem(api.get("/v1/orders/nope", headers=auth(api)), 404)


def test_verdict_items_are_judge_json_lines_and_lists_follow_next_links(api: Any) -> None:
    api.bench.at(T + 130 * H)
    for i in range(5):
        post(api, order(f"A{i}").events)
    items = get_all(api, "/v1/verdicts", limit=2)
    assert len(items) == 10 and all(list(v) == FIELDS for v in items)
    assert items == sorted(items, key=lambda v: (v["order_id"], v["detected_at"], v["violation"]))
    first = api.get("/v1/verdicts", params={"limit": 2}, headers=auth(api)).json()
    assert first["next"].startswith("http") and "cursor=" in first["next"]
    only = get_all(api, "/v1/verdicts", violation="stockout", since=(T + 125 * H).isoformat())
    assert only == []
    stockouts = get_all(api, "/v1/verdicts", violation="stockout", shop_id="s1")
    assert {v["trigger"] for v in stockouts} == {"unshipped_after_deadline"}
    is_problem(api.get("/v1/verdicts", params={"cursor": "!!"}, headers=auth(api)), 400)


def test_at_risk_lists_open_unshipped_orders_soonest_deadline_first(api: Any) -> None:
    api.bench.at(T + 40 * H)
    early = order("EARLY")
    late = Order("LATER", T, shop_id="s1", buyer_id="b1")
    late.confirm(T + 5 * H)
    shipped = order("SHIPPED")
    shipped.ship(T + H)
    for o in (late, early, shipped):
        post(api, o.events)
    items = get_all(api, "/v1/shops/s1/at-risk", limit=1)
    assert [i["order_id"] for i in items] == ["EARLY", "LATER"]
    assert items[0]["seconds_left"] == 8 * 3600 and items[0]["if_missed"] == {
        "late_shipment_cents": 300, "stockout_cents": 500}
    soon = get_all(api, "/v1/shops/s1/at-risk", within_hours=10)
    assert [i["order_id"] for i in soon] == ["EARLY"]


def test_the_scorecard_gives_rates_against_the_pack_targets(api: Any) -> None:
    api.bench.at(T + 100 * H)
    shipped = order("OK")
    shipped.ship(T + H)
    post(api, [*order("LATE").events, *shipped.events])
    card = api.get("/v1/shops/s1/scorecard", headers=auth(api)).json()
    assert card["days"] == 30 and card["pack"] == "pdd-2025"
    assert card["late_shipment"] == {"orders": 2, "count": 1, "rate": 0.5, "target_max": 0.04,
                                     "meets": False}
    assert card["valid_tracking"]["rate"] == 1.0 and card["valid_tracking"]["meets"] is True
    assert api.get("/v1/shops/s1/scorecard", params={"days": 1}, headers=auth(api)).json()[
        "late_shipment"]["orders"] == 0


def test_announcements_are_listed_and_only_the_platform_posts_them(api: Any) -> None:
    notice = {"id": "ANN-1", "starts": T.isoformat(), "ends": (T + 72 * H).isoformat(),
              "extend_hours": 24}
    assert api.post("/v1/announcements", json=notice, headers=auth(api)).status_code == 201
    assert api.post("/v1/announcements", json=notice, headers=auth(api)).status_code == 200
    is_problem(api.post("/v1/announcements", json=dict(notice, extend_hours=2),
                        headers=auth(api)), 409)
    is_problem(api.post("/v1/announcements", json=dict(notice, id="ANN-2"),
                        headers=auth(api, "s1")), 403)
    is_problem(api.post("/v1/announcements", json={"id": "x"}, headers=auth(api)), 422)
    assert [a["id"] for a in get_all(api, "/v1/announcements")] == ["ANN-1"]


def test_buyer_and_merchant_read_their_notices_in_chinese_and_english(api: Any) -> None:
    api.bench.at(T + 50 * H)
    post(api, order("A").events)
    buyer = api.get("/v1/notifications", headers=auth(api, "b1")).json()["items"]
    merchant = api.get("/v1/notifications", headers=auth(api, "s1")).json()["items"]
    assert [n["topic"] for n in buyer] == ["compensation"]
    assert [n["topic"] for n in merchant] == ["verdict"]
    assert "¥3.00" in buyer[0]["texts"]["zh"]["title"]
    assert "coupon" in buyer[0]["texts"]["en"]["title"]
    assert buyer[0]["dedupe_key"] == "coupon:A/late_shipment/1:issued"


def test_every_money_decision_is_in_the_audit_log_with_who_and_when(api: Any) -> None:
    api.bench.at(T + 50 * H)
    post(api, order("A").events)
    entries = get_all(api, "/v1/audit", order_id="A")
    assert [e["action"] for e in entries] == ["verdict.issued", "coupon.issued"]
    assert all(e["actor"].startswith("token:") and e["at"] for e in entries)
    assert entries[1]["amount_cents"] == 300
    is_problem(api.get("/v1/audit", headers=auth(api, "s1")), 403)


def test_the_openapi_description_and_docs_are_served(api: Any) -> None:
    spec = api.get("/openapi.json").json()
    assert {"/v1/events", "/v1/orders/{order_id}", "/v1/verdicts",
            "/v1/shops/{shop_id}/at-risk", "/v1/shops/{shop_id}/scorecard",
            "/v1/announcements"} <= set(spec["paths"])
    assert api.get("/docs").status_code == 200
    assert json.dumps(spec)  # serialisable

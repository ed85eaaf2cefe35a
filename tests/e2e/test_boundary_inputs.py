"""Every bad input at the HTTP boundary is a 4xx problem (or a per-event rejection) that names
the field, never a 500 and never a value taken in that fails later: times (RFC 3339 strings
within 2000..2100), ids (printable, no `/`, at most 128), text (valid Unicode), integers (strict,
within the column's range), hours (finite); on both stores."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_api import auth, is_problem, order, post
from tests.online import environment, stockout

CST = timezone(timedelta(hours=8))
T = datetime(2025, 3, 3, 10, 0, tzinfo=CST)
HUGE = "1180591620717411303424"  # 2**70: no BIGINT holds it


def rejected(answer: Any) -> dict[str, dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    return {r["event_id"]: r for r in answer.json()["rejected"]}


def bad_event(api: Any, **fields: Any) -> dict[str, Any]:
    """Post a good order and one bad copy of its placing (id X.placed): the good one is taken,
    the bad one rejected alone with 422; its rejection."""
    api.bench.at(T + timedelta(hours=1))
    good, bad = order("G"), order("X")
    bad.events[0].update(fields)
    answer = post(api, [*good.events, bad.events[0]])
    assert answer.json()["accepted"] == ["G.placed", "G.confirmed"], answer.text
    found = rejected(answer)[bad.events[0]["event_id"]]
    assert found["status"] == 422
    return found


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
                                "1999-12-31T23:59:59+00:00", "2100-01-01T00:00:00Z"])
def test_an_event_time_outside_2000_to_2100_is_rejected_naming_at_and_the_post_still_stands(
        api: Any, at: str) -> None:
    assert bad_event(api, at=at)["reason"].startswith("at:")


@pytest.mark.parametrize("at", [0, 1700000000, "1700000000", "2025-03-03", "2025-03-03 10:00",
                                "2025-03-03T10:00:00+0800", True])
def test_an_event_time_that_is_not_an_rfc3339_string_is_rejected_naming_at(
        api: Any, at: Any) -> None:
    assert bad_event(api, at=at)["reason"].startswith("at:")


def test_a_presale_ship_by_in_year_9999_is_rejected_naming_it(api: Any) -> None:
    found = bad_event(api, presale_ship_by="9999-12-31T23:59:59-12:00")
    assert "presale_ship_by" in found["reason"]


@pytest.mark.parametrize("event_id", ["a/b", "   ", "", "a\x00b", "tab\there", "x" * 129,
                                      "y" * 200_000])
def test_an_id_that_could_not_be_read_back_is_rejected_naming_it(api: Any, event_id: str
                                                                  ) -> None:
    api.bench.at(T + timedelta(hours=1))
    o = order("A")
    o.events[0]["event_id"] = event_id
    answer = post(api, o.events)
    assert answer.status_code == 200, answer.text
    [found] = answer.json()["rejected"]
    assert found["status"] == 422 and found["reason"].startswith("event_id:")


@pytest.mark.parametrize("order_id", ["a/b", " ", "a\x00", "\u2028"])
def test_an_order_id_with_a_slash_or_only_spaces_is_rejected(api: Any, order_id: str) -> None:
    assert bad_event(api, order_id=order_id)["reason"].startswith("order_id:")


def test_an_id_of_128_printable_characters_is_taken_and_read_back(api: Any) -> None:
    api.bench.at(T + timedelta(hours=1))
    long_id = "订" * 118  # its events: "订…订.confirmed", 128 characters
    o = order(long_id)
    assert post(api, o.events).json()["accepted"] == [e["event_id"] for e in o.events]
    assert api.get(f"/v1/orders/{long_id}", headers=auth(api)).status_code == 200


def test_a_lone_surrogate_in_text_is_rejected_naming_the_field_not_a_500(api: Any) -> None:
    api.bench.at(T + timedelta(hours=1))
    o = order("A")
    o.chat(T, "placeholder")
    raw = json.dumps(o.events).replace("placeholder", "\\ud800")
    answer = api.post("/v1/events", content=raw.encode(), headers={
        **auth(api), "content-type": "application/json"})
    found = rejected(answer)["A.chat"]
    assert found["status"] == 422 and found["reason"].startswith("text:")
    assert answer.json()["accepted"] == ["A.placed", "A.confirmed"]


def test_strings_are_not_integers_in_events(api: Any) -> None:
    assert bad_event(api, paid_cents="100")["reason"].startswith("paid_cents:")


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
                                   "0", "1700000000"])
def test_a_since_outside_the_range_or_not_rfc3339_is_a_422_naming_since(api: Any, since: str
                                                                        ) -> None:
    body = is_problem(api.get("/v1/verdicts", params={"since": since}, headers=auth(api)), 422)
    assert body["field"] == "since" and "since" in body["detail"]


@pytest.mark.parametrize("hours", ["1e308", "inf", "nan", "-inf"])
def test_within_hours_must_be_a_finite_number_of_hours(api: Any, hours: str) -> None:
    answer = api.get("/v1/shops/s1/at-risk", params={"within_hours": hours}, headers=auth(api))
    assert is_problem(answer, 422)["field"] == "within_hours"


@pytest.mark.parametrize("path", [f"/v1/appeals/{HUGE}", f"/v1/appeals/1/evidence/{HUGE}",
                                  f"/v1/appeals/{HUGE}/evidence/1"])
def test_a_path_id_above_any_stored_row_is_a_422_naming_it(api: Any, path: str) -> None:
    body = is_problem(api.get(path, headers=auth(api)), 422)
    assert body["field"] in ("appeal_id", "evidence_id")


def test_redeeming_a_coupon_id_above_any_stored_row_is_a_422(api: Any) -> None:
    body = is_problem(api.post(f"/v1/coupons/{HUGE}/redeem", headers=auth(api)), 422)
    assert body["field"] == "coupon_id"


def test_an_appeal_of_a_verdict_id_above_any_stored_row_is_a_422_naming_it(api: Any) -> None:
    answer = api.post("/v1/appeals", data={"verdict_id": HUGE, "ground": "force_majeure"},
                      headers=auth(api))
    assert is_problem(answer, 422)["field"] == "verdict_id"


def test_ticket_and_feedback_ids_above_any_stored_row_are_a_422(api: Any) -> None:
    is_problem(api.post(f"/v1/tickets/{HUGE}/close", headers=auth(api)), 422)
    is_problem(api.post(f"/v1/feedback/{HUGE}/reply", json={"text": "好"}, headers=auth(api)),
               422)


@pytest.mark.parametrize(("field", "value"), [
    ("starts", "0001-01-01T00:00:00+14:00"), ("starts", 1741000000),
    ("ends", "9999-12-31T23:59:59-12:00"), ("extend_hours", 1e308),
    ("id", "a/b"), ("id", " ")])
def test_an_announcement_with_a_bad_time_or_id_is_a_422_naming_it(api: Any, field: str,
                                                                  value: Any) -> None:
    notice = {"id": "N1", "starts": "2025-03-01T00:00:00+08:00",
              "ends": "2025-03-05T00:00:00+08:00", "extend_hours": 24, field: value}
    body = is_problem(api.post("/v1/announcements", json=notice, headers=auth(api)), 422)
    assert body["detail"].startswith(f"{field}:"), body


@pytest.mark.parametrize(("field", "value"), [("price_cents", "100"), ("price_cents", 100.0),
                                              ("price_cents", 2**63), ("sku_id", "a/b"),
                                              ("title", "\x00")])
def test_registering_a_sku_takes_strict_integers_and_clean_ids(api: Any, field: str,
                                                               value: Any) -> None:
    sku = {"sku_id": "K1", "shop_id": "s1", "title": "T恤", "price_cents": 1000, field: value}
    body = is_problem(api.post("/v1/skus", json=sku, headers=auth(api)), 422)
    assert body["field"] == field


def test_capacity_and_expected_receipts_take_strict_integers_and_days_in_range(api: Any
                                                                               ) -> None:
    api.bench.at(T)
    sku = {"sku_id": "K1", "shop_id": "s1", "title": "T恤", "price_cents": 1000}
    assert api.post("/v1/skus", json=sku, headers=auth(api)).status_code == 201
    body = is_problem(api.put("/v1/skus/K1/capacity", json={"daily_capacity": "5"},
                              headers=auth(api)), 422)
    assert body["field"] == "daily_capacity"
    for day in ("9999-12-31", "0001-01-01", 20250304, "2025-03-04T00:00:00+08:00"):
        answer = api.post("/v1/skus/K1/expected-receipts", json={"day": day, "quantity": 3},
                          headers=auth(api))
        assert is_problem(answer, 422)["field"] == "day", day
    ok = api.post("/v1/skus/K1/expected-receipts", json={"day": "2025-03-04", "quantity": 3},
                  headers=auth(api))
    assert ok.status_code == 201, ok.text


def test_a_remedy_date_out_of_range_is_a_422_naming_until(api: Any) -> None:
    answer = api.post("/v1/orders/A/remedy/proposal",
                      json={"until": "9999-12-31T23:59:59-12:00"}, headers=auth(api))
    assert is_problem(answer, 422)["field"] == "until"


def test_every_error_names_its_stable_code_and_the_table_gives_its_status(api: Any) -> None:
    from stockout.errors import outcome

    missing = is_problem(api.get("/v1/orders/none", headers=auth(api)), 404)
    assert missing["code"] == "not-found" and missing["type"] == outcome("not-found").type
    anonymous = is_problem(api.get("/v1/orders/none"), 401)
    assert anonymous["code"] == "unauthorized"
    bad = is_problem(api.get("/v1/verdicts", params={"limit": 0}, headers=auth(api)), 422)
    assert bad["code"] == "invalid-request" and bad["field"] == "limit"


def test_judge_rejects_a_line_with_a_time_out_of_range_by_number_and_judges_the_rest(
        tmp_path: Path) -> None:
    """Finding 4: one line dated 9999-12-31T23:59:59-12:00 (which UTC cannot hold) is rejected
    with its line number; the other lines are judged and the command exits 0."""
    a = order("A")
    far = order("B")
    far.events[0]["at"] = "9999-12-31T23:59:59-12:00"
    lines = [a.events[0], far.events[0], a.events[1]]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in lines), encoding="utf-8")
    run = stockout("--lang", "en", "judge", str(path), "--json", "--at",
                   "2025-03-10T00:00:00+08:00", env=environment(tmp_path / "data"))
    assert run.returncode == 0, run.stderr
    assert "line 2" in run.stderr and "at:" in run.stderr
    verdicts = [json.loads(line) for line in run.stdout.splitlines()]
    assert {v["order_id"] for v in verdicts} == {"A"}

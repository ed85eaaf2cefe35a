"""Appeals, coupons, measures and reputation over HTTP, on both stores: who may do what, the
multipart upload, evidence served only as an attachment, problems that say what and where."""

from __future__ import annotations

from typing import Any

from tests.e2e.test_api import H, T, auth, is_problem, order, post
from tests.online import get_all

PDF = ("proof.pdf", b"%PDF-1.4 carrier proof\n", "application/pdf")


def stockout(api: Any, order_id: str, shop: str = "s1", buyer: str = "b1") -> int:
    o = order(order_id, shop, buyer)
    o.chat(T + 5 * H, "亲，没货了")
    api.bench.at(T + 10 * H)
    assert post(api, o.events).status_code == 200
    body = api.get(f"/v1/orders/{order_id}", headers=auth(api)).json()
    return int(next(v["id"] for v in body["verdicts"] if v["violation"] == "stockout"))


def appeal(api: Any, verdict_id: int, who: str = "s1", ground: str = "carrier_fault",
           files: list[tuple[str, bytes, str]] | None = None) -> Any:
    return api.post("/v1/appeals", headers=auth(api, who),
                    data={"verdict_id": str(verdict_id), "ground": ground, "statement": "说明"},
                    files=[("evidence", f) for f in ([PDF] if files is None else files)])


def test_a_merchant_files_with_evidence_the_platform_decides_and_the_file_is_an_attachment(
        api: Any) -> None:
    vid = stockout(api, "A")
    filed = appeal(api, vid)
    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert body["state"] == "pending" and body["evidence"][0]["media_type"] == "application/pdf"
    queue = get_all(api, "/v1/appeals", state="pending")
    assert [a["id"] for a in queue] == [body["id"]] and queue[0]["overdue"] is False
    assert get_all(api, "/v1/appeals", headers=auth(api, "s2")) == []
    is_problem(api.get(f"/v1/appeals/{body['id']}", headers=auth(api, "s2")), 404)
    is_problem(api.get("/v1/appeals", headers=auth(api, "b1")), 403)
    evidence = api.get(f"/v1/appeals/{body['id']}/evidence/{body['evidence'][0]['id']}",
                       headers=auth(api, "s1"))
    assert evidence.status_code == 200 and evidence.content == PDF[1]
    assert evidence.headers["content-type"] == "application/pdf"
    assert evidence.headers["x-content-type-options"] == "nosniff"
    assert evidence.headers["content-disposition"].startswith("attachment;")
    assert "proof.pdf" not in evidence.headers["content-disposition"]
    decision = f"/v1/appeals/{body['id']}/decision"
    is_problem(api.post(decision, json={"decision": "approve"}, headers=auth(api, "s1")), 403)
    is_problem(api.post(decision, json={"decision": "reject"}, headers=auth(api)), 422)
    done = api.post(decision, json={"decision": "approve", "reason": "核实属实"},
                    headers=auth(api))
    assert done.status_code == 200 and done.json()["state"] == "approved"
    again = is_problem(api.post(decision, json={"decision": "reject", "reason": "x"},
                                headers=auth(api)), 409)
    assert again["type"] == "/problems/appeal-decided"
    view = api.get("/v1/orders/A", headers=auth(api, "b1")).json()
    assert [(c["state"], c["charged_to"]) for c in view["coupons"]] == [("voided", "merchant")]


def test_bad_uploads_are_problems_naming_the_file(api: Any) -> None:
    vid = stockout(api, "A")
    html = appeal(api, vid, files=[PDF, ("page.pdf", b"<html><body>x</body></html>", "application/pdf")])
    body = is_problem(html, 422)
    assert body["index"] == 1 and body["refusal"] == "type_not_allowed"
    assert "evidence[1]" in body["detail"] and "page.pdf" in body["detail"]
    big = appeal(api, vid, files=[("big.txt", b"a" * (5 * 1024 * 1024 + 1), "text/plain")])
    assert is_problem(big, 413)["refusal"] == "too_large"
    is_problem(appeal(api, vid, files=[]), 422)
    is_problem(appeal(api, vid, ground="nope"), 422)
    is_problem(appeal(api, vid, who="s2"), 404)
    is_problem(appeal(api, vid, who="b1"), 403)
    assert appeal(api, vid).status_code == 201
    refused = is_problem(appeal(api, vid), 409)
    assert refused["refusal"] == "already_appealed"
    bare = is_problem(appeal(api, vid, files=[]), 409)  # appealed already, before "no evidence"
    assert bare["refusal"] == "already_appealed"


def test_a_used_coupon_stays_the_buyers_when_the_appeal_is_approved(api: Any) -> None:
    vid = stockout(api, "A")
    coupon = api.get("/v1/orders/A", headers=auth(api, "b1")).json()["coupons"][0]
    is_problem(api.post(f"/v1/coupons/{coupon['id']}/redeem", headers=auth(api, "b2")), 404)
    is_problem(api.post(f"/v1/coupons/{coupon['id']}/redeem", headers=auth(api, "s1")), 403)
    used = api.post(f"/v1/coupons/{coupon['id']}/redeem", headers=auth(api, "b1"))
    assert used.status_code == 200 and used.json()["state"] == "redeemed"
    is_problem(api.post(f"/v1/coupons/{coupon['id']}/redeem", headers=auth(api, "b1")), 409)
    aid = appeal(api, vid).json()["id"]
    api.post(f"/v1/appeals/{aid}/decision", json={"decision": "approve"}, headers=auth(api))
    view = api.get("/v1/orders/A", headers=auth(api, "b1")).json()
    assert [(c["state"], c["charged_to"]) for c in view["coupons"]] == [("redeemed", "platform")]


def test_reputation_and_measures_are_the_shops_own(api: Any) -> None:
    stockout(api, "A")
    rep = api.get("/v1/shops/s1/reputation", headers=auth(api, "s1"))
    assert rep.status_code == 200
    assert rep.json()["costs"][0]["order_id"] == "A" and rep.json()["score"] < 100
    assert api.get("/v1/shops/s1/measures", headers=auth(api, "s1")).json()["current"] == []
    for path in ("/v1/shops/s1/reputation", "/v1/shops/s1/measures"):
        is_problem(api.get(path, headers=auth(api, "s2")), 404)
        is_problem(api.get(path, headers=auth(api, "b1")), 404)

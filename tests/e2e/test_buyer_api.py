"""The buyer's side over HTTP on both stores: answers only for the order's buyer, merchant and
platform; refunds answered, refused, escalated and decided, or granted by the merchant's
silence; messages judged like any chat; tickets with their due times; feedback answered once.
And `stockout answers` on the command line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from stockout.services.stock import movements as stock
from stockout.store.engine import open_store
from stockout.store.migrate import upgrade
from tests.helpers import Order
from tests.online import Bench, environment

T = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _order(order_id: str, buyer: str = "b1") -> Order:
    o = Order(order_id, T - 5 * 60 * timedelta(seconds=1), shop_id="s1", buyer_id=buyer,
              paid_cents=8800)
    o.confirm(T)
    return o


def _h(api: Any, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token[who]}"}


def test_answers_are_for_the_orders_buyer_merchant_and_platform_only(api: Any) -> None:
    bench: Bench = api.bench
    bench.at(T + H).post(_order("o1"))
    seen = {who: api.get("/v1/orders/o1/answers?lang=en", headers=_h(api, who)).status_code
            for who in ("platform", "s1", "s2", "b1", "b2")}
    assert seen == {"platform": 200, "s1": 200, "s2": 404, "b1": 200, "b2": 404}
    assert api.get("/v1/orders/nope/answers", headers=_h(api, "b1")).status_code == 404
    body = api.get("/v1/orders/o1/answers?lang=en", headers=_h(api, "b1")).json()
    assert body["phase"] == "before_deadline"
    assert [a["question"] for a in body["answers"]] == [
        "must_merchant_ship", "can_refund", "can_return", "contact", "compensation",
        "legal_claim"]
    ship = body["answers"][0]
    assert ship["rule"] == "pdd-2025/deadline.default_hours"
    assert ship["actions"][0] == {"action": "wait", "until": "2025-06-04T09:00:00+08:00",
                                  "text": "wait for the shipment"}
    assert ship["facts"]["deadline"] == "2025-06-04T09:00:00+08:00"
    default = api.get("/v1/orders/o1/answers", headers=_h(api, "b1")).json()
    assert default["lang"] == "en"  # the server's language (this one's is English)
    zh = api.get("/v1/orders/o1/answers?lang=zh", headers=_h(api, "b1")).json()
    assert zh["lang"] == "zh" and zh["answers"][0]["answer"].startswith("是的")
    bad = api.get("/v1/orders/o1/answers?lang=fr", headers=_h(api, "b1"))
    assert bad.status_code == 422


def test_a_refund_refused_escalated_and_granted_and_one_granted_by_silence(api: Any) -> None:
    bench: Bench = api.bench
    bench.at(T + H).post([*_order("o1").events, *_order("o2").events])
    b1, s1, pf = _h(api, "b1"), _h(api, "s1"), _h(api, "platform")
    asked = api.post("/v1/orders/o1/refund-request", json={"reason": "不想要了"}, headers=b1)
    assert asked.status_code == 200 and asked.json()["cases"][0]["state"] == "requested"
    again = api.post("/v1/orders/o1/refund-request", json={}, headers=b1)
    assert (again.status_code, again.json()["code"]) == (409, "case_open")
    assert api.post("/v1/orders/o1/refund-request", json={}, headers=_h(api, "b2")
                    ).status_code == 404
    forged = api.post("/v1/events", headers=s1, json=[{
        "event_id": "o1.forged", "order_id": "o1", "type": "refund_decided",
        "at": (T + H).isoformat(), "by": "platform", "upheld": False}])
    assert forged.json()["rejected"][0]["status"] == 403  # a merchant never posts a decision
    bare = api.post("/v1/orders/o1/refund-request/answer", json={"accept": False}, headers=s1)
    assert (bare.status_code, bare.json()["code"]) == (422, "reason_required")
    assert api.post("/v1/orders/o1/refund-request/answer", json={"accept": False},
                    headers=b1).status_code == 403
    refused = api.post("/v1/orders/o1/refund-request/answer",
                       json={"accept": False, "reason": "今天发货"}, headers=s1)
    assert refused.json()["cases"][0]["state"] == "refused"
    bench.at(T + 2 * H)
    assert api.post("/v1/orders/o1/escalation", json={"reason": "不同意"}, headers=b1
                    ).json()["cases"][0]["state"] == "escalated"
    queue = api.get("/v1/aftersales", headers=pf).json()["items"]
    assert [(c["order_id"], c["kind"], c["overdue"]) for c in queue] == [("o1", "refund", False)]
    assert api.get("/v1/aftersales", headers=_h(api, "b2")).json()["items"] == []
    assert api.post("/v1/orders/o1/escalation/decision", json={"grant": True, "reason": "x"},
                    headers=s1).status_code == 403
    bench.at(T + 80 * H)  # past the platform's 72 h: the queue flags it
    assert api.get("/v1/aftersales", headers=pf).json()["items"][0]["overdue"] is True
    granted = api.post("/v1/orders/o1/escalation/decision",
                       json={"grant": True, "reason": "买家未收到货"}, headers=pf).json()
    assert granted["cases"][0]["state"] == "refunded"
    assert granted["cases"][0]["refunded_cents"] == 8800
    assert api.get("/v1/orders/o1", headers=b1).json()["state"] == "closed"

    bench.at(T + 3 * H)
    api.post("/v1/orders/o2/refund-request", json={"reason": "买错了"}, headers=b1)
    bench.at(T + 3 * H + timedelta(hours=48))
    bench.sweep()
    cases = api.get("/v1/orders/o2/aftersales", headers=b1).json()["cases"]
    assert (cases[0]["state"], cases[0]["decided_by"]) == ("requested", None)  # not yet due
    bench.at(T + 3 * H + timedelta(hours=48, minutes=1))
    assert bench.sweep().aftersales == 1
    cases = api.get("/v1/orders/o2/aftersales", headers=b1).json()["cases"]
    assert (cases[0]["state"], cases[0]["decided_by"]) == ("refunded", "platform")
    late = api.post("/v1/orders/o2/refund-request/answer",
                    json={"accept": False, "reason": "no"}, headers=s1)
    assert late.status_code == 409


def test_messages_tickets_and_feedback(api: Any) -> None:
    bench: Bench = api.bench
    bench.at(T + H).post(_order("o1"))
    b1, b2, s1, s2, pf = (_h(api, w) for w in ("b1", "b2", "s1", "s2", "platform"))
    sent = api.post("/v1/orders/o1/messages", json={"text": "什么时候发货？"}, headers=b1)
    assert sent.status_code == 200 and sent.json()["sender"] == "buyer"
    assert api.post("/v1/orders/o1/messages", json={"text": "  "}, headers=b1).status_code == 422
    assert api.post("/v1/orders/o1/messages", json={"text": "x"}, headers=pf).status_code == 403
    api.post("/v1/orders/o1/messages", json={"text": "亲，没货了"}, headers=s1)
    verdicts = api.get("/v1/orders/o1", headers=b1).json()["verdicts"]
    assert [(v["violation"], v["trigger"]) for v in verdicts] == [("stockout", "merchant_chat")]

    ticket = api.post("/v1/orders/o1/tickets", json={"text": "商家说没货"}, headers=b1).json()
    assert ticket["respond_by"] == "2025-06-03T10:00:00+08:00" and not ticket["overdue"]
    assert api.post("/v1/orders/o1/tickets", json={"text": "x"}, headers=b2).status_code == 404
    bench.at(T + 26 * H)
    queue = api.get("/v1/tickets", headers=pf).json()["items"]
    assert [(t["id"], t["overdue"]) for t in queue] == [(ticket["id"], True)]
    assert api.get("/v1/tickets", headers=b2).json()["items"] == []
    tid = ticket["id"]
    assert api.post(f"/v1/tickets/{tid}/answer", json={"text": "x"}, headers=b1
                    ).status_code == 403
    answered = api.post(f"/v1/tickets/{tid}/answer", json={"text": "已处理：可选择退款"},
                        headers=pf).json()
    assert (answered["state"], answered["overdue"]) == ("answered", False)
    twice = api.post(f"/v1/tickets/{tid}/answer", json={"text": "again"}, headers=pf)
    assert (twice.status_code, twice.json()["state"]) == (409, "answered")
    reopened = api.post(f"/v1/tickets/{tid}/reopen", json={"text": "还没退款"}, headers=b1).json()
    assert (reopened["state"], reopened["reopened"]) == ("open", 1)
    assert reopened["respond_by"] == "2025-06-04T11:00:00+08:00"
    closed = api.post(f"/v1/tickets/{tid}/close", headers=b1).json()
    assert [h["step"] for h in closed["history"]] == ["open", "answer", "reopen", "close"]
    assert api.get("/v1/tickets?state=bogus", headers=pf).status_code == 422

    stock.register_sku(bench.uow(), bench.clock, "K1", "s1", title="T恤", price_cents=8800)
    assert api.post("/v1/skus/NOPE/feedback", json={"text": "x"}, headers=b1).status_code == 404
    assert api.post("/v1/skus/K1/feedback", json={"text": "x", "order_id": "o1"},
                    headers=b2).status_code == 404  # not b2's order
    left = api.post("/v1/skus/K1/feedback", json={"text": "L 码偏小吗？"}, headers=b1).json()
    assert api.get("/v1/feedback", headers=s2).json()["items"] == []
    assert [f["id"] for f in api.get("/v1/feedback?unanswered=true", headers=s1
                                     ).json()["items"]] == [left["id"]]
    fid = left["id"]
    assert api.post(f"/v1/feedback/{fid}/reply", json={"text": "x"}, headers=s2
                    ).status_code == 404
    replied = api.post(f"/v1/feedback/{fid}/reply", json={"text": "正常尺码"}, headers=s1).json()
    assert replied["reply"] == "正常尺码"
    assert api.post(f"/v1/feedback/{fid}/reply", json={"text": "y"}, headers=s1
                    ).status_code == 409
    bench.deliver()
    told = {(m["recipient"]["role"], m["topic"]) for m in bench.notifier.sent}
    assert {("merchant", "message_buyer"), ("buyer", "message_merchant"),
            ("merchant", "ticket_opened"), ("buyer", "ticket_answered"),
            ("merchant", "ticket_reopened"), ("merchant", "feedback_left"),
            ("buyer", "feedback_replied")} <= told


def test_stockout_answers_prints_each_question_with_its_rule(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from stockout.cli.main import app
    from stockout.services.common.clock import ManualClock

    url = f"sqlite:///{tmp_path / 'a.db'}"
    store = open_store(url)
    upgrade(store)
    o = _order("o1")
    o.report(T + 2 * H)
    Bench(store, ManualClock(T + 3 * H)).post(o)
    store.dispose()
    env = environment(tmp_path / "data", STOCKOUT_DB=url)
    at = ["--at", (T + 4 * H).isoformat()]
    run = CliRunner().invoke
    en = run(app, ["--lang", "en", "answers", "o1", *at], env=env)
    assert en.exit_code == 0, en.output
    for text in ("Must the merchant still ship?", "No: the order was found out of stock",
                 "pdd-2025/remedies.choice_hours", "Do I have a claim at law?"):
        assert text in en.output
    zh = run(app, ["answers", "o1", "--json", *at], env=env)
    assert zh.exit_code == 0 and '"phase": "out_of_stock"' in zh.output and "不必" in zh.output
    missing = run(app, ["--lang", "en", "answers", "nope", *at], env=env)
    assert missing.exit_code == 1

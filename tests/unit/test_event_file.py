"""Reading event files: every valid line kept, each bad line reported with its number and reason."""

from __future__ import annotations

import json

from stockout.adapters.event_file import read_events

PLACED = {"event_id": "e1", "order_id": "o1", "type": "order_placed",
          "at": "2025-06-01T10:00:00+08:00", "shop_id": "s1", "buyer_id": "b1", "sku_id": "k1",
          "quantity": 1, "paid_cents": 100}


def line(**changes: object) -> bytes:
    return json.dumps({**PLACED, **changes}, ensure_ascii=False).encode()


def test_a_byte_order_mark_before_the_first_line_does_not_lose_that_event() -> None:
    log = read_events([b"\xef\xbb\xbf" + line()])
    assert log.rejections == [] and log.events == 1


def test_a_byte_order_mark_of_a_concatenated_file_does_not_lose_its_first_line() -> None:
    log = read_events([line(), b"\xef\xbb\xbf" + line(event_id="e2", order_id="o2")])
    assert log.rejections == [] and log.events == 2


def test_bad_lines_are_rejected_with_their_number_and_the_rest_is_kept() -> None:
    log = read_events([line(), b"not json", line(event_id="e2", at="2025-06-01T10:00:00"),
                       line(event_id="e3", type="order_shipped"), line(event_id="e4", quantity=0),
                       b"", line(event_id="e5")])
    reasons = {r.line: r.reason for r in log.rejections}
    assert set(reasons) == {2, 3, 4, 5}
    assert reasons[2].startswith("not JSON")
    assert reasons[3] == "at: time without offset"
    assert "order_shipped" in reasons[4]
    assert reasons[5].startswith("quantity:")
    assert log.events == 2 and sorted(log.seen) == ["e1", "e5"]


def test_a_repeated_event_id_keeps_the_first_and_flags_a_different_body() -> None:
    log = read_events([line(), line(), line(paid_cents=999)])
    assert log.events == 1 and log.duplicates == 2
    assert [r.line for r in log.rejections] == [3]
    assert log.by_order["o1"][0].paid_cents == 100


def test_a_lone_surrogate_escape_is_named_for_what_it_is_not_a_broken_hex_escape() -> None:
    chat = {"event_id": "c1", "order_id": "o1", "type": "chat_message",
            "at": "2025-06-01T11:00:00+08:00", "sender": "merchant"}
    body = json.dumps(chat)[:-1]
    log = read_events([line(), (body + ', "text": "\\ud800"}').encode(),
                       (body + ', "text": "\\udc00 x"}').encode(),
                       (body + ', "text": "\\u12"}').encode()])
    reasons = {r.line: r.reason for r in log.rejections}
    assert reasons[2].startswith("not valid Unicode: a lone surrogate")
    assert reasons[3].startswith("not valid Unicode: a lone surrogate")
    assert reasons[4].startswith("not JSON") and "surrogate" not in reasons[4]
    assert log.events == 1

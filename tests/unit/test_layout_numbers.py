"""`prepare.numbered`: the layout numbers of a slice's rows, against their definition written
plainly (orders numbered by id, events by (order, at, event_id), `kr` the place of an event
among its order's events of its type), on any rows, ties of time included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from stockout.batch.prepare import numbered

_T0 = datetime(2025, 7, 1, tzinfo=UTC)
_rows = st.lists(
    st.tuples(st.sampled_from(["o-b", "o-a", "o-c", "o-10", "o-9"]),
              st.sampled_from(["order_placed", "carrier_scan", "chat_message"]),
              st.integers(0, 3)),  # few instants: ties of time within an order
    min_size=1, max_size=40)


def _expected(rows: list[tuple[str, str, int, str]], first_order: int, first_event: int
              ) -> dict[int, tuple[str, int, int, int]]:
    """r -> (type, ok, eid, kr), by the definition."""
    by_event = sorted(range(len(rows)), key=lambda r: (rows[r][0], rows[r][2], rows[r][3]))
    orders = sorted({row[0] for row in rows})
    out: dict[int, tuple[str, int, int, int]] = {}
    seen: dict[tuple[str, str], int] = {}
    for place, r in enumerate(by_event):
        order, kind = rows[r][0], rows[r][1]
        seen[order, kind] = seen.get((order, kind), 0) + 1
        out[r] = (kind, first_order + orders.index(order), first_event + place, seen[order, kind])
    return out


@settings(max_examples=200, deadline=None)
@given(_rows, st.integers(0, 1000), st.integers(0, 10_000))
def test_numbers_follow_their_definition(picked: list[tuple[str, str, int]], first_order: int,
                                         first_event: int) -> None:
    rows = [(order, kind, minute, f"e-{i:03d}") for i, (order, kind, minute) in enumerate(picked)]
    keys = pa.table({
        "r": pa.array(range(len(rows)), pa.int64()),
        "order_id": [row[0] for row in rows],
        "type": [row[1] for row in rows],
        "at": pa.array([_T0 + timedelta(minutes=row[2]) for row in rows],
                       pa.timestamp("us", tz="UTC")),
        "event_id": [row[3] for row in rows],
    })
    got = numbered(keys, first_order, first_event).to_pylist()

    assert {g["r"]: (g["type"], g["ok"], g["eid"], g["kr"]) for g in got} == _expected(
        rows, first_order, first_event)
    # sorted by type, then order and event: each type's rows are one run, in (ok, eid) order
    assert [(g["type"], g["ok"], g["eid"]) for g in got] == sorted(
        (g["type"], g["ok"], g["eid"]) for g in got)

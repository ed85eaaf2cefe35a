"""An order's timeline as contract events: dicts for callers, or JSON lines built directly,
because building and encoding a million dicts was most of the time a big file took."""

from __future__ import annotations

import json
from json.encoder import encode_basestring

from stockout.simulation.lifecycle import Fields, Timeline
from stockout.simulation.world import fmt

# The JSON `write_jsonl` uses for any dict: compact, UTF-8 text left as it is.
encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# An event's id is its order's id and its number in the order's timeline: "<order_id>-07".
_NN: tuple[str, ...] = tuple(f"{n:02d}" for n in range(1000))


def as_dicts(tl: Timeline) -> list[tuple[int, dict[str, object]]]:
    """The order's events as (time, event) pairs; the maker must have written dicts."""
    oid, out = tl.oid, []
    for n, (t, kind, fields, _) in enumerate(tl.entries):
        ev: dict[str, object] = {
            "event_id": f"{oid}-{_NN[n]}", "order_id": oid, "type": kind, "at": fmt(t),
        }
        if fields:
            ev.update(fields)
        out.append((t, ev))
    return out


def as_lines(tl: Timeline) -> list[tuple[int, str]]:
    """`as_dicts` encoded as `encode` would, byte for byte (ids, types, times are plain ASCII)."""
    oid = tl.oid
    head, mid = '{"event_id":"' + oid + "-", '","order_id":"' + oid + '","type":"'
    return [
        (t, f'{head}{_NN[n]}{mid}{kind}","at":"{fmt(t)}"'
            f'{members if members is not None else _members(fields) if fields else ""}}}')
        for n, (t, kind, fields, members) in enumerate(tl.entries)
    ]


def _members(fields: Fields) -> str:
    """`fields` as JSON object members, each with a leading comma."""
    if not fields:
        return ""
    parts = []
    for k, v in fields.items():
        if isinstance(v, str):
            parts.append(f',"{k}":{encode_basestring(v)}')
        elif v.__class__ is int:
            parts.append(f',"{k}":{v}')
        else:
            parts.append(f',"{k}":{encode(v)}')
    return "".join(parts)

"""Fuzzing the two parsers of outside input: the event parser (arbitrary JSON in: an event or an
`InvalidEvent` naming the field, never another exception) and the pack loader (arbitrary TOML
in: a pack or a `PackError` naming the key)."""

from __future__ import annotations

import copy
import json
import math
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockout.adapters.event_schema import InvalidEvent, parse_event_json, parse_event_object
from stockout.domain.errors import StockoutError
from stockout.domain.events import Event, EventType
from stockout.domain.rulebook import PackError, RulePack, pack_from_mapping

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(),
    st.sampled_from(["", " ", "a/b", "\x00", "\ud800", "0", "1700000000", "2025-03-03",
                     "2025-03-03T10:00:00+08:00", "0001-01-01T00:00:00+14:00",
                     "9999-12-31T23:59:59-12:00", "2025-03-03T10:00:00", "inf", "1e308"]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                           max_leaves=12)
FIELDS = ["event_id", "order_id", "type", "at", "shop_id", "buyer_id", "sku_id", "quantity",
          "paid_cents", "category", "promise_hours", "presale_ship_by", "campaign", "by",
          "reason", "carrier", "tracking_no", "status", "sender", "text", "initiator",
          "amount_cents", "claim_id", "kind", "upheld", "remedy", "until", "substitute_sku_id"]
GOOD = {"event_id": "e1", "order_id": "o1", "at": "2025-03-03T10:00:00+08:00",
        "shop_id": "s1", "buyer_id": "b1", "sku_id": "k1", "quantity": 1, "paid_cents": 100}


@st.composite
def event_like(draw: st.DrawFn) -> dict[str, Any]:
    """A mapping near an event: a real type, the common fields mostly right, any field wrong."""
    event: dict[str, Any] = {**GOOD, "type": draw(st.sampled_from([t.value for t in EventType]))}
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
        if draw(st.booleans()):
            event[name] = draw(json_values)
        else:
            event.pop(name, None)
    return event


def _parsed_or_named(parse: Any, value: Any) -> None:
    try:
        event = parse(value)
    except InvalidEvent as exc:
        assert exc.reason and isinstance(exc, StockoutError) and exc.code == "invalid-event"
        return
    assert isinstance(event, Event)
    assert event.at.tzinfo is not None
    assert datetime(2000, 1, 1, tzinfo=UTC) <= event.at < datetime(2100, 1, 1, tzinfo=UTC)
    for name in ("event_id", "order_id"):
        value = getattr(event, name)
        assert value.isprintable() and "/" not in value and value.strip() and len(value) <= 128


@FUZZ
@given(json_values)
def test_any_json_value_is_an_event_or_a_named_invalid_event(value: Any) -> None:
    _parsed_or_named(parse_event_object, value)


@FUZZ
@given(event_like())
def test_an_almost_event_is_an_event_or_a_rejection_naming_the_field(value: dict[str, Any]
                                                                       ) -> None:
    _parsed_or_named(parse_event_object, value)
    _parsed_or_named(parse_event_json, json.dumps(value))


@FUZZ
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200)))
def test_any_line_of_a_file_is_an_event_or_a_named_invalid_event(line: bytes | str) -> None:
    _parsed_or_named(parse_event_json, line)


def _builtin() -> dict[str, Any]:
    text = resources.files("stockout.rulepacks").joinpath("pdd-2025.toml").read_text("utf-8")
    return tomllib.loads(text)


BUILTIN = _builtin()


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


PATHS = _paths(BUILTIN)
toml_scalars = st.one_of(
    st.booleans(), st.integers(min_value=-2**63, max_value=2**63 - 1), st.floats(), st.text(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))])),
    st.datetimes(), st.dates(), st.times(),
    st.sampled_from([0, -1, 0.5, 1e308, -0.0, math.inf, math.nan, "", "48", "pdd"]))
toml_values = st.recursive(toml_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=8)


def _loaded_or_named(data: Any) -> None:
    try:
        pack = pack_from_mapping(data, "fuzz.toml")
    except PackError as exc:
        assert exc.key and exc.key in str(exc) and exc.code == "invalid-pack"
        return
    assert isinstance(pack, RulePack)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(PATHS), st.one_of(st.none(), toml_values)),
                min_size=1, max_size=3))
def test_a_pack_with_any_figure_changed_or_removed_loads_or_names_the_key(
        changes: list[tuple[tuple[Any, ...], Any]]) -> None:
    data = copy.deepcopy(BUILTIN)
    for path, value in changes:
        node: Any = data
        try:
            for part in path[:-1]:
                node = node[part]
            if value is None:
                del node[path[-1]]
            else:
                node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced the way there
    _loaded_or_named(data)


@FUZZ
@given(st.dictionaries(st.text(max_size=10), toml_values, max_size=6))
def test_any_toml_table_loads_or_names_the_key(data: dict[str, Any]) -> None:
    _loaded_or_named(data)


@FUZZ
@given(st.text(max_size=300))
def test_any_toml_text_is_a_pack_a_named_pack_error_or_not_toml(text: str) -> None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    _loaded_or_named(data)


def test_the_fuzzers_reach_both_outcomes() -> None:
    """The strategies are not vacuous: the unchanged pack loads, an event near GOOD parses."""
    assert isinstance(pack_from_mapping(copy.deepcopy(BUILTIN)), RulePack)
    assert isinstance(parse_event_object({**GOOD, "type": "order_placed"}), Event)

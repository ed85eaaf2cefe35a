"""Rule packs are validated when loaded; the family picks the version in force."""

from __future__ import annotations

import copy
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockout.domain.money import CompensationScale, CompensationTier
from stockout.domain.rulebook import PackError, RuleBook, pack_figures, pack_from_mapping
from stockout.rulepacks import builtin_packs, resolve_rules

BASE: dict[str, Any] = tomllib.loads(
    resources.files("stockout.rulepacks").joinpath("pdd-2025.toml").read_text("utf-8"))


def edited(path: str, value: object = None, delete: bool = False) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node: Any = data
    for p in parents:
        node = node[int(p)] if p.isdigit() else node[p]
    if delete:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return data


def test_every_shipped_pack_is_valid_and_has_a_distinct_effective_date() -> None:
    packs = builtin_packs()
    assert {p.id for p in packs} >= {"pdd-2025", "pdd-2023"}
    assert len({p.effective for p in packs}) == len(packs)


@pytest.mark.parametrize("path, value, delete, key", [
    ("deadline.default_hours", None, True, "deadline.default_hours"),
    ("stockout.compensation", None, True, "stockout.compensation"),
    ("pack.effective", "2025-01-01T00:00:00", False, "pack.effective"),
    ("deadline.default_hours", -1, False, "deadline.default_hours"),
    ("deadline.default_hours", "48", False, "deadline.default_hours"),
    ("self_report.daily_limit", 0, False, "self_report.daily_limit"),
    ("scorecard.stockout_rate_max", 2.5, False, "scorecard.stockout_rate_max"),
    ("stockout.phrases", [], False, "stockout.phrases"),
    ("fraudulent_shipment.claim_kinds", ["lost_parcel"], False, "fraudulent_shipment.claim_kinds"),
    ("late_shipment.typo_key", 1, False, "late_shipment.typo_key"),
    ("remedies.default", "wait", False, "remedies.default"),
    ("appeals.evidence_types", ["image/png", "text/html"], False, "appeals.evidence_types"),
    ("measures.0.scope", "weekly", False, "measures[0].scope"),
    ("measures.1.window_days", None, True, "measures[1].window_days"),
    ("reputation.weights.stockout_self_report", 5, False,
     "reputation.weights.stockout_self_report"),
    ("reputation.weights.fake_shipment", None, True, "reputation.weights.fake_shipment"),
])
def test_a_missing_or_wrong_figure_is_an_error_naming_its_key(
        path: str, value: object, delete: bool, key: str) -> None:
    with pytest.raises(PackError) as info:
        pack_from_mapping(edited(path, value, delete))
    assert info.value.key == key


def test_a_minimum_above_the_maximum_is_a_contradiction() -> None:
    data = edited("fake_shipment.compensation",
                  [{"percent": 5, "min_cents": 20000, "max_cents": 10000}])
    with pytest.raises(PackError) as info:
        pack_from_mapping(data)
    assert info.value.key == "fake_shipment.compensation[0].max_cents"


@pytest.mark.parametrize("percent", [float("nan"), float("inf"), -float("inf"), 1e308])
def test_a_percent_that_is_not_a_finite_rate_is_an_error_naming_its_key(percent: float
                                                                       ) -> None:
    with pytest.raises(PackError) as info:
        pack_from_mapping(edited("fake_shipment.compensation", [{"percent": percent}]))
    assert info.value.key == "fake_shipment.compensation[0].percent"


def test_tiers_out_of_order_or_without_a_final_open_tier_are_contradictions() -> None:
    unordered = [{"upto_cents": 500, "fixed_cents": 1}, {"upto_cents": 100, "fixed_cents": 2},
                 {"percent": 1}]
    with pytest.raises(PackError, match=r"ascending"):
        pack_from_mapping(edited("late_shipment.compensation", unordered))
    with pytest.raises(PackError, match=r"last tier"):
        pack_from_mapping(edited("late_shipment.compensation",
                                 [{"upto_cents": 500, "fixed_cents": 1}]))


def test_a_phrase_that_is_also_a_denial_is_a_contradiction() -> None:
    with pytest.raises(PackError) as info:
        pack_from_mapping(edited("stockout.denials", ["没货"]))
    assert info.value.key == "stockout.denials"


def test_the_fake_shipment_timeout_must_come_before_the_stockout_timeout() -> None:
    with pytest.raises(PackError) as info:
        pack_from_mapping(edited("stockout.upload_without_pickup_hours", 12))
    assert info.value.key == "stockout.upload_without_pickup_hours"


def test_the_family_picks_the_version_in_force_at_confirmation() -> None:
    book = resolve_rules("pdd")
    cst = timezone(timedelta(hours=8))
    assert book.pack_at(datetime(2024, 12, 31, 23, 59, 59, tzinfo=cst)).id == "pdd-2023"
    assert book.pack_at(datetime(2025, 1, 1, 0, 0, tzinfo=cst)).id == "pdd-2025"
    assert book.pack_at(datetime(2019, 1, 1, tzinfo=cst)).id == "pdd-2023"  # before all: first


def test_a_rule_book_refuses_two_versions_in_force_at_once() -> None:
    pack = builtin_packs()[0]
    with pytest.raises(PackError):
        RuleBook([pack, pack])


def test_an_unknown_rules_name_lists_what_is_known() -> None:
    with pytest.raises(PackError, match="pdd-2025"):
        resolve_rules("taobao-2030")


@pytest.mark.parametrize("paid, expected", [
    (0, 500), (9999, 500), (10000, 500), (12345, 600), (199999, 9900), (200000, 10000),
    (10**9, 10000),
])
def test_stockout_compensation_rounds_down_to_a_yuan_before_the_cap(paid: int, expected: int
                                                                    ) -> None:
    pack = resolve_rules("pdd-2025").packs[0]
    assert pack.stockout.compensation.for_paid(paid) == expected


def test_the_minimum_applies_after_rounding_down() -> None:
    scale = CompensationScale((CompensationTier(None, rate_bp=500, min_cents=500, max_cents=10000),))
    assert scale.for_paid(10999) == 500  # 5 % = 549.95 fen -> ¥5 -> already at the minimum
    assert scale.for_paid(12000) == 600


def test_figures_list_every_compensation_tier_in_yuan() -> None:
    figures = dict(pack_figures(resolve_rules("pdd-2025").packs[0]))
    assert figures["late_shipment.compensation"] == "≤ ¥300.00: ¥3.00; *: 1%↓¥, ≤ ¥30.00"


def _placed_before_the_change_confirmed_after() -> tuple[list[Any], datetime]:
    """An order placed an hour before pdd-2025 took effect, confirmed an hour after, and a
    merchant's out-of-stock chat in between: the events and the change's instant."""
    from stockout.domain.events import Event, EventType, Party

    change = resolve_rules("pdd").packs[-1].effective
    return [
        Event("e1", "o1", EventType.ORDER_PLACED, change - timedelta(hours=1), shop_id="s1",
              buyer_id="b1", sku_id="k1", quantity=1, paid_cents=5_000),
        Event("e2", "o1", EventType.CHAT_MESSAGE, change - timedelta(minutes=30),
              sender=Party.MERCHANT, text="不好意思，没货了"),
        Event("e3", "o1", EventType.ORDER_CONFIRMED, change + timedelta(hours=1)),
    ], change


def test_the_clock_start_sees_only_events_at_or_before_now() -> None:
    from stockout.domain.timeline import Timeline

    events, change = _placed_before_the_change_confirmed_after()
    timeline = Timeline.of("o1", events)
    assert timeline.clock_start(change) == change - timedelta(hours=1)  # placed, not confirmed
    assert timeline.clock_start(change + timedelta(hours=1)) == change + timedelta(hours=1)
    assert timeline.clock_start(change - timedelta(days=1)) is None  # nothing known yet


def test_a_confirmation_after_now_does_not_switch_the_pack_of_a_judgement_as_of_now() -> None:
    from stockout.adapters.event_file import EventLog
    from stockout.services.judging.files import judge_log

    events, change = _placed_before_the_change_confirmed_after()
    log = EventLog()
    for line, event in enumerate(events, start=1):
        log.add(event, line)
    book = resolve_rules("pdd")
    before = judge_log(log, book, change).verdicts
    assert [v.rule for v in before] == ["pdd-2023/stockout/merchant_chat"]
    after = judge_log(log, book, change + timedelta(hours=2)).verdicts
    assert [v.rule for v in after] == ["pdd-2025/stockout/merchant_chat"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 1e300])
def test_a_figure_that_is_not_a_finite_sane_number_is_an_error_naming_its_key(
        value: float) -> None:
    for path in ("deadline.default_hours", "stockout.unshipped_after_deadline_hours",
                 "scorecard.stockout_rate_max"):
        with pytest.raises(PackError) as info:
            pack_from_mapping(edited(path, value))
        assert info.value.key == path


def test_a_folder_or_an_empty_name_given_as_rules_is_an_error_not_a_crash(tmp_path: Any) -> None:
    for spec in ("", "  ", str(tmp_path) + "/"):
        with pytest.raises(PackError) as info:
            resolve_rules(spec)
        assert info.value.key in ("--rules", "pack")
    (tmp_path / "latin1.toml").write_bytes(b"[pack]\nid = \"caf\xe9\"\n")
    with pytest.raises(PackError, match="UTF-8"):
        resolve_rules(str(tmp_path / "latin1.toml"))


def _leaves(node: Any, prefix: str = "") -> list[str]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, f"{prefix}{k}.")]
    if isinstance(node, list) and node and isinstance(node[0], dict):
        return [p for i, v in enumerate(node) for p in _leaves(v, f"{prefix}{i}.")]
    return [prefix.rstrip(".")]


_TOML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
    | st.datetimes(timezones=st.just(UTC)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_leaves(BASE)), _TOML_VALUES), min_size=1, max_size=3))
def test_any_edit_of_a_pack_gives_a_pack_or_an_error_naming_a_key(
        edits: list[tuple[str, object]]) -> None:
    data = copy.deepcopy(BASE)
    for path, value in edits:
        *parents, last = path.split(".")
        node: Any = data
        for p in parents:  # an earlier edit may have replaced a parent: then `node` is a leaf
            if isinstance(node, list) and p.isdigit() and int(p) < len(node):
                node = node[int(p)]
            elif isinstance(node, dict) and p in node:
                node = node[p]
            else:
                break
        else:
            if isinstance(node, dict):
                node.pop(last, None) if value is None else node.__setitem__(last, value)
    try:
        pack = pack_from_mapping(data)
    except PackError as exc:
        assert exc.key and exc.reason
    else:
        assert pack.deadline.default > timedelta(0)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_as_a_pack_file_gives_a_pack_or_an_error(text: str) -> None:
    import tempfile
    from pathlib import Path

    from stockout.rulepacks import load_pack_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pack.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        with pytest.raises(PackError) as info:
            load_pack_file(path)
        assert info.value.key

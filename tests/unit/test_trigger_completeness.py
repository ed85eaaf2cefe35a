"""Every trigger is declared with everything it needs, in both languages, and in the SQL of the
bulk engines; every message has both languages with the same placeholders. A new trigger that
lacks one of them fails here, by name."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta

import pytest

from stockout.batch.rules_sql import TRIGGER_SQL, rules_query
from stockout.domain.explain import VIOLATION_AS_CASE, VIOLATION_NAMES, explain_verdict
from stockout.domain.language import Lang, Text
from stockout.domain.timeline import OrderFacts
from stockout.domain.triggers import RULE_OF, TRIGGERS, TriggerRule
from stockout.domain.verdicts import Trigger, Verdict, Violation
from stockout.i18n import MESSAGES
from stockout.rulepacks import resolve_rules

PACK = resolve_rules("pdd").packs[-1]
AT = datetime(2025, 6, 1, 12, tzinfo=UTC)
SQL = rules_query(resolve_rules("pdd"), AT).duckdb


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def _both(text: Text, what: str) -> None:
    assert text.zh.strip() and text.en.strip(), f"{what}: a language is missing"
    assert _fields(text.zh) == _fields(text.en), f"{what}: the placeholders differ"


def test_each_trigger_is_declared_once_in_the_order_that_breaks_ties() -> None:
    assert [r.trigger for r in TRIGGERS] == list(Trigger)
    assert set(RULE_OF) == set(Trigger)


@pytest.mark.parametrize("trigger", list(Trigger), ids=str)
def test_a_trigger_has_its_judge_timer_texts_and_sql(trigger: Trigger) -> None:
    rule: TriggerRule = RULE_OF[trigger]
    assert isinstance(rule.violation, Violation)
    assert callable(rule.reads) and callable(rule.judge)
    assert rule.wake_up is None or callable(rule.wake_up)
    if rule.wake_up is not None:  # an order with no facts yet has no timer of it
        assert rule.wake_up(OrderFacts(), None, PACK) is None
    _both(rule.name, f"{trigger}: name")
    _both(rule.buyer_why, f"{trigger}: buyer text")
    assert _fields(rule.buyer_why.zh) <= {"at", "deadline"}
    verdict = Verdict("o1", rule.violation, trigger, AT, AT - timedelta(hours=1), 500,
                      PACK.rule_id(rule.violation.value, trigger.value), ("e1", "e2"), "s1",
                      2000, "detail")
    explained = rule.explain(verdict, PACK, "2025-06-01T20:00:00+08:00", " 2025-06-01 ")
    assert explained.zh.strip() and explained.en.strip()
    for lang in Lang:
        assert explain_verdict(verdict, PACK, lang)
    sql = TRIGGER_SQL[trigger]
    assert sql.detect.strip() and len(sql.evidence) == 2 and sql.evidence[0] != "NULL"
    assert f"AS t_{trigger}" in SQL


def test_each_violation_has_its_names_and_a_trigger() -> None:
    for violation in Violation:
        _both(VIOLATION_NAMES[violation], f"{violation}: name")
        _both(VIOLATION_AS_CASE[violation], f"{violation}: as a case")
        assert any(r.violation is violation for r in TRIGGERS), violation


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    assert len(MESSAGES) > 100
    for key, text in MESSAGES.items():
        _both(text, key)

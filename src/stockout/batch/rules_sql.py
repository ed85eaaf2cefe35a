"""Fills `rules.sql` (the rules, written once) with the figures of the rule packs, and transpiles it.

Every number comes from the `RulePack` objects loaded from the TOML packs: durations become
microseconds, compensation tiers become CASE expressions, and with several packs of one family
each figure is chosen by `pk`, the index of the pack in force at the order's clock start
(`RuleBook.pack_at`). The DuckDB text is the source; Spark's is SQLGlot's transpilation of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from string import Template

import sqlglot
from sqlglot import exp

from stockout.batch.schema import RULE_COLUMNS
from stockout.domain.announcements import Announcement
from stockout.domain.chat import PhraseMatcher
from stockout.domain.money import CompensationScale
from stockout.domain.rulebook import RuleBook, RulePack
from stockout.domain.times import hours
from stockout.domain.triggers import VIOLATION_OF
from stockout.domain.verdicts import Trigger, Violation

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def micros(value: datetime | timedelta) -> int:
    """A time (since the epoch) or a duration in whole microseconds, exactly as Python has it."""
    if isinstance(value, datetime):
        return (value - _EPOCH) // _US
    return value // _US


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class PhraseFunction:
    """A phrase matcher of a pack, registered in the engine as the SQL function `name`."""

    name: str
    matcher: PhraseMatcher


@dataclass(frozen=True, slots=True)
class RulesQuery:
    """The query for one rule book, one set of announcements and one evaluation time."""

    duckdb: str
    functions: tuple[PhraseFunction, ...]

    def spark(self) -> str:
        return transpile(self.duckdb, "spark")


def transpile(sql: str, dialect: str) -> str:
    """The DuckDB text of the rules in another engine's dialect (SQLGlot). DuckDB's hints on
    materialising a CTE are dropped: they are about speed, and Spark has no such syntax."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    for cte in tree.find_all(exp.CTE):
        cte.set("materialized", None)
    return tree.sql(dialect=dialect, pretty=True)


def _template() -> Template:
    return Template(resources.files(__package__).joinpath("rules.sql").read_text("utf-8"))


class _ByPack:
    """Expressions that take a value per pack, folded to a constant when the packs agree."""

    def __init__(self, packs: Sequence[RulePack]) -> None:
        self.packs = packs

    def choose(self, values: Sequence[str]) -> str:
        if len(set(values)) == 1:
            return values[0]
        arms = " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(values))
        return f"(CASE pk {arms} END)"

    def each(self, fn: Callable[[RulePack], str]) -> str:
        return self.choose([fn(p) for p in self.packs])


def _pack_index(packs: Sequence[RulePack]) -> str:
    if len(packs) == 1:
        return "0"
    arms = " ".join(f"WHEN clock >= {micros(p.effective)} THEN {i}"
                    for i, p in reversed(list(enumerate(packs))) if i > 0)
    return f"(CASE {arms} ELSE 0 END)"


def _limit(pack: RulePack) -> str:
    default = str(micros(pack.deadline.default))
    if not pack.deadline.category:
        return default
    arms = " ".join(f"WHEN {literal(c)} THEN {micros(d)}"
                    for c, d in sorted(pack.deadline.category.items()))
    return f"(CASE p_cat {arms} ELSE {default} END)"


def _in_category(pack: RulePack) -> str:
    if not pack.deadline.category:
        return "FALSE"
    return "coalesce(p_cat IN (" + ", ".join(literal(c) for c in sorted(
        pack.deadline.category)) + "), FALSE)"


def _amount(scale: CompensationScale, paid: str) -> str:
    """CompensationScale.for_paid: the first tier covering `paid`; rounded down to a yuan."""
    arms: list[str] = []
    for tier in scale.tiers:
        if tier.fixed_cents is not None:
            value = str(tier.fixed_cents)
        else:
            value = f"((({paid} * {tier.rate_bp}) // 10000) // 100 * 100)"
            value = f"greatest({value}, {tier.min_cents})"
            if tier.max_cents is not None:
                value = f"least({value}, {tier.max_cents})"
        if tier.upto_cents is None:
            arms.append(f"ELSE {value}")
        else:
            arms.append(f"WHEN {paid} <= {tier.upto_cents} THEN {value}")
    if len(arms) == 1:
        return arms[0].removeprefix("ELSE ")
    return "(CASE " + " ".join(arms) + " END)"


def _scale(pack: RulePack, violation: Violation) -> CompensationScale:
    return {
        Violation.LATE_SHIPMENT: pack.late_shipment.compensation,
        Violation.STOCKOUT: pack.stockout.compensation,
        Violation.FAKE_SHIPMENT: pack.fake_shipment.compensation,
        Violation.FRAUDULENT_SHIPMENT: pack.fraudulent_shipment.compensation,
    }[violation]


def _matches(column: str, allowed: frozenset[str] | None) -> str | None:
    if allowed is None:
        return None
    if not allowed:
        return "FALSE"
    return f"{column} IN (" + ", ".join(literal(v) for v in sorted(allowed)) + ")"


def _extension(announcements: Sequence[Announcement]) -> str:
    """deadline.ship_deadline: the largest extension among the announcements covering `base`."""
    if not announcements:
        return "CAST(NULL AS BIGINT)"
    arms = []
    for a in announcements:
        conds = [f"base >= {micros(a.starts)}", f"base < {micros(a.ends)}"]
        conds += [c for c in (_matches("p_src", a.ship_from_regions),
                              _matches("p_dst", a.ship_to_regions),
                              _matches("p_cat", a.categories)) if c is not None]
        arms.append(f"CASE WHEN {' AND '.join(conds)} "
                    f"THEN {micros(hours(a.extend_hours))} END")
    return arms[0] if len(arms) == 1 else "greatest(" + ", ".join(arms) + ")"


def _functions(prefix: str, matchers: Sequence[PhraseMatcher]
               ) -> tuple[list[PhraseFunction], list[str]]:
    """One SQL function per distinct matcher; for each pack, the name of its function."""
    distinct: dict[tuple[tuple[str, ...], tuple[str, ...]], PhraseFunction] = {}
    names = []
    for m in matchers:
        key = (m.phrases, m.denials)
        if key not in distinct:
            distinct[key] = PhraseFunction(f"stockout_{prefix}_{len(distinct)}", m)
        names.append(distinct[key].name)
    return list(distinct.values()), names


@dataclass(frozen=True, slots=True)
class TriggerSql:
    """A trigger in the SQL rules: `detect`, its detection time (BIGINT us, NULL when it does
    not apply) over the columns of `rules.sql`'s `facts` (`${figure}`: a figure of the pack, see
    `rules_query`); `evidence`, one or two event numbers (`eid`), the second NULL when there is
    one (`rules.sql` turns them into event ids at the end)."""

    detect: str
    evidence: tuple[str, str]


_DEADLINE_EVIDENCE = ("(CASE basis WHEN 'default' THEN c_e ELSE p_e END)",
                      "(CASE WHEN basis IN ('promise', 'category') THEN c_e END)")
# Each trigger of `domain/triggers.py`, as the bulk engines judge it.
TRIGGER_SQL: dict[Trigger, TriggerSql] = {
    Trigger.NO_PICKUP_BY_DEADLINE: TriggerSql(
        "CASE WHEN deadline IS NOT NULL AND (k_ts IS NULL OR k_ts > deadline)\n"
        "              AND NOT (rep_ts IS NOT NULL AND rep_ts < deadline) THEN deadline END",
        _DEADLINE_EVIDENCE),
    Trigger.SELF_REPORT: TriggerSql("rep_ts", ("rep_e", "NULL")),
    Trigger.MERCHANT_CHAT: TriggerSql(
        "CASE WHEN chat_ts IS NOT NULL AND (k_ts IS NULL OR chat_ts < k_ts) THEN chat_ts END",
        ("chat_e", "NULL")),
    Trigger.MERCHANT_REFUND: TriggerSql(
        "CASE WHEN mr_ts IS NOT NULL AND (k_ts IS NULL OR mr_ts < k_ts) THEN mr_ts END",
        ("mr_e", "NULL")),
    Trigger.INDUCED_REFUND: TriggerSql(
        "ind_ts", ("coalesce(ind.asked, ind.e)",
                   "(CASE WHEN ind.asked IS NOT NULL THEN ind.e END)")),
    Trigger.UNSHIPPED_AFTER_DEADLINE: TriggerSql(
        "CASE WHEN deadline IS NOT NULL\n"
        "              AND (k_ts IS NULL OR k_ts > deadline + ${unshipped_after_deadline_us})\n"
        "         THEN deadline + ${unshipped_after_deadline_us} END",
        _DEADLINE_EVIDENCE),
    Trigger.UPLOAD_WITHOUT_PICKUP: TriggerSql(
        "CASE WHEN u_ts IS NOT NULL AND (k_ts IS NULL OR k_ts > u_ts + ${upload_without_pickup_us})"
        "\n         THEN u_ts + ${upload_without_pickup_us} END", ("u_e", "NULL")),
    Trigger.NO_SCAN_AFTER_UPLOAD: TriggerSql(
        "CASE WHEN u_ts IS NOT NULL AND (k_ts IS NULL OR k_ts > u_ts + ${no_scan_after_upload_us})"
        "\n         THEN u_ts + ${no_scan_after_upload_us} END", ("u_e", "NULL")),
    Trigger.TRACKING_REUSED: TriggerSql("reu_ts", ("reu.e", "reu.other")),
    Trigger.STALLED_AFTER_PICKUP: TriggerSql(
        "CASE WHEN k_ts IS NOT NULL AND k_delivered = 0\n"
        "              AND (k2 IS NULL OR k2 > k_ts + ${stalled_after_pickup_us})\n"
        "         THEN k_ts + ${stalled_after_pickup_us} END", ("k_e", "NULL")),
    Trigger.ROUTE_MISMATCH: TriggerSql("rou_ts", ("rou_e", "NULL")),
    Trigger.CLAIM_UPHELD: TriggerSql("cla_ts", ("cla.claim", "cla.e")),
}


def _trigger_columns() -> str:
    return ",\n    ".join(f"{TRIGGER_SQL[t].detect} AS t_{t}" for t in Trigger)


def _verdict_columns(by: _ByPack) -> str:
    trig: list[str] = []
    when: list[str] = []
    money: list[str] = []
    first: list[str] = []
    second: list[str] = []
    for violation in Violation:
        v = violation.value
        trig.append(f"WHEN {literal(v)} THEN trig_{v}")
        when.append(f"WHEN {literal(v)} THEN w_{v}")
        money.append(f"WHEN {literal(v)} THEN " + by.choose(
            [_amount(_scale(p, violation), "coalesce(p_paid, 0)") for p in by.packs]))
        for n, out in enumerate((first, second)):
            arms = " ".join(f"WHEN {literal(t.value)} THEN {TRIGGER_SQL[t].evidence[n]}"
                            for t in Trigger if VIOLATION_OF[t] is violation)
            out.append(f"WHEN {literal(v)} THEN (CASE trig_{v} {arms} END)")
    return ",\n    ".join([
        f"CASE v.violation {' '.join(trig)} END AS \"trigger\"",
        f"CASE v.violation {' '.join(when)} END AS detected_us",
        f"CASE v.violation {' '.join(money)} END AS compensation_cents",
        f"CASE v.violation {' '.join(first)} END AS ev1",
        f"CASE v.violation {' '.join(second)} END AS ev2",
    ])


def _trigger_keys(now: int) -> str:
    keys = []
    for t in Trigger:
        closure = "" if t is Trigger.CLAIM_UPHELD else f" AND (closed IS NULL OR t_{t} <= closed)"
        keys.append(f"CASE WHEN t_{t} <= {now}{closure} THEN t_{t} END AS a_{t}")
    return ",\n    ".join(keys)


def _violation_winners() -> str:
    out = []
    for violation in Violation:
        triggers = [t for t in Trigger if VIOLATION_OF[t] is violation]
        w = f"w_{violation}"
        first = (f"a_{triggers[0]}" if len(triggers) == 1
                 else "least(" + ", ".join(f"a_{t}" for t in triggers) + ")")
        out.append(f"{first} AS {w}")
        # The winner is named by comparing with the expression, not its alias: Spark and DuckDB
        # both resolve a lateral alias, but not every engine does.
        arms = " ".join(f"WHEN a_{t} = {first} THEN {literal(t.value)}" for t in triggers)
        out.append(f"CASE {arms} END AS trig_{violation}")
    return ",\n    ".join(out)


def first_arrivals(relation: str) -> str:
    """EventLog.add: of the rows sharing an event_id, the one that arrived first (lowest seq)."""
    cols = ", ".join(f'"{c}"' for c in RULE_COLUMNS)
    return (f"(SELECT {cols} FROM (SELECT *, row_number() OVER (PARTITION BY event_id "
            f"ORDER BY seq) AS arrival FROM {relation}) AS numbered WHERE arrival = 1)")


def laid_out(relation: str) -> str:
    """The integer layout of `schema.LAYOUT_COLUMNS` computed in the query, for input that does
    not carry it (small files, JSON Lines, foreign Parquet): `parquet_io` writes the same."""
    return (f"(SELECT *, dense_rank() OVER (ORDER BY order_id) - 1 AS ok, "
            f"row_number() OVER (ORDER BY order_id, ts, event_id) - 1 AS eid, "
            f"row_number() OVER (PARTITION BY order_id, type ORDER BY ts, event_id) AS kr "
            f"FROM {relation} AS unnumbered)")


def rules_query(book: RuleBook, now: datetime, announcements: Sequence[Announcement] = (),
                events: str = "events", unique: bool = False, layout: bool = False
                ) -> RulesQuery:
    """The DuckDB SQL judging every order of the relation `events` as of `now`. Unless the event
    ids are known to be `unique`, the first arrival of each id is kept first; unless `events`
    has the integer `layout` columns, they are computed."""
    packs = list(book.packs)
    by = _ByPack(packs)
    says_fns, says_names = _functions("says", [p.stockout.says_stockout for p in packs])
    asks_fns, asks_names = _functions("asks", [p.stockout.asks_to_refund for p in packs])
    now_us = micros(now)
    # `won` reads each winner column, so a CTE alias cannot be used in its WHERE: list the keys.
    any_key = "coalesce(" + ", ".join(f"a_{t}" for t in Trigger) + ") IS NOT NULL"
    says_cols = [f.name for f in says_fns]
    asks_cols = [f.name for f in asks_fns]
    values = {
        "events": events if layout else laid_out(events if unique else first_arrivals(events)),
        "now": str(now_us),
        "pack_index": _pack_index(packs),
        "limit_us": by.each(_limit),
        "in_category": by.each(_in_category),
        "extension_us": _extension(announcements),
        "says_columns": ", ".join(f"{n}(text) AS {n}" for n in says_cols),
        "asks_columns": ", ".join(f"{n}(text) AS {n}" for n in asks_cols),
        "says_reason_columns": ", ".join(f"{n}(reason) AS {n}" for n in says_cols),
        "asks_null_columns": ", ".join(f"CAST(NULL AS VARCHAR) AS {n}" for n in asks_cols),
        "says_by_pack": by.choose(says_names),
        "asks_by_pack": by.choose(asks_names),
        "induced_window_us": by.each(lambda p: str(micros(p.stockout.induced_refund_window))),
        "allow_campaign": by.each(lambda p: "TRUE" if p.self_report.allow_campaign else "FALSE"),
        "daily_limit": by.each(lambda p: str(p.self_report.daily_limit)),
        "reuse_window_us": by.each(lambda p: str(micros(p.fake_shipment.tracking_reuse_window))),
        "claim_kind_ok": by.each(lambda p: "cf.first.kind IN (" + ", ".join(
            literal(k.value) for k in sorted(p.fraudulent_shipment.claim_kinds)) + ")"),
        "unshipped_after_deadline_us": by.each(
            lambda p: str(micros(p.stockout.unshipped_after_deadline))),
        "upload_without_pickup_us": by.each(
            lambda p: str(micros(p.stockout.upload_without_pickup))),
        "no_scan_after_upload_us": by.each(
            lambda p: str(micros(p.fake_shipment.no_scan_after_upload))),
        "stalled_after_pickup_us": by.each(
            lambda p: str(micros(p.fake_shipment.stalled_after_pickup))),
        "trigger_keys": _trigger_keys(now_us),
        "violation_winners": _violation_winners(),
        "any_key": any_key,
        "verdict_columns": _verdict_columns(by),
        "violation_values": ", ".join(f"({literal(v.value)})" for v in Violation),
        "pack_id": by.each(lambda p: literal(p.id)),
    }
    values["trigger_columns"] = Template(_trigger_columns()).substitute(values)
    return RulesQuery(_template().substitute(values), tuple(says_fns + asks_fns))

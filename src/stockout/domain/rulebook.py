"""Rule packs: every figure of a platform's rules as data, validated when loaded.

A pack is built from a plain mapping (what `tomllib` returns); reading files is the caller's job.
A `RuleBook` holds the versions of one family and picks the one in force at a given time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from itertools import pairwise
from types import MappingProxyType
from typing import Any

from stockout.domain.appeals import AppealGround, AppealRules
from stockout.domain.chat import PhraseMatcher
from stockout.domain.errors import StockoutError
from stockout.domain.events import ClaimKind, Remedy
from stockout.domain.measures import MeasureKind, MeasureRule, Scope
from stockout.domain.money import CompensationScale, CompensationTier, format_yuan
from stockout.domain.remedies import RemedyRules
from stockout.domain.reputation import SELF_REPORTED, ReputationRules
from stockout.domain.times import UTC, format_time, hours
from stockout.domain.verdicts import Violation

MAX_DURATION_HOURS = 87_840  # ten years: any longer figure is a typo, and overflows the clock


class PackError(StockoutError, ValueError):
    """A rule pack is missing a figure or contradicts itself; `key` names the figure."""

    family = "invalid-pack"

    def __init__(self, key: str, reason: str, source: str = "") -> None:
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{key}: {reason}", field=key)
        self.key: str = key
        self.reason = reason
        self.source = source


def _hours(key: str) -> dict[str, str]:
    """Field metadata of a duration written in the pack as hours under `key`."""
    return {"toml": key, "unit": "hours"}


def _days(key: str) -> dict[str, str]:
    return {"toml": key, "unit": "days"}


@dataclass(frozen=True, slots=True)
class DeadlineRules:
    default: timedelta = field(metadata=_hours("default_hours"))
    category: Mapping[str, timedelta] = field(metadata=_hours("category_hours"))

    def limit(self, category: str | None) -> timedelta:
        if category is not None and category in self.category:
            return self.category[category]
        return self.default


@dataclass(frozen=True, slots=True)
class LateShipmentRules:
    compensation: CompensationScale


@dataclass(frozen=True, slots=True)
class StockoutRules:
    unshipped_after_deadline: timedelta = field(metadata=_hours("unshipped_after_deadline_hours"))
    upload_without_pickup: timedelta = field(metadata=_hours("upload_without_pickup_hours"))
    induced_refund_window: timedelta = field(metadata=_hours("induced_refund_window_hours"))
    compensation: CompensationScale
    phrases: tuple[str, ...]
    denials: tuple[str, ...]
    induce_phrases: tuple[str, ...]
    induce_denials: tuple[str, ...]
    says_stockout: PhraseMatcher = field(init=False, repr=False, compare=False)
    asks_to_refund: PhraseMatcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "says_stockout", PhraseMatcher(self.phrases, self.denials))
        object.__setattr__(self, "asks_to_refund", PhraseMatcher(self.induce_phrases,
                                                                 self.induce_denials))


@dataclass(frozen=True, slots=True)
class FakeShipmentRules:
    no_scan_after_upload: timedelta = field(metadata=_hours("no_scan_after_upload_hours"))
    stalled_after_pickup: timedelta = field(metadata=_hours("stalled_after_pickup_hours"))
    tracking_reuse_window: timedelta = field(metadata=_days("tracking_reuse_days"))
    compensation: CompensationScale
    withdrawal_block_days: int


@dataclass(frozen=True, slots=True)
class FraudRules:
    claim_kinds: frozenset[ClaimKind]
    compensation: CompensationScale
    legal_multiple: int
    legal_minimum_cents: int

    def legal_claim_cents(self, paid_cents: int) -> int:
        """What the buyer may claim at law (CPL art. 55): a multiple of the price, with a floor."""
        return max(self.legal_multiple * paid_cents, self.legal_minimum_cents)


@dataclass(frozen=True, slots=True)
class SelfReportRules:
    daily_limit: int
    allow_campaign: bool


@dataclass(frozen=True, slots=True)
class ScorecardTargets:
    days: int
    late_shipment_rate_max: float
    stockout_rate_max: float
    valid_tracking_rate_min: float


@dataclass(frozen=True, slots=True)
class InventoryRules:
    safety_stock: int  # a listing is taken down when sellable falls to this


@dataclass(frozen=True, slots=True)
class AftersalesRules:
    """Times of the after-sales steps (refunds, returns, claims, the platform stepping in)."""

    refund_answer: timedelta = field(metadata=_hours("refund_answer_hours"))
    return_window: timedelta = field(metadata=_days("return_window_days"))
    return_answer: timedelta = field(metadata=_hours("return_answer_hours"))
    return_ship_back: timedelta = field(metadata=_days("return_ship_back_days"))
    return_receive: timedelta = field(metadata=_days("return_receive_days"))
    escalate_within: timedelta = field(metadata=_days("escalate_within_days"))
    platform_decision: timedelta = field(metadata=_hours("platform_decision_hours"))
    claim_window: timedelta = field(metadata=_days("claim_window_days"))


@dataclass(frozen=True, slots=True)
class ContactRules:
    """How soon the platform's customer service and the merchant answer the buyer."""

    ticket_response: timedelta = field(metadata=_hours("ticket_response_hours"))
    feedback_reply: timedelta = field(metadata=_hours("feedback_reply_hours"))


@dataclass(frozen=True, slots=True)
class RulePack:
    id: str
    family: str
    version: str
    effective: datetime
    title: str
    deadline: DeadlineRules
    late_shipment: LateShipmentRules
    stockout: StockoutRules
    fake_shipment: FakeShipmentRules
    fraudulent_shipment: FraudRules
    self_report: SelfReportRules
    scorecard: ScorecardTargets
    remedies: RemedyRules
    inventory: InventoryRules
    appeals: AppealRules
    measures: tuple[MeasureRule, ...]
    reputation: ReputationRules
    aftersales: AftersalesRules
    contact: ContactRules

    def rule_id(self, violation: str, trigger: str) -> str:
        """The `rule` of a verdict: pack, violation and trigger."""
        return f"{self.id}/{violation}/{trigger}"


class _Section:
    """Reads one table of a pack, naming the full key in every error and rejecting unknown keys."""

    def __init__(self, data: Mapping[str, Any], path: str, source: str) -> None:
        self.data = data
        self.path = path
        self.source = source
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, reason: str) -> PackError:
        return PackError(self.key(name), reason, self.source)

    def raw(self, name: str, required: bool = True) -> Any:
        self.used.add(name)
        if name not in self.data:
            if required:
                raise self.fail(name, "missing")
            return None
        return self.data[name]

    def section(self, name: str) -> _Section:
        value = self.raw(name)
        if not isinstance(value, Mapping):
            raise self.fail(name, "must be a table")
        return _Section(value, self.key(name), self.source)

    def text(self, name: str) -> str:
        value = self.raw(name)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, "must be a non-empty string")
        return value

    def number(self, name: str, *, minimum: float = 0, positive: bool = False) -> float:
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(name, f"must be a number, got {value!r}")
        if not math.isfinite(value):
            raise self.fail(name, f"must be a finite number, got {value!r}")
        if value < minimum or (positive and value <= 0):
            bound = "greater than 0" if positive else f"at least {minimum}"
            raise self.fail(name, f"must be {bound}, got {value!r}")
        return float(value)

    def duration(self, name: str, unit: str = "hours") -> timedelta:
        value = self.number(name, positive=True)
        count = value * 24 if unit == "days" else value
        if count > MAX_DURATION_HOURS:
            raise self.fail(name, f"must be at most {MAX_DURATION_HOURS:,} hours (ten years), "
                                  f"got {value!r} {unit}")
        return hours(count)

    def integer(self, name: str, *, minimum: int = 0, required: bool = True) -> int | None:
        value = self.raw(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, f"must be a whole number, got {value!r}")
        if value < minimum:
            raise self.fail(name, f"must be at least {minimum}, got {value!r}")
        return value

    def flag(self, name: str) -> bool:
        value = self.raw(name)
        if not isinstance(value, bool):
            raise self.fail(name, f"must be true or false, got {value!r}")
        return value

    def phrases(self, name: str) -> tuple[str, ...]:
        value = self.raw(name)
        if not isinstance(value, list) or not value:
            raise self.fail(name, "must be a non-empty list of strings")
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(name, "every entry must be a non-empty string")
        return tuple(value)

    def time(self, name: str) -> datetime:
        value = self.raw(name)
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError as exc:
                raise self.fail(name, f"not an RFC 3339 time: {exc}") from None
        if not isinstance(value, datetime):
            raise self.fail(name, "must be a time with offset")
        if value.tzinfo is None:
            raise self.fail(name, "time without offset")
        return value.astimezone(UTC)

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.fail(unknown[0], "unknown key (a typo?)")


def _scale(section: _Section, name: str) -> CompensationScale:
    entries = section.raw(name)
    key = section.key(name)
    if not isinstance(entries, list) or not entries:
        raise PackError(key, "must be a non-empty list of tiers", section.source)
    tiers: list[CompensationTier] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise PackError(f"{key}[{i}]", "must be a table", section.source)
        tier = _Section(entry, f"{key}[{i}]", section.source)
        upto = tier.integer("upto_cents", required=False)
        fixed = tier.integer("fixed_cents", required=False)
        percent = tier.raw("percent", required=False)
        low = tier.integer("min_cents", required=False) or 0
        high = tier.integer("max_cents", required=False)
        tier.done()
        if (fixed is None) == (percent is None):
            raise tier.fail("fixed_cents", "give exactly one of fixed_cents and percent")
        rate_bp: int | None = None
        if percent is not None:
            if (isinstance(percent, bool) or not isinstance(percent, int | float) or percent <= 0
                    or (isinstance(percent, float) and not math.isfinite(percent * 100))):
                raise tier.fail("percent", f"must be a number greater than 0, got {percent!r}")
            rate_bp = round(percent * 100)
            if abs(rate_bp - percent * 100) > 1e-9:
                raise tier.fail("percent", "at most two decimals (basis points)")
        if high is not None and high < low:
            raise tier.fail("max_cents", f"{high} is below min_cents {low}")
        if tiers and (upto is not None and tiers[-1].upto_cents is not None
                      and upto <= tiers[-1].upto_cents):
            raise tier.fail("upto_cents", "tiers must be in ascending order of upto_cents")
        if tiers and tiers[-1].upto_cents is None:
            raise tier.fail("upto_cents", "a tier follows the unbounded tier and can never apply")
        tiers.append(CompensationTier(upto, fixed, rate_bp, low, high))
    if tiers[-1].upto_cents is not None:
        raise PackError(key, "the last tier must have no upto_cents (it covers the rest)",
                        section.source)
    return CompensationScale(tuple(tiers))


def pack_from_mapping(data: Mapping[str, Any], source: str = "") -> RulePack:
    """Validate a parsed pack; raise `PackError` naming the first bad key."""
    root = _Section(data, "", source)
    meta = root.section("pack")
    pack_id, family, version = meta.text("id"), meta.text("family"), meta.text("version")
    effective, title = meta.time("effective"), meta.text("title")
    meta.done()

    dl = root.section("deadline")
    default = dl.duration("default_hours")
    cat_raw = dl.raw("category_hours", required=False) or {}
    if not isinstance(cat_raw, Mapping):
        raise dl.fail("category_hours", "must be a table of category = hours")
    cats = _Section(cat_raw, dl.key("category_hours"), source)
    category = {name: cats.duration(name) for name in cat_raw}
    cats.done()
    dl.done()

    late = root.section("late_shipment")
    late_rules = LateShipmentRules(_scale(late, "compensation"))
    late.done()

    so = root.section("stockout")
    stockout = StockoutRules(
        unshipped_after_deadline=so.duration("unshipped_after_deadline_hours"),
        upload_without_pickup=so.duration("upload_without_pickup_hours"),
        induced_refund_window=so.duration("induced_refund_window_hours"),
        compensation=_scale(so, "compensation"),
        phrases=so.phrases("phrases"),
        denials=so.phrases("denials"),
        induce_phrases=so.phrases("induce_phrases"),
        induce_denials=so.phrases("induce_denials"),
    )
    so.done()
    overlap = set(stockout.phrases) & set(stockout.denials)
    if overlap:
        raise PackError("stockout.denials", f"also listed as stockout phrases: {sorted(overlap)}",
                        source)

    fs = root.section("fake_shipment")
    fake = FakeShipmentRules(
        no_scan_after_upload=fs.duration("no_scan_after_upload_hours"),
        stalled_after_pickup=fs.duration("stalled_after_pickup_hours"),
        tracking_reuse_window=fs.duration("tracking_reuse_days", unit="days"),
        compensation=_scale(fs, "compensation"),
        withdrawal_block_days=fs.integer("withdrawal_block_days") or 0,
    )
    fs.done()

    fr = root.section("fraudulent_shipment")
    kinds_raw = fr.phrases("claim_kinds")
    try:
        kinds = frozenset(ClaimKind(k) for k in kinds_raw)
    except ValueError:
        allowed = ", ".join(k.value for k in ClaimKind)
        raise fr.fail("claim_kinds", f"each must be one of {allowed}") from None
    fraud = FraudRules(
        claim_kinds=kinds,
        compensation=_scale(fr, "compensation"),
        legal_multiple=fr.integer("legal_multiple", minimum=1) or 1,
        legal_minimum_cents=fr.integer("legal_minimum_cents") or 0,
    )
    fr.done()

    sr = root.section("self_report")
    self_report = SelfReportRules(sr.integer("daily_limit", minimum=1) or 1,
                                  sr.flag("allow_campaign"))
    sr.done()

    sc = root.section("scorecard")
    scorecard = ScorecardTargets(
        days=sc.integer("days", minimum=1) or 1,
        late_shipment_rate_max=sc.number("late_shipment_rate_max"),
        stockout_rate_max=sc.number("stockout_rate_max"),
        valid_tracking_rate_min=sc.number("valid_tracking_rate_min"),
    )
    for name in ("late_shipment_rate_max", "stockout_rate_max", "valid_tracking_rate_min"):
        if getattr(scorecard, name) > 1:
            raise sc.fail(name, "a rate is a fraction between 0 and 1")
    sc.done()

    rm = root.section("remedies")
    default_text = rm.text("default")
    try:
        default_remedy = Remedy(default_text)
    except ValueError:
        raise rm.fail("default", f"one of {', '.join(r.value for r in Remedy)}") from None
    remedies = RemedyRules(
        choice_window=rm.duration("choice_hours"),
        default=default_remedy,
        substitute_price_band_percent=rm.integer("substitute_price_band_percent") or 0,
        max_wait=rm.duration("max_wait_days", unit="days"),
    )
    if default_remedy is not Remedy.REFUND:
        raise rm.fail("default", "only a refund can happen without the buyer choosing it")
    if remedies.substitute_price_band_percent >= 100:
        raise rm.fail("substitute_price_band_percent", "must be below 100")
    rm.done()

    inv = root.section("inventory")
    inventory = InventoryRules(inv.integer("safety_stock") or 0)
    inv.done()
    appeals = _appeals(root.section("appeals"))
    measures = _measures(root)
    reputation = _reputation(root.section("reputation"))
    aftersales = _aftersales(root.section("aftersales"))
    contact = _contact(root.section("contact"))
    root.done()

    if stockout.upload_without_pickup <= fake.no_scan_after_upload:
        raise PackError("stockout.upload_without_pickup_hours",
                        "must be longer than fake_shipment.no_scan_after_upload_hours", source)
    return RulePack(pack_id, family, version, effective, title,
                    DeadlineRules(default, MappingProxyType(category)), late_rules,
                    stockout, fake, fraud, self_report, scorecard, remedies, inventory, appeals,
                    measures, reputation, aftersales, contact)


def _aftersales(section: _Section) -> AftersalesRules:
    def h(name: str) -> timedelta:
        return section.duration(name)

    def d(name: str) -> timedelta:
        return section.duration(name, unit="days")

    rules = AftersalesRules(h("refund_answer_hours"), d("return_window_days"),
                            h("return_answer_hours"), d("return_ship_back_days"),
                            d("return_receive_days"), d("escalate_within_days"),
                            h("platform_decision_hours"), d("claim_window_days"))
    section.done()
    if rules.claim_window < rules.return_window:
        raise section.fail("claim_window_days", "an empty parcel or a wrong item can be "
                                                "claimed at least as long as a return")
    return rules


def _contact(section: _Section) -> ContactRules:
    rules = ContactRules(section.duration("ticket_response_hours"),
                         section.duration("feedback_reply_hours"))
    section.done()
    return rules


def _choices(section: _Section, name: str, kind: type[Any]) -> tuple[Any, ...]:
    values = section.phrases(name)
    try:
        return tuple(kind(v) for v in values)
    except ValueError:
        allowed = ", ".join(k.value for k in kind)
        raise section.fail(name, f"each must be one of {allowed}") from None


def _one_of(section: _Section, name: str, kind: type[Any]) -> Any:
    value = section.text(name)
    try:
        return kind(value)
    except ValueError:
        raise section.fail(name, f"one of {', '.join(k.value for k in kind)}") from None


def _appeals(ap: _Section) -> AppealRules:
    rules = AppealRules(
        window=ap.duration("window_days", unit="days"),
        review_sla=ap.duration("review_sla_hours"),
        auto_approve_grounds=frozenset(_choices(ap, "auto_approve_grounds", AppealGround)),
        evidence_max_bytes=ap.integer("evidence_max_bytes", minimum=1) or 1,
        evidence_types=frozenset(ap.phrases("evidence_types")),
    )
    unsafe = {t for t in rules.evidence_types if "html" in t or "svg" in t or "xml" in t}
    if unsafe:
        raise ap.fail("evidence_types", f"never accepted (could be served as a page): {unsafe}")
    ap.done()
    return rules


def _measures(root: _Section) -> tuple[MeasureRule, ...]:
    entries = root.raw("measures")
    if not isinstance(entries, list) or not entries:
        raise root.fail("measures", "must be a non-empty list of [[measures]] tables")
    rules: list[MeasureRule] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise PackError(f"measures[{i}]", "must be a table", root.source)
        m = _Section(entry, f"measures[{i}]", root.source)
        scope = _one_of(m, "scope", Scope)
        violation = _one_of(m, "violation", Violation)
        window = m.duration("window_days", unit="days") if scope is Scope.SHOP else None
        rate = m.number("more_than_rate")
        if rate >= 1:
            raise m.fail("more_than_rate", "a rate is a fraction below 1")
        rules.append(MeasureRule(m.text("id"), scope, violation,
                                 m.integer("more_than_count") or 0, rate,
                                 _choices(m, "measures", MeasureKind),
                                 m.duration("duration_days", unit="days"), window))
        m.done()
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise PackError("measures.id", f"ids must be unique, got {ids}", root.source)
    return tuple(rules)


def _reputation(rp: _Section) -> ReputationRules:
    start = rp.number("start", positive=True)
    weights_section = rp.section("weights")
    needed = [v.value for v in Violation] + [SELF_REPORTED]
    weights = {k: weights_section.number(k) for k in needed}
    weights_section.done()
    if weights[SELF_REPORTED] > weights[Violation.STOCKOUT.value]:
        raise weights_section.fail(SELF_REPORTED, "a reported stockout cannot weigh more than an "
                                                  "unreported one")
    rules = ReputationRules(start, rp.duration("half_life_days", unit="days"),
                            rp.duration("window_days", unit="days"), MappingProxyType(weights))
    rp.done()
    return rules


class RuleBook:
    """The versions of one family; `pack_at(t)` is the version in force at `t`."""

    def __init__(self, packs: Iterable[RulePack]) -> None:
        ordered = sorted(packs, key=lambda p: p.effective)
        if not ordered:
            raise PackError("pack", "a rule book needs at least one pack")
        families = {p.family for p in ordered}
        if len(families) > 1:
            raise PackError("pack.family", f"one family per rule book, got {sorted(families)}")
        for a, b in pairwise(ordered):
            if a.effective == b.effective:
                raise PackError("pack.effective", f"{a.id} and {b.id} take effect at the same time")
        self.packs: Sequence[RulePack] = tuple(ordered)
        self._starts = [p.effective for p in ordered]

    @property
    def family(self) -> str:
        return self.packs[0].family

    def pack_at(self, at: datetime | None) -> RulePack:
        """The version in force at `at`; before the first version, the first one."""
        if at is None:
            return self.packs[-1]
        chosen = self.packs[0]
        for pack in self.packs:
            if pack.effective <= at:
                chosen = pack
            else:
                break
        return chosen


def pack_figures(pack: RulePack) -> list[tuple[str, str]]:
    """Every figure of a pack as (key, value) text, in the pack's own order, for tables and diffs."""
    rows: list[tuple[str, str]] = [
        ("pack.id", pack.id), ("pack.family", pack.family), ("pack.version", pack.version),
        ("pack.effective", format_time(pack.effective)), ("pack.title", pack.title),
        ("deadline.default_hours", f"{in_hours(pack.deadline.default):g}"),
    ]
    rows += [(f"deadline.category_hours.{k}", f"{in_hours(v):g}")
             for k, v in sorted(pack.deadline.category.items())]
    sections: list[tuple[str, object]] = [
        ("late_shipment", pack.late_shipment), ("stockout", pack.stockout),
        ("fake_shipment", pack.fake_shipment), ("fraudulent_shipment", pack.fraudulent_shipment),
        ("self_report", pack.self_report), ("scorecard", pack.scorecard),
        ("remedies", pack.remedies), ("inventory", pack.inventory), ("appeals", pack.appeals),
        ("reputation", pack.reputation), ("aftersales", pack.aftersales),
        ("contact", pack.contact),
    ]
    for prefix, section in sections:
        for f in fields(section):  # type: ignore[arg-type]
            if not f.init:
                continue
            value = getattr(section, f.name)
            if isinstance(value, timedelta):
                per = timedelta(days=1) if f.metadata["unit"] == "days" else timedelta(hours=1)
                rows.append((f"{prefix}.{f.metadata['toml']}", f"{value / per:g}"))
            else:
                rows.append((f"{prefix}.{f.name}", _figure(value)))
    for i, rule in enumerate(pack.measures):
        window = f", {rule.window.days} d" if rule.window is not None else ""
        rows.append((f"measures[{i}].{rule.id}",
                     f"{rule.scope.value}{window}: {rule.violation.value} > {rule.more_than_count} "
                     f"& > {rule.more_than_rate * 100:g}% → {', '.join(m.value for m in rule.measures)}"
                     f" ({rule.duration.days} d)"))
    return rows


def in_hours(duration: timedelta) -> float:
    return duration / timedelta(hours=1)


def _figure(value: object) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_figure(v)}" for k, v in value.items())
    if isinstance(value, CompensationScale):
        return "; ".join(_tier(t) for t in value.tiers)
    if isinstance(value, frozenset):
        return ", ".join(sorted(str(v) for v in value))
    if isinstance(value, tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _tier(t: CompensationTier) -> str:
    scope = f"≤ {format_yuan(t.upto_cents)}" if t.upto_cents is not None else "*"
    if t.fixed_cents is not None:
        return f"{scope}: {format_yuan(t.fixed_cents)}"
    rate = f"{(t.rate_bp or 0) / 100:g}%↓¥"
    bounds = f", ≥ {format_yuan(t.min_cents)}" if t.min_cents else ""
    bounds += f", ≤ {format_yuan(t.max_cents)}" if t.max_cents is not None else ""
    return f"{scope}: {rate}{bounds}"


def pack_diff(a: RulePack, b: RulePack) -> list[tuple[str, str, str]]:
    """The figures that differ between two packs: (key, value in a, value in b), "-" if absent."""
    left, right = dict(pack_figures(a)), dict(pack_figures(b))
    keys = [k for k in dict.fromkeys([*left, *right])
            if left.get(k) != right.get(k) and k not in ("pack.id", "pack.title")]
    return [(k, left.get(k, "-"), right.get(k, "-")) for k in keys]

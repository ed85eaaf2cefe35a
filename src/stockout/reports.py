"""Tables (Rich) and plots (matplotlib) of judgements, for people rather than programs."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from rich.table import Table

from stockout.domain.events import Event
from stockout.domain.explain import name
from stockout.domain.language import Lang
from stockout.domain.money import format_yuan
from stockout.domain.rulebook import RulePack, pack_diff, pack_figures
from stockout.domain.times import SHANGHAI, format_time, shanghai_day
from stockout.domain.verdicts import Trigger, Verdict, Violation
from stockout.i18n import Texts


def local(at: datetime | None) -> str:
    """A time for a table cell: Asia/Shanghai, to the second, without the offset."""
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if at is not None else "-"


_STYLE = {
    Violation.LATE_SHIPMENT: "yellow",
    Violation.STOCKOUT: "magenta",
    Violation.FAKE_SHIPMENT: "red",
    Violation.FRAUDULENT_SHIPMENT: "bold red",
}


def verdict_table(verdicts: Sequence[Verdict], t: Texts, limit: int) -> Table:
    table = Table(title=t("verdicts_title"), caption=t("times_local"))
    for key in ("order", "shop", "violation", "trigger", "detected_at", "deadline"):
        table.add_column(t(key))
    table.add_column(t("compensation"), justify="right")
    for v in verdicts[:limit]:
        table.add_row(
            v.order_id, v.shop_id, f"[{_STYLE[v.violation]}]{name(v.violation, t.lang)}[/]",
            name(v.trigger, t.lang), local(v.detected_at), local(v.deadline),
            format_yuan(v.compensation_cents))
    return table


def totals_table(verdicts: Sequence[Verdict], t: Texts) -> Table:
    counts: Counter[tuple[Violation, Trigger]] = Counter()
    money: Counter[tuple[Violation, Trigger]] = Counter()
    for v in verdicts:
        counts[(v.violation, v.trigger)] += 1
        money[(v.violation, v.trigger)] += v.compensation_cents
    table = Table(title=t("totals_title"))
    table.add_column(t("violation"))
    table.add_column(t("trigger"))
    table.add_column(t("count"), justify="right")
    table.add_column(t("compensation"), justify="right")
    for key in sorted(counts, key=lambda k: (list(Violation).index(k[0]), -counts[k])):
        table.add_row(f"[{_STYLE[key[0]]}]{name(key[0], t.lang)}[/]", name(key[1], t.lang),
                      f"{counts[key]:,}", format_yuan(money[key]))
    table.add_section()
    table.add_row(t("total"), "", f"{sum(counts.values()):,}", format_yuan(sum(money.values())),
                  style="bold")
    return table


def worst_shops_table(verdicts: Sequence[Verdict], orders_by_shop: Counter[str], t: Texts,
                      top: int = 10) -> Table:
    per_shop: dict[str, Counter[Violation]] = defaultdict(Counter)
    money: Counter[str] = Counter()
    for v in verdicts:
        per_shop[v.shop_id][v.violation] += 1
        money[v.shop_id] += v.compensation_cents
    table = Table(title=t("worst_shops_title"))
    table.add_column(t("shop"))
    table.add_column(t("orders"), justify="right")
    for violation in Violation:
        table.add_column(name(violation, t.lang), justify="right")
    table.add_column(t("compensation"), justify="right")
    ranked = sorted(per_shop, key=lambda s: (-money[s], s))[:top]
    for shop in ranked:
        table.add_row(shop, f"{orders_by_shop[shop]:,}",
                      *(str(per_shop[shop][x] or "") for x in Violation), format_yuan(money[shop]))
    return table


def pack_table(pack: RulePack, t: Texts) -> Table:
    table = Table(title=t("pack_title", id=pack.id, title=pack.title,
                          effective=format_time(pack.effective)))
    table.add_column(t("figure"), style="cyan", no_wrap=True)
    table.add_column(t("value"), overflow="fold")
    for key, value in pack_figures(pack):
        table.add_row(key, value)
    return table


def diff_table(a: RulePack, b: RulePack, t: Texts) -> Table | None:
    rows = pack_diff(a, b)
    if not rows:
        return None
    table = Table(title=t("diff_title", a=a.id, b=b.id))
    table.add_column(t("figure"), style="cyan", no_wrap=True)
    table.add_column(a.id, style="red", overflow="fold")
    table.add_column(b.id, style="green", overflow="fold")
    for k, x, y in rows:
        table.add_row(k, x, y)
    return table


_SKIP = {"event_id", "order_id", "type", "at"}


def timeline_table(events: Sequence[Event], t: Texts, marks: dict[str, str]) -> Table:
    table = Table(title=t("timeline_title"), caption=t("times_local"))
    table.add_column(t("time"), no_wrap=True)
    table.add_column(t("event"))
    table.add_column(t("details"), overflow="fold")
    table.add_column("")
    for e in events:
        details = ", ".join(
            f"{k}={local(v) if isinstance(v, datetime) else v}"
            for k in e._fields if k not in _SKIP and (v := getattr(e, k)) is not None)
        table.add_row(local(e.at), f"{e.type.value}\n[dim]{e.event_id}[/]", details,
                      marks.get(e.event_id, ""))
    return table


def plot_violations(verdicts: Sequence[Verdict], path: Path, lang: Lang) -> Path:
    """A stacked bar chart of verdicts per day (Asia/Shanghai) by violation, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cjk = _cjk_font()
    use_zh = lang is Lang.ZH and cjk is not None
    if use_zh:
        plt.rcParams["font.sans-serif"] = [cjk, "DejaVu Sans"]
    label_lang = Lang.ZH if use_zh else Lang.EN
    days = sorted({shanghai_day(v.detected_at) for v in verdicts})
    fig, ax = plt.subplots(figsize=(11, 5), dpi=110)
    bottom = [0] * len(days)
    colours = {Violation.LATE_SHIPMENT: "#f2b134", Violation.STOCKOUT: "#b05fc4",
               Violation.FAKE_SHIPMENT: "#e0533d", Violation.FRAUDULENT_SHIPMENT: "#6b0f1a"}
    index = {d: i for i, d in enumerate(days)}
    for violation in Violation:
        counts = [0] * len(days)
        for v in verdicts:
            if v.violation is violation:
                counts[index[shanghai_day(v.detected_at)]] += 1
        ax.bar(days, counts, bottom=bottom,  # type: ignore[arg-type]  # dates plot fine
               label=name(violation, label_lang), color=colours[violation], width=0.85)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set_title("每日违规判定（按发现日期）" if use_zh else "Verdicts per day (Asia/Shanghai)")
    ax.set_ylabel("判定数" if use_zh else "verdicts")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def _cjk_font() -> str | None:
    from matplotlib import font_manager

    for font in font_manager.fontManager.ttflist:
        if any(k in font.name for k in ("CJK", "WenQuanYi", "Noto Sans SC", "Source Han", "Droid Sans Fallback")):
            return str(font.name)
    return None

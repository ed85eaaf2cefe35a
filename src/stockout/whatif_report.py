"""The what-if comparison for people: Rich tables (per violation, per shop) and a PNG chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table

from stockout.batch.whatif import Change, WhatIf
from stockout.domain.explain import name
from stockout.domain.language import Lang
from stockout.domain.money import format_yuan
from stockout.domain.verdicts import Violation
from stockout.i18n import Texts


def _signed(n: int) -> str:
    return f"{n:+,}" if n else "0"


def _signed_yuan(cents: int) -> str:
    return ("+" if cents > 0 else "") + format_yuan(cents) if cents else format_yuan(0)


def _style(delta: int) -> str:
    return "red" if delta > 0 else "green" if delta < 0 else "dim"


def _row(label: str, c: Change) -> list[str]:
    return [label, f"{c.count_a:,}", f"{c.count_b:,}",
            f"[{_style(c.count_delta)}]{_signed(c.count_delta)}[/]",
            format_yuan(c.cents_a), format_yuan(c.cents_b),
            f"[{_style(c.cents_delta)}]{_signed_yuan(c.cents_delta)}[/]"]


def _table(title: str, first: str, w: WhatIf, t: Texts) -> Table:
    table = Table(title=title)
    table.add_column(first)
    for key, pack in (("whatif_count", w.rules_a), ("whatif_count", w.rules_b)):
        table.add_column(t(key, pack=pack), justify="right")
    table.add_column(t("whatif_delta"), justify="right")
    for pack in (w.rules_a, w.rules_b):
        table.add_column(t("whatif_money", pack=pack), justify="right")
    table.add_column(t("whatif_delta"), justify="right")
    return table


def totals_table(w: WhatIf, t: Texts) -> Table:
    table = _table(t("whatif_totals_title", a=w.rules_a, b=w.rules_b), t("violation"), w, t)
    for c in w.by_violation:
        table.add_row(*_row(name(Violation(c.key), t.lang), c))
    table.add_section()
    table.add_row(*_row(t("total"), w.total), style="bold")
    return table


def shops_table(w: WhatIf, t: Texts, top: int) -> Table:
    changed = [c for c in w.by_shop if c.count_delta or c.cents_delta]
    table = _table(t("whatif_shops_title", n=min(top, len(changed)), shops=len(changed)),
                   t("shop"), w, t)
    for c in changed[:top]:
        table.add_row(*_row(c.key, c))
    return table


def plot_whatif(w: WhatIf, path: Path, lang: Lang) -> Path:
    """Two panels, verdicts and compensation per violation, A beside B, the change on top."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from stockout.reports import _cjk_font

    cjk = _cjk_font()
    use_zh = lang is Lang.ZH and cjk is not None
    if use_zh:
        plt.rcParams["font.sans-serif"] = [cjk, "DejaVu Sans"]
    t = Texts(Lang.ZH if use_zh else Lang.EN)
    labels = [name(Violation(c.key), t.lang) for c in w.by_violation]
    xs = range(len(labels))
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), dpi=110)
    panels: list[tuple[Any, list[float], list[float], str]] = [
        (axes[0], [c.count_a for c in w.by_violation], [c.count_b for c in w.by_violation],
         t("whatif_chart_counts")),
        (axes[1], [c.cents_a / 100 for c in w.by_violation],
         [c.cents_b / 100 for c in w.by_violation], t("whatif_chart_money")),
    ]
    for ax, a, b, title in panels:
        ax.bar([x - 0.2 for x in xs], a, width=0.4, label=w.rules_a, color="#8da0cb")
        ax.bar([x + 0.2 for x in xs], b, width=0.4, label=w.rules_b, color="#fc8d62")
        for x, va, vb in zip(xs, a, b, strict=True):
            if vb != va:
                ax.annotate(f"{vb - va:+,.0f}", (x + 0.2, vb), ha="center", va="bottom",
                            fontsize=9, color="#b2182b" if vb > va else "#1a9850")
        ax.set_xticks(list(xs), labels)
        ax.tick_params(axis="x", labelrotation=12)
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
        ax.legend()
    fig.suptitle(t("whatif_chart_title", a=w.rules_a, b=w.rules_b)
                 + f"  (Δ {_signed(w.total.count_delta)}, {_signed_yuan(w.total.cents_delta)})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path

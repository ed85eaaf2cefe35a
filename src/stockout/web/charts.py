"""ECharts options (plain JSON) for the console's charts; each page also shows the figures as
a table, so nothing is lost without JavaScript."""

from __future__ import annotations

from typing import Any

from stockout.batch.whatif import WhatIf
from stockout.domain.explain import name
from stockout.domain.language import Lang
from stockout.domain.verdicts import Violation
from stockout.web.texts import say

# Colours that keep 3:1 against white (WCAG non-text contrast).
PALETTE = ["#1f5fa8", "#b3261e", "#2e7d32", "#6a3d9a"]


def _base(lang: Lang) -> dict[str, Any]:
    return {"color": PALETTE, "tooltip": {"trigger": "axis"}, "animation": False,
            "grid": {"left": 56, "right": 24, "top": 48, "bottom": 40},
            "textStyle": {"fontFamily": "sans-serif"}}


def _pct(v: float | None) -> float | None:
    return round(v * 100, 2) if v is not None else None


def rates_chart(history: dict[str, Any], lang: Lang) -> dict[str, Any]:
    days = [p["day"][5:] for p in history["points"]]
    series = [{"name": say(f"rate_{k}", lang), "type": "line", "connectNulls": True,
               "data": [_pct(p[k]) for p in history["points"]]}
              for k in ("late_shipment", "stockout", "valid_tracking")]
    return {**_base(lang), "legend": {"top": 0},
            "xAxis": {"type": "category", "data": days},
            "yAxis": {"type": "value", "name": "%", "min": 0, "max": 100}, "series": series}


def score_chart(history: dict[str, Any], lang: Lang) -> dict[str, Any]:
    days = [p["day"][5:] for p in history["points"]]
    return {**_base(lang), "legend": {"top": 0},
            "xAxis": {"type": "category", "data": days},
            "yAxis": {"type": "value", "name": say("score", lang)},
            "series": [{"name": say("score", lang), "type": "line", "areaStyle": {},
                        "data": [p["score"] for p in history["points"]]}]}


def _whatif(w: WhatIf, lang: Lang, money: bool) -> dict[str, Any]:
    labels = [name(Violation(c.key), lang) for c in w.by_violation]

    def values(pick_b: bool) -> list[float]:
        if money:
            return [round((c.cents_b if pick_b else c.cents_a) / 100, 2) for c in w.by_violation]
        return [c.count_b if pick_b else c.count_a for c in w.by_violation]

    return {**_base(lang), "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "legend": {"top": 0}, "xAxis": {"type": "category", "data": labels},
            "yAxis": {"type": "value", "name": "¥" if money else say("count", lang)},
            "series": [{"name": w.rules_a, "type": "bar", "data": values(False)},
                       {"name": w.rules_b, "type": "bar", "data": values(True)}]}


def whatif_charts(w: WhatIf, lang: Lang) -> tuple[dict[str, Any], dict[str, Any]]:
    return _whatif(w, lang, money=False), _whatif(w, lang, money=True)

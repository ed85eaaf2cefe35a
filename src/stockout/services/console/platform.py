"""The platform's side: which open orders an announcement would extend before it is posted,
and the what-if comparison of two rule books over an event file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from stockout.adapters.event_file import Rejection
from stockout.batch.whatif import WhatIf, compare
from stockout.domain.money import format_yuan
from stockout.domain.rulebook import RulePack, pack_figures
from stockout.domain.times import SHANGHAI, format_time
from stockout.services.access.principals import Forbidden, Principal
from stockout.services.judging.announcements import parse_announcement
from stockout.store.uow import UnitOfWork

PREVIEW_LIMIT = 200


def announcement_preview(uow: UnitOfWork, who: Principal, obj: object) -> dict[str, Any]:
    """The open orders not yet picked up whose deadline (before announcements) the announcement
    covers, with their deadline now and after it; nothing is written. Raises
    `InvalidAnnouncement`."""
    if not who.is_platform:
        raise Forbidden("only the platform posts announcements")
    ann = parse_announcement(obj)
    extend = timedelta(hours=ann.extend_hours)
    with uow.reader() as r:
        rows = r.orders.get_many(r.orders.with_base_deadline_in(ann.starts, ann.ends))
        covered = [o for o in sorted(rows) if ann.covers(
            rows[o]["deadline_base_at"], rows[o]["ship_from_region"], rows[o]["ship_to_region"],
            rows[o]["category"])]
        judged = r.verdicts.active_for(covered) if covered else {}
    # Posting re-judges every order whose deadline falls in the window (`post_announcement`);
    # an issued late-shipment verdict the extension excuses is voided, its coupon taken back.
    at_stake = [{"order_id": o, "shop_id": rows[o]["shop_id"],
                 "verdicts": [{"violation": v, "cents": row["compensation_cents"]}
                              for v, row in sorted(judged[o].items())]}
                for o in covered if judged.get(o)]
    items = []
    for order_id in sorted(rows):
        row = rows[order_id]
        waiting = row["state"] == "open" and row["picked_up_at"] is None
        if not waiting or not ann.covers(row["deadline_base_at"], row["ship_from_region"],
                                         row["ship_to_region"], row["category"]):
            continue
        items.append({"order_id": order_id, "shop_id": row["shop_id"],
                      "deadline": format_time(row["deadline_at"]),
                      "extended": format_time(max(row["deadline_at"],
                                                  row["deadline_base_at"] + extend))})
    return {"id": ann.id, "extend_hours": ann.extend_hours, "count": len(items),
            "items": items[:PREVIEW_LIMIT], "rejudged": len(rows),
            "at_stake": at_stake[:PREVIEW_LIMIT]}


REJECTIONS_SHOWN = 10


class NoValidEvents(ValueError):
    """The file has no valid event to judge: a comparison would read as "no change"."""

    def __init__(self, rejected: int, first: Sequence[Rejection]) -> None:
        super().__init__(f"no valid event; {rejected} lines rejected")
        self.rejected = rejected
        self.first = tuple(first)


@dataclass(frozen=True, slots=True)
class WhatIfReport:
    """The comparison, and what reading the file rejected (as `stockout whatif` prints it)."""

    whatif: WhatIf
    events: int  # the valid events judged
    rejected: int
    first_rejections: tuple[Rejection, ...]  # the first few, by line


def whatif_file(path: Path, rules_a: str, rules_b: str, now: datetime) -> WhatIfReport:
    """`stockout whatif` on DuckDB: the same events judged under two rule books, compared,
    with the lines the file's reading rejected. Raises `PackError` for an unknown pack,
    `BadInput`, `FileNotFoundError`, and `NoValidEvents` when no line is a valid event."""
    from stockout.batch.bulk import Engine, judge_prepared
    from stockout.batch.prepare import prepared
    from stockout.rulepacks import resolve_rules

    book_a, book_b = resolve_rules(rules_a), resolve_rules(rules_b)
    with prepared(path) as prep:
        first = tuple(sorted(prep.rejections, key=lambda r: (r.file or "", r.line))
                      [:REJECTIONS_SHOWN])
        if prep.rows == 0:
            raise NoValidEvents(len(prep.rejections), first)
        result_a = judge_prepared(prep, book_a, now, (), Engine.DUCKDB).result
        result_b = judge_prepared(prep, book_b, now, (), Engine.DUCKDB).result
        return WhatIfReport(compare(result_a, result_b, rules_a, rules_b), prep.rows,
                            len(prep.rejections), first)


SAMPLE_ORDERS = 2000
SAMPLE_SEED = 7


def sample_events(folder: Path, orders: int = SAMPLE_ORDERS, seed: int = SAMPLE_SEED) -> Path:
    """A simulated month (`stockout simulate`) to compare packs on, written once per folder."""
    from stockout.simulation import simulate_events

    path = folder / f"sample-{orders}-{seed}.jsonl"
    if not path.exists():
        part = path.with_suffix(".part")
        with part.open("w", encoding="utf-8") as out:
            for line in simulate_events(orders, seed).lines():
                out.write(line + "\n")
        part.replace(path)
    return path


def figure_sources(toml_text: str) -> dict[str, str]:
    """Each figure's source, as the pack file writes it: the comment on its line, else the
    comment block above it (kept for the keys that follow it in the same section)."""
    sources: dict[str, str] = {}
    section, last = "", ""
    block: list[str] = []
    for raw in toml_text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            section, block, last = line.strip("[]").strip(), [], ""
        elif line.startswith("#"):
            block.append(line.lstrip("#").strip())
        elif "=" in line and not line.startswith(("{", "]")):
            key = line.split("=", 1)[0].strip().strip('"').strip("'")
            inline = line.partition(" # ")[2]
            if block:
                last, block = " ".join(block), []
            sources[f"{section}.{key}" if section else key] = inline.strip() or last
    return sources


def _shown(key: str, value: str) -> str:
    """A figure as people read it: fen as ¥, bytes as MB, times in Beijing, yes and no."""
    if value in ("True", "False"):
        return "✓" if value == "True" else "✗"
    if key.endswith("_cents") and value.lstrip("-").isdigit():
        return format_yuan(int(value))
    if "_rate_" in key:
        try:
            return f"{float(value) * 100:g}%"
        except ValueError:
            return value
    if key.endswith("_bytes") and value.isdigit():
        return f"{int(value) / 2**20:g} MB"
    if len(value) >= 20 and value[4:5] == "-" and "T" in value:
        try:
            return datetime.fromisoformat(value).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return value


def pack_rows(pack: RulePack) -> list[dict[str, str]]:
    """The pack's figures (`pack_figures`) shown readably, each with its source when the
    built-in pack file names one."""
    from importlib import resources

    try:
        text = (resources.files("stockout.rulepacks") / f"{pack.id}.toml").read_text("utf-8")
    except (FileNotFoundError, OSError):
        text = ""
    sources = figure_sources(text)
    return [{"key": k, "value": _shown(k, v), "raw": v,
             "source": sources.get(k) or sources.get(k.rsplit(".", 1)[0] if "." in k else k, "")}
            for k, v in pack_figures(pack)]

"""Bulk commands of `stockout`: `judge --engine/--out/.parquet`, `whatif`, `simulate --format
parquet`. Registered from cli/main.py; each parses, calls `stockout.batch`, prints."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from stockout.cli.common import AnnOpt, AtOpt, err, fail, out, output_file, parse_at, settings
from stockout.domain.announcements import Announcement
from stockout.domain.explain import name
from stockout.domain.money import format_yuan
from stockout.domain.rulebook import PackError, RuleBook
from stockout.domain.times import human_time
from stockout.domain.verdicts import Violation
from stockout.i18n import Texts

if TYPE_CHECKING:  # pyarrow is imported by the commands, not when the CLI starts
    import pyarrow as pa

EngineOpt = Annotated[str, typer.Option("--engine", help="python | duckdb | spark")]


def _load(events: Path, rules: str, announcements: Path | None, t: Texts
          ) -> tuple[RuleBook, list[Announcement]]:
    from stockout.adapters.event_file import BadAnnouncements, read_announcements
    from stockout.rulepacks import resolve_rules

    if not events.exists():
        raise fail(t("file_missing", path=events))
    try:
        book = resolve_rules(rules)
        notices = read_announcements(announcements) if announcements is not None else []
    except (PackError, BadAnnouncements) as exc:
        raise fail(str(exc)) from None
    return book, notices


def _judge_input(events: Path, books: list[RuleBook], now: datetime,
                 notices: list[Announcement], engine: str, t: Texts) -> list[pa.Table]:
    """Prepare the input once (rejections printed), then judge it with each rule book."""
    from stockout.batch.bulk import Engine, EngineUnavailable, holding_for, judge_prepared
    from stockout.batch.prepare import prepared
    from stockout.batch.validation import BadInput

    try:
        chosen = Engine(engine)
    except ValueError:
        raise fail(f"--engine: {engine!r}; use python, duckdb or spark") from None
    try:
        with err.status(t("preparing")), prepared(events, held=holding_for(chosen)) as prep:
            for rejection in prep.rejections:
                if rejection.file is None:
                    line = t("rejected_line", line=rejection.line, reason=rejection.reason)
                else:
                    line = t("rejected_row", file=rejection.file, row=rejection.line,
                             reason=rejection.reason)
                err.print(line, highlight=False, markup=False)
            return [judge_prepared(prep, book, now, notices, chosen).result for book in books]
    except EngineUnavailable as exc:
        raise fail(t("engine_missing", reason=exc)) from None
    except (FileNotFoundError, BadInput) as exc:
        raise fail(str(exc)) from None


def judge_bulk(ctx: typer.Context, events: Path, rules: str, announcements: Path | None,
               at: str | None, as_json: bool, limit: int, engine: str,
               out_path: Path | None) -> None:
    """`stockout judge` with an engine, Parquet input or an output file."""
    from stockout.batch.records import write_verdicts

    t = settings(ctx).texts
    now = parse_at(at, t)
    if out_path is not None:
        output_file(out_path, "--out", (".jsonl", ".parquet", ".pq"))
    book, notices = _load(events, rules, announcements, t)
    started = time.perf_counter()
    [result] = _judge_input(events, [book], now, notices, engine, t)
    seconds = time.perf_counter() - started
    if out_path is not None:
        n = write_verdicts(result, out_path)
        if not as_json:
            out.print(t("verdicts_written", path=out_path, n=f"{n:,}"))
    if as_json:
        import shutil
        import tempfile

        with tempfile.TemporaryDirectory(prefix="stockout-json-") as tmp:
            lines = Path(tmp) / "verdicts.jsonl"
            write_verdicts(result, lines)
            sys.stdout.flush()
            with lines.open("rb") as handle:
                shutil.copyfileobj(handle, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        return
    out.print(_totals(result, t))
    out.print(shop_summary(result, t, limit))
    import pyarrow.compute as pc

    money = pc.sum(result["compensation_cents"]).as_py() or 0
    out.print(t("bulk_summary", at=human_time(now, t.lang), engine=engine,
                verdicts=f"{result.num_rows:,}", money=format_yuan(money), seconds=seconds))


def _totals(result: pa.Table, t: Texts) -> Table:
    from stockout.batch.records import totals
    from stockout.domain.verdicts import Trigger

    order = [v.value for v in Violation]
    grouped = sorted(totals(result, ["violation", "trigger"]),
                     key=lambda r: (order.index(r[0]), -r[2]))
    table = Table(title=t("totals_title"))
    for key in ("violation", "trigger", "count", "compensation"):
        table.add_column(t(key), justify="right" if key in ("count", "compensation") else "left")
    for violation, trigger, count, money in grouped:
        table.add_row(name(Violation(violation), t.lang), name(Trigger(trigger), t.lang),
                      f"{count:,}", format_yuan(money))
    table.add_section()
    table.add_row(t("total"), "", f"{result.num_rows:,}",
                  format_yuan(sum(r[3] for r in grouped)), style="bold")
    return table


def shop_summary(result: pa.Table, t: Texts, top: int) -> Table:
    """Per shop: verdicts of each violation and the compensation, the costliest shops first."""
    from stockout.batch.records import costliest_shops

    shops, rows = costliest_shops(result, [v.value for v in Violation], top)
    table = Table(title=t("shop_summary_title", n=len(rows), shops=f"{shops:,}"))
    table.add_column(t("shop"))
    for v in Violation:
        table.add_column(name(v, t.lang), justify="right")
    table.add_column(t("compensation"), justify="right")
    for shop, *counts, money in rows:
        table.add_row(shop, *(f"{n or ''}" for n in counts), format_yuan(money))
    return table


def whatif(ctx: typer.Context,
           events: Annotated[Path, typer.Argument(help="事件文件（.jsonl、.parquet 或分片目录）")],
           rules: Annotated[str, typer.Option("--rules", help="现行规则 A（包 id、规则族或 TOML 文件）")] = "pdd",
           vs: Annotated[str, typer.Option("--vs", help="对比规则 B（包 id、规则族或 TOML 文件）")] = "pdd-2025",
           announcements: AnnOpt = None, at: AtOpt = None,
           engine: EngineOpt = "duckdb",
           top: Annotated[int, typer.Option("--top", min=1, help="显示变化最大的店铺数")] = 10,
           chart: Annotated[Path, typer.Option("--chart", help="对比图 PNG 路径")] = Path("whatif.png"),
           ) -> None:
    """规则变更影响：同一批订单在规则 A 与 B 下的判定数与赔付对比 (what if the rules were B)."""
    from stockout.batch.whatif import compare
    from stockout.rulepacks import resolve_rules
    from stockout.whatif_report import plot_whatif, shops_table, totals_table

    chosen = settings(ctx)
    t = chosen.texts
    now = parse_at(at, t)
    output_file(chart, "--chart", (".png",))
    book_a, notices = _load(events, rules, announcements, t)
    try:
        book_b = resolve_rules(vs)
    except PackError as exc:
        raise fail(str(exc)) from None
    result_a, result_b = _judge_input(events, [book_a, book_b], now, notices, engine, t)
    w = compare(result_a, result_b, _label(rules, book_a), _label(vs, book_b))
    out.print(totals_table(w, t))
    out.print(shops_table(w, t, top))
    out.print(t("whatif_chart_saved", path=plot_whatif(w, chart, chosen.lang)))


def _label(spec: str, book: RuleBook) -> str:
    """A pack id, a family name, or a pack file named by its pack id (an edited copy)."""
    ids = {p.id for p in book.packs}
    if spec in ids or spec == book.family:
        return spec
    return f"{book.packs[-1].id} ({Path(spec).name})"


def simulate_parquet(orders: int, seed: int, days: int, out_path: Path) -> tuple[int, Path]:
    """`stockout simulate --format parquet`: judge-ready Parquet, streamed in chunks; a path
    without the `.parquet` suffix is a folder of parts."""
    from stockout.batch.prepare import write_simulated
    from stockout.simulation import simulate_events

    if out_path.suffix == ".jsonl":
        out_path = out_path.with_suffix(".parquet")
    return write_simulated(simulate_events(orders, seed, days=days).lines(), out_path), out_path


def register(app: typer.Typer) -> None:
    app.command("whatif")(whatif)

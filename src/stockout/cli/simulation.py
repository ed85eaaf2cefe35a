"""`stockout simulate` (a reproducible marketplace event file) and `stockout demo` (simulate,
judge, show)."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from stockout.adapters.event_file import dump_jsonl
from stockout.cli.common import fail, out, progress, settings
from stockout.cli.judging import judge_events, print_summary


def simulate(ctx: typer.Context,
             orders: Annotated[int, typer.Option(min=1, help="订单数")] = 10_000,
             seed: Annotated[int, typer.Option(help="随机种子（相同种子输出相同）")] = 1,
             out_path: Annotated[Path, typer.Option("--out", help="输出事件文件")] = Path("events.jsonl"),
             days: Annotated[int, typer.Option(min=1, help="模拟天数")] = 30,
             announcements_out: Annotated[Path | None, typer.Option(
                 "--announcements-out", help="同时写出平台公告 JSON")] = None,
             fmt: Annotated[str, typer.Option("--format", help="jsonl 或 parquet")] = "jsonl",
             ) -> None:
    """生成逼真的市场事件文件（可复现）(simulate a marketplace, deterministically)."""
    from stockout.simulation import simulate_announcements, simulate_events, write_jsonl

    t = settings(ctx).texts
    if fmt not in ("jsonl", "parquet"):
        raise fail(t("bad_format"))
    with progress() as bar:
        task = bar.add_task(t("simulating"), total=None)
        if fmt == "parquet":  # judge-ready Parquet for the bulk engines
            from stockout.cli.bulk import simulate_parquet

            lines, out_path = simulate_parquet(orders, seed, days, out_path)
        else:
            lines = write_jsonl(simulate_events(orders, seed, days=days), out_path,
                                progress=lambda n: bar.update(task, completed=n))
    if announcements_out is not None:
        announcements_out.write_text(json.dumps(simulate_announcements(seed, days=days),
                                                ensure_ascii=False, indent=1), encoding="utf-8")
    out.print(t("simulated", orders=f"{orders:,}", lines=f"{lines:,}", path=out_path))


def demo(ctx: typer.Context,
         orders: Annotated[int, typer.Option(min=1, help="订单数")] = 50_000,
         seed: Annotated[int, typer.Option(help="随机种子")] = 7,
         out_dir: Annotated[Path, typer.Option("--out", help="输出目录")] = Path("stockout-demo"),
         ) -> None:
    """模拟一个市场、判定并展示结果 (simulate a marketplace, judge it, show the result)."""
    from stockout.reports import plot_violations, totals_table, worst_shops_table
    from stockout.simulation import (
        DEFAULT_START,
        simulate_announcements,
        simulate_events,
        write_jsonl,
    )

    chosen = settings(ctx)
    t = chosen.texts
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    events_path, ann_path = out_dir / "events.jsonl", out_dir / "announcements.json"
    days = 30
    with progress() as bar:
        task = bar.add_task(t("simulating"), total=None)
        write_jsonl(simulate_events(orders, seed, days=days), events_path,
                    progress=lambda n: bar.update(task, completed=n))
    ann_path.write_text(json.dumps(simulate_announcements(seed, days=days), ensure_ascii=False,
                                   indent=1), encoding="utf-8")
    now = DEFAULT_START + timedelta(days=days + 15)
    run = judge_events(events_path, "pdd", ann_path, now, t)
    verdicts = run.verdicts
    verdicts_path = out_dir / "verdicts.jsonl"
    with verdicts_path.open("w", encoding="utf-8") as handle:
        handle.writelines(dump_jsonl(v.to_record() for v in verdicts))
    shops = Counter(j.facts.placed.shop_id or "" for j in run.judgements if j.facts.placed)
    out.print(totals_table(verdicts, t))
    out.print(worst_shops_table(verdicts, shops, t))
    print_summary(run, t)
    plot = plot_violations(verdicts, out_dir / "violations.png", chosen.lang)
    out.print(t("plot_saved", path=plot))
    out.print(t("demo_files", events=events_path, verdicts=verdicts_path))
    out.print(t("demo_took", seconds=time.perf_counter() - started))


def register(app: typer.Typer) -> None:
    app.command()(simulate)
    app.command()(demo)

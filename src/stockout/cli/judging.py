"""Judging a file of events: `judge` (the contract of DESIGN.md) and `explain`. The columnar
engines, Parquet in or out, are in cli/bulk.py."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from stockout.adapters.event_file import BadAnnouncements, dump_jsonl
from stockout.bootstrap import bulk_work
from stockout.cli.common import (
    AnnOpt,
    AtOpt,
    RulesOpt,
    err,
    fail,
    out,
    parse_at,
    progress,
    settings,
)
from stockout.domain.explain import explain_deadline, explain_verdict, name
from stockout.domain.money import format_yuan
from stockout.domain.rulebook import PackError
from stockout.domain.timeline import Timeline
from stockout.domain.times import format_time, human_time
from stockout.i18n import Texts
from stockout.services.judging.files import JudgeRun, judge_file


def judge_events(events: Path, rules: str, announcements: Path | None, now: datetime,
                 t: Texts) -> JudgeRun:
    """Judge a JSON Lines file with a progress bar; each rejected line is printed with its
    number."""
    if not events.exists():
        raise fail(t("file_missing", path=events))
    with progress() as bar, bulk_work():
        task = bar.add_task(t("reading"), total=None)
        try:
            run = judge_file(events, rules, now, announcements,
                             progress=lambda n: bar.update(task, completed=n))
        except (PackError, BadAnnouncements) as exc:
            raise fail(str(exc)) from None
    for rejection in run.log.rejections:
        err.print(t("rejected_line", line=rejection.line, reason=rejection.reason),
                  highlight=False, markup=False)
    return run


def judge(ctx: typer.Context,
          events: Annotated[Path, typer.Argument(help="事件文件（JSON Lines）")],
          rules: RulesOpt = "pdd", announcements: AnnOpt = None, at: AtOpt = None,
          as_json: Annotated[bool, typer.Option("--json", help="每条判定输出一行 JSON")] = False,
          limit: Annotated[int, typer.Option(help="表格最多显示的行数")] = 50,
          engine: Annotated[str, typer.Option("--engine", help="python | duckdb | spark")] = "python",
          out_file: Annotated[Path | None, typer.Option("--out", help="判定结果写入 .jsonl 或 .parquet")] = None,
          ) -> None:
    """判定事件文件中的每个订单 (judge every order of an event file)."""
    if engine != "python" or out_file is not None or events.is_dir() or events.suffix == ".parquet":
        from stockout.cli.bulk import judge_bulk  # columnar engines, Parquet in or out

        judge_bulk(ctx, events, rules, announcements, at, as_json, limit, engine, out_file)
        return
    t = settings(ctx).texts
    run = judge_events(events, rules, announcements, parse_at(at, t), t)
    verdicts = run.verdicts
    if as_json:
        sys.stdout.writelines(dump_jsonl(v.to_record() for v in verdicts))
        return
    if verdicts:
        from stockout.reports import totals_table, verdict_table

        out.print(verdict_table(verdicts, t, limit))
        if len(verdicts) > limit:
            out.print(t("shown_of", shown=limit, total=len(verdicts)))
        out.print(totals_table(verdicts, t))
    else:
        out.print(t("no_verdicts", at=human_time(run.now, t.lang)))
    print_summary(run, t)


def print_summary(run: JudgeRun, t: Texts) -> None:
    verdicts = run.verdicts
    out.print(t("judged_summary", at=human_time(run.now, t.lang), orders=f"{len(run.judgements):,}",
                verdicts=f"{len(verdicts):,}",
                money=format_yuan(sum(v.compensation_cents for v in verdicts))))
    if run.log.duplicates:
        out.print(t("duplicates", n=run.log.duplicates))
    if run.log.rejections:
        err.print(t("rejected_summary", n=len(run.log.rejections), ok=run.log.events))


def explain(ctx: typer.Context, order_id: Annotated[str, typer.Argument(help="订单号")],
            events: Annotated[Path, typer.Argument(help="事件文件（JSON Lines）")],
            rules: RulesOpt = "pdd", announcements: AnnOpt = None, at: AtOpt = None) -> None:
    """解释一个订单：时间线、发货时限与每条判定的原因 (explain one order)."""
    from stockout.reports import timeline_table

    t = settings(ctx).texts
    run = judge_events(events, rules, announcements, parse_at(at, t), t)
    found = [j for j in run.judgements if j.order_id == order_id]
    if not found:
        raise fail(t("order_not_found", order=order_id))
    j = found[0]
    pack = run.pack(j.pack_id)
    timeline = run.log.by_order[order_id]
    marks: dict[str, str] = {}
    for v in j.verdicts:
        for eid in v.evidence:
            marks[eid] = (marks.get(eid, "") + " ← " + name(v.violation, t.lang)).strip()
    ordered = Timeline.of(order_id, timeline).events
    out.print(timeline_table([e for e in ordered if e.at <= run.now], t, marks))
    if not j.judged:
        out.print(t("not_judged"))
        return
    out.print(f"[bold]{pack.id}[/] · " + explain_deadline(j.deadline, t.lang))
    for refused in j.refused_reports:
        out.print(t("report_refused", event=refused.event_id,
                    reason=t(f"refusal_{refused.reason.value}")))
    if not j.verdicts:
        out.print(t("no_verdicts", at=human_time(run.now, t.lang)))
    for v in j.verdicts:
        out.print(f"• [bold]{name(v.violation, t.lang)}[/] ({v.trigger.value}, "
                  f"{format_time(v.detected_at)}): {explain_verdict(v, pack, t.lang)} "
                  f"[dim]{v.rule} · {', '.join(v.evidence)}[/]")


def register(app: typer.Typer) -> None:
    app.command()(judge)
    app.command()(explain)

"""The `stockout` command: parse, call a service, print. Exit 2 on bad usage."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from stockout.adapters.event_file import BadAnnouncements, dump_jsonl
from stockout.bootstrap import Settings, bulk_work, load_settings
from stockout.domain.explain import explain_deadline, explain_verdict, name
from stockout.domain.money import format_yuan
from stockout.domain.rulebook import PackError
from stockout.domain.timeline import Timeline
from stockout.domain.times import UTC, format_time
from stockout.i18n import Texts
from stockout.services.judging import JudgeRun, judge_file

app = typer.Typer(help="stockout：判定商家无法按时发货时的违规、赔付与补救。", no_args_is_help=True,
                  add_completion=False, rich_markup_mode="rich")
rules_app = typer.Typer(help="规则包：查看与比较 (rule packs: show and compare)", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

out = Console()
err = Console(stderr=True)

RulesOpt = Annotated[str, typer.Option("--rules", help="规则包 id、规则族（按成团时间选版本）或 TOML 文件")]
AnnOpt = Annotated[Path | None, typer.Option("--announcements", help="平台公告 JSON 文件")]
AtOpt = Annotated[str | None, typer.Option("--at", help="判定时间（RFC 3339，带时区），默认现在")]


def _settings(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/] {message}", highlight=False)
    return typer.Exit(2)


@app.callback()
def _main(ctx: typer.Context,
          lang: Annotated[str | None, typer.Option("--lang", help="zh（默认）或 en")] = None) -> None:
    try:
        ctx.obj = load_settings(lang)
    except ValueError as exc:
        raise _fail(str(exc)) from None


def _parse_at(value: str | None, t: Texts) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(t("bad_time", what="--at")) from None
    if at.tzinfo is None:
        raise _fail(t("bad_time", what="--at"))
    return at.astimezone(UTC)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}"),
                    TimeElapsedColumn(), console=err, transient=True)


def _judge(events: Path, rules: str, announcements: Path | None, now: datetime,
           t: Texts) -> JudgeRun:
    if not events.exists():
        raise _fail(t("file_missing", path=events))
    with _progress() as bar, bulk_work():
        task = bar.add_task(t("reading"), total=None)
        try:
            run = judge_file(events, rules, now, announcements,
                             progress=lambda n: bar.update(task, completed=n))
        except (PackError, BadAnnouncements) as exc:
            raise _fail(str(exc)) from None
    for rejection in run.log.rejections:
        err.print(t("rejected_line", line=rejection.line, reason=rejection.reason),
                  highlight=False, markup=False)
    return run


@app.command()
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
        from stockout.cli_bulk import judge_bulk  # columnar engines, Parquet in or out

        judge_bulk(ctx, events, rules, announcements, at, as_json, limit, engine, out_file)
        return
    t = _settings(ctx).texts
    run = _judge(events, rules, announcements, _parse_at(at, t), t)
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
        out.print(t("no_verdicts", at=format_time(run.now)))
    _summary(run, t)


def _summary(run: JudgeRun, t: Texts) -> None:
    verdicts = run.verdicts
    out.print(t("judged_summary", at=format_time(run.now), orders=f"{len(run.judgements):,}",
                verdicts=f"{len(verdicts):,}",
                money=format_yuan(sum(v.compensation_cents for v in verdicts))))
    if run.log.duplicates:
        out.print(t("duplicates", n=run.log.duplicates))
    if run.log.rejections:
        err.print(t("rejected_summary", n=len(run.log.rejections), ok=run.log.events))


@app.command()
def explain(ctx: typer.Context, order_id: Annotated[str, typer.Argument(help="订单号")],
            events: Annotated[Path, typer.Argument(help="事件文件（JSON Lines）")],
            rules: RulesOpt = "pdd", announcements: AnnOpt = None, at: AtOpt = None) -> None:
    """解释一个订单：时间线、发货时限与每条判定的原因 (explain one order)."""
    from stockout.reports import timeline_table

    t = _settings(ctx).texts
    run = _judge(events, rules, announcements, _parse_at(at, t), t)
    found = [j for j in run.judgements if j.order_id == order_id]
    if not found:
        raise _fail(t("order_not_found", order=order_id))
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
        out.print(t("no_verdicts", at=format_time(run.now)))
    for v in j.verdicts:
        out.print(f"• [bold]{name(v.violation, t.lang)}[/] ({v.trigger.value}, "
                  f"{format_time(v.detected_at)}): {explain_verdict(v, pack, t.lang)} "
                  f"[dim]{v.rule} · {', '.join(v.evidence)}[/]")


@rules_app.command("list")
def rules_list(ctx: typer.Context) -> None:
    """列出内置规则包 (list the packs shipped)."""
    from rich.table import Table

    from stockout.rulepacks import builtin_packs

    table = Table()
    for col in ("id", "family", "version", "effective", "title"):
        table.add_column(col)
    for p in builtin_packs():
        table.add_row(p.id, p.family, p.version, format_time(p.effective), p.title)
    out.print(table)


def _one_pack(spec: str):  # type: ignore[no-untyped-def]
    from stockout.rulepacks import resolve_rules

    try:
        return resolve_rules(spec).packs[-1]
    except PackError as exc:
        raise _fail(str(exc)) from None


@rules_app.command("show")
def rules_show(ctx: typer.Context, pack: Annotated[str, typer.Argument(help="规则包 id 或文件")]) -> None:
    """显示规则包的全部数值 (a pack's figures as a table)."""
    from stockout.reports import pack_table

    out.print(pack_table(_one_pack(pack), _settings(ctx).texts))


@rules_app.command("diff")
def rules_diff(ctx: typer.Context, a: Annotated[str, typer.Argument(help="规则包 A")],
               b: Annotated[str, typer.Argument(help="规则包 B")]) -> None:
    """比较两个规则包 (what changed between two packs)."""
    from stockout.reports import diff_table

    t = _settings(ctx).texts
    table = diff_table(_one_pack(a), _one_pack(b), t)
    out.print(table if table is not None else t("no_diff"))


@app.command()
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

    t = _settings(ctx).texts
    if fmt not in ("jsonl", "parquet"):
        raise _fail(t("bad_format"))
    with _progress() as bar:
        task = bar.add_task(t("simulating"), total=None)
        if fmt == "parquet":  # judge-ready Parquet for the bulk engines
            from stockout.cli_bulk import simulate_parquet

            lines, out_path = simulate_parquet(orders, seed, days, out_path)
        else:
            lines = write_jsonl(simulate_events(orders, seed, days=days), out_path,
                                progress=lambda n: bar.update(task, completed=n))
    if announcements_out is not None:
        announcements_out.write_text(json.dumps(simulate_announcements(seed, days=days),
                                                ensure_ascii=False, indent=1), encoding="utf-8")
    out.print(t("simulated", orders=f"{orders:,}", lines=f"{lines:,}", path=out_path))


@app.command()
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

    settings = _settings(ctx)
    t = settings.texts
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    events_path, ann_path = out_dir / "events.jsonl", out_dir / "announcements.json"
    days = 30
    with _progress() as bar:
        task = bar.add_task(t("simulating"), total=None)
        write_jsonl(simulate_events(orders, seed, days=days), events_path,
                    progress=lambda n: bar.update(task, completed=n))
    ann_path.write_text(json.dumps(simulate_announcements(seed, days=days), ensure_ascii=False,
                                   indent=1), encoding="utf-8")
    now = DEFAULT_START + timedelta(days=days + 15)
    run = _judge(events_path, "pdd", ann_path, now, t)
    verdicts = run.verdicts
    verdicts_path = out_dir / "verdicts.jsonl"
    with verdicts_path.open("w", encoding="utf-8") as handle:
        handle.writelines(dump_jsonl(v.to_record() for v in verdicts))
    shops = Counter(j.facts.placed.shop_id or "" for j in run.judgements if j.facts.placed)
    out.print(totals_table(verdicts, t))
    out.print(worst_shops_table(verdicts, shops, t))
    _summary(run, t)
    plot = plot_violations(verdicts, out_dir / "violations.png", settings.lang)
    out.print(t("plot_saved", path=plot))
    out.print(t("demo_files", events=events_path, verdicts=verdicts_path))
    out.print(t("demo_took", seconds=time.perf_counter() - started))


# The online judge's commands (serve, worker, tokens, db) live in their own module.
from stockout.cli_server import register as _register_server  # noqa: E402

_register_server(app)
# The bulk commands (whatif; judge --engine and simulate --format parquet delegate to it).
from stockout.cli_bulk import register as _register_bulk  # noqa: E402

_register_bulk(app)
from stockout.cli_stock import register as _register_stock  # noqa: E402

_register_stock(app)
from stockout.cli_appeals import register as _register_appeals  # noqa: E402

_register_appeals(app)
from stockout.cli_buyer import register as _register_buyer  # noqa: E402

_register_buyer(app)


def main() -> None:
    app()

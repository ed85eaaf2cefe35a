"""The buyer's side on the command line (store-side, as the platform): `answers ORDER` (the
buyer's questions answered from the order's real state), `tickets` (the customer-service queue)
and `aftersales` (the platform's 介入 queue). Thin: parse, call a service, print Rich tables."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from stockout.cli.common import ClockOpt, DbOpt, err, failed, open_runtime, out, settings

QUESTIONS = {
    "must_merchant_ship": ("商家还要发货吗？", "Must the merchant still ship?"),
    "can_refund": ("可以退款吗？", "Can I get a refund?"),
    "can_return": ("可以退货吗？", "Can I return it?"),
    "contact": ("怎么联系？", "Whom can I contact?"),
    "compensation": ("有什么赔付？", "What am I owed?"),
    "legal_claim": ("可以依法索赔吗？", "Do I have a claim at law?"),
}
PHASES = {
    "placed": ("未成团", "not confirmed yet"), "before_deadline": ("待发货（未超时）", "before the deadline"),
    "late": ("已超时未发货", "late"), "out_of_stock": ("已判定缺货，待选择处理方式", "out of stock, remedy pending"),
    "remedy_chosen": ("已选择处理方式", "remedy chosen"), "shipped": ("已发货", "shipped"),
    "delivered": ("已签收", "delivered"), "refunded": ("已退款", "refunded"), "closed": ("已关闭", "closed"),
}
_HEAD = {"question": ("问题", "question"), "answer": ("回答", "answer"),
         "actions": ("现在可以做", "what you can do now"), "rule": ("规则", "rule"),
         "id": ("编号", "id"), "order": ("订单", "order"), "state": ("状态", "state"),
         "due": ("应答时间", "due by"), "overdue": ("超时", "overdue"), "text": ("内容", "text"),
         "kind": ("类型", "kind")}


def _w(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def _until(value: str | None, lang: str) -> str:
    from datetime import datetime

    from stockout.domain.times import short_time

    if not value:
        return ""
    at = short_time(datetime.fromisoformat(value))
    return f"（截至 {at}）" if lang == "zh" else f" (until {at})"


def answers_table(record: dict[str, Any], lang: str) -> Table:
    """The answers of `services.answers.view.order_answers` as a table; times in Beijing time
    to the minute, as the answers' own texts give them."""
    from datetime import datetime

    from stockout.domain.times import short_time

    as_of = short_time(datetime.fromisoformat(record["as_of"]))
    table = Table(title=f"{record['order_id']} · {_w(PHASES[record['phase']], lang)} · "
                        f"{_w(('截至', 'as of'), lang)} {as_of}", show_lines=True,
                  caption=_w(("时间均为北京时间（Asia/Shanghai）",
                              "Times are Beijing time (Asia/Shanghai)"), lang))
    for key in ("question", "answer", "actions", "rule"):
        table.add_column(_w(_HEAD[key], lang), overflow="fold")
    for a in record["answers"]:
        acts = "\n".join(f"• {x['text']}{_until(x['until'], lang)}" for x in a["actions"])
        table.add_row(_w(QUESTIONS[a["question"]], lang), escape(a["answer"]), escape(acts),
                      a["rule"])
    return table


WHO = {"merchant": ("商家", "merchant"), "buyer": ("买家", "buyer"),
       "worker": ("系统", "system"), "platform": ("平台", "platform")}


def journey_tables(result: Any, lang: str) -> list[Any]:
    """The scripted journeys (`simulation.journeys.run_journeys`) as Rich renderables: each
    journey's steps with the answer the buyer got, then the answers in every state met."""
    from stockout.domain.times import short_time
    from stockout.simulation.journeys import answers_by_phase

    i = 0 if lang == "zh" else 1
    head = [("时间", "time"), ("谁", "who"), ("做了什么", "what"), ("结果", "outcome")]
    caption = _w(("时间均为北京时间（Asia/Shanghai）", "Times are Beijing time (Asia/Shanghai)"),
                 lang)
    shown: list[Any] = []
    for n, journey in enumerate(result.journeys, start=1):
        table = Table(title=f"{n}. {journey.title[i]}", caption=caption)
        for pair in head:
            table.add_column(pair[i], overflow="fold", no_wrap=pair[1] in ("time", "who"))
        for s in journey.steps:
            outcome = s.outcome[i]
            if s.asked is not None:
                snap, question = s.asked
                said = next(a for a in snap.answers[lang]["answers"]
                            if a["question"] == question)
                outcome = f"{PHASES[snap.phase][i]} · {QUESTIONS[question][i]} {said['answer']}"
            table.add_row(short_time(s.at), WHO[s.who][i], s.what[i], escape(outcome))
        shown.append(table)
    shown.append(f"[bold]{_w(('各状态下买家得到的回答', 'What a buyer is told in each state'), lang)}[/]")
    for snap in answers_by_phase(result).values():
        shown.append(answers_table(snap.answers[lang], lang))
    return shown


def answers(ctx: typer.Context,
            order_id: Annotated[str, typer.Argument(help="订单号")],
            as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
            db: DbOpt = None, at: ClockOpt = None) -> None:
    """买家的问题：商家还要发货吗、能否退款退货、怎么联系、赔付与法律索赔（按订单的真实状态）。"""
    from stockout.services.access.principals import CLI, NotFound
    from stockout.services.answers.view import order_answers

    runtime = open_runtime(ctx, db, "pdd", at)
    lang = settings(ctx).lang
    try:
        record = order_answers(runtime.uow(), runtime.rules, runtime.clock, CLI, order_id, lang)
    except NotFound as exc:
        raise failed(exc) from None
    finally:
        runtime.store.dispose()
    if as_json:
        out.print_json(json.dumps(record, ensure_ascii=False))
    else:
        out.print(answers_table(record, lang.value))


def tickets(ctx: typer.Context,
            state: Annotated[str, typer.Option("--state", help="open、answered 或 closed")] = "open",
            db: DbOpt = None, at: ClockOpt = None) -> None:
    """客服工单队列：最早到期的在前，超时标出。"""
    from stockout.services.access.principals import CLI
    from stockout.services.contact.tickets import TicketRefused, list_tickets

    runtime = open_runtime(ctx, db, "pdd", at)
    lang = settings(ctx).lang.value
    try:
        items = list_tickets(runtime.uow(), runtime.clock, CLI, state)
    except TicketRefused as exc:
        raise failed(exc, "--state: one of open, answered, closed") from None
    finally:
        runtime.store.dispose()
    table = Table(title=_w(("客服工单", "Customer-service tickets"), lang))
    for key in ("id", "order", "state", "due", "overdue", "text"):
        table.add_column(_w(_HEAD[key], lang))
    for x in items:
        table.add_row(str(x["id"]), x["order_id"], x["state"], x["respond_by"],
                      "⚠" if x["overdue"] else "", x["text"])
    out.print(table)


def aftersales(ctx: typer.Context,
               state: Annotated[str, typer.Option("--state", help="售后状态")] = "escalated",
               db: DbOpt = None, at: ClockOpt = None) -> None:
    """售后队列（默认：待平台介入裁决），最早到期的在前。"""
    from stockout.domain.aftersales import AftersaleRefused
    from stockout.services.access.principals import CLI
    from stockout.services.aftersales.cases import queue

    runtime = open_runtime(ctx, db, "pdd", at)
    lang = settings(ctx).lang.value
    try:
        items = queue(runtime.uow(), runtime.clock, CLI, state)
    except AftersaleRefused as exc:
        err.print(f"[red]error:[/] --{exc.detail}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        runtime.store.dispose()
    table = Table(title=_w(("售后队列", "After-sales queue"), lang))
    for key in ("id", "order", "kind", "state", "due", "overdue"):
        table.add_column(_w(_HEAD[key], lang))
    for x in items:
        table.add_row(x["case_id"], x["order_id"], x["kind"], x["state"], x["due_at"] or "",
                      "⚠" if x["overdue"] else "")
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add `answers`, `tickets` and `aftersales` to the `stockout` command."""
    app.command()(answers)
    app.command()(tickets)
    app.command()(aftersales)

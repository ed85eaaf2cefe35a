"""Appeals, measures and reputation on the command line (store-side, as the platform): `appeals
list|file|decide`, `measures SHOP`, `reputation SHOP`. Thin: parse, call a service, print Rich
tables (Chinese by default, `--lang en`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from stockout.cli.common import (
    ClockOpt,
    DbOpt,
    StoreRulesOpt,
    fail,
    failed,
    open_runtime,
    out,
    settings,
)
from stockout.errors import StockoutError

if TYPE_CHECKING:
    from stockout.i18n import Texts

appeals_app = typer.Typer(help="申诉 (appeals of verdicts)", no_args_is_help=True)


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a service; a refusal is exit 1, bad input exit 2, each with what and where."""

    try:
        return fn(*args, **kwargs)
    except StockoutError as exc:
        raise failed(exc) from None


def appeals_table(t: Texts, items: list[dict[str, Any]], title: str | None = None) -> Table:
    table = Table(title=title or t("appeals_title"))
    for key in ("appeal", "order", "violation", "shop", "ground", "state", "filed_at",
                "review_due", "decision"):
        table.add_column(t(key))
    from stockout.domain.explain import name
    from stockout.domain.verdicts import Violation

    for a in items:
        due = a["review_due_at"] or ""
        if a["overdue"]:
            due = f"[red]{due} ({t('overdue')})[/]"
        decision = a["decision_reason"] or ""
        if a["announcement_id"]:
            decision = t("appeal_auto_reason", id=a["announcement_id"])
        table.add_row(str(a["id"]), a["order_id"], name(Violation(a["violation"]), t.lang),
                      a["shop_id"], t(f"ground_{a['ground']}"), t(f"state_{a['state']}"),
                      a["filed_at"], due, decision)
    return table


def appeals_list(ctx: typer.Context,
                 state: Annotated[str | None, typer.Option(
                     help="pending（待审核队列）、approved 或 rejected")] = "pending",
                 shop: Annotated[str | None, typer.Option(help="只看这个店铺")] = None,
                 db: DbOpt = None, at: ClockOpt = None) -> None:
    """申诉列表，最早的在前 (appeals, oldest first; the review queue by default)."""
    from stockout.services.access.principals import CLI
    from stockout.services.appeals.workflow import list_appeals

    t = settings(ctx).texts
    runtime = open_runtime(ctx, db, at=at)
    try:
        items: list[dict[str, Any]] = []
        after = None
        with runtime.uow().reader() as uow:
            while True:
                page, after = _call(list_appeals, uow, CLI, runtime.clock.now(),
                                    state=state or None, shop_id=shop, after=after, limit=500)
                items += page
                if after is None:
                    break
    finally:
        runtime.close()
    if not items:
        out.print(t("no_appeals"), highlight=False)
        return
    out.print(appeals_table(t, items))


def appeals_file(ctx: typer.Context,
                 verdict_id: Annotated[int, typer.Argument(help="判定 id")],
                 ground: Annotated[str, typer.Option(
                     help="force_majeure、buyer_requested_delay、carrier_fault 或 platform_fault")],
                 statement: Annotated[str, typer.Option(help="申诉说明")] = "",
                 evidence: Annotated[list[Path] | None, typer.Option(
                     "--evidence", help="证据文件（可多次；PNG、JPEG、PDF 或纯文本）")] = None,
                 rules: StoreRulesOpt = "pdd", db: DbOpt = None, at: ClockOpt = None) -> None:
    """代商家提交申诉 (file an appeal of a verdict)."""
    from stockout.services.access.principals import CLI
    from stockout.services.appeals.workflow import EvidenceFile, file_appeal

    t = settings(ctx).texts
    for path in evidence or []:
        if not path.is_file():
            raise fail(t("file_missing", path=path), 2)
    runtime = open_runtime(ctx, db, rules, at)
    try:
        # The largest file any pack accepts: never more than that (plus one byte, to tell
        # a file over it) is read into memory.
        limit = max(p.appeals.evidence_max_bytes for p in runtime.rules.book.packs)
        files = [EvidenceFile(path.name, _read_at_most(t, path, limit))
                 for path in evidence or []]
        appeal = _call(file_appeal, runtime.uow(), runtime.rules, runtime.clock, CLI,
                       verdict_id, ground, statement, files)
    finally:
        runtime.close()
    out.print(t("appeal_filed", id=appeal["id"], state=t(f"state_{appeal['state']}")),
              highlight=False)


def _read_at_most(t: Texts, path: Path, limit: int) -> bytes:
    """The file's content, refused (exit 2, naming the file) when it is over `limit` bytes."""
    with path.open("rb") as f:
        content = f.read(limit + 1)
    if len(content) > limit:
        raise fail(t("evidence_too_large", path=path, limit=limit), 2)
    return content


def appeals_decide(ctx: typer.Context,
                   appeal_id: Annotated[int, typer.Argument(help="申诉 id")],
                   approve: Annotated[bool, typer.Option(
                       "--approve/--reject", help="通过或驳回")],
                   reason: Annotated[str, typer.Option(help="理由（驳回时必填）")] = "",
                   rules: StoreRulesOpt = "pdd", db: DbOpt = None, at: ClockOpt = None) -> None:
    """平台审核申诉：通过或驳回 (the platform approves or rejects an appeal)."""
    from stockout.services.access.principals import CLI
    from stockout.services.appeals.workflow import decide_appeal

    t = settings(ctx).texts
    runtime = open_runtime(ctx, db, rules, at)
    try:
        appeal = _call(decide_appeal, runtime.uow(), runtime.rules, runtime.clock, CLI,
                       appeal_id, approve, reason)
    finally:
        runtime.close()
    out.print(t("appeal_decided", id=appeal["id"], state=t(f"state_{appeal['state']}")),
              highlight=False)


def measures_table(t: Texts, shop: str, items: list[dict[str, Any]]) -> Table:
    table = Table(title=t("measures_title", shop=shop))
    for key in ("measure_rule", "state", "measure_kinds", "period", "count", "causing_orders"):
        table.add_column(t(key))
    sep = "、" if t.lang.value == "zh" else ", "
    for m in items:
        orders = m["orders"]
        shown = ", ".join(orders[:5]) + (f" … (+{len(orders) - 5})" if len(orders) > 5 else "")
        rule = m["rule"] + (f" ({m['sku_id']})" if m["sku_id"] else "")
        table.add_row(rule, t(f"state_{m['state']}"),
                      sep.join(t(f"measure_{k}") for k in m["measures"]),
                      f"{m['starts']} → {m['ends']}", f"{m['offences']}/{m['base']}", shown)
    return table


def measures(ctx: typer.Context, shop: Annotated[str, typer.Argument(help="店铺 id")],
             rules: StoreRulesOpt = "pdd", db: DbOpt = None, at: ClockOpt = None) -> None:
    """店铺的管控措施（当前与历史，含涉及订单）(a shop's measures, current and past)."""
    from stockout.services.access.principals import CLI
    from stockout.services.reputation.score import shop_measures

    t = settings(ctx).texts
    runtime = open_runtime(ctx, db, rules, at)
    try:
        with runtime.uow().reader() as uow:
            seen = _call(shop_measures, uow, CLI, shop, runtime.clock.now())
    finally:
        runtime.close()
    items = seen["current"] + seen["past"]
    if not items:
        out.print(t("no_measures", shop=shop), highlight=False)
        return
    out.print(measures_table(t, shop, items))


def reputation_table(t: Texts, rep: dict[str, Any], top: int = 10) -> Table:
    table = Table(title=t("reputation_title", shop=rep["shop_id"], score=f"{rep['score']:g}"))
    for key in ("order", "violation", "detected_at", "points"):
        table.add_column(t(key))
    from stockout.domain.explain import name
    from stockout.domain.verdicts import Violation

    for c in rep["costs"][:top]:
        kind = c["kind"]
        label = (name(Violation(kind), t.lang) if kind in {v.value for v in Violation}
                 else t(f"kind_{kind}"))
        table.add_row(c["order_id"], label, c["detected_at"], f"-{c['points']:g}")
    return table


def reputation(ctx: typer.Context, shop: Annotated[str, typer.Argument(help="店铺 id")],
               top: Annotated[int, typer.Option(min=1, help="列出扣分最多的订单数")] = 10,
               rules: StoreRulesOpt = "pdd", db: DbOpt = None, at: ClockOpt = None) -> None:
    """店铺信誉分，以及每个订单扣了多少分 (a shop's score and what each order cost)."""
    from stockout.services.access.principals import CLI
    from stockout.services.reputation.score import shop_reputation

    runtime = open_runtime(ctx, db, rules, at)
    t = settings(ctx).texts
    try:
        with runtime.uow().reader() as uow:
            rep = _call(shop_reputation, uow, runtime.rules, CLI, shop, runtime.clock.now())
    finally:
        runtime.close()
    out.print(reputation_table(t, rep, top))


def register(app: typer.Typer) -> None:
    """Add the appeal, measure and reputation commands to the `stockout` command."""
    appeals_app.command("list")(appeals_list)
    appeals_app.command("file")(appeals_file)
    appeals_app.command("decide")(appeals_decide)
    app.add_typer(appeals_app, name="appeals")
    app.command()(measures)
    app.command()(reputation)

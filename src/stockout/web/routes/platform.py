"""The platform's pages: the appeals queue (overdue first) with decisions, announcements with a
preview of the orders they extend, rule packs and their diff, the what-if report, measures and
the audit log. Only the platform opens them; anyone else gets the same 404 as the API."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from stockout.adapters.fields import MAX_HOURS
from stockout.api.path_params import PathId
from stockout.domain.rulebook import pack_diff
from stockout.rulepacks import builtin_packs
from stockout.services.access.principals import NotFound, Principal
from stockout.services.appeals.workflow import decide_appeal, get_appeal, get_evidence, list_appeals
from stockout.services.console.platform import (
    SAMPLE_ORDERS,
    announcement_preview,
    pack_rows,
    sample_events,
    whatif_file,
)
from stockout.services.console.views import explained_order
from stockout.services.judging.announcements import post_announcement
from stockout.services.judging.queries import audit
from stockout.services.reputation.score import shop_measures
from stockout.web import PREFIX
from stockout.web.charts import whatif_charts
from stockout.web.render import back, page
from stockout.web.routes import local_time
from stockout.web.session import CsrfDep, RuntimeDep, ViewerDep, lang_of
from stockout.web.texts import say

router = APIRouter(prefix="/platform")
MAX_EVENT_FILE = 3 * 1024 * 1024


def _platform(who: Principal) -> Principal:
    if not who.is_platform:
        raise NotFound("the platform's pages")
    return who


@router.get("")
def appeal_queue(request: Request, rt: RuntimeDep, who: ViewerDep) -> Response:
    _platform(who)
    now = rt.clock.now()
    with rt.uow().reader() as r:
        pending, _ = list_appeals(r, who, now, state="pending", shop_id=None, after=None,
                                  limit=200)
        everything, _ = list_appeals(r, who, now, state=None, shop_id=None, after=None,
                                     limit=200)
    pending.sort(key=lambda a: (not a["overdue"], a["review_due_at"]))  # overdue first
    decided = [a for a in everything if a["state"] != "pending"][-20:]
    return page(request, "platform_queue.html", who, appeals=pending, decided=decided)


@router.get("/appeals/{appeal_id}")
def appeal_page(request: Request, appeal_id: PathId, rt: RuntimeDep, who: ViewerDep) -> Response:
    _platform(who)
    with rt.uow().reader() as r:
        found = get_appeal(r, who, appeal_id, rt.clock.now())
    order = explained_order(rt.uow(), rt.rules, who, found["order_id"], lang_of(request))
    verdict = next((v for v in order["verdicts"] if v["id"] == found["verdict_id"]), None)
    return page(request, "platform_appeal.html", who, a=found, verdict=verdict)


@router.get("/appeals/{appeal_id}/evidence/{evidence_id}")
def evidence(appeal_id: PathId, evidence_id: PathId, rt: RuntimeDep, who: ViewerDep) -> Response:
    """Always as an attachment, never rendered (as the API serves it)."""
    _platform(who)
    with rt.uow().reader() as r:
        row = get_evidence(r, who, appeal_id, evidence_id)
    name = f"evidence-{row['stored_name']}"
    return Response(bytes(row["content"]), media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store"})


@router.post("/appeals/{appeal_id}/decision", dependencies=[CsrfDep])
def decide(request: Request, appeal_id: PathId, rt: RuntimeDep, who: ViewerDep,
           decision: Annotated[str, Form(pattern="^(approve|reject)$")],
           reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    _platform(who)
    done = decide_appeal(rt.uow(), rt.rules, rt.clock, who, appeal_id, decision == "approve",
                         reason)
    lang = lang_of(request)
    return back(request, f"{PREFIX}/platform", say("decided", lang, id=appeal_id,
                                                   state=say(f"appeal_{done['state']}", lang)))


def _announcements(rt: Any, who: Principal) -> list[dict[str, Any]]:
    import json

    with rt.uow().reader() as r:
        rows = r.announcements.rows(None, 200)
    return [dict(json.loads(row["raw"]), id=row["id"]) for row in rows]


@router.get("/announcements")
def announcements(request: Request, rt: RuntimeDep, who: ViewerDep) -> Response:
    _platform(who)
    return page(request, "announcements.html", who, announcements=_announcements(rt, who),
                form={}, preview=None)


def _listed(value: str) -> list[str] | None:
    items = [x.strip() for x in value.replace("，", ",").split(",") if x.strip()]
    return items or None


@router.post("/announcements", dependencies=[CsrfDep])
def announce(request: Request, rt: RuntimeDep, who: ViewerDep,
             id: Annotated[str, Form(min_length=1, max_length=200)],
             starts: Annotated[str, Form()], ends: Annotated[str, Form()],
             extend_hours: Annotated[float, Form(gt=0, le=MAX_HOURS, allow_inf_nan=False)],
             ship_from_regions: Annotated[str, Form()] = "",
             ship_to_regions: Annotated[str, Form()] = "",
             categories: Annotated[str, Form()] = "",
             step: Annotated[str, Form()] = "preview") -> Response:
    _platform(who)
    obj: dict[str, Any] = {"id": id.strip(), "starts": local_time(starts, "starts").isoformat(),
                           "ends": local_time(ends, "ends").isoformat(),
                           "extend_hours": extend_hours}
    for key, value in (("ship_from_regions", ship_from_regions),
                       ("ship_to_regions", ship_to_regions), ("categories", categories)):
        if _listed(value) is not None:
            obj[key] = _listed(value)
    if step == "post":
        posted = post_announcement(rt.uow(), rt.rules, rt.clock, obj, who)
        return back(request, f"{PREFIX}/platform/announcements",
                    say("announced", lang_of(request), id=posted.announcement.id,
                        orders=posted.orders, voided=posted.voided, issued=posted.issued))
    form = {"id": id, "starts": starts, "ends": ends, "extend_hours": f"{extend_hours:g}",
            "ship_from_regions": ship_from_regions, "ship_to_regions": ship_to_regions,
            "categories": categories}
    return page(request, "announcements.html", who, announcements=_announcements(rt, who),
                form=form, preview=announcement_preview(rt.uow(), who, obj))


@router.get("/rules")
def rules(request: Request, who: ViewerDep) -> Response:
    _platform(who)
    return page(request, "rules.html", who, packs=builtin_packs(), diff=None)


@router.get("/rules/diff")
def rules_diff(request: Request, who: ViewerDep, a: str, b: str) -> Response:
    _platform(who)
    packs = {p.id: p for p in builtin_packs()}
    if a not in packs or b not in packs:
        raise NotFound("rule pack")
    return page(request, "rules.html", who, packs=builtin_packs(),
                diff=pack_diff(packs[a], packs[b]), a=a, b=b)


@router.get("/rules/{pack_id}")
def rule_pack(request: Request, pack_id: str, who: ViewerDep) -> Response:
    _platform(who)
    pack = next((p for p in builtin_packs() if p.id == pack_id), None)
    if pack is None:
        raise NotFound("rule pack")
    return page(request, "pack.html", who, pack=pack, figures=pack_rows(pack))


def _choices() -> list[str]:
    packs = builtin_packs()
    return [*dict.fromkeys(p.family for p in packs), *(p.id for p in packs)]


@router.get("/whatif")
def whatif_page(request: Request, who: ViewerDep) -> Response:
    _platform(who)
    packs = builtin_packs()
    return page(request, "whatif.html", who, w=None, choices=_choices(),
                rules_a=packs[0].id, rules_b=packs[-1].id, sample_orders=SAMPLE_ORDERS)


@router.post("/whatif", dependencies=[CsrfDep])
def whatif(request: Request, rt: RuntimeDep, who: ViewerDep,
           rules_a: Annotated[str, Form()], rules_b: Annotated[str, Form()],
           source: Annotated[str, Form()] = "sample",
           file: Annotated[UploadFile | None, File()] = None) -> Response:
    _platform(who)
    lang = lang_of(request)
    if rules_a not in _choices() or rules_b not in _choices():
        raise ValueError(f"rules: choose among {', '.join(_choices())}")
    with tempfile.TemporaryDirectory(prefix="stockout-whatif-") as folder:
        if source == "upload":
            if file is None or not file.filename:
                raise ValueError(say("whatif_no_file", lang))
            data = file.file.read(MAX_EVENT_FILE + 1)
            if len(data) > MAX_EVENT_FILE:
                raise ValueError(say("whatif_too_big", lang, mb=MAX_EVENT_FILE // 2**20))
            path = Path(folder) / "events.jsonl"
            path.write_bytes(data)
            label = file.filename
        else:
            path = sample_events(rt.settings.data_dir)
            label = say("whatif_sample_label", lang)
        report = whatif_file(path, rules_a, rules_b, rt.clock.now())
    w = report.whatif
    count_chart, money_chart = whatif_charts(w, lang)
    return page(request, "whatif.html", who, w=w, report=report, choices=_choices(),
                rules_a=rules_a,
                rules_b=rules_b, sample_orders=SAMPLE_ORDERS, source=label, count_chart=count_chart,
                money_chart=money_chart)


@router.get("/measures")
def measures(request: Request, rt: RuntimeDep, who: ViewerDep, shop: str | None = None
             ) -> Response:
    _platform(who)
    found = None
    if shop:
        with rt.uow().reader() as r:
            found = shop_measures(r, who, shop.strip(), rt.clock.now())
    return page(request, "measures.html", who, shop=shop, m=found, pick=True)


@router.get("/audit")
def audit_log(request: Request, rt: RuntimeDep, who: ViewerDep, order_id: str | None = None,
              after: int | None = None) -> Response:
    _platform(who)
    with rt.uow().reader() as r:
        got = audit(r, who, order_id or None, after, 100)
    return page(request, "audit.html", who, rows=got.items, more=got.after,
                order_id=order_id)

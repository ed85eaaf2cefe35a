"""The merchant's pages: the at-risk queue, stock and listings, verdicts, appeals, measures,
scores and the message check. The platform may open them for any shop."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from stockout.adapters.fields import Day, RowId
from stockout.domain.inventory import MAX_UNITS, MovementKind
from stockout.services.appeals.workflow import EvidenceFile, file_appeal, list_appeals
from stockout.services.console.history import score_history
from stockout.services.console.merchant import check_message, report_quota, shop_skus, work_queue
from stockout.services.console.views import shop_verdicts
from stockout.services.reputation.score import shop_measures
from stockout.services.stock import capacity
from stockout.services.stock.movements import record_movement, set_listing, visible_stock
from stockout.web import PREFIX
from stockout.web.charts import rates_chart, score_chart
from stockout.web.render import back, page
from stockout.web.session import CsrfDep, RuntimeDep, ViewerDep, lang_of
from stockout.web.texts import say

router = APIRouter()
LEDGER_ROWS = 50
GROUNDS = ("force_majeure", "buyer_requested_delay", "carrier_fault", "platform_fault")


@router.get("/shops/{shop_id}")
def queue(request: Request, shop_id: str, rt: RuntimeDep, who: ViewerDep) -> Response:
    now = rt.clock.now()
    items = work_queue(rt.uow(), rt.rules, who, shop_id, now)
    quota = report_quota(rt.uow(), rt.rules, who, shop_id, now)
    return page(request, "merchant_queue.html", who, shop=shop_id, items=items, quota=quota)


@router.get("/shops/{shop_id}/stock")
def stock(request: Request, shop_id: str, rt: RuntimeDep, who: ViewerDep) -> Response:
    return page(request, "stock.html", who, shop=shop_id,
                skus=shop_skus(rt.uow(), who, shop_id))


@router.get("/skus/{sku_id}")
def sku(request: Request, sku_id: str, rt: RuntimeDep, who: ViewerDep) -> Response:
    state = visible_stock(rt.uow(), who, sku_id)
    with rt.uow().reader() as r:
        moves = r.stock.movements(sku_id)
    try:
        plan = capacity.capacity_plan(rt.uow(), rt.rules, rt.clock, who, sku_id)
    except capacity.CapacityNotSet:
        plan = None
    s = {"sku_id": state.sku_id, "shop_id": state.shop_id, "on_hand": state.balance.on_hand,
         "reserved": state.balance.reserved, "sellable": state.balance.sellable,
         "listing": state.listing.value, "safety_stock": state.safety_stock}
    return page(request, "sku.html", who, s=s, plan=plan,
                movements=[{"kind": m.kind.value, "quantity": m.quantity, "at": m.at,
                            "order_id": m.order_id, "reason": m.reason}
                           for m in reversed(moves[-LEDGER_ROWS:])])


def _sku_page(sku_id: str) -> str:
    return f"{PREFIX}/skus/{sku_id}"


@router.post("/skus/{sku_id}/movements", dependencies=[CsrfDep])
def movement(request: Request, sku_id: str, rt: RuntimeDep, who: ViewerDep,
             kind: Annotated[str, Form()], quantity: Annotated[int, Form(ge=-MAX_UNITS, le=MAX_UNITS)],
             reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    chosen = MovementKind.RECEIPT if kind == "receipt" else MovementKind.ADJUSTMENT
    state = record_movement(rt.uow(), rt.clock, who, sku_id, chosen, quantity, reason)
    return back(request, _sku_page(sku_id), say("moved", lang_of(request),
                                                on_hand=state.balance.on_hand))


@router.post("/skus/{sku_id}/listing", dependencies=[CsrfDep])
def listing(request: Request, sku_id: str, rt: RuntimeDep, who: ViewerDep,
            listed: Annotated[str, Form()]) -> Response:
    visible_stock(rt.uow(), who, sku_id)
    state = set_listing(rt.uow(), rt.clock, sku_id, listed == "true")
    return back(request, _sku_page(sku_id), say("listing_now", lang_of(request),
                                                state=say(f"listing_{state.listing.value}",
                                                          lang_of(request))))


@router.post("/skus/{sku_id}/capacity", dependencies=[CsrfDep])
def set_capacity(request: Request, sku_id: str, rt: RuntimeDep, who: ViewerDep,
                 daily_capacity: Annotated[int, Form(gt=0, le=MAX_UNITS)]) -> Response:
    capacity.set_capacity(rt.uow(), rt.clock, who, sku_id, daily_capacity)
    return back(request, _sku_page(sku_id), say("saved", lang_of(request)))


@router.post("/skus/{sku_id}/expected-receipts", dependencies=[CsrfDep])
def expect(request: Request, sku_id: str, rt: RuntimeDep, who: ViewerDep,
           day: Annotated[Day, Form()], quantity: Annotated[int, Form(gt=0, le=MAX_UNITS)]) -> Response:
    capacity.expect_receipt(rt.uow(), rt.clock, who, sku_id, day, quantity)
    return back(request, _sku_page(sku_id), say("saved", lang_of(request)))


@router.get("/shops/{shop_id}/verdicts")
def verdicts(request: Request, shop_id: str, rt: RuntimeDep, who: ViewerDep) -> Response:
    return page(request, "verdicts.html", who, shop=shop_id,
                verdicts=shop_verdicts(rt.uow(), rt.rules, who, shop_id, lang_of(request),
                                       rt.clock.now()))


@router.get("/shops/{shop_id}/appeals")
def appeals(request: Request, shop_id: str, rt: RuntimeDep, who: ViewerDep,
            verdict: str | None = None) -> Response:
    found = [v for v in shop_verdicts(rt.uow(), rt.rules, who, shop_id, lang_of(request),
                                      rt.clock.now()) if v["appealable"]]
    with rt.uow().reader() as r:
        mine, _ = list_appeals(r, who, rt.clock.now(), state=None, shop_id=shop_id, after=None,
                               limit=200)
    return page(request, "appeals_merchant.html", who, shop=shop_id, verdicts=found,
                appeals=mine, grounds=GROUNDS, chosen=verdict)


@router.post("/shops/{shop_id}/appeals", dependencies=[CsrfDep])
def appeal(request: Request, shop_id: str, rt: RuntimeDep, who: ViewerDep,
           verdict_id: Annotated[RowId, Form()], ground: Annotated[str, Form()],
           statement: Annotated[str, Form(max_length=5000)] = "",
           evidence: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    limit = max(p.appeals.evidence_max_bytes for p in rt.rules.book.packs)
    files = [EvidenceFile(f.filename or "", f.file.read(limit + 1))
             for f in evidence or [] if f.filename]
    filed = file_appeal(rt.uow(), rt.rules, rt.clock, who, verdict_id, ground, statement, files)
    return back(request, f"{PREFIX}/shops/{shop_id}/appeals",
                say("appeal_filed", lang_of(request), id=filed["id"],
                    state=say(f"appeal_{filed['state']}", lang_of(request))))


@router.get("/shops/{shop_id}/measures")
def measures(request: Request, shop_id: str, rt: RuntimeDep, who: ViewerDep) -> Response:
    with rt.uow().reader() as r:
        found = shop_measures(r, who, shop_id, rt.clock.now())
    return page(request, "measures.html", who, shop=shop_id, m=found, pick=False)


@router.get("/shops/{shop_id}/scores")
def scores(request: Request, shop_id: str, rt: RuntimeDep, who: ViewerDep) -> Response:
    lang = lang_of(request)
    history = score_history(rt.uow(), rt.rules, who, shop_id, rt.clock.now())
    return page(request, "scores.html", who, shop=shop_id, h=history,
                rates_chart=rates_chart(history, lang), score_chart=score_chart(history, lang))


@router.get("/shops/{shop_id}/message-check")
def message_page(request: Request, shop_id: str, rt: RuntimeDep, who: ViewerDep) -> Response:
    report_quota(rt.uow(), rt.rules, who, shop_id, rt.clock.now())  # the shop must be yours
    return page(request, "message_check.html", who, shop=shop_id, check=None, text="")


@router.post("/shops/{shop_id}/message-check", dependencies=[CsrfDep])
def message_check(request: Request, shop_id: str, rt: RuntimeDep, who: ViewerDep,
                  text: Annotated[str, Form(max_length=2000)]) -> Response:
    report_quota(rt.uow(), rt.rules, who, shop_id, rt.clock.now())
    return page(request, "message_check.html", who, shop=shop_id,
                check=check_message(rt.rules, rt.clock.now(), text), text=text)

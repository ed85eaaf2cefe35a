"""Sign-in and sign-out, the language switch, the home of each role, and the order page with
the forms acting on one order (ship, report, propose a restock date, choose a remedy)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from stockout.domain.events import Remedy
from stockout.domain.language import Lang
from stockout.domain.remedies import RefusalReason, RemedyRefused
from stockout.services.access.principals import Principal, Role
from stockout.services.access.tokens import authenticate
from stockout.services.console.merchant import upload_tracking
from stockout.services.console.service import order_service
from stockout.services.console.views import explained_order
from stockout.services.remedies import choices as remedies
from stockout.services.stock.self_report import report_order
from stockout.web import PREFIX
from stockout.web.render import back, page, set_lang
from stockout.web.routes import local_time
from stockout.web.session import (
    SESSION,
    CsrfDep,
    RuntimeDep,
    ViewerDep,
    lang_of,
    safe_next,
    set_cookie,
    signed_in,
)
from stockout.web.texts import say

router = APIRouter()


def home_of(who: Principal) -> str:
    if who.role is Role.MERCHANT:
        return f"{PREFIX}/shops/{sorted(who.shop_ids)[0]}"
    if who.role is Role.BUYER:
        return f"{PREFIX}/my"
    return f"{PREFIX}/platform"


@router.get("/")
def home(request: Request, rt: RuntimeDep) -> Response:
    who = signed_in(request, rt)
    return RedirectResponse(home_of(who) if who else f"{PREFIX}/signin", status_code=303)


@router.get("/signin")
def signin_page(request: Request, next: str | None = None) -> Response:
    return page(request, "signin.html", None, next=safe_next(next, ""))


@router.post("/signin", dependencies=[CsrfDep])
def signin(request: Request, rt: RuntimeDep, token: Annotated[str, Form(max_length=200)],
           next: Annotated[str, Form()] = "") -> Response:
    who = authenticate(rt.uow(), token.strip())
    if who is None:
        return back(request, f"{PREFIX}/signin", say("bad_token", lang_of(request)), ok=False)
    response = back(request, safe_next(next, home_of(who)))
    set_cookie(response, request, SESSION, token.strip())
    return response


@router.post("/signout", dependencies=[CsrfDep])
def signout(request: Request) -> Response:
    response = back(request, f"{PREFIX}/signin", say("signed_out", lang_of(request)))
    response.delete_cookie(SESSION, path=PREFIX)
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str | None = None) -> Response:
    lang = Lang.EN if code == "en" else Lang.ZH
    return set_lang(RedirectResponse(safe_next(next, f"{PREFIX}/"), status_code=303), request,
                    lang)


@router.get("/orders/{order_id}")
def order_page(request: Request, order_id: str, rt: RuntimeDep, who: ViewerDep) -> Response:
    lang = lang_of(request)
    view = explained_order(rt.uow(), rt.rules, who, order_id, lang)
    care = order_service(rt.uow(), rt.rules, rt.clock, who, view, lang)
    if who.role is Role.BUYER:
        try:
            offer = remedies.remedy_view(rt.uow(), rt.rules, who, order_id)
        except RemedyRefused:
            offer = None
        return page(request, "order_buyer.html", who, o=view, remedy=offer, s=care)
    return page(request, "order.html", who, o=view, s=care)


@router.post("/orders/{order_id}/ship", dependencies=[CsrfDep])
def ship(request: Request, order_id: str, rt: RuntimeDep, who: ViewerDep,
         carrier: Annotated[str, Form(min_length=1, max_length=100)],
         tracking_no: Annotated[str, Form(min_length=1, max_length=100)],
         next: Annotated[str, Form()] = "") -> Response:
    done = upload_tracking(rt.uow(), rt.rules, rt.clock, who, order_id, carrier, tracking_no)
    lang = lang_of(request)
    target = safe_next(next, f"{PREFIX}/orders/{order_id}")
    if done.rejected:
        return back(request, target, say("refused", lang, why=done.rejected[0].reason), ok=False)
    return back(request, target, say("shipped", lang, order=order_id, tn=tracking_no))


@router.post("/orders/{order_id}/report", dependencies=[CsrfDep])
def report(request: Request, order_id: str, rt: RuntimeDep, who: ViewerDep,
           reason: Annotated[str, Form(min_length=1, max_length=500)],
           next: Annotated[str, Form()] = "") -> Response:
    done = report_order(rt.uow(), rt.rules, rt.clock, who, order_id, reason)
    lang = lang_of(request)
    return back(request, safe_next(next, f"{PREFIX}/orders/{order_id}"),
                say("reported", lang, order=order_id, sku=done.sku_id or "-"))


@router.post("/orders/{order_id}/proposal", dependencies=[CsrfDep])
def propose(request: Request, order_id: str, rt: RuntimeDep, who: ViewerDep,
            until: Annotated[str, Form()], next: Annotated[str, Form()] = "") -> Response:
    when = local_time(until, "until")
    remedies.propose_restock(rt.uow(), rt.rules, rt.clock, who, order_id, when)
    return back(request, safe_next(next, f"{PREFIX}/orders/{order_id}"),
                say("proposed_done", lang_of(request), order=order_id))


@router.post("/orders/{order_id}/remedy", dependencies=[CsrfDep])
def choose(request: Request, order_id: str, rt: RuntimeDep, who: ViewerDep,
           remedy: Annotated[str, Form()], until: Annotated[str, Form()] = "",
           confirm: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "") -> Response:
    kind, _, sku = remedy.partition(":")
    try:
        chosen = Remedy(kind)
    except ValueError:
        raise RemedyRefused(RefusalReason.SUBSTITUTE_NOT_OFFERED,
                            f"remedy: unknown choice {remedy!r}") from None
    when = local_time(until, "until") if until.strip() else None
    if chosen is Remedy.REFUND and confirm != "yes":
        # A refund closes the order for good: a second, explicit submit (no script needed).
        view = explained_order(rt.uow(), rt.rules, who, order_id, lang_of(request))
        offer = remedies.remedy_view(rt.uow(), rt.rules, who, order_id)
        return page(request, "remedy_confirm.html", who, o=view, remedy=offer,
                    next=safe_next(next, f"{PREFIX}/orders/{order_id}"))
    remedies.choose(rt.uow(), rt.rules, rt.clock, who, order_id, chosen, when, sku or None)
    return back(request, safe_next(next, f"{PREFIX}/orders/{order_id}"),
                say("chosen_done", lang_of(request), remedy=say(f"remedy_{chosen.value}",
                                                                lang_of(request))))

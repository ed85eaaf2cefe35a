"""Pages from Jinja2 templates, in the viewer's language: money as ¥ with two decimals, times in
Beijing time, a one-shot notice (flash) carried by a cookie across the redirect after a form."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from stockout.domain.explain import name
from stockout.domain.language import Lang
from stockout.domain.money import format_yuan
from stockout.domain.times import SHANGHAI
from stockout.domain.verdicts import Trigger, Violation
from stockout.services.access.principals import Principal
from stockout.web import PREFIX
from stockout.web.session import CSRF, CSRF_FIELD, LANG, csrf_token, lang_of, set_cookie
from stockout.web.texts import say

HERE = Path(__file__).parent
FLASH = "stockout_flash"
templates = Jinja2Templates(directory=HERE / "templates")


def _when(value: str | datetime | None, with_seconds: bool = False) -> str:
    if value is None or value == "":
        return "-"
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S" if with_seconds
                                            else "%Y-%m-%d %H:%M")


def _left(seconds: int | float, lang: Lang) -> str:
    """Time left as people say it; a negative time is how long ago it passed."""
    late = seconds < 0
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if lang is Lang.ZH:
        text = (f"{days}天" if days else "") + f"{hours}小时{mins:02d}分"
        return f"已超时 {text}" if late else f"剩余 {text}"
    text = (f"{days} d " if days else "") + f"{hours} h {mins:02d} min"
    return f"{text} overdue" if late else f"{text} left"


def _violation(value: str, lang: Lang) -> str:
    try:
        return name(Violation(value), lang)
    except ValueError:
        return value


def _trigger(value: str, lang: Lang) -> str:
    try:
        return name(Trigger(value), lang)
    except ValueError:
        return value


def _seconds_until(value: str | None, now: datetime) -> int:
    return int((datetime.fromisoformat(value) - now).total_seconds()) if value else 0


def page(request: Request, template: str, who: Principal | None, status: int = 200,
         **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    rt = request.app.state.runtime
    now = rt.clock.now()
    flash = _read_flash(request)

    def t(key: str, **kw: Any) -> str:
        return say(key, lang, **kw)

    context.update(
        t=t, lang=lang.value, who=who, prefix=PREFIX, path=request.url.path,
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        csrf=csrf_token(request), csrf_field=CSRF_FIELD, flash=flash, now=now,
        yuan=lambda c: format_yuan(int(c)) if c is not None else "-",
        when=_when, left=lambda s: _left(s, lang), until=lambda v: _seconds_until(v, now),
        violation=lambda v: _violation(v, lang), trigger=lambda v: _trigger(v, lang),
        as_json=lambda v: json.dumps(v, ensure_ascii=False))
    response = templates.TemplateResponse(request, template, context, status_code=status)
    if request.cookies.get(CSRF) != context["csrf"]:
        set_cookie(response, request, CSRF, context["csrf"], YEAR_SECONDS)
    if flash is not None:
        response.delete_cookie(FLASH, path=PREFIX)
    response.headers["Cache-Control"] = "no-store"
    return response


YEAR_SECONDS = 365 * 24 * 3600


def back(request: Request, target: str, text: str | None = None, ok: bool = True
         ) -> RedirectResponse:
    """After a form: 303 to `target`, with a notice shown once there."""
    response = RedirectResponse(target, status_code=303)
    if text is not None:
        payload = quote(json.dumps({"ok": ok, "text": text}, ensure_ascii=False))
        set_cookie(response, request, FLASH, payload, 300)
    return response


def _read_flash(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(FLASH)
    if not raw:
        return None
    try:
        got = json.loads(unquote(raw))
    except ValueError:
        return None
    return {"ok": bool(got.get("ok")), "text": str(got.get("text", ""))} \
        if isinstance(got, dict) else None


def set_lang(response: RedirectResponse, request: Request, lang: Lang) -> RedirectResponse:
    set_cookie(response, request, LANG, lang.value, YEAR_SECONDS)
    return response

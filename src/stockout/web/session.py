"""Who is signed in, in which language, and the CSRF check of every form.

The bearer token itself is kept in an HttpOnly, SameSite=Strict cookie scoped to the console;
each request authenticates it like the API does (a revoked token signs the user out). Forms
carry a CSRF token that must equal the CSRF cookie (double submit); the cookie is HttpOnly and
SameSite=Strict, so another site can neither read it nor send it."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response

from stockout.bootstrap import Runtime
from stockout.domain.errors import StockoutError
from stockout.domain.language import Lang
from stockout.services.access.principals import Principal
from stockout.services.access.tokens import authenticate
from stockout.web import PREFIX

SESSION = "stockout_session"
CSRF = "stockout_csrf"
LANG = "stockout_lang"
CSRF_FIELD = "csrf"


class SignInRequired(Exception):
    """No session, or its token was revoked: go to the sign-in page."""


class CsrfRefused(StockoutError):
    """A form without the CSRF token of this browser."""

    family = "csrf-refused"

    def __init__(self, message: str = "a form without this browser's CSRF token") -> None:
        super().__init__(message)


def runtime(request: Request) -> Runtime:
    rt = request.app.state.runtime
    assert isinstance(rt, Runtime)
    return rt


RuntimeDep = Annotated[Runtime, Depends(runtime)]


def lang_of(request: Request) -> Lang:
    return Lang.EN if request.cookies.get(LANG) == Lang.EN.value else Lang.ZH


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (a new one is set as a cookie with the page)."""
    token = getattr(request.state, "csrf", None) or request.cookies.get(CSRF)
    if not token:
        token = secrets.token_urlsafe(32)
    request.state.csrf = token
    return token


def signed_in(request: Request, rt: RuntimeDep) -> Principal | None:
    secret = request.cookies.get(SESSION)
    return authenticate(rt.uow(), secret) if secret else None


def viewer(request: Request, who: Annotated[Principal | None, Depends(signed_in)]) -> Principal:
    if who is None:
        raise SignInRequired()
    return who


ViewerDep = Annotated[Principal, Depends(viewer)]


async def check_csrf(request: Request) -> None:
    """Every POST of the console: the form's token must be this browser's cookie."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF)
    if not isinstance(sent, str) or not cookie or not hmac.compare_digest(sent, cookie):
        raise CsrfRefused()


CsrfDep = Depends(check_csrf)


def set_cookie(response: Response, request: Request, name: str, value: str,
               max_age: int | None = None) -> None:
    """A console cookie: HttpOnly, SameSite=Strict, scoped to the console (Secure over https)."""
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        path=PREFIX, secure=request.url.scheme == "https")


def safe_next(target: str | None, default: str) -> str:
    """Only a path of the console itself (never another host) to go back to."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//") \
            and "\\" not in target and "\n" not in target and "\r" not in target:
        return target
    return default

"""The console's application: static assets, the pages, and errors as pages (a refused form
goes back where it came from with the reason; what is not yours is the same 404 as the API)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from stockout.bootstrap import Runtime
from stockout.errors import StockoutError, outcome_of
from stockout.web import PREFIX
from stockout.web.refusals import refusal_text
from stockout.web.render import HERE, back, page
from stockout.web.session import SignInRequired, lang_of, safe_next, signed_in


def create_console(runtime: Runtime) -> FastAPI:
    from stockout.web.routes import buyer, common, merchant, platform, service

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.runtime = runtime
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (common, merchant, buyer, platform, service):
        app.include_router(module.router)
    _errors(app)
    return app


def _who(request: Request) -> Any:
    try:
        return signed_in(request, request.app.state.runtime)
    except Exception:
        return None


def _error(request: Request, status: int, key: str) -> Response:
    from stockout.web.texts import say

    lang = lang_of(request)
    return page(request, "error.html", _who(request), status=status,
                heading=say(f"error_{status}", lang), message=say(key, lang))


# Errors that are a page of their own (what is not yours, what your role may not do); every
# other error of stockout is a refused form, shown back where the form came from.
PAGES = {"not-found": "error_not_found", "unknown-sku": "error_not_found",
         "forbidden": "error_forbidden", "csrf-refused": "error_csrf"}


def _errors(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{PREFIX}/signin?next={quote(target, safe='')}",
                                status_code=303)

    async def _refused(request: Request, exc: Exception, field_error: bool = False) -> Response:
        """A form the services refused: back to the form's page with why."""
        lang = lang_of(request)
        text = refusal_text(exc, lang, field_error)
        if request.method != "POST":
            return _error(request, 422, "error_bad_request")
        form = await request.form()
        target = form.get("next")
        default = request.headers.get("referer", "")
        default = default[default.find(PREFIX):] if PREFIX in default else f"{PREFIX}/"
        return back(request, safe_next(target if isinstance(target, str) else None,
                                       safe_next(default, f"{PREFIX}/")), text, ok=False)

    async def _handle(request: Request, exc: Exception) -> Response:
        """The console's one mapping from an error to a page (the same table as the API)."""
        if isinstance(exc, StockoutError):
            if exc.family in PAGES:
                return _error(request, outcome_of(exc).status, PAGES[exc.family])
            return await _refused(request, exc)
        if isinstance(exc, RequestValidationError):
            fields = ", ".join(str(e.get("loc", ("", "?"))[-1]) for e in exc.errors())
            return await _refused(request, ValueError(fields), field_error=True)
        if isinstance(exc, StarletteHTTPException):
            return _error(request, exc.status_code if exc.status_code in (404, 405) else 400,
                          "error_not_found" if exc.status_code == 404 else "error_bad_request")
        if isinstance(exc, ValueError):
            return await _refused(request, exc)
        return _error(request, 500, "error_unexpected")

    for kind in (StockoutError, RequestValidationError, StarletteHTTPException, ValueError,
                 Exception):
        app.add_exception_handler(kind, _handle)

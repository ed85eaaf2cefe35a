"""The web console: server-rendered pages for the merchant, the buyer and the platform, on the
same services as the API. Mounted at `/console` by `stockout serve`; every asset is served
from the package (`static/`), nothing from another host."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from stockout.bootstrap import Runtime

PREFIX = "/console"


def install(app: FastAPI, runtime: Runtime) -> None:
    """Mount the console on the API's application, and send `/` to it."""
    from fastapi.responses import RedirectResponse

    from stockout.web.app import create_console

    app.mount(PREFIX, create_console(runtime))

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=303)

    @app.get("/favicon.ico", include_in_schema=False)
    def _icon() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/static/favicon.svg", status_code=301)

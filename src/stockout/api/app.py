"""The FastAPI application of a runtime (built by `stockout serve` or a test)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from stockout import web
from stockout.api import openapi, problems
from stockout.api.limits import BodyLimit
from stockout.api.routes import (
    announcements,
    appeals,
    carriers,
    coupons,
    events,
    meta,
    orders,
    remedies,
    reports,
    shops,
    skus,
    triage,
)
from stockout.api.routes import buyer as buyer_routes
from stockout.bootstrap import Runtime

DESCRIPTION = """Online adjudication of marketplace orders (Pinduoduo rules by default).

Events arrive at `POST /v1/events`; deadlines fall due on their own (`stockout worker`);
verdicts and compensation coupons are recorded once. Every `/v1` route takes a bearer token
(`stockout tokens create`): `platform` sees everything, `merchant` its shops, `buyer` its own
orders. Errors are RFC 9457 problem details. Times are RFC 3339 in Asia/Shanghai; money is
integer fen."""


class Api(FastAPI):
    """The API's application. `POST /v1/events`, the busiest request by far, goes straight to
    `direct` (its body limit and its answer) instead of through the framework's middleware
    (server errors, telemetry, its own body limit: each a layer of calls on every request and
    on every message sent); everything else is FastAPI's as usual."""

    direct: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (self.direct is not None and scope["type"] == "http"
                and scope["path"] == events.PATH and scope["method"] == "POST"):
            scope["app"] = self
            await self.direct(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(runtime: Runtime) -> FastAPI:
    from stockout import __name__ as package

    app = Api(title="stockout", version=_version(package), description=DESCRIPTION)
    app.state.runtime = runtime
    problems.install(app)
    openapi.install(app)
    for module in (events, orders, shops, skus, reports, remedies, announcements, appeals,
                   coupons, triage, carriers, meta, *buyer_routes.MODULES):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, max_bytes=runtime.server.max_body_bytes,
                       uploads=(("/v1/appeals", appeals.upload_limit(runtime)),))
    app.direct = BodyLimit(events.answer_direct, max_bytes=runtime.server.max_body_bytes)
    web.install(app, runtime)
    return app


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "0"

"""Errors as RFC 9457 problem details (`application/problem+json`), one mapping for the API."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from stockout.services.access.principals import Forbidden, NotFound
from stockout.services.appeals.workflow import (
    AppealAlreadyDecided,
    AppealRefused,
    BadAppeal,
    BadEvidence,
)
from stockout.services.coupons.redemption import CouponNotRedeemable
from stockout.services.judging.announcements import AnnouncementConflict, InvalidAnnouncement
from stockout.services.judging.ingest import EventsRefused, TooManyEvents

MEDIA_TYPE = "application/problem+json"
TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 409: "Conflict", 413: "Content too large",
          422: "Unprocessable content", 429: "Too many requests",
          500: "Internal server error",
          503: "Service unavailable"}


class Problem(Exception):
    """Raise from a route to answer with a problem document."""

    def __init__(self, status: int, detail: str, kind: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.headers = headers
        self.extra = extra


def problem_response(request_path: str, status: int, detail: str, kind: str | None = None,
                     headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{kind}" if kind else "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request_path,
    }
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request.url.path, exc.status, exc.detail, exc.kind, exc.headers,
                                **exc.extra)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return problem_response(request.url.path, 404, exc.what, "not-found")

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> JSONResponse:
        return problem_response(request.url.path, 403, str(exc), "forbidden")

    @app.exception_handler(TooManyEvents)
    async def _too_many(request: Request, exc: TooManyEvents) -> JSONResponse:
        return problem_response(request.url.path, 413, str(exc), "too-many-events",
                                count=exc.count)

    @app.exception_handler(EventsRefused)
    async def _events_refused(request: Request, exc: EventsRefused) -> JSONResponse:
        return problem_response(request.url.path, 409, str(exc), "events-refused",
                                rejected=[{"event_id": r.event_id, "reason": r.reason,
                                           "status": r.status} for r in exc.rejected])

    @app.exception_handler(InvalidAnnouncement)
    async def _bad_announcement(request: Request, exc: InvalidAnnouncement) -> JSONResponse:
        return problem_response(request.url.path, 422, exc.reason, "invalid-announcement")

    @app.exception_handler(AnnouncementConflict)
    async def _conflict(request: Request, exc: AnnouncementConflict) -> JSONResponse:
        return problem_response(request.url.path, 409, str(exc), "conflict")

    @app.exception_handler(BadAppeal)
    async def _bad_appeal(request: Request, exc: BadAppeal) -> JSONResponse:
        return problem_response(request.url.path, 422, str(exc), "invalid-appeal")

    @app.exception_handler(BadEvidence)
    async def _bad_evidence(request: Request, exc: BadEvidence) -> JSONResponse:
        status = 413 if exc.refusal.value == "too_large" else 422
        return problem_response(request.url.path, status, str(exc), "invalid-evidence",
                                index=exc.index, refusal=exc.refusal.value)

    @app.exception_handler(AppealRefused)
    async def _refused(request: Request, exc: AppealRefused) -> JSONResponse:
        return problem_response(request.url.path, 409, str(exc), "appeal-refused",
                                refusal=exc.refusal.value)

    @app.exception_handler(AppealAlreadyDecided)
    async def _decided(request: Request, exc: AppealAlreadyDecided) -> JSONResponse:
        return problem_response(request.url.path, 409, str(exc), "appeal-decided")

    @app.exception_handler(CouponNotRedeemable)
    async def _not_redeemable(request: Request, exc: CouponNotRedeemable) -> JSONResponse:
        return problem_response(request.url.path, 409, str(exc), "coupon-not-redeemable")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": [str(x) for x in e.get("loc", ())], "msg": e.get("msg", "")}
                  for e in exc.errors()]
        detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors) or "invalid"
        return problem_response(request.url.path, 422, detail, "invalid-request", errors=errors)

    @app.exception_handler(OperationalError)
    async def _database(request: Request, exc: OperationalError) -> JSONResponse:
        return problem_response(request.url.path, 503, "the database is not available; "
                                "try again", "database-unavailable")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(request.url.path, 500, "unexpected error", "internal")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(request.url.path, exc.status_code, str(exc.detail),
                                headers=getattr(exc, "headers", None))

"""Errors as RFC 9457 problem details (`application/problem+json`): one handler turns every
error into a problem through the table of outcomes (`stockout.errors`)."""

from __future__ import annotations

from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from stockout.errors import StockoutError, outcome, outcome_of

MEDIA_TYPE = "application/problem+json"
TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 409: "Conflict", 413: "Content too large",
          422: "Unprocessable content", 429: "Too many requests",
          500: "Internal server error",
          503: "Service unavailable"}


class Problem(StockoutError):
    """The API's own errors (the request, not the business): their status comes from the table
    like every other error's."""

    @property
    def status(self) -> int:
        return outcome_of(self).status


class Unauthorized(Problem):
    family = "unauthorized"
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": "Bearer"}


class BadCursor(Problem):
    family = "bad-cursor"

    def __init__(self, reason: str) -> None:
        super().__init__(f"cursor: not a cursor this API gave out ({reason})", field="cursor")


class NotAnArray(Problem):
    family = "not-an-array"


class Conflict(Problem):
    family = "conflict"


class ProblemDocument(BaseModel):
    """An RFC 9457 problem document; `code` names the failure (stable), other members say more
    (`field`, `rule`, `errors`, ...)."""

    model_config = ConfigDict(extra="allow", title="Problem")
    type: str = Field(description="the problem type: /problems/FAMILY, or about:blank")
    title: str
    status: int
    detail: str
    instance: str = Field(description="the path that was asked")
    code: str | None = Field(None, description="stable code of the failure within its type")


def problem_response(request_path: str, status: int, detail: str, type_uri: str = "about:blank",
                     headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": type_uri,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request_path,
    }
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _validation_errors(exc: RequestValidationError) -> tuple[str, dict[str, Any]]:
    errors = [{"loc": [str(x) for x in e.get("loc", ())], "msg": e.get("msg", "")}
              for e in exc.errors()]
    detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors) or "invalid"
    fields = [e["loc"][-1] for e in errors if e["loc"]]
    extra: dict[str, Any] = {"code": "invalid-request", "errors": errors}
    if fields:
        extra["field"] = fields[0]
    return detail, extra


async def handle(request: Request, exc: Exception) -> JSONResponse:
    """The one mapping from an error to its problem document."""
    path = request.url.path
    if isinstance(exc, StockoutError):
        found = outcome_of(exc)
        return problem_response(path, found.status, exc.problem_detail(), found.type,
                                getattr(exc, "headers", None), code=exc.code,
                                **exc.problem_fields())
    if isinstance(exc, RequestValidationError):
        detail, extra = _validation_errors(exc)
        return problem_response(path, 422, detail, outcome("invalid-request").type, **extra)
    if isinstance(exc, StarletteHTTPException):
        return problem_response(path, exc.status_code, str(exc.detail),
                                headers=getattr(exc, "headers", None))
    if isinstance(exc, OperationalError):
        found = outcome("database-unavailable")
        return problem_response(path, found.status, "the database is not available; try again",
                                found.type, code="database-unavailable")
    return problem_response(path, 500, "unexpected error", outcome("internal").type,
                            code="internal")


# The errors answered with their own problem; any other is a 500, and raised on to the server's
# log.
ANSWERED = (StockoutError, RequestValidationError, StarletteHTTPException, OperationalError)


def install(app: FastAPI) -> None:
    for kind in (*ANSWERED, Exception):
        app.add_exception_handler(kind, handle)

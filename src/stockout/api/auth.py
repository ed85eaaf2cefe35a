"""Bearer tokens on every /v1 route: who is asking, as a `Principal`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool

from stockout.api.problems import Unauthorized
from stockout.bootstrap import Runtime
from stockout.services.access.principals import Forbidden, Principal, Role
from stockout.services.access.tokens import authenticate_recent, recent_token

_bearer = HTTPBearer(auto_error=False, description="`stockout tokens create --role ...`")


async def runtime(request: Request) -> Runtime:
    """The app's runtime. `async`: it does no I/O, so FastAPI runs it on the event loop
    instead of handing it to the thread pool and back (a round trip per request)."""
    rt = request.app.state.runtime
    assert isinstance(rt, Runtime)
    return rt


RuntimeDep = Annotated[Runtime, Depends(runtime)]


async def poster(rt: RuntimeDep, credentials: Annotated[HTTPAuthorizationCredentials | None,
                                                        Depends(_bearer)]) -> Principal:
    """`async`: a token seen in the last seconds is trusted on the event loop
    (`authenticate_recent`); only a lookup goes to the thread pool."""
    return await _poster(rt, credentials.credentials if credentials is not None else None)


async def poster_of(request: Request) -> Principal:
    """`poster` for a route that solves no dependencies (POST /v1/events, the busiest: solving
    them was a third of its framework cost): the bearer token read as `HTTPBearer` reads it."""
    rt = request.app.state.runtime
    assert isinstance(rt, Runtime)
    scheme, secret = get_authorization_scheme_param(request.headers.get("Authorization"))
    return await _poster(rt, secret if scheme.lower() == "bearer" and secret else None)


async def _poster(rt: Runtime, secret: str | None) -> Principal:
    if secret is None:
        raise Unauthorized("a bearer token is required")
    found = recent_token(secret)
    if found is None:
        found = await run_in_threadpool(authenticate_recent, rt.uow(), secret)
    if found is None:
        raise Unauthorized("unknown or revoked token")
    return found


async def principal(who: Annotated[Principal, Depends(poster)]) -> Principal:
    if who.role is Role.CARRIER:
        raise Forbidden("a carrier token only posts carrier scans (POST /v1/events)",
                        rule="provenance/carrier")
    return who


PrincipalDep = Annotated[Principal, Depends(principal)]
# POST /v1/events: the tokens of every role, carriers' included.
PosterDep = Annotated[Principal, Depends(poster)]

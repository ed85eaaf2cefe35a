"""Bearer tokens on every /v1 route: who is asking, as a `Principal`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from stockout.api.problems import Unauthorized
from stockout.bootstrap import Runtime
from stockout.services.access.principals import Principal
from stockout.services.access.tokens import authenticate

_bearer = HTTPBearer(auto_error=False, description="`stockout tokens create --role ...`")


def runtime(request: Request) -> Runtime:
    rt = request.app.state.runtime
    assert isinstance(rt, Runtime)
    return rt


RuntimeDep = Annotated[Runtime, Depends(runtime)]


def principal(rt: RuntimeDep, credentials: Annotated[HTTPAuthorizationCredentials | None,
                                                     Depends(_bearer)]) -> Principal:
    if credentials is None:
        raise Unauthorized("a bearer token is required")
    found = authenticate(rt.uow(), credentials.credentials)
    if found is None:
        raise Unauthorized("unknown or revoked token")
    return found


PrincipalDep = Annotated[Principal, Depends(principal)]

"""Carrier tracking pushes: kuaidi100 (`param`, `sign`) and 快递鸟 (`RequestData`, `DataSign`).
No bearer token: the push is authenticated by its signature (the salt / AppKey the subscription
was made with). Each answers the body its vendor expects; a push that is signed but ignored
(an unknown waybill, a bad entry) is still acknowledged, so the vendor does not send it again."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import JSONResponse

from stockout.adapters.carriers import kdniao
from stockout.adapters.carriers.kuaidi100 import ACK
from stockout.api.auth import RuntimeDep
from stockout.services.sync.pushes import receive_kdniao, receive_kuaidi100

router = APIRouter(prefix="/v1/carriers", tags=["carriers"])


@router.post("/kuaidi100/push", summary="kuaidi100 subscription push")
def kuaidi100_push(runtime: RuntimeDep, param: Annotated[str, Form()],
                   sign: Annotated[str, Form()] = "") -> JSONResponse:
    outcome = receive_kuaidi100(runtime.uow(), runtime.rules, runtime.clock, param, sign,
                                runtime.server.kuaidi100_salt)
    if not outcome.signed:
        return JSONResponse({"result": False, "returnCode": "500", "message": "签名错误"})
    return JSONResponse(ACK)


@router.post("/kdniao/push", summary="快递鸟 track push (RequestType 101)")
def kdniao_push(runtime: RuntimeDep, RequestData: Annotated[str, Form()],
                DataSign: Annotated[str, Form()] = "",
                EBusinessID: Annotated[str, Form()] = "") -> JSONResponse:
    outcome = receive_kdniao(runtime.uow(), runtime.rules, runtime.clock, RequestData, DataSign,
                             runtime.server.kdniao_app_key)
    body: dict[str, Any] = kdniao.ack(EBusinessID, runtime.clock.now(), outcome.signed,
                                      "" if outcome.signed else "DataSign 校验失败")
    return JSONResponse(body)

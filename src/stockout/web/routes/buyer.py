"""The buyer's pages: their orders (each order's page is shared, see `common`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from stockout.services.access.principals import NotFound, Role
from stockout.services.console.views import buyer_orders
from stockout.web.render import page
from stockout.web.session import RuntimeDep, ViewerDep

router = APIRouter()


@router.get("/my")
def my_orders(request: Request, rt: RuntimeDep, who: ViewerDep) -> Response:
    if who.role is not Role.BUYER:
        raise NotFound("the buyer's own orders")
    return page(request, "my_orders.html", who, orders=buyer_orders(rt.uow(), who))

"""GET /v1/orders/{id}/answers: the buyer's questions answered from the order's real state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.domain.language import Lang
from stockout.services.answers.view import order_answers

router = APIRouter(prefix="/v1/orders", tags=["buyer"])


@router.get("/{order_id}/answers", summary="Must the merchant ship? Refund? Return? ...")
def get_answers(order_id: str, rt: RuntimeDep, who: PrincipalDep, lang: Lang | None = None
                ) -> dict[str, Any]:
    """For the order's buyer, its merchant and the platform (anyone else: 404): the order's
    `phase` and one answer per question (`must_merchant_ship`, `can_refund`, `can_return`,
    `contact`, `compensation`, `legal_claim`), each with the short `answer` in `lang` (zh by
    default), the `actions` the buyer can take now with their `until`, the pack key in `rule`
    and the `facts` it used."""
    return order_answers(rt.uow(), rt.rules, rt.clock, who, order_id,
                         lang or rt.settings.lang)

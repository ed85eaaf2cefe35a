"""The buyer's remedy after a stockout: the offer with substitute suggestions, the merchant's
restock proposal, the buyer's choice. A refused choice is a problem naming the rule (`code`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field

from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.api.problems import Problem
from stockout.domain.events import Remedy
from stockout.domain.remedies import RefusalReason, RemedyRefused
from stockout.services.remedies import choices as remedies

router = APIRouter(prefix="/v1/orders", tags=["remedies"])

STATUS = {RefusalReason.NO_STOCKOUT: 404, RefusalReason.ALREADY_CHOSEN: 409,
          RefusalReason.WINDOW_CLOSED: 409}


class ChoiceIn(BaseModel):
    remedy: Remedy
    until: AwareDatetime | None = Field(
        None, description="presale: the ship-by the buyer chooses (required); "
                          "wait: must be the merchant's proposal if given")
    substitute_sku_id: str | None = Field(None, description="substitute: one of the suggestions")


class ProposalIn(BaseModel):
    until: AwareDatetime = Field(description="when the merchant will ship, picked up")


def _refused(exc: RemedyRefused) -> Problem:
    return Problem(STATUS.get(exc.reason, 422), str(exc), "remedy-refused",
                   code=exc.reason.value)


@router.get("/{order_id}/remedy", summary="The buyer's remedy: offer, proposal, choice")
def get_remedy(order_id: str, rt: RuntimeDep, who: PrincipalDep) -> dict[str, Any]:
    """For the order's buyer, its merchant and the platform: the state, until when to choose,
    the default, the merchant's proposed restock date, substitutes while the offer is open."""
    try:
        return remedies.remedy_view(rt.uow(), rt.rules, who, order_id)
    except RemedyRefused as exc:
        raise _refused(exc) from None


@router.get("/{order_id}/substitutes", summary="Substitute suggestions for a stockout")
def get_substitutes(order_id: str, rt: RuntimeDep, who: PrincipalDep) -> dict[str, Any]:
    """In-stock SKUs of the same shop and category, priced within the pack's band, most
    similar title first; `refund_cents` is what the buyer gets back (never a charge)."""
    view = get_remedy(order_id, rt, who)
    return {"items": view["substitutes"], "next": None}


@router.post("/{order_id}/remedy", summary="The buyer chooses a remedy")
def post_remedy(order_id: str, body: ChoiceIn, rt: RuntimeDep, who: PrincipalDep
                ) -> dict[str, Any]:
    """wait (accepts the merchant's proposed date), substitute, presale (with a date) or refund
    (at once, in full). Refused: 409 (window closed, already chosen), 422 (date, substitute)."""
    try:
        return remedies.choose(rt.uow(), rt.rules, rt.clock, who, order_id, body.remedy,
                               body.until, body.substitute_sku_id)
    except RemedyRefused as exc:
        raise _refused(exc) from None


@router.post("/{order_id}/remedy/proposal", summary="The merchant proposes a restock date")
def post_proposal(order_id: str, body: ProposalIn, rt: RuntimeDep, who: PrincipalDep
                  ) -> dict[str, Any]:
    """While the buyer may still choose; at most the pack's `max_wait_days` after the stockout.
    The buyer is told and may accept it by choosing `wait`."""
    try:
        return remedies.propose_restock(rt.uow(), rt.rules, rt.clock, who, order_id, body.until)
    except RemedyRefused as exc:
        raise _refused(exc) from None

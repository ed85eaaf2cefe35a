"""The buyer's remedy after a stockout: the offer with substitute suggestions, the merchant's
restock proposal, the buyer's choice. A refused choice is a problem naming the rule (`code`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from stockout.adapters.fields import Id, Instant
from stockout.api.auth import PrincipalDep, RuntimeDep
from stockout.domain.events import Remedy
from stockout.services.remedies import choices as remedies

router = APIRouter(prefix="/v1/orders", tags=["remedies"])

class ChoiceIn(BaseModel):
    remedy: Remedy
    until: Instant | None = Field(
        None, description="presale: the ship-by the buyer chooses (required); "
                          "wait: must be the merchant's proposal if given")
    substitute_sku_id: Id | None = Field(None, description="substitute: one of the suggestions")


class ProposalIn(BaseModel):
    until: Instant = Field(description="when the merchant will ship, picked up")


@router.get("/{order_id}/remedy", summary="The buyer's remedy: offer, proposal, choice")
def get_remedy(order_id: str, rt: RuntimeDep, who: PrincipalDep) -> dict[str, Any]:
    """For the order's buyer, its merchant and the platform: the state, until when to choose,
    the default, the merchant's proposed restock date, substitutes while the offer is open."""
    return remedies.remedy_view(rt.uow(), rt.rules, who, order_id)


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
    return remedies.choose(rt.uow(), rt.rules, rt.clock, who, order_id, body.remedy,
                           body.until, body.substitute_sku_id)


@router.post("/{order_id}/remedy/proposal", summary="The merchant proposes a restock date")
def post_proposal(order_id: str, body: ProposalIn, rt: RuntimeDep, who: PrincipalDep
                  ) -> dict[str, Any]:
    """While the buyer may still choose; at most the pack's `max_wait_days` after the stockout.
    The buyer is told and may accept it by choosing `wait`."""
    return remedies.propose_restock(rt.uow(), rt.rules, rt.clock, who, order_id, body.until)

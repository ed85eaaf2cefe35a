"""The buyer's remedies after a stockout: wait for restock, take a substitute, switch to presale,
or a refund (seed: 补货、预售、退款、推荐同价位类型相近的商品). Choices are checked here; the
service records each accepted one as a `remedy_chosen` event."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from stockout.domain.chat import normalise
from stockout.domain.errors import StockoutError
from stockout.domain.events import Remedy
from stockout.domain.times import format_time
from stockout.domain.verdicts import Verdict, Violation


@dataclass(frozen=True, slots=True)
class RemedyRules:
    choice_window: timedelta = field(metadata={"toml": "choice_hours", "unit": "hours"})
    default: Remedy  # what happens when the buyer does not choose
    substitute_price_band_percent: int  # substitutes priced within ± this of the original
    max_wait: timedelta = field(metadata={"toml": "max_wait_days", "unit": "days"})


class RemedyState(StrEnum):
    """Where a buyer's remedy stands. `offered`: the buyer may choose until `choose_by`; then
    the remedy chosen (by the buyer, or the default): `wait`, `presale` and `substitute` promise
    a ship-by the worker checks, `refund` is done at once; in the end `fulfilled` (shipped in
    time), `missed` (the promise passed: refunded and compensated again), `closed` (the order
    closed otherwise) or `withdrawn` (the stockout verdict was voided before a choice; offered
    again when a stockout is found anew)."""

    __hash__ = str.__hash__

    OFFERED = "offered"
    WAIT = "wait"
    SUBSTITUTE = "substitute"
    PRESALE = "presale"
    REFUND = "refund"
    FULFILLED = "fulfilled"
    MISSED = "missed"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


# The remedies that promise a new ship-by, checked by the worker: a wait or a presale by the
# date agreed, a substitute within the pack's standard limit from the choice.
PROMISES = frozenset({RemedyState.WAIT, RemedyState.PRESALE, RemedyState.SUBSTITUTE})


class RefusalReason(StrEnum):
    __hash__ = str.__hash__

    NO_STOCKOUT = "no_stockout"
    WINDOW_CLOSED = "window_closed"
    ALREADY_CHOSEN = "already_chosen"
    DATE_REQUIRED = "date_required"
    PRESALE_DATE_REQUIRED = "presale_date_required"  # the buyer's own date, never the merchant's
    DATE_OUT_OF_RANGE = "date_out_of_range"
    SUBSTITUTE_REQUIRED = "substitute_required"
    SUBSTITUTE_NOT_OFFERED = "substitute_not_offered"


PRESALE_NEEDS_A_DATE = ("presale needs `until`, the date the merchant must ship by, chosen by "
                        "the buyer (to take the merchant's proposed restock date, choose wait)")


class RemedyRefused(StockoutError, ValueError):
    """The choice is not allowed; `reason` (the `code`) says which rule refused it."""

    family = "remedy-refused"

    def __init__(self, reason: RefusalReason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value,
                         code=reason.value)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class RemedyOffer:
    order_id: str
    opened_at: datetime  # when the stockout was found
    choose_by: datetime
    default: Remedy
    options: tuple[Remedy, ...] = (Remedy.WAIT, Remedy.SUBSTITUTE, Remedy.PRESALE, Remedy.REFUND)


def remedy_offer(verdicts: Iterable[Verdict], rules: RemedyRules, now: datetime
                 ) -> RemedyOffer | None:
    """The offer a stockout opens when found at `now`; None when the order has no stockout
    verdict. The buyer gets the whole window from when the offer opens, even when the stockout
    itself happened earlier (its events arrived late)."""
    for v in verdicts:
        if v.violation is Violation.STOCKOUT:
            return RemedyOffer(v.order_id, v.detected_at,
                               max(v.detected_at, now) + rules.choice_window, rules.default)
    return None


def check_choice(offer: RemedyOffer | None, remedy: Remedy, now: datetime, rules: RemedyRules,
                 *, already_chosen: bool = False, until: datetime | None = None,
                 substitute_sku_id: str | None = None,
                 offered_substitutes: Sequence[str] = ()) -> None:
    """Raise `RemedyRefused` unless the buyer may choose `remedy` now."""
    if offer is None:
        raise RemedyRefused(RefusalReason.NO_STOCKOUT)
    if already_chosen:
        raise RemedyRefused(RefusalReason.ALREADY_CHOSEN)
    if now > offer.choose_by:
        raise RemedyRefused(RefusalReason.WINDOW_CLOSED,
                            f"closed {format_time(offer.choose_by)}; {offer.default.value} applies")
    if remedy in (Remedy.WAIT, Remedy.PRESALE):
        if until is None and remedy is Remedy.PRESALE:
            raise RemedyRefused(RefusalReason.PRESALE_DATE_REQUIRED, PRESALE_NEEDS_A_DATE)
        if until is None:
            raise RemedyRefused(RefusalReason.DATE_REQUIRED)
        if not now < until <= offer.opened_at + rules.max_wait:
            raise RemedyRefused(RefusalReason.DATE_OUT_OF_RANGE,
                                f"must be after now and at most {rules.max_wait.days} days from "
                                "the stockout")
    if remedy is Remedy.SUBSTITUTE:
        if substitute_sku_id is None:
            raise RemedyRefused(RefusalReason.SUBSTITUTE_REQUIRED)
        if substitute_sku_id not in offered_substitutes:
            raise RemedyRefused(RefusalReason.SUBSTITUTE_NOT_OFFERED, substitute_sku_id)


def remedy_chosen(state: RemedyState, remedy: Remedy) -> RemedyState | RefusalReason:
    """The buyer's choice, or the default carried out: only an open offer is chosen once."""
    if state is RemedyState.WITHDRAWN:
        return RefusalReason.NO_STOCKOUT
    if state is not RemedyState.OFFERED:
        return RefusalReason.ALREADY_CHOSEN
    return RemedyState(remedy.value)


def remedy_settled(state: RemedyState, *, order_closed: bool, picked_up: datetime | None,
                   until: datetime | None) -> RemedyState | None:
    """What a remedy that fell due comes to: an open offer ends `fulfilled` (picked up) or
    `closed` (the order closed), else None: the default is carried out (`remedy_chosen`); a
    promise ends `fulfilled` when picked up by its date, `closed`, or `missed`. Any other state
    stays as it is."""
    if state is RemedyState.OFFERED:
        if picked_up is not None:
            return RemedyState.FULFILLED
        return RemedyState.CLOSED if order_closed else None
    if state in PROMISES:
        if picked_up is not None and until is not None and picked_up <= until:
            return RemedyState.FULFILLED
        return RemedyState.CLOSED if order_closed else RemedyState.MISSED
    return state


def default_applies(offer: RemedyOffer, chosen: bool, now: datetime) -> bool:
    """True once the window closed without a choice: the default (a refund) is carried out."""
    return not chosen and now > offer.choose_by


@dataclass(frozen=True, slots=True)
class Listing:
    """A SKU as a substitute candidate."""

    sku_id: str
    shop_id: str
    category: str | None
    title: str
    price_cents: int
    sellable: int


@dataclass(frozen=True, slots=True)
class Substitute:
    listing: Listing
    similarity: float  # 0..1, of the titles
    refund_cents: int  # the difference paid back when the substitute is cheaper; never a charge


def rank_substitutes(original: Listing, paid_cents: int, quantity: int,
                     candidates: Iterable[Listing], band_percent: int,
                     limit: int = 5) -> list[Substitute]:
    """In-stock SKUs of the same shop and category whose price for the order's quantity is
    within the band around what the buyer paid, most similar title first (then cheaper, then
    id). Exact in fen: no unit price is rounded."""
    low = paid_cents * (100 - band_percent)
    high = paid_cents * (100 + band_percent)
    grams = _bigrams(original.title)
    found: list[Substitute] = []
    for c in candidates:
        if (c.sku_id == original.sku_id or c.shop_id != original.shop_id
                or c.category != original.category or c.sellable < quantity
                or not low <= c.price_cents * quantity * 100 <= high):
            continue
        refund = max(paid_cents - c.price_cents * quantity, 0)
        found.append(Substitute(c, _dice(grams, _bigrams(c.title)), refund))
    found.sort(key=lambda s: (-s.similarity, s.listing.price_cents, s.listing.sku_id))
    return found[:limit]


def _bigrams(title: str) -> frozenset[str]:
    text = normalise(title)
    return frozenset(text[i:i + 2] for i in range(len(text) - 1)) or frozenset({text})


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice's coefficient of character bigrams: robust for Chinese titles without segmentation."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))

"""Who is asking: a platform user sees everything, a merchant its shops, a buyer its orders."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from stockout.domain.errors import StockoutError
from stockout.domain.provenance import PLATFORM, Source, SourceKind


class Role(StrEnum):
    PLATFORM = "platform"
    MERCHANT = "merchant"
    BUYER = "buyer"
    CARRIER = "carrier"  # a carrier's system: states carrier scans, reads nothing


class NotFound(StockoutError, LookupError):
    """What was asked for does not exist, or is not the asker's (never said which)."""

    family = "not-found"

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class Forbidden(StockoutError, PermissionError):
    """The role may never do this (for example, a buyer posting events)."""

    family = "forbidden"


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    token_id: str
    shop_ids: frozenset[str] = frozenset()
    buyer_id: str | None = None
    name: str | None = None  # an internal caller (the worker, the command line)
    adapter: str | None = None  # the platform's adapter (`pdd`) or the carrier it speaks for

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return self.name or f"token:{self.token_id}"

    @property
    def is_platform(self) -> bool:
        return self.role is Role.PLATFORM

    def sees_order(self, shop_id: str | None, buyer_id: str | None) -> bool:
        if self.role is Role.PLATFORM:
            return True
        if self.role is Role.MERCHANT:
            return shop_id is not None and shop_id in self.shop_ids
        return buyer_id is not None and buyer_id == self.buyer_id

    def sees_shop(self, shop_id: str) -> bool:
        return self.role is Role.PLATFORM or (self.role is Role.MERCHANT
                                              and shop_id in self.shop_ids)

    def source(self, shop_id: str | None = None) -> Source:
        """Who this caller is as the source of an event of an order of `shop_id`."""
        if self.role is Role.PLATFORM:
            return Source(SourceKind.SYNC, self.adapter) if self.adapter else PLATFORM
        if self.role is Role.CARRIER:
            return Source(SourceKind.CARRIER, self.adapter or f"token:{self.token_id}")
        if self.role is Role.MERCHANT:
            return Source(SourceKind.MERCHANT, shop_id or "")
        return Source(SourceKind.BUYER, self.buyer_id or "")

    def may_post_for(self, shop_id: str | None) -> bool:
        """Only the platform and the order's own shop post events for it."""
        if self.role is Role.PLATFORM:
            return True
        return self.role is Role.MERCHANT and shop_id is not None and shop_id in self.shop_ids


CLI = Principal(Role.PLATFORM, "", name="cli")
WORKER = Principal(Role.PLATFORM, "", name="worker")

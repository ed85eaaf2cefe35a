"""Compensation arithmetic in integer fen: tiers by amount paid, rounded down to a whole yuan."""

from __future__ import annotations

from dataclasses import dataclass

YUAN = 100
# The largest amount any field takes (¥10 billion): a larger one is a typing error, refused
# where it enters rather than overflowing a database column.
MAX_CENTS = 10**12


@dataclass(frozen=True, slots=True)
class CompensationTier:
    """Applies to orders paid at most `upto_cents` (None: no upper bound).

    Either a fixed amount, or `rate_bp` basis points of the amount paid, rounded down to a whole
    yuan, then held within [min_cents, max_cents].
    """

    upto_cents: int | None
    fixed_cents: int | None = None
    rate_bp: int | None = None
    min_cents: int = 0
    max_cents: int | None = None

    def amount(self, paid_cents: int) -> int:
        if self.fixed_cents is not None:
            return self.fixed_cents
        assert self.rate_bp is not None
        raw = paid_cents * self.rate_bp // 10_000
        value = raw // YUAN * YUAN
        value = max(value, self.min_cents)
        if self.max_cents is not None:
            value = min(value, self.max_cents)
        return value


@dataclass(frozen=True, slots=True)
class CompensationScale:
    """Ordered tiers; the first whose bound covers the amount paid decides."""

    tiers: tuple[CompensationTier, ...]

    def for_paid(self, paid_cents: int) -> int:
        for tier in self.tiers:
            if tier.upto_cents is None or paid_cents <= tier.upto_cents:
                return tier.amount(paid_cents)
        raise AssertionError("a validated scale always ends with an unbounded tier")

    @property
    def lowest(self) -> int:
        return min(t.fixed_cents if t.fixed_cents is not None else t.min_cents for t in self.tiers)

    @property
    def highest(self) -> int | None:
        """The most any order can get; None when a tier has no maximum."""
        tops: list[int] = []
        for t in self.tiers:
            if t.fixed_cents is not None:
                tops.append(t.fixed_cents)
            elif t.max_cents is None:
                return None
            else:
                tops.append(t.max_cents)
        return max(tops)


def format_yuan(cents: int) -> str:
    """¥ with two decimals, for people."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}¥{cents // YUAN:,}.{cents % YUAN:02d}"

"""Lock ordering, in one place: a transaction waits for keys only in ascending order, so two
transactions never wait for each other in a circle.

A key is a signed 64-bit hash (PostgreSQL advisory locks take a bigint) of an order, a tracking
number, a shop-day (what rules spanning orders read) or another shared thing; a collision only
makes two unrelated transactions wait for each other. `lock_plan` gives the keys of the orders a
round re-judges, in order. A later round finds more orders (the neighbours of the first) while
it holds the first round's keys: a key below one it holds is only tried, never waited for
(`UnitOfWork.lock`). If another transaction holds it, this one starts again (`LockBusy`),
taking that key in order from the start.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def lock_key(kind: str, *parts: str) -> int:
    digest = hashlib.blake2b("\x1f".join((kind, *parts)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_plan(order_ids: Iterable[str], tracking: Iterable[tuple[str, str]] = (),
              shop_days: Iterable[tuple[str, str]] = ()) -> list[int]:
    """The keys to lock, in the order to lock them (ascending)."""
    keys = {lock_key("tracking", c, n) for c, n in tracking}
    keys |= {lock_key("shop-day", s, d) for s, d in shop_days}
    keys |= {lock_key("order", o) for o in order_ids}
    return sorted(keys)


class LockBusy(Exception):
    """A key below one the transaction holds was held by another transaction: waiting for it
    could close a circle of waits (a deadlock, which PostgreSQL breaks only after a second), so
    the transaction starts again instead."""

    def __init__(self, keys: list[int]) -> None:
        super().__init__(f"{len(keys)} lock keys out of order were busy")
        self.keys = keys

"""Lock ordering, in one place: every transaction that re-judges orders takes its locks through
`lock_plan`, so two transactions always ask for shared keys in the same order.

Keys are tracking numbers and shop-days first (what rules spanning orders read), then orders;
each class sorted. A key is a signed 64-bit hash (PostgreSQL advisory locks take a bigint); a
collision only makes two unrelated transactions wait for each other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def lock_key(kind: str, *parts: str) -> int:
    digest = hashlib.blake2b("\x1f".join((kind, *parts)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_plan(order_ids: Iterable[str], tracking: Iterable[tuple[str, str]] = (),
              shop_days: Iterable[tuple[str, str]] = ()) -> list[int]:
    """The keys to lock, in the order to lock them: shared keys, then orders, each sorted."""
    shared = {lock_key("tracking", c, n) for c, n in tracking}
    shared |= {lock_key("shop-day", s, d) for s, d in shop_days}
    own = {lock_key("order", o) for o in order_ids} - shared
    return sorted(shared) + sorted(own)

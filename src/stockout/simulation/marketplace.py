"""The simulator's public face: a seeded month of orders streamed in arrival order (a few late,
a few twice) and written as event files, so demos, benchmarks and tests get realistic data."""

from __future__ import annotations

import math
from bisect import bisect, bisect_left
from collections.abc import Callable, Iterable, Iterator
from copy import copy
from datetime import datetime
from itertools import accumulate, chain, islice
from operator import itemgetter
from pathlib import Path
from random import Random
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from stockout.simulation.lifecycle import OrderMaker, Timeline
from stockout.simulation.render import as_dicts, as_lines, encode
from stockout.simulation.scenarios import place
from stockout.simulation.world import DAY, HOUR, World, build_notices, promo_day

T = TypeVar("T")

DEFAULT_START = datetime(2025, 6, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
LATE_SHARE = 0.005  # of events, delivered minutes to hours after later ones
DUPLICATE_SHARE = 0.002  # of events, delivered a second time with the same id and body

# Relative order volume by local hour: quiet nights, a lunch bump, the evening peak.
_HOURS = (1.2, .6, .3, .2, .2, .3, .6, 1, 1.4, 1.6, 1.8, 1.9,
          2.2, 2, 1.8, 1.8, 1.9, 2, 2.3, 2.8, 3.4, 3.8, 3.5, 2.4)
# On the promotion day the rush starts at midnight.
_PROMO_HOURS = (9, 4, 1, .4, .2, .3, .6, 1, 1.6, 2, 2.2, 2.2,
                2.4, 2.2, 2, 2, 2.1, 2.2, 2.6, 3.2, 4, 4.6, 4.2, 3.4)


def _start_epoch(start: datetime | None) -> int:
    start = DEFAULT_START if start is None else start
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError(f"start needs a UTC offset: {start.isoformat()}")
    return int(start.timestamp())


def _orders_per_day(orders: int, days: int, start: int) -> list[int]:
    """Split `orders` over the days exactly: weekends a little busier, the promotion day 4x."""
    promo = promo_day(days)
    weights = []
    for d in range(days):
        weekday = ((start + 8 * HOUR) // DAY + d + 3) % 7  # 1970-01-01 was a Thursday (3)
        w = 1.12 if weekday >= 5 else 1.0
        w *= {promo - 1: 1.5, promo: 4.0, promo + 1: 1.3}.get(d, 1.0)
        weights.append(w)
    total = sum(weights)
    shares = [orders * w / total for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(days), key=lambda d: (counts[d] - shares[d], d))
    for d in by_remainder[: orders - sum(counts)]:
        counts[d] += 1
    return counts


class EventStream(Iterator[dict[str, object]]):
    """The events of one simulation in arrival order: iterate for dicts, or ask for `lines()`.

    `lines()` renders the same run straight to JSON text, byte for byte what `write_jsonl`
    writes for the dicts, without building them: a big file is written in half the time.
    """

    def __init__(self, orders: int, seed: int, start: int, days: int) -> None:
        self._args = (orders, seed, start, days)
        self._dicts: Iterator[dict[str, object]] | None = None

    def __next__(self) -> dict[str, object]:
        if self._dicts is None:
            self._dicts = chain.from_iterable(_run(*self._args, as_dicts))
        return next(self._dicts)

    @property
    def started(self) -> bool:
        """Whether iteration as dicts has begun."""
        return self._dicts is not None

    def lines(self) -> Iterator[str]:
        """The events as compact JSON lines (no newline); a fresh run, whatever was consumed."""
        return chain.from_iterable(_run(*self._args, as_lines))


def simulate_events(orders: int, seed: int, start: datetime | None = None,
                    days: int = 30) -> EventStream:
    """Events of `orders` orders placed over `days` days from `start`, in arrival order.

    The same arguments give the same events; about 0.5 % arrive late and 0.2 % twice.
    """
    if orders < 0 or days < 1:
        raise ValueError(f"need orders >= 0 and days >= 1, got {orders} and {days}")
    return EventStream(orders, seed, _start_epoch(start), days)


def _run(orders: int, seed: int, t0: int, days: int,
         render: Callable[[Timeline], list[tuple[int, T]]]) -> Iterator[list[T]]:
    """Draw the orders day by day; after each day, release the events that arrived in it.

    No event of a later day's order can come before that day, so at the end of each day the
    pending events are sorted by arrival and those before midnight are handed out.
    """
    rng = Random(seed)
    world = World(rng, orders)
    promo = t0 + promo_day(days) * DAY
    notices = build_notices(seed, t0, days)
    maker = OrderMaker(world, notices, (promo, promo + DAY), as_json=render is as_lines)
    courier: _Courier[T] = _Courier(rng)
    hour0 = (t0 + 8 * HOUR) // HOUR % 24
    first = itemgetter(0)
    for day, count in enumerate(_orders_per_day(orders, days, t0)):
        table = _PROMO_HOURS if t0 + day * DAY == promo else _HOURS
        cum = list(accumulate(table[(hour0 + h) % 24] for h in range(24)))
        base, total, rand = t0 + day * DAY, cum[-1], rng.random
        placed = sorted(base + bisect(cum, rand() * total) * HOUR + int(rand() * HOUR)
                        for _ in range(count))
        i = 0
        while i < count:
            # a merged twin comes up to 30 minutes later: room for it, and still today
            room = count - i if placed[i] < base + DAY - 1800 else 1
            timelines = place(maker, placed[i], room)
            i += len(timelines)
            for tl in timelines:
                courier.deliver(render(tl))
        pending = courier.pending
        pending.sort(key=first)
        cut = bisect_left(pending, base + DAY, key=first)
        yield [ev for _, ev in pending[:cut]]
        del pending[:cut]
    yield [ev for _, ev in courier.pending]


class _Courier(Generic[T]):
    """Files events with their arrival time: most on time, about 0.5 % late, 0.2 % twice.

    The gap to the next misdelivered event is drawn once (geometric), not a coin per event.
    """

    _SHARE = LATE_SHARE + DUPLICATE_SHARE
    _LOG_ON_TIME = math.log(1.0 - _SHARE)

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self.pending: list[tuple[int, T]] = []
        self.gap = self._next_gap()

    def _next_gap(self) -> int:
        return int(math.log(1.0 - self.rng.random()) / self._LOG_ON_TIME)

    def deliver(self, events: list[tuple[int, T]]) -> None:
        """File (time, event) pairs of one order."""
        if self.gap >= len(events):
            self.gap -= len(events)
            self.pending.extend(events)
            return
        rng, add = self.rng, self.pending.append
        for t, ev in events:
            if self.gap:
                self.gap -= 1
            elif rng.random() < LATE_SHARE / self._SHARE:
                self.gap = self._next_gap()
                t += rng.randrange(600, 36 * HOUR)
            else:
                self.gap = self._next_gap()
                add((t + rng.randrange(1, 6 * HOUR), copy(ev)))
            add((t, ev))


def simulate_announcements(seed: int, start: datetime | None = None,
                           days: int = 30) -> list[dict[str, object]]:
    """The platform notices `simulate_events` honours for the same seed, start and days."""
    if days < 1:
        raise ValueError(f"need days >= 1, got {days}")
    return [n.as_dict() for n in build_notices(seed, _start_epoch(start), days)]


def write_jsonl(events: Iterable[dict[str, object]], path: Path,
                progress: Callable[[int], object] | None = None) -> int:
    """Write one compact UTF-8 JSON object per line; returns the number of lines written.

    A fresh `EventStream` is written from its `lines()`, without building dicts (keep it
    unwrapped to get that speed; `progress` is called with the lines written so far instead).
    """
    if isinstance(events, EventStream) and not events.started:
        lines: Iterator[str] = events.lines()
    else:
        lines = map(encode, events)
    n = 0
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        while chunk := list(islice(lines, 8192)):
            out.write("\n".join(chunk))
            out.write("\n")
            n += len(chunk)
            if progress is not None:
                progress(n)
    return n

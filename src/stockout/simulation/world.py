"""The cast of a simulated marketplace (regions, carriers, shops, SKUs, buyers, notices), drawn
once per run from the seed; times are epoch seconds, written in +08:00 (China has no DST)."""

from __future__ import annotations

import math
from bisect import bisect
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from random import Random

HOUR = 3600
DAY = 86400
_CST = 8 * HOUR

# (province, weight as a merchant's ship-from region, weight as a buyer's region)
REGIONS: tuple[tuple[str, float, float], ...] = (
    ("广东", 20, 8), ("浙江", 18, 5), ("江苏", 8, 6), ("福建", 8, 3), ("山东", 7, 7),
    ("河北", 6, 5), ("河南", 3, 7), ("上海", 4, 2.5), ("北京", 2, 2), ("安徽", 3, 4.5),
    ("湖北", 2, 4), ("湖南", 2, 4.5), ("四川", 2, 6), ("江西", 1.5, 3), ("广西", 1, 3.5),
    ("辽宁", 1, 3), ("陕西", 1, 3), ("云南", 0.8, 3), ("重庆", 1, 2.3), ("天津", 1, 1.2),
    ("山西", 0.5, 2.5), ("贵州", 0.5, 2.8), ("黑龙江", 0.5, 2.3), ("吉林", 0.5, 1.7),
    ("甘肃", 0.2, 1.8), ("海南", 0.3, 0.8), ("内蒙古", 0.3, 1.7), ("新疆", 0.3, 1.8),
    ("宁夏", 0.1, 0.5), ("青海", 0.05, 0.4), ("西藏", 0.05, 0.25),
)
REGION_NAMES: tuple[str, ...] = tuple(r[0] for r in REGIONS)
REMOTE: frozenset[str] = frozenset({"新疆", "西藏", "青海", "内蒙古", "宁夏", "甘肃"})
HUBS: tuple[str, ...] = ("湖北", "河南", "湖南", "江西", "陕西", "安徽", "江苏", "浙江", "四川")

# (carrier, tracking prefix, digits after it, share of shops using it)
CARRIERS: tuple[tuple[str, str, int, float], ...] = (
    ("中通", "ZT", 12, 25), ("圆通", "YT", 13, 17), ("韵达", "YD", 13, 16),
    ("申通", "ST", 12, 11), ("极兔", "JT", 13, 17), ("邮政", "98", 11, 6), ("顺丰", "SF", 13, 5),
)
POST = 5  # index of 邮政, which most shops use for remote destinations

# (category, share of SKUs, median price in yuan, spread of the log-normal price)
CATEGORIES: tuple[tuple[str, float, float, float], ...] = (
    ("服饰", 28, 45, 0.8), ("食品", 22, 25, 0.7), ("生鲜", 10, 40, 0.6),
    ("家居", 18, 35, 0.9), ("数码", 10, 90, 1.3), ("美妆", 12, 60, 0.9),
)
# Prices that sit exactly on or beside the rule thresholds (¥20, ¥100, ¥300).
BOUNDARY_PRICES: tuple[int, ...] = (1990, 2000, 9990, 10000, 29990, 30000, 30001, 30100)

PROFILES: tuple[str, ...] = ("good", "sloppy", "fraud")
_PROFILE_CUM: tuple[float, ...] = (0.85, 0.97, 1.0)


def _civil(days: int) -> tuple[int, int, int]:
    """Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm)."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (m <= 2), m, d


@lru_cache(maxsize=4096)
def _date_prefix(days: int) -> str:
    y, m, d = _civil(days)
    return f"{y:04d}-{m:02d}-{d:02d}T"


@lru_cache(maxsize=4096)
def yymmdd(days: int) -> str:
    """The yymmdd of a day count since 1970-01-01 (order numbers start with it)."""
    y, m, d = _civil(days)
    return f"{y % 100:02d}{m:02d}{d:02d}"


_HHMM: tuple[str, ...] = tuple(f"{m // 60:02d}:{m % 60:02d}:" for m in range(1440))
_SS: tuple[str, ...] = tuple(f"{s:02d}+08:00" for s in range(60))


def fmt(t: int) -> str:
    """RFC 3339 in +08:00 to the second, for epoch seconds `t`."""
    days, sec = divmod(t + _CST, DAY)
    minute, sec = divmod(sec, 60)
    return _date_prefix(days) + _HHMM[minute] + _SS[sec]


def local_day(t: int) -> int:
    """The Asia/Shanghai calendar day of `t`, as days since 1970-01-01."""
    return (t + _CST) // DAY


def end_of_local_day(t: int) -> int:
    """23:59:59 (+08:00) of the day `t` falls on."""
    return (local_day(t) + 1) * DAY - _CST - 1


@dataclass(frozen=True, slots=True)
class Sku:
    sku_id: str
    category: str
    price_cents: int


@dataclass(frozen=True, slots=True)
class Shop:
    shop_id: str
    region: str
    profile: str
    carrier: int
    promise_hours: int | None
    skus: tuple[Sku, ...]


@dataclass(frozen=True, slots=True)
class Notice:
    """A platform announcement: deadlines in [starts, ends) that match every list move back."""

    id: str
    starts: int
    ends: int
    extend_hours: int
    ship_from_regions: tuple[str, ...] = ()
    ship_to_regions: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    def extension(self, deadline: int, src: str, dst: str, category: str | None) -> int:
        """Seconds this notice adds to `deadline` for an order with these attributes."""
        if not self.starts <= deadline < self.ends:
            return 0
        if self.ship_from_regions and src not in self.ship_from_regions:
            return 0
        if self.ship_to_regions and dst not in self.ship_to_regions:
            return 0
        if self.categories and category not in self.categories:
            return 0
        return self.extend_hours * HOUR

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.id, "starts": fmt(self.starts), "ends": fmt(self.ends),
            "extend_hours": self.extend_hours,
        }
        for key in ("ship_from_regions", "ship_to_regions", "categories"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        return out


def _price(rng: Random, median: float, spread: float) -> int:
    if rng.random() < 0.02:
        return rng.choice(BOUNDARY_PRICES)
    yuan = min(max(rng.lognormvariate(math.log(median), spread), 1.5), 8999.0)
    if yuan < 50:
        return int(yuan) * 100 + rng.choice((90, 90, 80, 0))
    return int(yuan) * 100 + rng.choice((0, 0, 90, 99))


class World:
    """Shops (with SKUs and a reliability profile), buyers, and id makers for one run."""

    def __init__(self, rng: Random, orders: int) -> None:
        self.rng = rng
        cat_cum = list(accumulate(c[1] for c in CATEGORIES))
        src_cum = list(accumulate(r[1] for r in REGIONS))
        dst_cum = list(accumulate(r[2] for r in REGIONS))
        car_cum = list(accumulate(c[3] for c in CARRIERS))
        self._mix = rng.randrange(10**15)
        shops: list[Shop] = []
        weights: list[float] = []
        for i in range(max(50, orders // 20)):
            profile = PROFILES[bisect(_PROFILE_CUM, rng.random())]
            main = bisect(cat_cum, rng.random() * cat_cum[-1])
            skus = []
            for j in range(rng.randint(3, 8)):
                cat = CATEGORIES[main] if rng.random() < 0.8 else rng.choices(CATEGORIES)[0]
                sku_id = f"K{(i * 16 + j) * 7919 % 10**9:09d}"
                skus.append(Sku(sku_id, cat[0], _price(rng, cat[2], cat[3])))
            shops.append(Shop(
                shop_id=f"S{(i * 104729 + 1000003) % 10**8:08d}",
                region=REGION_NAMES[bisect(src_cum, rng.random() * src_cum[-1])],
                profile=profile,
                carrier=bisect(car_cum, rng.random() * car_cum[-1]),
                promise_hours=24 if rng.random() < 0.1 else None,
                skus=tuple(skus),
            ))
            weights.append(min(rng.paretovariate(1.3), 200.0))
        self.shops = shops
        self._shop_cum = list(accumulate(weights))
        sloppy = [k for k, s in enumerate(shops) if s.profile == "sloppy"] or [0]
        self.oversold = shops[max(sloppy, key=lambda k: weights[k])]
        n_buyers = max(200, orders // 3)
        self.buyer_regions = [
            REGION_NAMES[bisect(dst_cum, rng.random() * dst_cum[-1])] for _ in range(n_buyers)
        ]
        self.buyer_ids = [f"B{(b * 7919 + 5003) % 10**9:09d}" for b in range(n_buyers)]
        self._tracking = 0

    def pick_shop(self) -> Shop:
        cum = self._shop_cum
        return self.shops[bisect(cum, self.rng.random() * cum[-1])]

    def pick_buyer(self) -> int:
        return int(self.rng.random() * len(self.buyer_regions))

    def order_id(self, seq: int, placed: int) -> str:
        """Pinduoduo-style order number: yymmdd of placement, a dash, 15 unique digits."""
        return f"{yymmdd(local_day(placed))}-{(seq * 982451653 + self._mix) % 10**15:015d}"

    def tracking_no(self, carrier: int) -> str:
        """A tracking number no other order of this run has (unless reused on purpose)."""
        self._tracking += 1
        _, prefix, digits, _ = CARRIERS[carrier]
        return f"{prefix}{(self._tracking * 7777777 + self._mix) % 10**digits:0{digits}d}"


def promo_day(days: int) -> int:
    """The big promotion's day in the period: the 18th (6·18 with the default start)."""
    return min(days - 1, 17)


def build_notices(seed: int, start: int, days: int) -> list[Notice]:
    """The promotion's extension and weather notices; never two at once, so none stack."""
    rng = Random(f"stockout-notices:{seed}")
    promo = promo_day(days)
    base = start - (start + _CST) % DAY
    notices = [Notice(f"ANN-PROMO-{promo + 1:02d}", base + (promo + 1) * DAY,
                      base + (promo + 4) * DAY, 24)]
    taken = set(range(promo, promo + 5))
    weather = (
        ("TYPHOON", 3, 48, {"ship_from_regions": ("广东", "福建", "海南")}),
        ("RAIN", 2, 24, {"ship_from_regions": ("江西", "湖南", "湖北", "安徽", "浙江")}),
        ("ROADS", 3, 72, {"ship_to_regions": ("新疆", "西藏", "青海")}),
        ("HEAT", 2, 24, {"categories": ("生鲜",)}),
    )
    for name, length, extend, lists in weather:
        free = [d for d in range(days - length + 1)
                if not taken.intersection(range(d, d + length))]
        if not free:
            continue
        day = rng.choice(free)
        taken.update(range(day - 1, day + length + 1))
        picked = {k: tuple(sorted(rng.sample(v, max(1, len(v) - 1)))) for k, v in lists.items()}
        notices.append(Notice(f"ANN-{name}-{day + 1:02d}", base + day * DAY,
                              base + (day + length) * DAY, extend, **picked))
    return sorted(notices, key=lambda n: n.starts)

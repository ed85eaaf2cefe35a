"""The vendor's values read strictly: yuan amounts to integer fen through `Decimal` (never
float), Beijing-time strings and epoch seconds to aware instants, provinces to short names.

Every failure is a `FieldError` naming the record (order or waybill) and the field, so that one
bad record is reported and the rest of its page is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from stockout.domain.money import MAX_CENTS
from stockout.domain.times import SHANGHAI, UTC


class FieldError(ValueError):
    """A vendor field that cannot be mapped: which record, which field, why."""

    def __init__(self, record: str, field: str, reason: str) -> None:
        super().__init__(f"{record}: {field}: {reason}")
        self.record = record
        self.field = field
        self.reason = reason


def fen(record: str, field: str, value: Any) -> int:
    """Yuan (a JSON number or a string, "11.01") to integer fen, exactly."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FieldError(record, field, f"not an amount in yuan: {value!r}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldError(record, field, f"not an amount in yuan: {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise FieldError(record, field, f"not an amount in yuan: {value!r}")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise FieldError(record, field, f"more than two decimals of yuan: {value!r}")
    if cents > MAX_CENTS:
        raise FieldError(record, field, f"amount out of range: {value!r}")
    return int(cents)


def beijing_time(record: str, field: str, value: Any) -> datetime | None:
    """"yyyy-MM-dd HH:mm:ss" in Beijing time (the order APIs); "" or null: not yet."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FieldError(record, field, f"not a time: {value!r}")
    try:
        local = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise FieldError(record, field, f"not a time 'yyyy-MM-dd HH:mm:ss': {value!r}") from None
    return local.replace(tzinfo=SHANGHAI).astimezone(UTC)


def epoch_or_beijing(record: str, field: str, value: Any) -> datetime | None:
    """Epoch seconds as a number or a string (the refund list: "1551612204"); a Beijing-time
    string is accepted too, since copies of the document disagree."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and not value.strip().isdigit():
        return beijing_time(record, field, value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FieldError(record, field, f"not a time: {value!r}")
    seconds = int(value)
    if seconds > 10**11:  # milliseconds (the refund detail API uses them)
        seconds //= 1000
    return datetime.fromtimestamp(seconds, UTC)


def required(record: str, obj: Mapping[str, Any], field: str) -> Any:
    value = obj.get(field)
    if value is None or value == "":
        raise FieldError(record, field, "missing")
    return value


def integer(record: str, field: str, value: Any) -> int:
    """An int, or a string of digits (the SDKs disagree on several enum and id types)."""
    if isinstance(value, bool):
        raise FieldError(record, field, f"not an integer: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise FieldError(record, field, f"not an integer: {value!r}")


def identifier(record: str, field: str, value: Any) -> str:
    """An id kept as a string (`sku_id` is an i64 in some SDKs, a string in others)."""
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value).strip() == "":
        raise FieldError(record, field, f"not an id: {value!r}")
    return str(value).strip()


_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


def short_region(name: str) -> str:
    """"广东省" -> "广东", "广西壮族自治区" -> "广西", "上海市浦东新区" -> "上海": the short province
    names announcements and rule packs use (also for a carrier's area "广东省,深圳市")."""
    head = name.replace("，", ",").split(",")[0].strip()
    cuts = [i for i in (head.find(s) for s in _SUFFIXES) if i > 0]
    return head[: min(cuts)] if cuts else head

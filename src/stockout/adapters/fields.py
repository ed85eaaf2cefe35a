"""The value types every input model shares (events, announcements, API bodies, queries; path
ids: `api.path_params`): each says in its JSON Schema what it accepts, and a value outside it is
refused naming the field, never taken in to fail later (a 500, a row the store cannot hold, an
id that cannot be read back).

- times: RFC 3339 strings with an offset only (not numbers, not "1700000000"), within
  2000-01-01 .. 2100-01-01 (UTC);
- ids: 1 to 128 printable characters, not only spaces, without `/`;
- text: valid Unicode (no lone surrogates) without NUL;
- integers: JSON integers only (not "100"), within the column's range; hours finite.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    StrictInt,
)
from pydantic_core import PydanticCustomError

from stockout.domain.inventory import MAX_UNITS
from stockout.domain.money import MAX_CENTS
from stockout.domain.times import UTC

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_ID_LENGTH = 128
MAX_ROW_ID = 2**63 - 1  # a BIGINT: the largest id a stored row can have
MAX_HOURS = 24 * 366  # a promise or an extension of more than a year is a typing error

# The offset is checked by the type itself (`AwareDatetime`: "time without offset").
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})?")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# Ids: no control character, no `/`, at least one character that is not a space.
ID_PATTERN = r"^[^/\x00-\x1f\x7f]*[^/\s\x00-\x1f\x7f][^/\x00-\x1f\x7f]*$"
TEXT_PATTERN = r"^[^\x00]*$"


def _rfc3339(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise PydanticCustomError(
            "rfc3339", "must be an RFC 3339 time with its offset, like 2025-03-03T10:00:00+08:00")
    return value


def _in_range(value: datetime) -> datetime:
    # The year first: an offset near year 1 or 9999 cannot even be converted to UTC.
    if not 1999 <= value.year <= 2100 or not EARLIEST <= value < LATEST:
        raise PydanticCustomError("time_range", "must be from 2000-01-01 to 2100-01-01")
    return value


def _day(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise PydanticCustomError("day", "must be a calendar day, like 2025-03-03")
    return value


def _day_in_range(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise PydanticCustomError("day_range", "must be from 2000-01-01 to 2099-12-31")
    return value


def _printable(value: str) -> str:
    if not value.isprintable():
        raise PydanticCustomError("id_printable", "must be printable characters only")
    return value


def _unicode(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("unicode", "must be valid Unicode (no lone surrogates)"
                                  ) from None
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(_in_range)]
Day = Annotated[date, BeforeValidator(_day), AfterValidator(_day_in_range)]
Id = Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN),
               AfterValidator(_printable)]
Text = Annotated[str, Field(pattern=TEXT_PATTERN), AfterValidator(_unicode)]
NonEmptyText = Annotated[str, Field(min_length=1, pattern=TEXT_PATTERN), AfterValidator(_unicode)]
Units = Annotated[StrictInt, Field(ge=1, le=MAX_UNITS)]
Cents = Annotated[StrictInt, Field(ge=0, le=MAX_CENTS)]
Hours = Annotated[float, Field(gt=0, le=MAX_HOURS, allow_inf_nan=False)]
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]




def _text(max_length: int, min_length: int = 0) -> Any:
    return Field(min_length=min_length, max_length=max_length, pattern=TEXT_PATTERN)


Note = Annotated[str, _text(500), AfterValidator(_unicode)]  # a reason, a title
RequiredNote = Annotated[str, _text(500, 1), AfterValidator(_unicode)]
Words = Annotated[str, _text(2000), AfterValidator(_unicode)]  # a statement, a message
RequiredWords = Annotated[str, _text(2000, 1), AfterValidator(_unicode)]
Statement = Annotated[str, _text(5000), AfterValidator(_unicode)]

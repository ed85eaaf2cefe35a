"""The console's pages: one router per kind of user, and the pages they share."""

from __future__ import annotations

from datetime import datetime

from stockout.domain.times import SHANGHAI


def local_time(value: str, field: str) -> datetime:
    """A `datetime-local` field (no offset) read as Beijing time; one with an offset as given."""
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{field}: not a date and time: {value!r}") from None
    return at.replace(tzinfo=SHANGHAI) if at.tzinfo is None else at

"""The one root of stockout's errors: a failure with a stable code, its message, and where known
the input `field` or the pack `rule` that refused it. What a code means to HTTP clients and to
the command line is decided once, outside the domain (`stockout.errors`)."""

from __future__ import annotations

from typing import Any, ClassVar


class StockoutError(Exception):
    """A failure stockout names. `family` is the kind of failure (the problem type); `code` is
    stable and says which one within it (the family itself unless refined: a report refused by
    the daily limit has family `report-refused` and code `daily_limit`); `full_code` joins them."""

    family: ClassVar[str] = "error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 rule: str | None = None) -> None:
        super().__init__(message)
        self.code: str = code if code is not None else self.family
        self.field = field
        self.rule = rule

    @property
    def full_code(self) -> str:
        """`family` or `family.code`: what the table of outcomes is looked up by."""
        return self.family if self.code == self.family else f"{self.family}.{self.code}"

    def problem_detail(self) -> str:
        """The sentence a problem document or an error line shows."""
        return str(self)

    def problem_fields(self) -> dict[str, Any]:
        """What a problem document says beyond type, title, status, detail and instance."""
        extra: dict[str, Any] = {}
        if self.field is not None:
            extra["field"] = self.field
        if self.rule is not None:
            extra["rule"] = self.rule
        return extra


class InvalidInput(StockoutError, ValueError):
    """A value the contract does not allow; `field` names it."""

    family = "invalid-request"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", field=field)
        self.reason = reason

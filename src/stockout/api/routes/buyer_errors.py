"""The buyer's side's refusals as problem details: `code` names the rule, `rule` the pack key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from stockout.api.problems import Problem
from stockout.domain.aftersales import AftersaleRefused, Refusal
from stockout.services.contact.feedback import FeedbackAnswered
from stockout.services.contact.messages import BadText
from stockout.services.contact.tickets import TicketRefused

T = TypeVar("T")
_UNPROCESSABLE = {Refusal.REASON_REQUIRED, Refusal.TRACKING_REQUIRED}


def guarded(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a service; its business refusals become 409 (the state does not allow the step)
    or 422 (a field is missing or wrong)."""
    try:
        return fn(*args, **kwargs)
    except AftersaleRefused as exc:
        status = 422 if exc.reason in _UNPROCESSABLE else 409
        raise Problem(status, str(exc), "aftersale-refused", code=exc.reason.value,
                      rule=exc.rule or None) from None
    except BadText as exc:
        raise Problem(422, str(exc), "invalid-text", field=exc.field) from None
    except TicketRefused as exc:
        raise Problem(409 if exc.step != "list" else 422, str(exc), "ticket-refused",
                      code=exc.step, state=exc.state) from None
    except FeedbackAnswered as exc:
        raise Problem(409, str(exc), "feedback-answered") from None

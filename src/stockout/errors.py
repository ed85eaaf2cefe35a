"""Every error stockout names, mapped once: from its code to the HTTP status and problem type
the API answers, and to the exit code a command ends with. The API's problem handler, the
console's error page and the command line's failure path all read this table.

A code is `family` or `family.detail` (`report-refused.daily_limit`); a detail not listed falls
back to its family. The family is the problem type's last segment (`/problems/report-refused`).
"""

from __future__ import annotations

from dataclasses import dataclass

from stockout.domain.errors import InvalidInput, StockoutError

__all__ = ["OUTCOMES", "InvalidInput", "Outcome", "StockoutError", "outcome", "outcome_of"]

# Exit codes: 1 the command was understood and refused (or found nothing), 2 bad usage.
REFUSED, USAGE = 1, 2


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int  # HTTP
    type: str  # the problem type URI (RFC 9457)
    exit_code: int  # the command line's


def _o(status: int, family: str, exit_code: int = REFUSED) -> Outcome:
    return Outcome(status, f"/problems/{family}", exit_code)


OUTCOMES: dict[str, Outcome] = {
    "error": _o(500, "internal"),
    "internal": _o(500, "internal"),
    "database-unavailable": _o(503, "database-unavailable"),
    # The request itself.
    "invalid-request": _o(422, "invalid-request", USAGE),
    "not-an-array": _o(422, "not-an-array", USAGE),
    "bad-cursor": _o(400, "bad-cursor", USAGE),
    "unauthorized": _o(401, "unauthorized", USAGE),
    "forbidden": _o(403, "forbidden"),
    "csrf-refused": _o(403, "csrf-refused"),
    "not-found": _o(404, "not-found"),
    "conflict": _o(409, "conflict"),
    # Events and announcements.
    "too-many-events": _o(413, "too-many-events", USAGE),
    "events-refused": _o(409, "events-refused"),
    "invalid-event": _o(422, "invalid-event", USAGE),
    "invalid-announcement": _o(422, "invalid-announcement", USAGE),
    "announcement-conflict": _o(409, "conflict"),
    "bad-announcements": _o(422, "bad-announcements", USAGE),
    # Appeals and coupons.
    "invalid-appeal": _o(422, "invalid-appeal", USAGE),
    "invalid-evidence": _o(422, "invalid-evidence", USAGE),
    "invalid-evidence.too_large": _o(413, "invalid-evidence", USAGE),
    "appeal-refused": _o(409, "appeal-refused"),
    "appeal-decided": _o(409, "appeal-decided"),
    "coupon-not-redeemable": _o(409, "coupon-not-redeemable"),
    # Reports, remedies, stock, triage.
    "report-refused": _o(409, "report-refused"),
    "report-refused.campaign": _o(422, "report-refused"),
    "report-refused.daily_limit": _o(429, "report-refused"),
    "remedy-refused": _o(422, "remedy-refused"),
    "remedy-refused.no_stockout": _o(404, "remedy-refused"),
    "remedy-refused.already_chosen": _o(409, "remedy-refused"),
    "remedy-refused.window_closed": _o(409, "remedy-refused"),
    "ledger-refused": _o(422, "ledger-refused"),
    "unknown-sku": _o(404, "not-found"),
    "capacity-not-set": _o(409, "capacity-not-set"),
    "triage-decision-refused": _o(409, "triage-decision-refused"),
    # The buyer's side.
    "aftersale-refused": _o(409, "aftersale-refused"),
    "aftersale-refused.reason_required": _o(422, "aftersale-refused"),
    "aftersale-refused.tracking_required": _o(422, "aftersale-refused"),
    "invalid-text": _o(422, "invalid-text", USAGE),
    "ticket-refused": _o(409, "ticket-refused"),
    "ticket-refused.list": _o(422, "ticket-refused", USAGE),
    "feedback-answered": _o(409, "feedback-answered"),
    # Set-up: packs, files, engines, databases, tokens, syncs.
    "invalid-pack": _o(422, "invalid-pack", USAGE),
    "bad-input": _o(422, "bad-input", USAGE),
    "engine-unavailable": _o(503, "engine-unavailable", USAGE),
    "bad-database-url": _o(500, "bad-database-url", USAGE),
    "bad-token-request": _o(422, "bad-token-request", USAGE),
    "no-start": _o(422, "no-start", USAGE),
}


def outcome(code: str) -> Outcome:
    """The outcome of a code: its own row, else its family's, else an internal error."""
    found = OUTCOMES.get(code) or OUTCOMES.get(code.split(".", 1)[0])
    return found or OUTCOMES["internal"]


def outcome_of(exc: StockoutError) -> Outcome:
    return outcome(exc.full_code)

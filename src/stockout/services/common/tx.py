"""Run a use case in one transaction, again from the start when the database asks for it
(a deadlock or serialization failure on PostgreSQL, a busy database on SQLite)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from stockout.services.common.steps import step
from stockout.store.uow import UnitOfWork

T = TypeVar("T")
ATTEMPTS = 6


def in_transaction(uow: UnitOfWork, work: Callable[[UnitOfWork], T]) -> T:
    """`work(uow)` inside `with uow:`, committed; retried whole when the failure is transient."""
    for attempt in range(ATTEMPTS):
        try:
            with uow:
                result = work(uow)
                with step("commit"):
                    uow.commit()
                return result
        except Exception as exc:
            if attempt + 1 < ATTEMPTS and uow.is_retryable(exc):
                time.sleep(0.005 * 2 ** attempt * (1 + random.random()))
                continue
            raise
    raise AssertionError("unreachable")

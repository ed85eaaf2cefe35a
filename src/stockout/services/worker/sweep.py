"""Use cases of the worker: re-judge the orders whose next check is due, and deliver the
outbox. Due orders come from an index on `next_due_at`, so a sweep costs what is due, not the
number of orders kept."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from stockout.domain.rulebook import RulePack
from stockout.services.access.principals import WORKER
from stockout.services.aftersales.cases import settle_due as settle_aftersales
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.judging.adjudicate import rejudge
from stockout.services.judging.rules import Rules
from stockout.services.notifications import notices
from stockout.services.notifications.delivery import Notifier
from stockout.services.remedies.choices import settle_due
from stockout.services.reputation.measures import end_due_measures, review_product_measures
from stockout.store.uow import UnitOfWork

SWEEP_BATCH = 500
DELIVERY_BATCH = 200


@dataclass(slots=True)
class SweepReport:
    due: int = 0
    issued: int = 0
    voided: int = 0
    batches: int = 0
    remedies: int = 0  # remedies settled: defaults applied, promised dates checked
    aftersales: int = 0  # after-sales steps a party's silence decided
    measures_ended: int = 0  # ended (time passed) or lifted (cause gone)


def sweep_due(uow: UnitOfWork, rules: Rules, clock: Clock, batch: int = SWEEP_BATCH,
              max_batches: int | None = None) -> SweepReport:
    """Re-judge every order due by now, `batch` orders a transaction, earliest first; then
    settle the remedies that fell due (`services.remedies.choices.settle_due`)."""
    report = SweepReport()

    def one(uow: UnitOfWork) -> int:
        now = clock.now()
        ids = uow.orders.due(now, batch)
        if ids:
            outcome = rejudge(uow, rules, ids, now, WORKER.actor, "due")
            report.issued += outcome.issued
            report.voided += outcome.voided
        return len(ids)

    limit = max_batches
    if limit is None:
        with uow.reader() as view:
            limit = view.orders.due_count(clock.now()) // batch + 5
    while report.batches < limit:
        n = in_transaction(uow, one)
        if n == 0:
            break
        report.due += n
        report.batches += 1
        if n < batch:
            break
    report.remedies = settle_due(uow, rules, clock)
    report.aftersales = settle_aftersales(uow, rules, clock)
    report.measures_ended = in_transaction(
        uow, lambda uow: end_due_measures(uow, clock.now(), WORKER.actor))
    reviewed = in_transaction(uow, lambda uow: review_product_measures(
        uow, rules.book, clock.now(), WORKER.actor))
    report.measures_ended += reviewed.ended + reviewed.lifted
    return report


def _message(row: dict[str, Any], packs: Sequence[RulePack]) -> dict[str, Any]:
    payload = notices.with_texts(json.loads(row["payload"]), packs)
    payload["recipient"] = {"role": row["recipient_role"], "id": row["recipient_id"]}
    payload["attempt"] = int(row["attempts"]) + 1
    return payload


def deliver_outbox(uow: UnitOfWork, clock: Clock, notifier: Notifier,
                   batch: int = DELIVERY_BATCH, packs: Sequence[RulePack] = ()) -> int:
    """Send what is pending, at least once: a message is marked delivered only after the
    notifier took it, so a crash in between sends it again (with the same dedupe key).
    `packs`: the server's rule packs, which a verdict's notice may quote (`with_texts`)."""
    sent = 0

    def one(uow: UnitOfWork) -> int:
        nonlocal sent
        now = clock.now()
        rows = uow.outbox.claim(now, batch)
        done: list[int] = []
        failed: list[tuple[int, str, Any]] = []
        for row in rows:
            try:
                notifier.send(_message(row, packs))
            except Exception as exc:  # the notifier's failure is recorded, the rest go on
                backoff = timedelta(seconds=min(3600, 30 * 2 ** int(row["attempts"])))
                failed.append((row["id"], f"{type(exc).__name__}: {exc}", now + backoff))
            else:
                done.append(row["id"])
        uow.outbox.delivered(done, now)
        uow.outbox.failed(failed)
        sent += len(done)
        return len(rows)

    while in_transaction(uow, one) == batch:
        pass
    return sent

"""Use case: a carrier's tracking push. The signature is checked over the raw body first; a push
that fails it is refused and logged, and nothing of it is read. A signed push's traces are kept
(the latest per waybill) and their scans ingested for the orders that uploaded the waybills, in
one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from stockout.adapters.carriers import kdniao, kuaidi100
from stockout.adapters.carriers.traces import Trace
from stockout.adapters.pdd.values import FieldError
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.judging.rules import Rules
from stockout.services.sync.traces import ingest_traces, keep_trace
from stockout.store.uow import UnitOfWork

log = logging.getLogger("stockout.carriers")


@dataclass(slots=True)
class PushOutcome:
    signed: bool
    accepted: int = 0
    duplicates: int = 0
    unmatched: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def receive_kuaidi100(uow: UnitOfWork, rules: Rules, clock: Clock, param: str, sign: str,
                      salt: str | None) -> PushOutcome:
    if not salt or not kuaidi100.signature_ok(param, sign, salt):
        log.warning("kuaidi100 push refused: bad signature (%d bytes)", len(param))
        return PushOutcome(signed=False)
    try:
        traces = [kuaidi100.read_push(param)]
    except FieldError as exc:
        log.warning("kuaidi100 push ignored: %s", exc)
        return PushOutcome(signed=True, errors=[str(exc)])
    return _ingest(uow, rules, clock, traces)


def receive_kdniao(uow: UnitOfWork, rules: Rules, clock: Clock, request_data: str, sign: str,
                   app_key: str | None) -> PushOutcome:
    if not app_key or not kdniao.signature_ok(request_data, sign, app_key):
        log.warning("kdniao push refused: bad signature (%d bytes)", len(request_data))
        return PushOutcome(signed=False)
    try:
        traces = kdniao.read_push(request_data)
    except FieldError as exc:
        log.warning("kdniao push ignored: %s", exc)
        return PushOutcome(signed=True, errors=[str(exc)])
    return _ingest(uow, rules, clock, traces)


def _ingest(uow: UnitOfWork, rules: Rules, clock: Clock, traces: list[Trace]) -> PushOutcome:
    now = clock.now()

    def work(u: UnitOfWork) -> PushOutcome:
        for trace in traces:
            keep_trace(u, trace, now)
        result, unmatched = ingest_traces(u, rules, now, traces)
        return PushOutcome(True, len(result.accepted), len(result.duplicates), unmatched,
                           [str(e) for t in traces for e in t.errors]
                           + [f"{r.event_id}: {r.reason}" for r in result.rejected])

    outcome = in_transaction(uow, work)
    for error in outcome.errors:
        log.warning("carrier push: %s", error)
    return outcome

"""The unit of work: one transaction and the repositories bound to it.

`with uow: ...; uow.commit()` -- leaving the block without `commit()` rolls back
(cosmicpython's pattern). A writing unit on SQLite queues behind the process's other writers
and holds the database's write lock from its first statement.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType
from typing import Any

from sqlalchemy.engine import Connection, RootTransaction

from stockout.store.announcements import AnnouncementRepo
from stockout.store.appeals import AppealRepo
from stockout.store.buyer import AftersaleRepo, FeedbackRepo, TicketRepo
from stockout.store.engine import Store
from stockout.store.events import EventRepo
from stockout.store.locks import LockBusy
from stockout.store.measures import MeasureRepo
from stockout.store.orders import OrderRepo, ReportRepo
from stockout.store.outbox import OutboxRepo
from stockout.store.remedies import CapacityRepo, RemedyRepo
from stockout.store.stock import StockRepo
from stockout.store.sync import SyncRepo
from stockout.store.tokens import AuditRepo, TokenRepo
from stockout.store.verdicts import CouponRepo, VerdictRepo


class UnitOfWork:
    events: EventRepo
    orders: OrderRepo
    reports: ReportRepo
    verdicts: VerdictRepo
    coupons: CouponRepo
    outbox: OutboxRepo
    announcements: AnnouncementRepo
    tokens: TokenRepo
    audit: AuditRepo
    stock: StockRepo
    remedies: RemedyRepo
    capacity: CapacityRepo
    appeals: AppealRepo
    measures: MeasureRepo
    sync: SyncRepo
    aftersales: AftersaleRepo
    tickets: TicketRepo
    feedback: FeedbackRepo

    def __init__(self, store: Store, readonly: bool = False) -> None:
        self.store = store
        self.readonly = readonly
        self._guard: AbstractContextManager[Any] | None = None
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None
        self._highest: int | None = None  # the highest lock key held by the transaction
        # Keys a try found busy: the next attempt takes them in order, with its first keys.
        self._foreseen: list[int] = []

    @property
    def shares_writes(self) -> bool:
        """True where writers run side by side and must lock what they share (PostgreSQL)."""
        return self.store.dialect.name == "postgresql"

    def __enter__(self) -> UnitOfWork:
        self._guard = nullcontext() if self.readonly else self.store.dialect.writer()
        self._guard.__enter__()
        try:
            conn = self.store.engine.connect()
            if self.readonly:
                conn = conn.execution_options(stockout_readonly=True)
            self._conn = conn
            self._tx = conn.begin()
            self._highest = None
        except BaseException:
            self._guard.__exit__(None, None, None)
            raise
        dialect = self.store.dialect
        self.events = EventRepo(conn, dialect)
        self.orders = OrderRepo(conn, dialect)
        self.reports = ReportRepo(conn, dialect)
        self.verdicts = VerdictRepo(conn, dialect)
        self.coupons = CouponRepo(conn, dialect)
        self.outbox = OutboxRepo(conn, dialect)
        self.announcements = AnnouncementRepo(conn, dialect)
        self.tokens = TokenRepo(conn)
        self.audit = AuditRepo(conn, dialect)
        self.stock = StockRepo(conn, dialect)
        self.remedies = RemedyRepo(conn, dialect)
        self.capacity = CapacityRepo(conn, dialect)
        self.appeals = AppealRepo(conn, dialect)
        self.measures = MeasureRepo(conn, dialect)
        self.sync = SyncRepo(conn, dialect)
        self.aftersales = AftersaleRepo(conn, dialect)
        self.tickets = TicketRepo(conn, dialect)
        self.feedback = FeedbackRepo(conn, dialect)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            if self._conn is not None:
                self._conn.close()
            self._conn = self._tx = None
            if self._guard is not None:
                self._guard.__exit__(kind, exc, tb)
                self._guard = None

    def reader(self) -> UnitOfWork:
        """A read-only unit of work on the same store (never waits for writers)."""
        return UnitOfWork(self.store, readonly=True)

    def commit(self) -> None:
        assert self._tx is not None, "commit outside `with uow:`"
        self._tx.commit()

    def lock(self, keys: list[int]) -> None:
        """Hold the keys (ascending: `locks.lock_plan`) until the transaction ends. Those not
        above every key already held are only tried (`locks.LockBusy` if one is busy, before
        any other key is waited for)."""
        self._take(keys, later=False)

    def lock_later(self, keys: list[int]) -> Callable[[], None]:
        """`lock`, the answer of the keys only tried called for when needed: the returned
        check raises `locks.LockBusy` if one was busy. Reads asked for `later` before the
        check travel with the try (one round trip where it costs one); nothing they read may
        be used before the check. The keys above every key held are waited for behind the
        try whatever its answer: that closes no circle of waits, and if the try failed the
        transaction starts again (`is_retryable`)."""
        return self._take(keys, later=True)

    def _take(self, keys: list[int], later: bool) -> Callable[[], None]:
        assert self._conn is not None
        highest = self._highest
        if highest is None:
            keys, self._foreseen = sorted({*keys, *self._foreseen}), []
        below = [k for k in keys if highest is not None and k <= highest]
        tried = self.store.dialect.try_lock_later(self._conn, below) if below else None

        def check() -> None:
            if tried is not None and not tried():
                self._foreseen = below
                raise LockBusy(below)
        if not later:
            check()
        self.store.dialect.lock(self._conn, keys[len(below):] if below else keys)
        if keys:
            self._highest = keys[-1] if highest is None else max(highest, keys[-1])
        return check if later else _held

    def is_retryable(self, exc: BaseException) -> bool:
        return isinstance(exc, LockBusy) or self.store.dialect.is_retryable(exc)


def _held() -> None:
    """The check of keys already known to be held."""

"""Group commit: the calls that threads of one process make at the same time run together, in
one transaction, and each caller gets its own answer.

A caller that finds no group running leads: it takes what is queued (its own item first) and
runs it; the callers that arrive meanwhile queue, and when the group ends the first of them
leads the next one. So a call alone runs at once, and under load each transaction carries what
queued during the previous one: one commit (one fsync, one round of fixed costs) for many
posts. The run answers every item of its group (a value or the exception to raise in that
caller's thread); nothing is answered before the run returns, so before its commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class _Waiting(Generic[T, R]):
    __slots__ = ("answer", "error", "item", "lead", "wake")

    def __init__(self, item: T) -> None:
        self.item = item
        self.wake = threading.Event()
        self.lead = False  # woken to lead the next group, not with an answer
        self.answer: R | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[T, R]):
    """`submit(item)` from any thread: `run` gets the items queued together (at most
    `size(item)`s adding up to `most`, at least one) and returns one answer per item, in order:
    a value, or an exception raised in that item's caller."""

    def __init__(self, run: Callable[[Sequence[T]], Sequence[R | BaseException]],
                 most: int, size: Callable[[T], int] = lambda _: 1) -> None:
        self._run = run
        self._most = most
        self._size = size
        self._lock = threading.Lock()
        self._queue: list[_Waiting[T, R]] = []
        self._running = False

    def submit(self, item: T) -> R:
        me: _Waiting[T, R] = _Waiting(item)
        with self._lock:
            self._queue.append(me)
            lead = not self._running
            self._running = True
        if not lead:
            me.wake.wait()
        if not me.wake.is_set() or me.lead:
            self._lead()
        if me.error is not None:
            raise me.error
        return me.answer  # type: ignore[return-value]

    def _lead(self) -> None:
        """Run the group at the head of the queue (the leader's own item is its first), then
        wake its callers and hand the lead to the first caller still waiting."""
        with self._lock:
            group, total = 0, 0
            for waiting in self._queue:
                total += self._size(waiting.item)
                if group and total > self._most:
                    break
                group += 1
            taken, self._queue = self._queue[:group], self._queue[group:]
        try:
            answers = list(self._run([w.item for w in taken]))
            if len(answers) != len(taken):
                raise RuntimeError(f"{len(answers)} answers for {len(taken)} items")
        except BaseException as exc:  # the run failed as a whole: each caller raises it
            answers = [exc] * len(taken)
        for waiting, answer in zip(taken, answers, strict=True):
            if isinstance(answer, BaseException):
                waiting.error = answer
            else:
                waiting.answer = answer
        with self._lock:
            following = self._queue[0] if self._queue else None
            if following is None:
                self._running = False
            else:
                following.lead = True
        for waiting in taken:
            waiting.wake.set()
        if following is not None:
            following.wake.set()

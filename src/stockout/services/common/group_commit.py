"""Group commit: the calls that threads of one process make at the same time run together, in
one transaction, and each caller gets its own answer.

A caller that finds no group running leads: it takes what is queued (its own item first) and
runs it; the callers that arrive meanwhile queue, and when the group ends the first of them
leads the next one. So a call alone runs at once, and under load each transaction carries what
queued during the previous one: one commit (one fsync, one round of fixed costs) for many
posts. The run answers every item of its group (a value or the exception to raise in that
caller's thread); nothing is answered before the run returns, so before its commit.

Callers on an event loop (`submit_async`, the HTTP endpoint) join the same queue without a
thread of their own: they never lead; a group that one of them would lead runs in the queue's
own thread, and each waits on a future that the run resolves (one wake-up of its loop a group).
So a post costs no trip to the thread pool and back, only its group does.

A run may hand the lead on before it ends (`hand_on`, its second argument): where writers run
side by side (PostgreSQL), a group's commit -- a round trip and the log's flush -- then overlaps
the next group's work, on another connection. At most `IN_FLIGHT` groups of callers on a loop
run at once; the answers still wait for each group's own run.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
IN_FLIGHT = 2  # groups of callers on a loop run at once: one committing, the next working


class _Waiting(Generic[T, R]):
    __slots__ = ("answer", "error", "future", "item", "lead", "loop", "wake")

    def __init__(self, item: T, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.item = item
        self.wake = threading.Event()
        self.lead = False  # woken to lead the next group, not with an answer
        self.answer: R | None = None
        self.error: BaseException | None = None
        # A caller on an event loop: answered through this future, in its loop's thread.
        self.loop = loop
        self.future: asyncio.Future[R] | None = loop.create_future() if loop else None


def _resolve(waiting: Sequence[_Waiting[T, R]]) -> None:
    """In the loop's thread: each future gets its answer (unless its caller went away)."""
    for w in waiting:
        assert w.future is not None
        if w.future.done():
            continue
        if w.error is not None:
            w.future.set_exception(w.error)
        else:
            w.future.set_result(w.answer)  # type: ignore[arg-type]


class GroupCommit(Generic[T, R]):
    """`submit(item)` from any thread: `run` gets the items queued together (at most
    `size(item)`s adding up to `most`, at least one) and returns one answer per item, in order:
    a value, or an exception raised in that item's caller. Its second argument, `hand_on()`,
    lets the next group start before the run ends (a run that never calls it keeps the lead
    to its end)."""

    def __init__(self, run: Callable[[Sequence[T], Callable[[], None]],
                                     Sequence[R | BaseException]],
                 most: int, size: Callable[[T], int] = lambda _: 1) -> None:
        self._run = run
        self._most = most
        self._size = size
        self._lock = threading.Lock()
        self._queue: list[_Waiting[T, R]] = []
        self._running = False
        self._thread: ThreadPoolExecutor | None = None  # leads for callers on a loop

    async def submit_async(self, item: T) -> R:
        """`submit` for a coroutine: the same queue, awaited without blocking the loop."""
        me: _Waiting[T, R] = _Waiting(item, asyncio.get_running_loop())
        with self._lock:
            self._queue.append(me)
            lead = not self._running
            self._running = True
        if lead:
            self._lead_elsewhere()
        assert me.future is not None
        return await me.future

    def _lead_elsewhere(self) -> None:
        """Lead the next group in the queue's own thread (its head waits on a loop)."""
        with self._lock:
            if self._thread is None:
                self._thread = ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="group-commit")
            thread = self._thread
        thread.submit(self._lead)

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
        wake its callers; the first caller still waiting leads the next group, when the run
        hands the lead on or else when it ends."""
        with self._lock:
            group, total = 0, 0
            for waiting in self._queue:
                total += self._size(waiting.item)
                if group and total > self._most:
                    break
                group += 1
            taken, self._queue = self._queue[:group], self._queue[group:]
        handed = False

        def hand_on() -> None:
            nonlocal handed
            if not handed:
                handed = True
                self._hand_on()

        try:
            answers = list(self._run([w.item for w in taken], hand_on))
            if len(answers) != len(taken):
                raise RuntimeError(f"{len(answers)} answers for {len(taken)} items")
        except BaseException as exc:  # the run failed as a whole: each caller raises it
            answers = [exc] * len(taken)
        for waiting, answer in zip(taken, answers, strict=True):
            if isinstance(answer, BaseException):
                waiting.error = answer
            else:
                waiting.answer = answer
        self._answer(taken)
        hand_on()

    @staticmethod
    def _answer(taken: Sequence[_Waiting[T, R]]) -> None:
        """Wake the group's callers: threads at once, each loop's callers in one call there."""
        loops: dict[asyncio.AbstractEventLoop, list[_Waiting[T, R]]] = {}
        for waiting in taken:
            if waiting.loop is None:
                waiting.wake.set()
            else:
                loops.setdefault(waiting.loop, []).append(waiting)
        for loop, waiting_there in loops.items():
            # A loop closed meanwhile has nobody waiting there any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, waiting_there)

    def _hand_on(self) -> None:
        """The first caller still queued leads the next group (in the queue's own thread for a
        caller on a loop); with none queued, the next caller to come leads."""
        with self._lock:
            following = self._queue[0] if self._queue else None
            if following is None:
                self._running = False
                return
            if following.loop is None:
                following.lead = True
        if following.loop is None:
            following.wake.set()
        else:
            self._lead_elsewhere()

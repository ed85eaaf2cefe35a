"""The group-commit queue: calls made at the same time run together, each caller gets its own
answer (or its own error), and a failed run fails only the callers of that group."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence

import pytest

from stockout.services.common.group_commit import GroupCommit


class Runs:
    """A run that waits, the first time, until `hold` is released (so that others queue)."""

    def __init__(self) -> None:
        self.groups: list[list[int]] = []
        self.hold = threading.Event()
        self.started = threading.Event()

    def __call__(self, items: Sequence[int], hand_on: Callable[[], None]
                 ) -> list[str | BaseException]:
        self.started.set()
        self.hold.wait(10)
        self.groups.append(list(items))
        if -1 in items:
            raise RuntimeError("the whole run broke")
        return [ValueError(f"bad {i}") if i == 13 else f"done {i}" for i in items]


def submit_all(queue: GroupCommit[int, str], runs: Runs, items: list[int]
               ) -> dict[int, str | BaseException]:
    """The first item alone (it leads and is held), the others queued behind it."""
    answers: dict[int, str | BaseException] = {}

    def call(i: int) -> None:
        try:
            answers[i] = queue.submit(i)
        except BaseException as exc:
            answers[i] = exc

    first = threading.Thread(target=call, args=(items[0],))
    first.start()
    assert runs.started.wait(10)
    others = [threading.Thread(target=call, args=(i,)) for i in items[1:]]
    for t in others:
        t.start()
    while len(queue._queue) < len(items) - 1:  # all queued behind the held run
        threading.Event().wait(0.001)
    runs.hold.set()
    for t in [first, *others]:
        t.join(10)
    return answers


def test_calls_made_during_a_run_are_run_together_and_each_gets_its_own_answer() -> None:
    runs = Runs()
    answers = submit_all(GroupCommit(runs, most=100), runs, [1, 2, 3, 4, 5])
    assert runs.groups[0] == [1]
    assert sorted(runs.groups[1]) == [2, 3, 4, 5]
    assert answers == {i: f"done {i}" for i in range(1, 6)}


def test_an_error_for_one_item_is_raised_in_its_callers_thread_only() -> None:
    runs = Runs()
    answers = submit_all(GroupCommit(runs, most=100), runs, [1, 2, 13, 4])
    assert isinstance(answers.pop(13), ValueError)
    assert answers == {1: "done 1", 2: "done 2", 4: "done 4"}


def test_a_run_that_fails_fails_its_own_group_and_the_next_group_still_runs() -> None:
    runs = Runs()
    queue: GroupCommit[int, str] = GroupCommit(runs, most=100)
    answers = submit_all(queue, runs, [-1, 2, 3])
    assert isinstance(answers[-1], RuntimeError)
    assert answers[2] == "done 2" and answers[3] == "done 3"
    assert queue.submit(7) == "done 7"


def test_a_group_holds_at_most_its_size_and_the_rest_follow() -> None:
    runs = Runs()
    queue: GroupCommit[int, str] = GroupCommit(runs, most=3, size=lambda i: 1)
    answers = submit_all(queue, runs, list(range(1, 9)))
    assert answers == {i: f"done {i}" for i in range(1, 9)}
    assert all(len(g) <= 3 for g in runs.groups)
    assert sorted(i for g in runs.groups for i in g) == list(range(1, 9))


def test_a_single_call_runs_at_once_in_the_callers_thread() -> None:
    seen: list[str] = []

    def run(items: Sequence[int], hand_on: Callable[[], None]) -> list[int | BaseException]:
        seen.append(threading.current_thread().name)
        return [i * 2 for i in items]

    queue: GroupCommit[int, int] = GroupCommit(run, most=10)
    assert queue.submit(21) == 42
    assert seen == [threading.current_thread().name]
    with pytest.raises(RuntimeError):
        GroupCommit(lambda items, hand_on: [], most=10).submit(1)  # a run that answers nobody


def test_callers_on_an_event_loop_join_the_same_groups_and_never_block_the_loop() -> None:
    """Coroutines queue behind a held run with threads; each gets its own answer or error; the
    runs happen off the loop's thread."""
    runs = Runs()
    queue: GroupCommit[int, str] = GroupCommit(runs, most=100)
    first = threading.Thread(target=queue.submit, args=(1,))
    first.start()
    assert runs.started.wait(10)

    async def main() -> list[str | BaseException]:
        calls = [asyncio.ensure_future(queue.submit_async(i)) for i in (2, 13, 4)]
        await asyncio.sleep(0)
        while len(queue._queue) < 3:
            await asyncio.sleep(0.001)
        runs.hold.set()  # the loop is free while the run holds: it gets here
        return await asyncio.gather(*calls, return_exceptions=True)

    answers = asyncio.run(main())
    first.join(10)
    assert answers[0] == "done 2" and answers[2] == "done 4"
    assert isinstance(answers[1], ValueError)
    assert runs.groups == [[1], [2, 13, 4]]


def test_a_lone_call_from_an_event_loop_runs_in_the_queues_thread() -> None:
    seen: list[str] = []

    def run(items: Sequence[int], hand_on: Callable[[], None]) -> list[int | BaseException]:
        seen.append(threading.current_thread().name)
        return [i * 2 for i in items]

    queue: GroupCommit[int, int] = GroupCommit(run, most=10)

    async def main() -> tuple[int, int, str]:
        return await queue.submit_async(21), await queue.submit_async(5), \
            threading.current_thread().name

    first, second, loop_thread = asyncio.run(main())
    assert (first, second) == (42, 10)
    assert len(seen) == 2 and loop_thread not in seen
    assert queue.submit(1) == 2  # a thread after them still leads its own call
    assert seen[-1] == threading.current_thread().name


def test_a_run_that_hands_on_lets_the_next_group_run_before_it_ends() -> None:
    """`hand_on()` (a group's commit overlapping the next group's work): the next caller's
    group runs and is answered while the first run still holds; the first caller is answered
    only when its own run ends."""
    holding, finished = threading.Event(), threading.Event()

    def run(items: Sequence[int], hand_on: Callable[[], None]) -> list[int | BaseException]:
        if 1 in items:
            hand_on()
            hand_on()  # a second call (a retried commit) hands on nothing more
            holding.set()
            assert finished.wait(10)
        return [i * 2 for i in items]

    queue: GroupCommit[int, int] = GroupCommit(run, most=10)
    answers: dict[int, int] = {}
    first = threading.Thread(target=lambda: answers.update({1: queue.submit(1)}))
    first.start()
    assert holding.wait(10)
    assert queue.submit(2) == 4  # led at once, beside the held run
    assert 1 not in answers
    finished.set()
    first.join(10)
    assert answers == {1: 2}
    assert queue.submit(3) == 6

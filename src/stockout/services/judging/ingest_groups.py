"""Posts that arrive together in one server process share one transaction (group commit),
each answered as if posted alone; if the shared transaction fails, each post is tried again
alone, so one failing post takes no other down. The posts' database work is `append_posts`
of `ingest`; this module only groups, commits and answers them. On PostgreSQL a group's commit
overlaps the next group's work (on another connection; the orders' locks order them as they
order two server processes); on SQLite one writer runs at a time, so the groups follow one
another.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from stockout.domain.provenance import Via
from stockout.services.access.principals import Principal
from stockout.services.common.clock import Clock
from stockout.services.common.group_commit import GroupCommit
from stockout.services.common.tx import in_transaction
from stockout.services.judging.ingest import (
    MAX_EVENTS,
    IngestResult,
    Post,
    append_posts,
    finished,
    ingest_alone,
    received,
)
from stockout.services.judging.rules import Rules
from stockout.store.uow import UnitOfWork

log = logging.getLogger("stockout.ingest")
PARSE_ON_LOOP = 20  # events: a post up to this size parses on the event loop (well under 1 ms)


def commit_posts(uow: UnitOfWork, rules: Rules, clock: Clock, posts: Sequence[Post],
                 hand_on: Callable[[], None] = lambda: None) -> list[IngestResult | Exception]:
    """Several posts in one transaction, each with its own answer; if that transaction fails,
    each post alone (so one failing post takes no other down), each answered by its own result
    or error. Where writers run side by side, `hand_on()` is called when the group's work is
    done, before its commit: the next group may start meanwhile (its locks wait for this
    group's where they meet)."""

    def work(u: UnitOfWork) -> list[IngestResult]:
        results = append_posts(u, rules, clock.now(), posts, Via.EVENTS, ())
        if u.shares_writes:
            hand_on()
        return results

    if len(posts) > 1:
        try:
            return [finished(r) for r in in_transaction(uow, work)]
        except Exception as exc:  # one of them, or the group: find out post by post
            log.info("a group of %d posts failed (%s); each is tried alone", len(posts), exc)
    answers: list[IngestResult | Exception] = []
    for post in posts:
        try:
            answers.append(ingest_alone(uow, rules, clock, post))
        except Exception as exc:
            answers.append(exc)
    return answers


@dataclass(frozen=True, slots=True)
class _Queued:
    post: Post
    uow: UnitOfWork
    rules: Rules
    clock: Clock


class IngestGroups:
    """`ingest_events` for the concurrent posts of one server process: the posts that arrive
    while a transaction runs are committed together in the next one (`GroupCommit`, at most
    `MAX_EVENTS` events a group), each answered as if posted alone. Parsing and the checks
    that need no database run in the caller's thread first."""

    def __init__(self) -> None:
        self._groups: GroupCommit[_Queued, IngestResult] = GroupCommit(
            self._run, MAX_EVENTS, size=lambda q: len(q.post.candidates))

    def ingest(self, uow: UnitOfWork, rules: Rules, clock: Clock, items: Sequence[object],
               principal: Principal) -> IngestResult:
        post = received(items, principal)
        if not post.candidates:
            return finished(post.parsed)
        return self._groups.submit(_Queued(post, uow, rules, clock))

    async def ingest_async(self, uow: UnitOfWork, rules: Rules, clock: Clock,
                           items: Sequence[object], principal: Principal) -> IngestResult:
        """`ingest` for the event loop: parses there (a small post; a large one parses in
        the thread pool, so the loop keeps serving) and awaits its group's answer."""
        if len(items) > PARSE_ON_LOOP:
            post = await asyncio.to_thread(received, items, principal)
        else:
            post = received(items, principal)
        if not post.candidates:
            return finished(post.parsed)
        return await self._groups.submit_async(_Queued(post, uow, rules, clock))

    @staticmethod
    def _run(queued: Sequence[_Queued], hand_on: Callable[[], None]
             ) -> list[IngestResult | Exception]:
        first = queued[0]  # one process, one runtime: every post's store, rules and clock
        return commit_posts(first.uow, first.rules, first.clock, [q.post for q in queued],
                            hand_on)

"""Who a decision is recorded as made by: one actor for everything a judging decides, or each
subject's own (a group of posts from several merchants and the platform is judged once, and
each order's verdicts name the author of that order's events)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

Actor = str | Mapping[str, str]
"""One actor for all subjects, or subject (an order id, a shop id) -> its actor."""


def actor_of(actor: Actor, subject: str) -> str:
    """The subject's own actor; one a mapping does not name was touched by all of them (an
    order judged as another order's neighbour)."""
    if isinstance(actor, str):
        return actor
    return actor.get(subject) or every_actor(actor)


def every_actor(actor: Actor) -> str:
    """All the actors, as one name: `a` alone, or `a,b` (sorted) for a decision of several."""
    if isinstance(actor, str):
        return actor
    return joined(actor.values())


def joined(actors: Iterable[str]) -> str:
    return ",".join(sorted(set(actors)))


def narrowed(actor: Actor) -> Actor:
    """The mapping as one text when it names only one actor (the common case, and cheaper)."""
    if isinstance(actor, str):
        return actor
    names = set(actor.values())
    return next(iter(names)) if len(names) == 1 else actor

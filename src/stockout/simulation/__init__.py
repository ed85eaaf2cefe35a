"""A seeded marketplace simulator: realistic event and announcement files for demos and tests."""

from stockout.simulation.marketplace import (
    DEFAULT_START,
    EventStream,
    simulate_announcements,
    simulate_events,
    write_jsonl,
)

__all__ = [
    "DEFAULT_START",
    "EventStream",
    "simulate_announcements",
    "simulate_events",
    "write_jsonl",
]

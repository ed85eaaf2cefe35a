"""Reading event files (JSON Lines) and announcement files, keeping every valid line and saying
exactly which lines were rejected and why."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from stockout.adapters.event_schema import (
    ANNOUNCEMENTS_ADAPTER,
    InvalidEvent,
    describe,
    parse_event_json,
)
from stockout.domain.announcements import Announcement
from stockout.domain.errors import StockoutError
from stockout.domain.events import Event
from stockout.domain.timeline import Timeline


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int  # the line of a JSON Lines file, or the row (from 1) of a Parquet file
    reason: str
    file: str | None = None  # the Parquet part of the row, in a folder of parts


@dataclass(slots=True)
class EventLog:
    """The valid events of a file grouped by order, first arrival of each id kept."""

    by_order: dict[str, list[Event]] = field(default_factory=dict)
    seen: dict[str, Event] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    duplicates: int = 0
    lines: int = 0

    def add(self, event: Event, line: int) -> None:
        first = self.seen.get(event.event_id)
        if first is not None:
            self.duplicates += 1
            if first != event:
                self.rejections.append(Rejection(
                    line, f"event_id {event.event_id!r} was seen before with a different body;"
                          " the first one is kept"))
            return
        self.seen[event.event_id] = event
        self.by_order.setdefault(event.order_id, []).append(event)

    def timelines(self) -> Iterator[Timeline]:
        for order_id in sorted(self.by_order):
            yield Timeline.of(order_id, self.by_order[order_id])

    @property
    def events(self) -> int:
        return len(self.seen)


def parsed_lines(lines: Iterable[bytes | str]) -> Iterator[tuple[int, Event | Rejection]]:
    """Each non-blank line (numbered from 1) as an event, or its `Rejection`."""
    for number, raw in enumerate(lines, start=1):
        # A byte order mark (files saved on Windows, also where such files were concatenated
        # with `cat`) is not part of the event.
        raw = raw.removeprefix(b"\xef\xbb\xbf") if isinstance(raw, bytes) \
            else raw.removeprefix("\ufeff")
        if not raw.strip():
            continue
        try:
            yield number, parse_event_json(raw)
        except InvalidEvent as exc:
            yield number, Rejection(number, exc.reason)


def read_events(lines: Iterable[bytes | str], progress: Callable[[int], None] | None = None
                ) -> EventLog:
    """Parse JSON lines; a bad line becomes a `Rejection` with its line number (from 1)."""
    log = EventLog()
    for number, parsed in parsed_lines(lines):
        log.lines = number
        if progress is not None and number % 10_000 == 0:
            progress(number)
        if isinstance(parsed, Rejection):
            log.rejections.append(parsed)
        else:
            log.add(parsed, number)
    return log


def read_event_file(path: Path, progress: Callable[[int], None] | None = None) -> EventLog:
    with path.open("rb") as handle:
        return read_events(handle, progress)


class BadAnnouncements(StockoutError, ValueError):
    family = "bad-announcements"


def read_announcements(path: Path) -> list[Announcement]:
    try:
        models = ANNOUNCEMENTS_ADAPTER.validate_json(path.read_bytes())
    except FileNotFoundError:
        raise BadAnnouncements(f"{path}: file not found") from None
    except IsADirectoryError:
        raise BadAnnouncements(f"{path}: is a folder, not an announcements file") from None
    except OSError as exc:
        raise BadAnnouncements(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except ValidationError as exc:
        raise BadAnnouncements(f"{path}: {describe(exc)}") from None
    try:
        return [m.to_domain() for m in models]
    except ValueError as exc:
        raise BadAnnouncements(f"{path}: {exc}") from None


def dump_jsonl(records: Iterable[dict[str, object]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"

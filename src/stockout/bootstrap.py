"""The one place that reads the environment and builds settings (nothing happens at import)."""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from stockout.domain.language import Lang
from stockout.i18n import Texts

if TYPE_CHECKING:
    from stockout.services.common.clock import Clock
    from stockout.services.judging.ingest_groups import IngestGroups
    from stockout.services.judging.rules import Rules
    from stockout.services.notifications.delivery import Notifier
    from stockout.store.engine import Store
    from stockout.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Settings:
    lang: Lang
    data_dir: Path

    @property
    def texts(self) -> Texts:
        return Texts(self.lang)


def load_settings(lang: str | None = None) -> Settings:
    """`--lang` beats STOCKOUT_LANG beats Chinese; STOCKOUT_DATA or ~/.local/share/stockout."""
    chosen = lang or os.environ.get("STOCKOUT_LANG") or Lang.ZH.value
    try:
        language = Lang(chosen.lower()[:2])
    except ValueError:
        raise ValueError(f"--lang: unknown language {chosen!r}; use zh or en") from None
    data = os.environ.get("STOCKOUT_DATA")
    base = Path(data) if data else Path(
        os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "stockout"
    return Settings(language, base)


@contextmanager
def bulk_work() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file is read and judged.

    That work builds millions of small objects without cycles; the collector would walk all of
    them again and again (it cost more than the judging itself). Reference counting still frees
    everything; the collector runs again afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def settle_heap() -> None:
    """For a long-running server, once its application is built: the objects made so far
    (modules, the rule packs, SQLAlchemy's and FastAPI's structures) live as long as the
    process, so they leave the cyclic collector's care (`gc.freeze`), and the collector runs
    less often. Requests build many short-lived objects without cycles; a full collection
    walked the whole heap again and again (a fifth of a batched post's CPU). Reference
    counting still frees everything at once; the rare cycles are still collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


# --- The online judge: database, rules, clock and notifier for `serve` and `worker` ---------
# Heavy libraries (SQLAlchemy, FastAPI) are imported inside the functions, so that `stockout
# judge` does not pay for them.


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """`--db` beats STOCKOUT_DB beats the SQLite file in the data directory; `--at` beats
    STOCKOUT_NOW (a frozen clock, for replays and tests) beats the system clock."""

    db_url: str
    rules: str
    now: datetime | None
    notifications: Path
    max_body_bytes: int = 4 * 1024 * 1024
    warn_before_hours: float = 12
    kuaidi100_salt: str | None = None   # STOCKOUT_KUAIDI100_SALT: the pushes' signing salt
    kdniao_app_key: str | None = None   # STOCKOUT_KDNIAO_APP_KEY
    # STOCKOUT_BACKDATE_TOLERANCE_MINUTES: how far before (or after) its arrival a merchant or
    # buyer may date an event; the platform and its adapters may import history.
    backdate_tolerance_minutes: float = 15


def server_settings(settings: Settings, db: str | None = None, rules: str = "pdd",
                    at: str | None = None) -> ServerSettings:
    from stockout.store.engine import default_url

    url = db or os.environ.get("STOCKOUT_DB") or default_url(settings.data_dir)
    when = at or os.environ.get("STOCKOUT_NOW")
    now: datetime | None = None
    if when:
        try:
            now = datetime.fromisoformat(when)
        except ValueError:
            raise ValueError(f"--at/STOCKOUT_NOW: not an RFC 3339 time: {when!r}") from None
        if now.tzinfo is None:
            raise ValueError(f"--at/STOCKOUT_NOW: time without offset: {when!r}")
    limit = int(os.environ.get("STOCKOUT_MAX_BODY", 4 * 1024 * 1024))
    tolerance = os.environ.get("STOCKOUT_BACKDATE_TOLERANCE_MINUTES") or "15"
    try:
        minutes = float(tolerance)
    except ValueError:
        minutes = -1.0
    if not 0 <= minutes <= 24 * 60:
        raise ValueError("STOCKOUT_BACKDATE_TOLERANCE_MINUTES: minutes from 0 to 1440, "
                         f"not {tolerance!r}")
    return ServerSettings(url, rules, now, settings.data_dir / "notifications.jsonl", limit,
                          kuaidi100_salt=os.environ.get("STOCKOUT_KUAIDI100_SALT") or None,
                          kdniao_app_key=os.environ.get("STOCKOUT_KDNIAO_APP_KEY") or None,
                          backdate_tolerance_minutes=minutes)


@dataclass(slots=True)
class Runtime:
    """Everything a request or a sweep needs, built once per process."""

    settings: Settings
    server: ServerSettings
    store: Store
    rules: Rules
    clock: Clock
    notifier: Notifier
    # POST /v1/events: the process's concurrent posts committed together.
    ingest_groups: IngestGroups = field(default_factory=lambda: _ingest_groups())

    def uow(self) -> UnitOfWork:
        from stockout.store.uow import UnitOfWork

        return UnitOfWork(self.store)

    def close(self) -> None:
        self.store.dispose()


def _ingest_groups() -> IngestGroups:
    from stockout.services.judging.ingest_groups import IngestGroups

    return IngestGroups()


def build_runtime(settings: Settings, server: ServerSettings, migrate: bool = True) -> Runtime:
    """Open the database (upgrading its schema when `migrate`), load the rules, pick the clock."""
    from datetime import timedelta

    from stockout.rulepacks import resolve_rules
    from stockout.services.common.clock import FixedClock, SystemClock
    from stockout.services.judging.rules import Rules
    from stockout.services.notifications.delivery import JsonlNotifier
    from stockout.store.engine import open_store
    from stockout.store.migrate import upgrade

    rules = Rules(resolve_rules(server.rules), timedelta(hours=server.warn_before_hours),
                  timedelta(minutes=server.backdate_tolerance_minutes))
    store = open_store(server.db_url)
    try:
        if migrate:
            upgrade(store)
    except Exception:
        store.dispose()
        raise
    clock: Clock = FixedClock(server.now) if server.now is not None else SystemClock()
    return Runtime(settings, server, store, rules, clock, JsonlNotifier(server.notifications))


def step_times_dir() -> Path | None:
    """STOCKOUT_STEP_TIMES: a folder where each server process writes the CPU time of each
    step of the online path when sent SIGUSR1 (benchmarks; off when unset)."""
    folder = os.environ.get("STOCKOUT_STEP_TIMES")
    return Path(folder) if folder else None


# `stockout serve --workers N`: the parent passes its settings to the worker processes (which
# uvicorn starts afresh) in this variable, as JSON.
WORKER_CONFIG = "STOCKOUT_SERVE_WORKER"


def worker_config(settings: Settings, server: ServerSettings) -> str:
    return json.dumps({"lang": settings.lang.value, "data_dir": str(settings.data_dir),
                       "db": server.db_url, "rules": server.rules,
                       "at": server.now.isoformat() if server.now is not None else None})


def worker_runtime(config: str) -> Runtime:
    """A worker process's runtime, from its parent's `worker_config` (the parent already
    upgraded the schema)."""
    data = json.loads(config)
    settings = Settings(Lang(data["lang"]), Path(data["data_dir"]))
    return build_runtime(settings, server_settings(settings, data["db"], data["rules"],
                                                   data["at"]), migrate=False)


# --- The open platform's credentials, for `stockout sync pdd` --------------------------------


@dataclass(frozen=True, slots=True)
class PddSettings:
    """Each option beats its STOCKOUT_PDD_* variable (GATEWAY, CLIENT_ID, CLIENT_SECRET,
    ACCESS_TOKEN); the gateway defaults to the real one."""

    gateway: str
    client_id: str
    client_secret: str
    access_token: str


def pdd_settings(gateway: str | None, client_id: str | None, client_secret: str | None,
                 access_token: str | None) -> PddSettings:
    from stockout.adapters.pdd.gateway import DEFAULT_GATEWAY

    given = {"client-id": client_id or os.environ.get("STOCKOUT_PDD_CLIENT_ID"),
             "client-secret": client_secret or os.environ.get("STOCKOUT_PDD_CLIENT_SECRET"),
             "access-token": access_token or os.environ.get("STOCKOUT_PDD_ACCESS_TOKEN")}
    missing = [k for k, v in given.items() if not v]
    if missing:
        names = ", ".join(f"--{k} (STOCKOUT_PDD_{k.replace('-', '_').upper()})" for k in missing)
        raise ValueError(f"missing {names}")
    url = gateway or os.environ.get("STOCKOUT_PDD_GATEWAY") or DEFAULT_GATEWAY
    return PddSettings(url, given["client-id"] or "", given["client-secret"] or "",
                       given["access-token"] or "")

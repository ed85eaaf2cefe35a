"""Fixtures for the store contract suite: every test that takes `store_url` (or `store`) runs
once on SQLite and once on PostgreSQL. PostgreSQL is a throw-away cluster started once per
session from the machine's binaries; a test database is a copy of a migrated template. When no
cluster can be started the PostgreSQL runs are skipped with the exact reason -- or fail, when
STOCKOUT_REQUIRE_POSTGRES=1 (as in CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pgserver import PostgresUnavailable, ThrowawayPostgres

TEMPLATE = "stockout_template"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    try:
        server.start()
    except PostgresUnavailable as exc:
        message = f"PostgreSQL contract runs need a throw-away cluster, and none started: {exc}"
        if os.environ.get("STOCKOUT_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    try:
        from stockout.store.engine import open_store
        from stockout.store.migrate import upgrade

        store = open_store(server.create_database(TEMPLATE))
        upgrade(store)
        store.dispose()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        from stockout.store.engine import open_store
        from stockout.store.migrate import upgrade

        url = f"sqlite:///{tmp_path / 'stockout.db'}"
        store = open_store(url)
        upgrade(store)
        store.dispose()
        return url
    server: ThrowawayPostgres = request.getfixturevalue("postgres_server")
    return server.create_database(template=TEMPLATE)


@pytest.fixture
def store(store_url: str):  # type: ignore[no-untyped-def]
    from stockout.store.engine import open_store

    opened = open_store(store_url)
    yield opened
    opened.dispose()


@pytest.fixture
def bench(store):  # type: ignore[no-untyped-def]
    """The online judge's services on each store, with a clock the test moves."""
    from datetime import UTC, datetime

    from stockout.services.common.clock import ManualClock
    from tests.online import Bench

    return Bench(store, ManualClock(datetime(2025, 1, 1, tzinfo=UTC)))


@pytest.fixture
def api(bench, tmp_path):  # type: ignore[no-untyped-def]
    """The HTTP API on each store through FastAPI's test client, with tokens for a platform
    user, merchant s1, merchant s2, buyer b1 and buyer b2 (`api.token[...]`)."""
    from fastapi.testclient import TestClient

    from stockout.api.app import create_app
    from stockout.bootstrap import Runtime, ServerSettings, load_settings
    from stockout.services.access.principals import Role
    from stockout.services.access.tokens import create_token

    settings = load_settings("en")
    server = ServerSettings(bench.store.url, "pdd", None, tmp_path / "notifications.jsonl",
                            max_body_bytes=1024 * 1024)
    runtime = Runtime(settings, server, bench.store, bench.rules, bench.clock, bench.notifier)
    client = TestClient(create_app(runtime))
    client.bench = bench
    client.token = {
        "platform": create_token(bench.uow(), bench.clock, Role.PLATFORM).secret,
        "s1": create_token(bench.uow(), bench.clock, Role.MERCHANT, ["s1"]).secret,
        "s2": create_token(bench.uow(), bench.clock, Role.MERCHANT, ["s2"]).secret,
        "b1": create_token(bench.uow(), bench.clock, Role.BUYER, buyer="b1").secret,
        "b2": create_token(bench.uow(), bench.clock, Role.BUYER, buyer="b2").secret,
    }
    return client

"""Shared fixtures: the stores (SQLite and a throw-away PostgreSQL) live in tests/stores.py."""

pytest_plugins = ["tests.stores"]

"""Alembic environment: runs on the connection `stockout.store.migrate` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from stockout.store.tables import metadata

config = context.config


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_server_default=False)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two processes starting at once (serve and worker) upgrade one after the other.
            connection.execute(text("SELECT pg_advisory_xact_lock(7152917230)"))
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)

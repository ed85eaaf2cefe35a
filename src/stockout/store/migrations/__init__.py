"""Alembic migrations of the store, shipped inside the package and applied by `stockout db
upgrade` and on start by `serve` and `worker`."""

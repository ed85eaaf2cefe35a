"""Bearer tokens (only a hash of each is stored) and the audit log of money decisions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from stockout.store.engine import StoreDialect
from stockout.store.tables import audit_log, tokens

# Every request looks its token up: the statement is built once.
_BY_HASH = select(tokens).where(tokens.c.secret_hash == bindparam("b_hash"))


class TokenRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def insert(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(tokens), [row])

    def by_hash(self, secret_hash: str) -> dict[str, Any] | None:
        row = self.conn.execute(_BY_HASH, {"b_hash": secret_hash}).first()
        return dict(row._mapping) if row is not None else None

    def all(self) -> list[dict[str, Any]]:
        return [dict(r._mapping) for r in self.conn.execute(
            select(tokens).order_by(tokens.c.created_at, tokens.c.id))]

    def revoke(self, token_id: str, at: datetime) -> bool:
        done = self.conn.execute(update(tokens).where(tokens.c.id == token_id,
                                                      tokens.c.revoked_at.is_(None))
                                 .values(revoked_at=at))
        return bool(done.rowcount)


class AuditRepo:
    def __init__(self, conn: Connection, dialect: StoreDialect) -> None:
        self.conn = conn
        self.dialect = dialect

    def append(self, rows: Sequence[dict[str, Any]]) -> None:
        self.dialect.insert_rows(self.conn, audit_log, rows)

    def page(self, order_id: str | None, after: int | None, limit: int) -> list[dict[str, Any]]:
        q = select(audit_log).order_by(audit_log.c.id).limit(limit)
        if order_id is not None:
            q = q.where(audit_log.c.order_id == order_id)
        if after is not None:
            q = q.where(audit_log.c.id > after)
        return [dict(r._mapping) for r in self.conn.execute(q)]

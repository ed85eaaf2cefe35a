"""Bearer tokens: created with a role (and the shops or buyer it is bound to), shown once,
stored as a SHA-256 hash; a request's token is looked up by that hash."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from stockout.domain.errors import StockoutError
from stockout.services.access.principals import Principal, Role
from stockout.services.common.clock import Clock
from stockout.services.common.tx import in_transaction
from stockout.services.judging.ledger import audit_row
from stockout.store.uow import UnitOfWork

PREFIX = "so"
# How long a server process trusts a token it has just looked up without looking again: every
# request looked its token up in a read transaction of its own (a tenth of a single post's
# CPU). A revocation takes effect at once in the process that makes it, and within this many
# seconds in the other server processes (`stockout tokens revoke` from the command line).
RECENT_SECONDS = 2.0
_RECENT_MAX = 10_000
_recent: dict[str, tuple[float, Principal]] = {}
# One lookup of a token at a time: when its trust runs out, the requests that carry it then
# (32 clients at once) wait for one lookup instead of each opening a read transaction (past
# the connection pool's size, each on a new database session).
_lookups: dict[str, threading.Lock] = {}
_lookups_guard = threading.Lock()


class BadTokenRequest(StockoutError, ValueError):
    """A token's binding does not fit its role; `key` names the message."""

    family = "bad-token-request"

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class NewToken:
    token_id: str
    secret: str
    principal: Principal


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(uow: UnitOfWork, clock: Clock, role: Role, shops: Sequence[str] = (),
                 buyer: str | None = None, label: str = "", actor: str = "cli") -> NewToken:
    if role is Role.MERCHANT and not shops:
        raise BadTokenRequest("token_needs_shop")
    if role is Role.BUYER and not buyer:
        raise BadTokenRequest("token_needs_buyer")
    if (shops and role is not Role.MERCHANT) or (buyer and role is not Role.BUYER):
        raise BadTokenRequest("token_binding_unused")  # a binding the role ignores: a mistake
    token_id = secrets.token_hex(6)
    secret = f"{PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
    bound_shops = sorted(set(shops)) if role is Role.MERCHANT else []
    bound_buyer = buyer if role is Role.BUYER else None

    def work(uow: UnitOfWork) -> None:
        now = clock.now()
        uow.tokens.insert({"id": token_id, "secret_hash": hash_secret(secret), "role": role.value,
                           "shop_ids": json.dumps(bound_shops), "buyer_id": bound_buyer,
                           "label": label, "created_at": now, "revoked_at": None})
        uow.audit.append([audit_row(now, actor, "token.created", f"token:{token_id}",
                                    {"role": role.value, "shops": bound_shops,
                                     "buyer": bound_buyer, "label": label})])

    in_transaction(uow, work)
    return NewToken(token_id, secret, Principal(role, token_id, frozenset(bound_shops),
                                                bound_buyer))


def authenticate(uow: UnitOfWork, secret: str, carriers: bool = False) -> Principal | None:
    """The principal of a live token, or None (unknown, malformed or revoked; a carrier's
    token too unless `carriers`: it only posts carrier scans, it reads and signs in nowhere)."""
    if not secret.startswith(f"{PREFIX}_") or len(secret) > 200:
        return None
    with uow.reader() as view:
        row = view.tokens.by_hash(hash_secret(secret))
    if row is None or row["revoked_at"] is not None:
        return None
    if row["role"] == Role.CARRIER.value and not carriers:
        return None
    return Principal(Role(row["role"]), row["id"], frozenset(json.loads(row["shop_ids"])),
                     row["buyer_id"])


def authenticate_recent(uow: UnitOfWork, secret: str) -> Principal | None:
    """`authenticate(..., carriers=True)` for the API's requests, trusting for
    `RECENT_SECONDS` a live token this process has just looked up (keyed by its hash; an
    unknown or revoked token is looked up every time)."""
    key = hash_secret(secret)
    hit = _recent.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    with _lookups_guard:
        if len(_lookups) >= _RECENT_MAX:
            _lookups.clear()
        lookup = _lookups.setdefault(key, threading.Lock())
    with lookup:
        hit = _recent.get(key)  # looked up meanwhile by a request that carried it too
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        return _looked_up(uow, secret, key)


def _looked_up(uow: UnitOfWork, secret: str, key: str) -> Principal | None:
    now = time.monotonic()
    found = authenticate(uow, secret, carriers=True)
    if found is not None:
        if len(_recent) >= _RECENT_MAX:
            _recent.clear()
        _recent[key] = (now + RECENT_SECONDS, found)
    return found


def recent_token(secret: str) -> Principal | None:
    """The principal `authenticate_recent` trusts without a lookup, if any."""
    hit = _recent.get(hash_secret(secret))
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def revoke_token(uow: UnitOfWork, clock: Clock, token_id: str, actor: str = "cli") -> bool:
    def work(uow: UnitOfWork) -> bool:
        now = clock.now()
        done = uow.tokens.revoke(token_id, now)
        if done:
            uow.audit.append([audit_row(now, actor, "token.revoked", f"token:{token_id}", {})])
        return done

    done = in_transaction(uow, work)
    _recent.clear()  # this process trusts no recently seen token any longer
    return done


def list_tokens(uow: UnitOfWork) -> list[dict[str, object]]:
    with uow.reader() as view:
        return view.tokens.all()

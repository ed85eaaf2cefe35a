"""The open platform's request signature: MD5 over the client secret, every parameter but
`sign` as key + value sorted by key, and the secret again; upper-case hex."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping


def sign(params: Mapping[str, str], client_secret: str) -> str:
    body = "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign")
    return hashlib.md5(f"{client_secret}{body}{client_secret}".encode()).hexdigest().upper()


def signature_ok(params: Mapping[str, str], client_secret: str) -> bool:
    given = params.get("sign", "")
    return hmac.compare_digest(given.upper(), sign(params, client_secret))

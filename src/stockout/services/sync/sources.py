"""Who states the events that come from outside: the open platform's adapter states the order,
upload and after-sale events it reads; a carrier's push states its scans."""

from __future__ import annotations

from stockout.services.access.principals import Principal, Role

PDD = Principal(Role.PLATFORM, "", name="adapter:pdd")


def carrier(source: str) -> Principal:
    return Principal(Role.PLATFORM, "", name=f"carrier:{source}")

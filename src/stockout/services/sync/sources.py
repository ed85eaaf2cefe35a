"""Who states the events that come from outside: the open platform's adapter states the order,
upload and after-sale events it reads; a carrier's push states its scans."""

from __future__ import annotations

from stockout.services.access.principals import Principal, Role

PDD = Principal(Role.PLATFORM, "", name="adapter:pdd", adapter="pdd")  # source `sync:pdd`


def carrier(source: str) -> Principal:
    """A carrier's signed push: source `carrier:<vendor>`, allowed carrier scans only."""
    return Principal(Role.CARRIER, "", name=f"carrier:{source}", adapter=source)

"""The HTTP protocol `stockout serve` runs: uvicorn's httptools protocol, whose writes within
one step of the event loop leave as one.

uvicorn writes a response's status line and headers, then its body, each straight to the
socket: two sends, two TCP segments and two wake-ups of the client for every answer. Sent
together they cost one; on a single post that send was the largest cost of the event loop's
thread. Nothing waits longer than the step that wrote it (a response whose body comes later,
or that has none, is sent when the step ends).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class JoinedWrites:
    """A transport whose writes made in one step of `loop` are sent as one write, at the end
    of the step or before the transport closes; everything else is the transport's own."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(data)

    def flush(self) -> None:
        """Send what was written and not sent yet (nothing on a transport closing or gone)."""
        held = self._held
        if not held:
            return
        self._held = []
        if not self._transport.is_closing():
            self._transport.write(held[0] if len(held) == 1 else b"".join(held))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol on a `JoinedWrites` transport."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(JoinedWrites(transport, self.loop))  # type: ignore[arg-type]

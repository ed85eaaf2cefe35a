"""The server's HTTP protocol sends what one step of the event loop writes as one write: a
response's head and body leave together, and nothing written is lost or held past the step."""

from __future__ import annotations

import asyncio
import http.client
import threading
from collections.abc import Iterator

import pytest
import uvicorn

from stockout.api.protocol import HttpProtocol, JoinedWrites


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        assert not self.closing, "written after close"
        self.writes.append(data)

    def close(self) -> None:
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def test_writes_of_one_step_leave_as_one_write_when_the_step_ends() -> None:
    async def scenario() -> list[list[bytes]]:
        transport = _Transport()
        joined = JoinedWrites(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
        joined.write(b"HTTP/1.1 200 OK\r\n\r\n")
        joined.write(b"body")
        during = list(transport.writes)
        await asyncio.sleep(0)
        return [during, transport.writes]

    during, after = asyncio.run(scenario())
    assert during == []
    assert after == [b"HTTP/1.1 200 OK\r\n\r\nbody"]


def test_a_lone_write_is_sent_as_it_is_and_later_steps_write_again() -> None:
    async def scenario() -> list[bytes]:
        transport = _Transport()
        joined = JoinedWrites(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
        joined.write(b"head only")
        await asyncio.sleep(0)
        joined.write(b"next")
        await asyncio.sleep(0)
        return transport.writes

    assert asyncio.run(scenario()) == [b"head only", b"next"]


def test_close_sends_what_was_written_first_and_a_closing_transport_gets_nothing() -> None:
    async def scenario() -> tuple[list[bytes], list[bytes]]:
        loop = asyncio.get_running_loop()
        closed = _Transport()
        joined = JoinedWrites(closed, loop)  # type: ignore[arg-type]
        joined.write(b"last words")
        joined.close()
        gone = _Transport()
        late = JoinedWrites(gone, loop)  # type: ignore[arg-type]
        late.write(b"too late")
        gone.closing = True
        await asyncio.sleep(0)
        return closed.writes, gone.writes

    closed, gone = asyncio.run(scenario())
    assert closed == [b"last words"]
    assert gone == []


def test_everything_else_is_the_transports_own() -> None:
    joined = JoinedWrites(_Transport(), asyncio.new_event_loop())  # type: ignore[arg-type]
    assert joined.get_extra_info("peername") == "info:peername"
    assert not joined.is_closing()


async def _app(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
    assert scope["type"] in ("http", "lifespan")
    if scope["type"] == "lifespan":
        return
    body = b'{"ok":true}'
    await send({"type": "http.response.start", "status": 200,  # type: ignore[operator]
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})  # type: ignore[operator]


@pytest.fixture
def served() -> Iterator[int]:
    config = uvicorn.Config(_app, host="127.0.0.1", port=0, http=HttpProtocol,
                            log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield port
    server.should_exit = True
    thread.join(10)


def test_a_real_server_answers_each_request_of_a_keep_alive_connection_whole(served: int
                                                                               ) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", served, timeout=10)
    try:
        for method in ("GET", "POST", "HEAD", "GET"):
            conn.request(method, "/")
            answer = conn.getresponse()
            body = answer.read()
            assert answer.status == 200
            assert answer.getheader("content-length") == "11"
            assert body == (b"" if method == "HEAD" else b'{"ok":true}')
    finally:
        conn.close()

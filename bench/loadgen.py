"""A small HTTP/1.1 keep-alive load generator for the benchmarks (no external tool needed).

`run(port, connections, seconds, next_request)` opens `connections` keep-alive connections to
127.0.0.1:`port` and keeps one request in flight on each: `next_request()` returns the next request's
bytes (a complete HTTP/1.1 request), or None when there is nothing more to send. After `seconds`, no new
request is sent; the requests in flight are answered and counted, then the connections close — so every
request sent is accounted for. Runs on uvloop (a dependency of the production server) in this process:
its CPU time is this process's, measured by the caller.

Responses are read by their Content-Length (the server under test always sends one; a response without
it, or a closed connection, counts as an error). The status and body of each response go to
`on_response(status, body)`.
"""

import asyncio
import time
from collections.abc import Callable


class _Connection(asyncio.Protocol):
    def __init__(self, run: "_Run"):
        self.run = run
        self.buffer = bytearray()
        self.transport = None
        self.waiting = False
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport
        self.send()

    def send(self):
        request = self.run.next()
        if request is None:
            self.transport.close()
            return
        self.waiting = True
        self.transport.write(request)

    def data_received(self, data):
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end])
            length = None
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
                    break
            if length is None:
                self.run.errors += 1
                self.transport.close()
                return
            if len(self.buffer) < end + 4 + length:
                return
            status = int(head[9:12])
            body = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            self.waiting = False
            self.run.answered(status, body)
            self.send()

    def connection_lost(self, exc):
        if self.waiting:
            self.run.errors += 1
        if not self.closed.done():
            self.closed.set_result(None)


class _Run:
    def __init__(self, seconds: float, next_request, on_response):
        self.deadline = time.perf_counter() + seconds
        self.next_request = next_request
        self.on_response = on_response
        self.errors = 0
        self.last = time.perf_counter()

    def next(self) -> bytes | None:
        if time.perf_counter() >= self.deadline:
            return None
        return self.next_request()

    def answered(self, status: int, body: bytes) -> None:
        self.last = time.perf_counter()
        self.on_response(status, body)


async def _main(port, connections, seconds, next_request, on_response) -> dict:
    loop = asyncio.get_running_loop()
    began = time.perf_counter()
    run = _Run(seconds, next_request, on_response)
    conns = []
    for _ in range(connections):
        _transport, conn = await loop.create_connection(lambda: _Connection(run), "127.0.0.1", port)
        conns.append(conn)
    await asyncio.gather(*(conn.closed for conn in conns))
    return {"seconds": run.last - began, "errors": run.errors}


def run(
    port: int,
    connections: int,
    seconds: float,
    next_request: Callable[[], bytes | None],
    on_response: Callable[[int, bytes], None],
) -> dict:
    """Send requests for `seconds`; returns {"seconds": from start to the last answer, "errors": n}."""
    import uvloop

    return uvloop.run(_main(port, connections, seconds, next_request, on_response))


def request(method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    """The bytes of one HTTP/1.1 request to 127.0.0.1 (keep-alive)."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

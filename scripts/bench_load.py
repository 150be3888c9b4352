"""The benchmark's load generator for small requests: every request is built (signed, as bytes)
before the timed loop and sent over one of `concurrency` kept-alive HTTP/1.1 connections, driven
by protocol callbacks (the next request goes out from the callback that read the last answer);
each answer is parsed just enough to check it (status line, headers, a Content-Length or chunked
body).

It leaves the shared machine's cores to the servers: aiohttp's client cost 350-450 us of CPU per
small request here, as much as the servers it measured, so both competed with it for two cores.
"""

from __future__ import annotations

import asyncio
import time
from typing import Callable, NamedTuple

MAX_HEAD = 64 * 1024              # a response head longer than this is an error
MAX_BODY = 16 * 1024 * 1024       # and so is a body longer than this
WATCH_EVERY = 0.5                 # seconds between checks for requests past their timeout


class Response(NamedTuple):
    status: int
    headers: dict[str, str]       # names lower-case
    body: bytes


def build(method: str, target: str, host: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """One request's bytes. `target` is the raw path and query, `host` the Host header."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method in ("PUT", "POST"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def parse(buf: bytearray, head_only: bool) -> tuple[Response, int] | None:
    """The first complete answer in buf and the bytes it took, or None while it is incomplete.
    Raises ValueError when it is malformed or too long."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        if len(buf) > MAX_HEAD:
            raise ValueError("response head too long")
        return None
    status_line, *lines = buf[:end].decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    if not version.startswith("HTTP/1."):
        raise ValueError(f"not an HTTP/1.x answer: {status_line[:40]!r}")
    status = int(rest[:3])
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    start = end + 4
    if head_only or status in (204, 304):
        return Response(status, headers, b""), start
    if headers.get("transfer-encoding", "").lower() == "chunked":
        return _chunked(buf, start, status, headers)
    length = int(headers.get("content-length", "0"))
    if not 0 <= length <= MAX_BODY:
        raise ValueError(f"Content-Length {length}")
    if len(buf) < start + length:
        return None
    return Response(status, headers, bytes(buf[start:start + length])), start + length


def _chunked(buf: bytearray, at: int, status: int, headers: dict[str, str]
             ) -> tuple[Response, int] | None:
    body = bytearray()
    while len(body) <= MAX_BODY:
        line_end = buf.find(b"\r\n", at)
        if line_end < 0:
            return None
        size = int(bytes(buf[at:line_end]).split(b";")[0], 16)
        at = line_end + 2
        if size == 0:
            trailers_end = buf.find(b"\r\n", at) if buf[at:at + 2] == b"\r\n" else buf.find(b"\r\n\r\n", at)
            if trailers_end < 0:
                return None
            return Response(status, headers, bytes(body)), trailers_end + (2 if trailers_end == at else 4)
        if len(buf) < at + size + 2:
            return None
        body += buf[at:at + size]
        at += size + 2
    raise ValueError("chunked body too long")


class _Run:
    """What the connections of one run share: the requests, the next to send, the results."""

    def __init__(self, requests: list[bytes], check: Callable[[Response], bool], head_only: bool,
                 timeout: float) -> None:
        self.requests, self.check, self.head_only, self.timeout = requests, check, head_only, timeout
        self.next = 0
        self.latencies: list[float] = []
        self.errors = 0
        self.live: set[_Connection] = set()

    def take(self) -> int | None:
        if self.next >= len(self.requests):
            return None
        self.next += 1
        return self.next - 1

    def record(self, started: float, ok: bool) -> None:
        self.latencies.append(time.perf_counter() - started)
        self.errors += not ok


class _Connection(asyncio.Protocol):
    """Sends the run's next request whenever the last one's answer is in; ends when the run has
    none left or the connection breaks (an answer in flight is then an error)."""

    def __init__(self, run: _Run, finished: asyncio.Future) -> None:
        self.run, self.finished = run, finished
        self.buf = bytearray()
        self.started: float | None = None       # the request in flight's send time
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport              # type: ignore[assignment]
        self.run.live.add(self)
        self._send_next()

    def _send_next(self) -> None:
        assert self.transport is not None
        i = self.run.take()
        if i is None:
            self.transport.close()
            return
        self.started = time.perf_counter()
        self.transport.write(self.run.requests[i])

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buf += data
        try:
            while self.started is not None and (got := parse(self.buf, self.run.head_only)):
                response, used = got
                del self.buf[:used]
                self.run.record(self.started, self.run.check(response))
                self.started = None
                if response.headers.get("connection", "").lower() == "close":
                    self.transport.close()
                    return
                self._send_next()
        except ValueError:
            self.transport.abort()
            return
        if self.started is None and self.buf:   # bytes nobody asked for
            self.transport.abort()

    def overdue(self, now: float) -> bool:
        return self.started is not None and now - self.started > self.run.timeout

    def connection_lost(self, exc: Exception | None) -> None:
        self.run.live.discard(self)
        if self.started is not None:
            self.run.record(self.started, False)
            self.started = None
        if not self.finished.done():
            self.finished.set_result(None)


async def run(host: str, port: int, requests: list[bytes], concurrency: int,
              check: Callable[[Response], bool], head_only: bool = False,
              timeout: float = 30.0) -> tuple[float, list[float], int]:
    """Send every request once over `concurrency` connections: (seconds, latencies, errors).
    A request whose answer fails `check`, breaks or takes over `timeout` seconds is an error, and
    so is one that finds no connection; the run goes on."""
    loop = asyncio.get_running_loop()
    state = _Run(requests, check, head_only, timeout)

    async def connection() -> None:
        while state.next < len(requests):
            finished = loop.create_future()
            try:
                await asyncio.wait_for(loop.create_connection(
                    lambda: _Connection(state, finished), host, port), timeout)
            except (OSError, asyncio.TimeoutError):
                if state.take() is not None:     # that request could not be sent
                    state.record(time.perf_counter(), False)
                continue
            await finished

    async def watch() -> None:
        while True:
            await asyncio.sleep(WATCH_EVERY)
            now = time.perf_counter()
            for conn in list(state.live):
                if conn.overdue(now) and conn.transport is not None:
                    conn.transport.abort()

    watcher = asyncio.ensure_future(watch())
    t0 = time.perf_counter()
    try:
        await asyncio.gather(*(connection() for _ in range(min(concurrency, len(requests)))))
    finally:
        watcher.cancel()
    return time.perf_counter() - t0, state.latencies, state.errors

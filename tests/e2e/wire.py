"""What a real client put on the wire: a TCP relay in front of the server that keeps every byte
the client sent, and reads back each request's method, target and Host header. The client tests
use it to prove which addressing style a client really used (the bucket in the Host header, or
as the path's first segment), whatever the client's own options claim.

Also the two ways those clients reach BUCKET.localhost, a name this machine's resolver does not
know: `resolve_localhost` for clients running in the test's process, and `LOCALHOST_SITE` (a
directory holding a sitecustomize.py) for Python clients run as subprocesses.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

LOCALHOST_SITE = str(Path(__file__).resolve().parent / "localhost_site")


@pytest.fixture
def resolve_localhost(monkeypatch) -> None:
    """*.localhost resolves to 127.0.0.1 in this process, as browsers and systemd-resolved do."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.lower().endswith(".localhost"):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


class Wire:
    """Listens on 127.0.0.1:port and relays each connection to the server's port, keeping what
    the client sent. Threads end when either side closes, or at close()."""

    def __init__(self, server_port: int):
        self.server_port = server_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sent: list[bytearray] = []             # per connection, in accept order
        self.sockets: list[socket.socket] = [self.listener]
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return                              # closed
            upstream = socket.create_connection(("127.0.0.1", self.server_port))
            record = bytearray()
            with self.lock:
                self.sent.append(record)
                self.sockets += [client, upstream]
            threading.Thread(target=_pump, args=(client, upstream, record), daemon=True).start()
            threading.Thread(target=_pump, args=(upstream, client, None), daemon=True).start()

    def requests(self) -> list[tuple[str, str, str]]:
        """(method, target, Host) of every request sent so far."""
        with self.lock:
            streams = [bytes(s) for s in self.sent]
        return [r for stream in streams for r in parse_requests(stream)]

    def close(self) -> None:
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


def _pump(src: socket.socket, dst: socket.socket, record: bytearray | None) -> None:
    try:
        while data := src.recv(262144):
            if record is not None:
                record += data
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def parse_requests(stream: bytes) -> list[tuple[str, str, str]]:
    """(method, target, Host) of each HTTP/1.1 request in a connection's client-to-server bytes,
    stepping over bodies by Content-Length or chunked framing."""
    found, i = [], 0
    while (end := stream.find(b"\r\n\r\n", i)) != -1:
        line, *fields = stream[i:end].decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)}
        method, target, _version = line.split(" ")
        found.append((method, target, headers.get("host", "")))
        i = end + 4
        if "chunked" in headers.get("transfer-encoding", "").lower():
            i = _after_chunks(stream, i)
        else:
            i += int(headers.get("content-length", "0"))
    return found


def _after_chunks(stream: bytes, i: int) -> int:
    """Where the chunked body starting at i ends (after its trailer section)."""
    while True:
        eol = stream.index(b"\r\n", i)
        size = int(stream[i:eol].split(b";")[0], 16)
        i = eol + 2
        if size == 0:
            break
        i += size + 2
    while (eol := stream.index(b"\r\n", i)) != i:     # trailer fields, then the empty line
        i = eol + 2
    return i + 2


@pytest.fixture
def wire(server):
    relay = Wire(server.port)
    yield relay
    relay.close()


def assert_addressed(sent: list[tuple[str, str, str]], bucket: str, style: str,
                     path_always: frozenset[tuple[str, str]] = frozenset()) -> None:
    """Every request naming the bucket named it as the style says: in the Host header (virtual;
    the target in origin form or, through a proxy, absolute form) or as the path's first segment.
    Requests to the service (ListBuckets) are left out, and so are the (method, target) requests
    in path_always, which the client sends in path style whatever it is told; at least one
    request named the bucket."""
    named = 0
    for method, target, host in sent:
        path = target.split("://", 1)[1].partition("/")[2] if "://" in target else target[1:]
        name = host.split(":")[0]
        if style == "virtual" and name.endswith(".localhost"):
            assert name == f"{bucket}.localhost", (method, target, host)
            assert not path.startswith(bucket), (method, target, host)
            named += 1
        elif path.split("?")[0].split("/")[0] == bucket:
            assert style == "path" or (method, target) in path_always, (
                "path style in virtual-host style", method, target, host)
            named += 1
        else:
            assert path.split("?")[0] == "", (method, target, host)     # the service
    assert named, sent

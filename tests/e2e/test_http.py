"""Raw HTTP/1.1 over sockets against the live server: 100-continue, truncated bodies, large bodies,
HEAD framing and virtual-host style. Every read has a timeout; every loop is bounded.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from urllib.parse import quote, unquote

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from lxml import etree

from support import ACCESS_KEY, SECRET_KEY, start_server

TIMEOUT = 15.0
MAX_HEAD = 64 * 1024


def sigv4_headers(method: str, path: str, host: str) -> str:
    """A real SigV4 signature (botocore's, UNSIGNED-PAYLOAD, signing host and x-amz-*), so these
    raw requests are accepted by a server in --auth strict mode as well as in lenient mode."""
    raw_path, _, query = path.partition("?")
    # S3's canonical URI is the decoded path encoded once (a raw `+` signs as %2B); botocore signs
    # the URL's path and query as given, so hand it the canonical forms.
    url = f"http://{host}{quote(unquote(raw_path), safe='/~')}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url)
    request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    S3SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", "us-east-1").add_auth(request)
    return "".join(f"{name}: {request.headers[name]}\r\n"
                   for name in ("Authorization", "X-Amz-Date", "X-Amz-Content-SHA256"))


@dataclass
class Response:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes = b""
    raw_head: bytes = field(default=b"", repr=False)


class Conn:
    """One HTTP/1.1 connection to the server, read with a buffer and a timeout on every recv."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.sock.settimeout(TIMEOUT)
        self.buf = b""
        self.received = b""          # everything ever received, to look for stray 100 Continue

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request_head(self, method: str, path: str, host: str, headers: dict[str, str] | None = None,
                     auth: bool = True) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        signature = sigv4_headers(method, path, host) if auth else ""
        return ("\r\n".join(lines) + "\r\n" + signature + "\r\n").encode()

    def _fill(self) -> bool:
        data = self.sock.recv(1024 * 1024)
        if not data:
            return False
        self.buf += data
        self.received += data
        return True

    def read_head(self) -> Response:
        while b"\r\n\r\n" not in self.buf:
            assert len(self.buf) < MAX_HEAD, "response head too long"
            if not self._fill():
                raise ConnectionError(f"closed before a response head: {self.buf!r}")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        version, status, reason = (status_line.split(" ", 2) + [""])[:3]
        assert version == "HTTP/1.1", status_line
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return Response(int(status), reason, headers, raw_head=head)

    def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise ConnectionError(f"closed after {len(self.buf)} of {n} body bytes")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_chunked(self) -> bytes:
        out = b""
        for _ in range(1_000_000):
            while b"\r\n" not in self.buf:
                if not self._fill():
                    raise ConnectionError("closed inside a chunked body")
            line, self.buf = self.buf.split(b"\r\n", 1)
            size = int(line.split(b";")[0], 16)
            if size == 0:
                while not self.buf.startswith(b"\r\n"):      # no trailers expected
                    if not self._fill():
                        raise ConnectionError("closed at the end of a chunked body")
                self.buf = self.buf[2:]
                return out
            out += self.read_exact(size)
            self.read_exact(2)
        raise AssertionError("too many chunks")

    def read_response(self, method: str = "GET") -> Response:
        """The next final response (1xx responses are skipped but stay in self.received)."""
        for _ in range(10):
            resp = self.read_head()
            if resp.status >= 200:
                break
        else:
            raise AssertionError("only informational responses")
        if method == "HEAD" or resp.status in (204, 304):
            return resp
        if "chunked" in resp.headers.get("transfer-encoding", ""):
            resp.body = self.read_chunked()
        else:
            resp.body = self.read_exact(int(resp.headers.get("content-length", "0")))
        return resp

    def closed_by_peer(self) -> bool:
        """True if the server has closed (EOF or reset) with nothing further sent."""
        try:
            return not self._fill()
        except (ConnectionResetError, BrokenPipeError):
            return True


@pytest.fixture
def conn(server):
    c = Conn(server.port)
    yield c
    c.close()


def host_of(server) -> str:
    return f"127.0.0.1:{server.port}"


def get(server, path: str, host: str | None = None) -> Response:
    c = Conn(server.port)
    try:
        c.send(c.request_head("GET", path, host or host_of(server)))
        return c.read_response()
    finally:
        c.close()


def error_code(body: bytes) -> tuple[str | None, etree._Element]:
    doc = etree.fromstring(body)
    return doc.findtext("Code"), doc


# Expect: 100-continue


def test_expect_continue_on_an_accepted_put(server, conn, s3, bucket):
    body = os.urandom(100_000)
    conn.send(conn.request_head("PUT", f"/{bucket}/continued", host_of(server),
                                {"Content-Length": str(len(body)), "Expect": "100-continue"}))
    interim = conn.read_head()
    assert (interim.status, interim.reason) == (100, "Continue")
    assert interim.raw_head == b"HTTP/1.1 100 Continue"
    conn.send(body)
    final = conn.read_response()
    assert final.status == 200, final.body
    assert final.headers["etag"] == f'"{hashlib.md5(body).hexdigest()}"'
    assert final.headers["x-amz-request-id"] and final.headers["x-amz-id-2"]
    # the connection stays usable for the next request
    conn.send(conn.request_head("HEAD", f"/{bucket}/continued", host_of(server)))
    head = conn.read_response("HEAD")
    assert (head.status, head.headers["content-length"]) == (200, str(len(body)))
    assert s3.get_object(Bucket=bucket, Key="continued")["Body"].read() == body


def test_small_body_after_100_continue_in_pieces_or_cut_short(server, conn, s3, bucket):
    """A small body that follows the 100 in several pieces is stored whole; one the client cuts
    short and abandons stores nothing and leaves the object it would have replaced intact."""
    body = os.urandom(3000)
    conn.send(conn.request_head("PUT", f"/{bucket}/pieces", host_of(server),
                                {"Content-Length": str(len(body)), "Expect": "100-continue"}))
    assert conn.read_head().status == 100
    for start in range(0, len(body), 1000):
        conn.send(body[start:start + 1000])
        time.sleep(0.05)
    final = conn.read_response()
    assert final.status == 200, final.body
    assert final.headers["etag"] == f'"{hashlib.md5(body).hexdigest()}"'
    assert s3.get_object(Bucket=bucket, Key="pieces")["Body"].read() == body
    blobs_before = _blob_files(server)
    c = Conn(server.port)
    try:
        c.send(c.request_head("PUT", f"/{bucket}/pieces", host_of(server),
                              {"Content-Length": "3000", "Expect": "100-continue"}))
        assert c.read_head().status == 100
        c.send(b"y" * 1500)
        time.sleep(0.2)
    finally:
        c.close()
    _wait_for(lambda: _blob_files(server) == blobs_before, "the unfinished blob to be removed")
    assert s3.get_object(Bucket=bucket, Key="pieces")["Body"].read() == body


def test_expect_continue_refused_put_never_gets_100(server, conn):
    """A PUT into a missing bucket: the 404 comes first, and no 100 Continue is ever sent."""
    body = b"x" * 50_000
    missing = f"no-such-{uuid.uuid4().hex[:12]}"
    conn.send(conn.request_head("PUT", f"/{missing}/key", host_of(server),
                                {"Content-Length": str(len(body)), "Expect": "100-continue"}))
    first = conn.read_head()
    assert first.status == 404, first.raw_head
    conn.buf = first.raw_head + b"\r\n\r\n" + conn.buf     # re-read it as a full response
    resp = conn.read_response()
    code, doc = error_code(resp.body)
    assert (code, doc.findtext("BucketName")) == ("NoSuchBucket", missing)
    assert resp.headers["x-amz-request-id"]
    # A client that sends the body anyway (curl does after a delay), then a correct request: the
    # server either has closed the connection, or discards that body and answers the request.
    try:
        conn.send(body + conn.request_head("GET", "/", host_of(server)))
    except (BrokenPipeError, ConnectionResetError):
        pass
    else:
        try:
            nxt = conn.read_response()
        except (ConnectionError, ConnectionResetError):
            nxt = None
        if nxt is not None:
            assert nxt.status == 200, nxt.body[:300]
            assert etree.fromstring(nxt.body).tag.endswith("ListAllMyBucketsResult")
    assert b"100 Continue" not in conn.received


def test_expect_continue_refused_put_connection_then_closed_or_usable(server, conn, bucket):
    """The well-behaved client: after the 404 it sends no body, only its next request."""
    missing = f"no-such-{uuid.uuid4().hex[:12]}"
    conn.send(conn.request_head("PUT", f"/{missing}/key", host_of(server),
                                {"Content-Length": "10", "Expect": "100-continue"}))
    resp = conn.read_response()
    assert resp.status == 404
    if resp.headers.get("connection", "").lower() == "close":
        # The client honours `Connection: close` and ends its side: the server closes too (it may
        # linger for the unread body until then, which is the staged close of RFC 9112 9.6).
        conn.sock.shutdown(socket.SHUT_WR)
        assert conn.closed_by_peer()
    else:
        conn.send(conn.request_head("HEAD", f"/{bucket}", host_of(server)))
        assert conn.read_response("HEAD").status == 200
    assert b"100 Continue" not in conn.received



@pytest.fixture(scope="module")
def strict_server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("strict"), "--auth", "strict",
                                        env={"S3MOCK_BUCKETS": "guarded"})
    yield srv
    srv.stop()


def test_expect_continue_refused_by_auth_never_gets_100(strict_server):
    """Strict auth refuses a bad signature with 403, and no 100 Continue is ever sent."""
    c = Conn(strict_server.port)
    try:
        now = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        c.send(c.request_head("PUT", "/guarded/key", host_of(strict_server), {
            "Content-Length": "1000", "Expect": "100-continue", "x-amz-date": now,
            "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
            "Authorization": f"AWS4-HMAC-SHA256 Credential=test/{now[:8]}/us-east-1/s3/aws4_request, "
                             "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + "0" * 64,
        }, auth=False))
        resp = c.read_response()
        assert resp.status == 403, resp.body
        assert error_code(resp.body)[0] == "SignatureDoesNotMatch"
        assert b"100 Continue" not in c.received
    finally:
        c.close()


# truncated bodies


def _blob_files(server) -> set[str]:
    root = Path(server.data_dir) / "blobs"
    return {p.name for sub in root.iterdir() if sub.is_dir() for p in sub.iterdir()}


def _wait_for(predicate, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("key_exists", [False, True])
def test_body_shorter_than_content_length_then_close_stores_nothing(server, s3, bucket, key_exists):
    if key_exists:
        s3.put_object(Bucket=bucket, Key="victim", Body=b"old contents")
    blobs_before = _blob_files(server)
    c = Conn(server.port)
    try:
        c.send(c.request_head("PUT", f"/{bucket}/victim", host_of(server),
                              {"Content-Length": str(4 * 1024 * 1024)}))
        c.send(os.urandom(1024 * 1024 + 7))
        # the server has started writing the upload into a new blob ...
        _wait_for(lambda: _blob_files(server) - blobs_before, "the upload's blob file")
    finally:
        c.close()                                  # ... and the client goes away mid-body
    _wait_for(lambda: _blob_files(server) == blobs_before, "the unfinished blob to be removed")
    if key_exists:
        assert s3.get_object(Bucket=bucket, Key="victim")["Body"].read() == b"old contents"
    else:
        assert get(server, f"/{bucket}/victim").status == 404
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    assert [o["Key"] for o in listed] == (["victim"] if key_exists else [])


# large bodies


@pytest.mark.parametrize("size,expect", [(8 * 1024 * 1024, False), (16 * 1024 * 1024 - 1, True),
                                         (12 * 1024 * 1024 + 5, False)])
def test_large_bodies_stream(server, conn, bucket, size, expect):
    body = os.urandom(size)
    headers = {"Content-Length": str(size)}
    if expect:
        headers["Expect"] = "100-continue"
    conn.send(conn.request_head("PUT", f"/{bucket}/big", host_of(server), headers))
    if expect:
        assert conn.read_head().status == 100
    conn.send(body)
    resp = conn.read_response()
    assert resp.status == 200, resp.body
    assert resp.headers["etag"] == f'"{hashlib.md5(body).hexdigest()}"'
    conn.send(conn.request_head("GET", f"/{bucket}/big", host_of(server)))
    resp = conn.read_response()
    assert resp.status == 200
    assert int(resp.headers["content-length"]) == size
    assert hashlib.sha256(resp.body).digest() == hashlib.sha256(body).digest()
    conn.send(conn.request_head("GET", f"/{bucket}/big", host_of(server),
                                {"Range": f"bytes={size - 1_000_000}-"}))
    resp = conn.read_response()
    assert resp.status == 206 and resp.body == body[-1_000_000:]


# HEAD framing


def test_head_sends_no_body_on_the_wire(server, conn, bucket, s3):
    s3.put_object(Bucket=bucket, Key="h", Body=b"z" * 5000)
    # two requests back to back on one connection: HEAD's response must end at its head
    conn.send(conn.request_head("HEAD", f"/{bucket}/h", host_of(server))
              + conn.request_head("HEAD", f"/{bucket}/missing", host_of(server))
              + conn.request_head("GET", f"/{bucket}/h", host_of(server)))
    head = conn.read_response("HEAD")
    assert (head.status, head.headers["content-length"]) == (200, "5000")
    missing = conn.read_response("HEAD")
    assert missing.status == 404
    assert missing.headers.get("content-length", "0") == "0"
    assert missing.headers["x-amz-request-id"]
    got = conn.read_response()
    assert (got.status, got.body) == (200, b"z" * 5000)


def test_object_headers_are_spelt_as_s3_spells_them(server, conn, bucket, s3):
    """Header names are case-insensitive, but code that looks them up in a plain dict (and
    recorded S3 answers) expect S3's spelling: `ETag`, not `Etag`."""
    s3.put_object(Bucket=bucket, Key="spelt", Body=b"spelling", ContentType="text/plain")
    spelt = ["ETag", "Last-Modified", "Content-Type", "Accept-Ranges", "Content-Length",
             "x-amz-server-side-encryption", "x-amz-request-id", "x-amz-id-2", "Server"]
    for method in ("HEAD", "GET"):
        conn.send(conn.request_head(method, f"/{bucket}/spelt", host_of(server)))
        got = conn.read_response(method)
        assert got.status == 200
        names = [line.split(b":", 1)[0].decode() for line in got.raw_head.split(b"\r\n")[1:]]
        assert set(spelt) <= set(names), names
    conn.send(conn.request_head("PUT", f"/{bucket}/spelt", host_of(server),
                                {"Content-Length": "3"}) + b"new")
    put = conn.read_response("PUT")
    assert put.status == 200 and b"\r\nETag: " in put.raw_head, put.raw_head


# virtual-host style


def test_virtual_host_style(server, conn, bucket, s3):
    vhost = f"{bucket}.localhost:{server.port}"
    body = b"virtual host body"
    conn.send(conn.request_head("PUT", "/dir/a%20b+c.txt", vhost, {"Content-Length": str(len(body))})
              + body)
    resp = conn.read_response()
    assert resp.status == 200, resp.body
    assert s3.get_object(Bucket=bucket, Key="dir/a b+c.txt")["Body"].read() == body
    conn.send(conn.request_head("GET", "/dir/a%20b+c.txt", vhost))
    assert conn.read_response().body == body
    conn.send(conn.request_head("GET", "/?list-type=2&prefix=dir%2F", vhost))
    resp = conn.read_response()
    doc = etree.fromstring(resp.body)
    ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
    assert doc.findtext(f"{ns}Name") == bucket
    assert [k.text for k in doc.iter(f"{ns}Key")] == ["dir/a b+c.txt"]
    conn.send(conn.request_head("GET", "/nope", f"no-such-{uuid.uuid4().hex[:8]}.localhost:{server.port}"))
    resp = conn.read_response()
    assert resp.status == 404 and error_code(resp.body)[0] == "NoSuchBucket"

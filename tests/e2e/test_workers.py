"""--workers 2: two processes on one port over one data directory. Each binds its own socket
(SO_REUSEPORT), so new connections are spread over both; a write acknowledged by one is read by
the other at once. Connections are plain HTTP/1.1 whose serving process the test looks up in /proc."""

from __future__ import annotations

import hashlib
import json
import http.client
import os
from pathlib import Path

import pytest

from support import start_server

# Lenient auth reads the access key only: this identifies the default user (the owner).
AUTH = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, "
                         "SignedHeaders=host;x-amz-date, Signature=0",
        "x-amz-date": "20250101T000000Z"}
CONNECTIONS = 24
ORIGIN = "https://app.example"


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


def _socket_inode(server_port: int, client_port: int) -> int:
    """The inode of the server's end of the loopback connection from client_port."""
    want_local, want_remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == want_local and fields[2] == want_remote:
            return int(fields[9])
    raise AssertionError(f"no server socket for client port {client_port}")


def _owner(pids: list[int], inode: int) -> int:
    target = f"socket:[{inode}]"
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == target:
                    return pid
            except OSError:
                continue
    raise AssertionError(f"no worker holds socket {inode}")


class Conn:
    """One kept-alive connection and the worker process serving it."""

    def __init__(self, port: int, pids: list[int]):
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.request("GET", "/_s3mock/health")          # accepted: now its owner can be found
        inode = _socket_inode(port, self.http.sock.getsockname()[1])
        self.pid = _owner(pids, inode)

    def request(self, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        sent = {k: v for k, v in {**AUTH, **(headers or {})}.items() if v is not None}
        self.http.request(method, path, body=body or None, headers=sent)
        resp = self.http.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(server, a connection to each of its two workers)."""
    srv = start_server(tmp_path_factory.mktemp("workers"), "--workers", "2")
    try:
        pids = [srv.proc.pid, *_children(srv.proc.pid)]
        assert len(pids) == 2, pids
        conns = [Conn(srv.port, pids) for _ in range(CONNECTIONS)]
        by_worker = {c.pid: c for c in conns}
        # Spread by the kernel: every worker took some of the new connections.
        assert sorted(by_worker) == sorted(pids), [c.pid for c in conns]
        yield srv, by_worker[pids[0]], by_worker[pids[1]]
        for c in conns:
            c.http.close()
    finally:
        srv.stop("TERM")


def test_objects_written_by_one_worker_are_read_by_the_other_at_once(pair):
    _, a, b = pair
    assert a.request("PUT", "/shared")[0] == 200
    for i in range(20):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        body = os.urandom(1000 + i)
        status, headers, _ = writer.request("PUT", f"/shared/k{i % 3}", body)
        assert status == 200
        status, got_headers, got = reader.request("GET", f"/shared/k{i % 3}")
        assert (status, got) == (200, body)
        assert got_headers["ETag"] == headers["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    status, _, listing = b.request("GET", "/shared?list-type=2")
    assert status == 200
    assert listing.count(b"<Key>") == 3
    anonymous = {"Authorization": None, "x-amz-date": None}
    for reader in (a, b):
        assert reader.request("GET", "/shared/k1", headers=anonymous)[0] == 403
    assert a.request("PUT", "/shared/k1?acl", headers={"x-amz-acl": "public-read"})[0] == 200
    assert b.request("GET", "/shared/k1", headers=anonymous)[0] == 200
    assert a.request("DELETE", "/shared/k0")[0] == 204
    assert b.request("HEAD", "/shared/k0")[0] == 404
    assert b.request("GET", "/shared/k0")[0] == 404


def test_buckets_and_their_cors_change_for_both_workers_at_once(pair):
    _, a, b = pair
    assert b.request("HEAD", "/made-by-a")[0] == 404
    assert a.request("PUT", "/made-by-a")[0] == 200
    assert b.request("PUT", "/made-by-a/key", b"x")[0] == 200
    anonymous = {"Authorization": None, "x-amz-date": None}
    assert b.request("GET", "/made-by-a?list-type=2", headers=anonymous)[0] == 403
    assert a.request("PUT", "/made-by-a?acl", headers={"x-amz-acl": "public-read"})[0] == 200
    assert b.request("GET", "/made-by-a?list-type=2", headers=anonymous)[0] == 200
    rules = (f"<CORSConfiguration><CORSRule><AllowedOrigin>{ORIGIN}</AllowedOrigin>"
             "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>").encode()
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    for writer, reader in ((a, b), (b, a)):
        assert writer.request("PUT", "/made-by-a?cors", rules)[0] == 200
        status, headers, _ = reader.request("OPTIONS", "/made-by-a/key", headers=preflight)
        assert status == 200 and headers["Access-Control-Allow-Origin"] == ORIGIN
        assert writer.request("DELETE", "/made-by-a?cors")[0] == 204
        assert reader.request("OPTIONS", "/made-by-a/key", headers=preflight)[0] == 403
    assert a.request("DELETE", "/made-by-a/key")[0] == 204
    assert b.request("DELETE", "/made-by-a")[0] == 204
    assert a.request("HEAD", "/made-by-a")[0] == 404


def test_a_bucket_policy_changes_for_both_workers_at_once(pair):
    """Each worker keeps parsed policies by the bucket row's text; a PutBucketPolicy or
    DeleteBucketPolicy in one is in force in the other on its next request."""
    _, a, b = pair
    anonymous = {"Authorization": None, "x-amz-date": None}
    assert a.request("PUT", "/policy-pair")[0] == 200
    assert a.request("PUT", "/policy-pair/open/k", b"hello")[0] == 200
    allow = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "OpenReads", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::policy-pair/open/*"}]}).encode()
    deny = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "NoReads", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::policy-pair/*"}]}).encode()
    for writer, reader in ((a, b), (b, a)):
        assert reader.request("GET", "/policy-pair/open/k", headers=anonymous)[0] == 403
        assert writer.request("PUT", "/policy-pair?policy", allow)[0] == 204
        assert reader.request("GET", "/policy-pair/open/k", headers=anonymous)[:3:2] == (200, b"hello")
        assert writer.request("PUT", "/policy-pair?policy", deny)[0] == 204
        assert reader.request("GET", "/policy-pair/open/k")[0] == 403      # the owner too
        assert writer.request("DELETE", "/policy-pair?policy")[0] == 204
        assert reader.request("GET", "/policy-pair/open/k")[0] == 200
    assert a.request("DELETE", "/policy-pair/open/k")[0] == 204
    assert b.request("DELETE", "/policy-pair")[0] == 204


def test_a_notification_configuration_changes_for_both_workers_at_once(pair):
    """Each worker caches a bucket's parsed configuration by the bucket row's version (notify.py):
    a configuration put or removed through one worker applies at once to writes through the
    other, including one that had cached "no configuration"."""
    _, a, b = pair
    assert a.request("PUT", "/notified")[0] == 200
    assert b.request("PUT", "/notified/before", b"x")[0] == 200      # b caches: none
    config = (b"<NotificationConfiguration><QueueConfiguration><Id>q</Id>"
              b"<Queue>arn:aws:sqs:us-east-1:123456789012:jobs</Queue>"
              b"<Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>")
    empty = b"<NotificationConfiguration/>"
    for writer, reader, key in ((a, b, "via-b"), (b, a, "via-a")):
        assert writer.request("PUT", "/notified?notification", config)[0] == 200
        assert reader.request("PUT", f"/notified/{key}", b"x")[0] == 200
        assert writer.request("PUT", "/notified?notification", empty)[0] == 200
        assert reader.request("PUT", f"/notified/{key}-after", b"x")[0] == 200
    status, _, page = a.request("GET", "/_s3mock/events?format=json")
    assert status == 200
    created = [e["key"] for e in json.loads(page)
               if e["bucket"] == "notified" and e["event"] == "ObjectCreated:Put"]
    assert created == ["via-b", "via-a"]

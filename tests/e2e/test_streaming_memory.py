"""Bodies stream: a large PUT and GET never make the server hold the body in memory."""

from __future__ import annotations

import hashlib
import http.client

import pytest

from support import client, start_server

SIZE = 256 * 1024 * 1024
BLOCK = 1024 * 1024
HEADROOM = 64 * 1024 * 1024   # far below SIZE: holding the body would exceed it


def peak_rss(pid: int) -> int:
    """VmHWM of the process, after resetting it with clear_refs when the kernel allows."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def reset_peak(pid: int) -> None:
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


@pytest.fixture
def srv(tmp_path):
    server = start_server(tmp_path / "data")
    yield server
    server.stop()


def test_large_put_and_get_stream(srv):
    s3 = client(srv.endpoint)
    s3.create_bucket(Bucket="big")
    pid = srv.proc.pid
    reset_peak(pid)
    base = peak_rss(pid)
    block = bytes(range(256)) * (BLOCK // 256)
    md5 = hashlib.md5()
    url = s3.generate_presigned_url("put_object", Params={"Bucket": "big", "Key": "blob"})
    path = url.split(str(srv.port), 1)[1]
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
    conn.putrequest("PUT", path)
    conn.putheader("Content-Length", str(SIZE))
    conn.endheaders()
    for _ in range(SIZE // BLOCK):
        conn.send(block)
        md5.update(block)
    resp = conn.getresponse()
    assert resp.status == 200, resp.read()
    assert resp.getheader("ETag") == f'"{md5.hexdigest()}"'
    resp.read()
    assert peak_rss(pid) - base < HEADROOM

    reset_peak(pid)
    base = peak_rss(pid)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "big", "Key": "blob"})
    conn.request("GET", url.split(str(srv.port), 1)[1])
    resp = conn.getresponse()
    assert resp.status == 200
    got = hashlib.md5()
    total = 0
    while chunk := resp.read(BLOCK):
        got.update(chunk)
        total += len(chunk)
    assert total == SIZE and got.hexdigest() == md5.hexdigest()
    assert peak_rss(pid) - base < HEADROOM
    conn.close()


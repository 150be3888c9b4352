"""Disk faults during writes: a full disk (ENOSPC, a real tmpfs mounted by the test), an I/O error
(EIO, injected in-process) and a failing SQLite commit. Each failed write answers InternalError
(500: S3 has no "insufficient storage" code), leaves the previous object intact and no temp file or
orphan blob behind, and the server keeps serving reads and takes the next write."""

from __future__ import annotations

import errno
import hashlib
import os
import socket
import sqlite3
import subprocess
from pathlib import Path

import aiohttp
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from s3mock.app import STORE, make_app
from s3mock.config import Settings
from s3mock.storage import blobs as blobs_mod
from s3mock.storage import bodies as bodies_mod
from support import blob_files, client, referenced_blobs, start_server

# Lenient auth reads the access key only: this identifies the default user (the owner).
AUTH = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, "
                         "SignedHeaders=host;x-amz-date, Signature=0",
        "x-amz-date": "20250101T000000Z"}
KIB, MIB = 1024, 1024 * 1024


def assert_no_leftovers(data_dir: Path) -> None:
    """blobs/ holds exactly the blobs rows point to, and nothing else was written."""
    assert blob_files(data_dir) == referenced_blobs(data_dir)
    assert sorted(p.name for p in data_dir.iterdir() if p.is_dir()) == ["blobs"]


def assert_internal_error(resp_status: int, text: str) -> None:
    assert resp_status == 500, text
    assert "<Code>InternalError</Code>" in text
    assert "<Message>We encountered an internal error. Please try again.</Message>" in text


# --- ENOSPC: the data directory on a real, small tmpfs -----------------------------------------

@pytest.fixture
def small_disk(tmp_path, request):
    """A real tmpfs of 8 MiB (or of the size given by indirect parametrization)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    size = getattr(request, "param", "8m")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()} (EIO tests cover the path)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(mnt: Path, leave: int) -> Path:
    """A filler file that leaves about `leave` bytes free on the file system."""
    st = os.statvfs(mnt)
    free = st.f_bavail * st.f_frsize
    filler = mnt / "filler"
    with open(filler, "wb") as f:
        f.write(b"\0" * max(free - leave, 0))
    return filler


def _put_head(path: str, size: int) -> bytes:
    """The head of a raw PUT of `size` bytes that asks for 100 Continue."""
    return (f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {size}\r\n"
            "Expect: 100-continue\r\n" + "".join(f"{k}: {v}\r\n" for k, v in AUTH.items()) +
            "\r\n").encode()


def _bucket_with_old_object(srv) -> tuple:
    """(boto3 client, the bytes of full/k) on a new bucket `full`."""
    s3 = client(srv.endpoint, retries={"total_max_attempts": 1})
    s3.create_bucket(Bucket="full")
    old = os.urandom(100 * KIB)
    s3.put_object(Bucket="full", Key="k", Body=old)
    return s3, old


def test_enospc_put_answers_internal_error_and_keeps_the_old_object(small_disk):
    data_dir = small_disk / "data"
    srv = start_server(data_dir)
    try:
        s3, old = _bucket_with_old_object(srv)
        s3.put_object(Bucket="full", Key="other", Body=b"other")
        filler = _fill(small_disk, leave=200 * KIB)

        # The body's space is reserved before 100 Continue (boto3 waits for it): a clean 500.
        with pytest.raises(ClientError) as exc:
            s3.put_object(Bucket="full", Key="k", Body=os.urandom(900 * KIB))
        err = exc.value.response
        assert err["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert err["Error"]["Code"] == "InternalError"
        assert err["Error"]["Message"] == "We encountered an internal error. Please try again."

        # The same for a larger one; a client that does not wait for 100 Continue may instead see
        # the connection closed while it still sends. Either way nothing changes.
        try:
            s3.put_object(Bucket="full", Key="k", Body=os.urandom(3 * MIB))
            raise AssertionError("a 3 MiB PUT cannot fit in 200 KiB")
        except ClientError as e:
            assert e.response["Error"]["Code"] == "InternalError"
        except (ConnectionClosedError, EndpointConnectionError, ConnectionError):
            pass

        # still serving reads: the previous bytes, and the listing
        assert s3.get_object(Bucket="full", Key="k")["Body"].read() == old
        assert s3.head_object(Bucket="full", Key="k")["ETag"] == f'"{hashlib.md5(old).hexdigest()}"'
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="full")["Contents"]]
        assert keys == ["k", "other"]
        assert_no_leftovers(data_dir)

        # space comes back: writes work again
        filler.unlink()
        new = os.urandom(900 * KIB)
        s3.put_object(Bucket="full", Key="k", Body=new)
        assert s3.get_object(Bucket="full", Key="k")["Body"].read() == new
        assert_no_leftovers(data_dir)
    finally:
        srv.stop("TERM")


def test_enospc_refuses_a_large_body_before_100_continue(small_disk):
    """The space of a large body is reserved from its Content-Length first: on a full disk the
    client that asked for 100 Continue gets the 500 instead and never sends the body."""
    data_dir = small_disk / "data"
    srv = start_server(data_dir)
    try:
        client(srv.endpoint).create_bucket(Bucket="full")
        filler = _fill(small_disk, leave=200 * KIB)
        head = _put_head("/full/big", 3 * MIB)
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
            sock.sendall(head)
            answer = b""
            while b"</Error>" not in answer:
                data = sock.recv(65536)
                assert data, answer
                answer += data
        assert answer.startswith(b"HTTP/1.1 500 "), answer
        assert b"100 Continue" not in answer
        assert b"<Code>InternalError</Code>" in answer
        assert_no_leftovers(data_dir)
        filler.unlink()
    finally:
        srv.stop("TERM")


@pytest.mark.parametrize("small_disk", ["32m"], indirect=True)
def test_enospc_partway_through_a_large_body(small_disk):
    """A large body's blocks are allocated a few steps ahead of what has arrived, not all before
    100 Continue: when the disk fills up partway through (another writer took the space), that
    PUT answers InternalError (or its connection closes while the client still sends), the
    previous object stays and nothing is left behind."""
    data_dir = small_disk / "data"
    srv = start_server(data_dir)
    try:
        s3, old = _bucket_with_old_object(srv)
        size = 20 * MIB
        head = _put_head("/full/k", size)
        answer = b""
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
            sock.sendall(head)
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                assert data, answer
                answer += data
            assert answer == b"HTTP/1.1 100 Continue\r\n\r\n"
            filler = _fill(small_disk, leave=256 * KIB)  # room for SQLite, not for the next step
            answer = b""
            try:
                sock.sendall(os.urandom(size))
            except (BrokenPipeError, ConnectionResetError):
                pass                                 # refused while still sending
            try:
                while b"</Error>" not in answer and (data := sock.recv(65536)):
                    answer += data
            except ConnectionResetError:
                pass
        if answer:
            assert answer.startswith(b"HTTP/1.1 500 "), answer[:200]
            assert b"<Code>InternalError</Code>" in answer
        assert s3.get_object(Bucket="full", Key="k")["Body"].read() == old
        assert_no_leftovers(data_dir)

        filler.unlink()
        new = os.urandom(size)
        s3.put_object(Bucket="full", Key="k", Body=new)
        assert s3.get_object(Bucket="full", Key="k")["Body"].read() == new
        assert_no_leftovers(data_dir)
    finally:
        srv.stop("TERM")


def test_enospc_upload_part_and_copy(small_disk):
    data_dir = small_disk / "data"
    srv = start_server(data_dir)
    try:
        s3 = client(srv.endpoint, retries={"total_max_attempts": 1})
        s3.create_bucket(Bucket="full")
        src = os.urandom(600 * KIB)
        s3.put_object(Bucket="full", Key="src", Body=src)
        up = s3.create_multipart_upload(Bucket="full", Key="mp")["UploadId"]
        filler = _fill(small_disk, leave=200 * KIB)
        with pytest.raises(ClientError) as exc:
            s3.upload_part(Bucket="full", Key="mp", UploadId=up, PartNumber=1, Body=os.urandom(900 * KIB))
        assert exc.value.response["Error"]["Code"] == "InternalError"
        # UploadPartCopy writes a new blob too
        with pytest.raises(ClientError) as exc:
            s3.upload_part_copy(Bucket="full", Key="mp", UploadId=up, PartNumber=1,
                                CopySource={"Bucket": "full", "Key": "src"})
        assert exc.value.response["Error"]["Code"] == "InternalError"
        assert s3.list_parts(Bucket="full", Key="mp", UploadId=up).get("Parts", []) == []
        assert s3.get_object(Bucket="full", Key="src")["Body"].read() == src
        assert_no_leftovers(data_dir)
        filler.unlink()
        # the upload survived the failures and completes
        etag = s3.upload_part(Bucket="full", Key="mp", UploadId=up, PartNumber=1, Body=b"tail")["ETag"]
        s3.complete_multipart_upload(Bucket="full", Key="mp", UploadId=up,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
        assert s3.get_object(Bucket="full", Key="mp")["Body"].read() == b"tail"
        assert_no_leftovers(data_dir)
    finally:
        srv.stop("TERM")


# --- EIO and SQLite failures, injected into an in-process server ------------------------------

@pytest.fixture
async def app_client(aiohttp_client, tmp_path):
    c = await aiohttp_client(make_app(Settings(data_dir=tmp_path)), headers=AUTH)
    c.data_dir = tmp_path
    c.store = c.server.app[STORE]
    resp = await c.put("/faults")
    assert resp.status == 200
    return c


def _eio(*_args, **_kw):
    raise OSError(errno.EIO, os.strerror(errno.EIO))


async def _put(c, key: str, body: bytes, **headers) -> tuple[int, str]:
    resp = await c.put(f"/faults/{key}", data=body, headers=headers)
    return resp.status, await resp.text()


async def _get(c, key: str) -> bytes:
    resp = await c.get(f"/faults/{key}")
    assert resp.status == 200, await resp.text()
    return await resp.read()


@pytest.mark.parametrize("size", [10 * KIB, 300 * KIB, 9 * MIB], ids=["inline", "mid", "threaded"])
async def test_eio_while_writing_a_put(app_client, monkeypatch, size):
    c = app_client
    old = os.urandom(5000)
    assert (await _put(c, "k", old))[0] == 200
    with monkeypatch.context() as m:
        m.setattr(blobs_mod.BlobWriter, "_consume", _eio)
        try:
            status, text = await _put(c, "k", os.urandom(size))
            assert_internal_error(status, text)
        except OSError:      # aiohttp ClientConnectionError: closed while the client still sent
            assert size > blobs_mod.WRITE_STEP
    assert await _get(c, "k") == old
    assert_no_leftovers(c.data_dir)
    new = os.urandom(size)
    assert (await _put(c, "k", new))[0] == 200
    assert await _get(c, "k") == new
    assert_no_leftovers(c.data_dir)


async def test_eio_when_the_blob_file_is_created(app_client, monkeypatch):
    c = app_client
    assert (await _put(c, "k", b"old"))[0] == 200
    real_open = os.open

    def open_fails_in_blobs(path, *args, **kw):
        if "/blobs/" in str(path):
            _eio()
        return real_open(path, *args, **kw)
    with monkeypatch.context() as m:
        m.setattr(blobs_mod.os, "open", open_fails_in_blobs)
        assert_internal_error(*await _put(c, "k", b"new body"))
    assert await _get(c, "k") == b"old"
    assert_no_leftovers(c.data_dir)


async def test_eio_during_copy_object(app_client, monkeypatch):
    c = app_client
    assert (await _put(c, "src", b"source"))[0] == 200
    assert (await _put(c, "dst", b"old dst"))[0] == 200
    with monkeypatch.context() as m:
        m.setattr(blobs_mod.os, "link", _eio)
        status, text = await _put(c, "dst", b"", **{"x-amz-copy-source": "/faults/src"})
        assert_internal_error(status, text)
    assert await _get(c, "dst") == b"old dst"
    assert_no_leftovers(c.data_dir)
    status, text = await _put(c, "dst", b"", **{"x-amz-copy-source": "/faults/src"})
    assert status == 200, text
    assert await _get(c, "dst") == b"source"


async def test_eio_while_a_copy_reads_its_source(app_client, monkeypatch):
    """A copy that computes a checksum the source lacks reads the source's bytes first: an I/O
    error there stores nothing either."""
    c = app_client
    assert (await _put(c, "src", b"source"))[0] == 200
    assert (await _put(c, "dst", b"old dst"))[0] == 200

    def eio_open(*args, **kw):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    copy = {"x-amz-copy-source": "/faults/src", "x-amz-checksum-algorithm": "SHA1"}
    with monkeypatch.context() as m:
        m.setattr(bodies_mod, "open", eio_open, raising=False)
        assert_internal_error(*await _put(c, "dst", b"", **copy))
    assert await _get(c, "dst") == b"old dst"
    assert_no_leftovers(c.data_dir)
    status, text = await _put(c, "dst", b"", **copy)
    assert status == 200, text
    assert await _get(c, "dst") == b"source"


async def test_eio_during_upload_part_and_upload_part_copy(app_client, monkeypatch):
    c = app_client
    assert (await _put(c, "src", b"source"))[0] == 200
    resp = await c.post("/faults/mp?uploads")
    upload_id = (await resp.text()).split("<UploadId>")[1].split("</UploadId>")[0]
    with monkeypatch.context() as m:
        m.setattr(blobs_mod.BlobWriter, "_consume", _eio)
        resp = await c.put(f"/faults/mp?partNumber=1&uploadId={upload_id}", data=b"part")
        assert_internal_error(resp.status, await resp.text())
        resp = await c.put(f"/faults/mp?partNumber=1&uploadId={upload_id}",
                           headers={"x-amz-copy-source": "/faults/src"})
        assert_internal_error(resp.status, await resp.text())
    assert_no_leftovers(c.data_dir)
    resp = await c.put(f"/faults/mp?partNumber=1&uploadId={upload_id}", data=b"part")
    assert resp.status == 200
    etag = resp.headers["ETag"]
    doc = (f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part>"
           "</CompleteMultipartUpload>")
    resp = await c.post(f"/faults/mp?uploadId={upload_id}", data=doc)
    assert resp.status == 200, await resp.text()
    assert await _get(c, "mp") == b"part"
    assert_no_leftovers(c.data_dir)


class _FailingCommit:
    """The store's connection, except that COMMIT fails like a full disk while `failing`."""

    def __init__(self, db: sqlite3.Connection):
        self.db, self.failing = db, True

    def execute(self, sql, *args):
        if self.failing and sql == "COMMIT":
            raise sqlite3.OperationalError("database or disk is full")
        return self.db.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.db, name)


async def test_failing_sqlite_commit(app_client, monkeypatch):
    c = app_client
    assert (await _put(c, "k", b"old"))[0] == 200
    resp = await c.post("/faults/mp?uploads")
    upload_id = (await resp.text()).split("<UploadId>")[1].split("</UploadId>")[0]
    failing = _FailingCommit(c.store.db)
    monkeypatch.setattr(c.store, "db", failing)
    assert_internal_error(*await _put(c, "k", b"new"))
    assert_internal_error(*await _put(c, "k2", os.urandom(2 * MIB)))
    resp = await c.put(f"/faults/mp?partNumber=1&uploadId={upload_id}", data=b"part")
    assert_internal_error(resp.status, await resp.text())
    # CopyObject: the hard-linked copy is dropped with its row
    status, text = await _put(c, "copy", b"", **{"x-amz-copy-source": "/faults/k"})
    assert_internal_error(status, text)
    resp = await c.delete("/faults/k")
    assert_internal_error(resp.status, await resp.text())
    failing.failing = False
    assert await _get(c, "k") == b"old"
    assert (await c.get("/faults/k2")).status == 404
    assert (await c.get("/faults/copy")).status == 404
    assert_no_leftovers(c.data_dir)
    # the failed COMMIT did not leave a transaction open: the next writes work
    assert (await _put(c, "k", b"new"))[0] == 200
    assert await _get(c, "k") == b"new"
    resp = await c.put(f"/faults/mp?partNumber=1&uploadId={upload_id}", data=b"part")
    assert resp.status == 200
    assert_no_leftovers(c.data_dir)


async def test_database_locked_too_long(app_client):
    """Another process holds the write lock past the busy timeout: InternalError, nothing left."""
    c = app_client
    assert (await _put(c, "k", b"old"))[0] == 200
    c.store.db.execute("PRAGMA busy_timeout=50")
    other = sqlite3.connect(c.data_dir / "meta.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        assert_internal_error(*await _put(c, "k", os.urandom(400 * KIB)))
        assert await _get(c, "k") == b"old"
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert_no_leftovers(c.data_dir)
    assert (await _put(c, "k", b"new"))[0] == 200
    assert await _get(c, "k") == b"new"


@pytest.mark.parametrize("size", [300 * KIB, 3 * MIB], ids=["mid", "large"])
async def test_a_blob_cut_short_on_disk_ends_the_get_early(app_client, size):
    """The row says more bytes than the file holds: the GET (already answering 200 with the
    recorded length) stops short and closes the connection instead of hanging or padding."""
    c = app_client
    assert (await _put(c, "k", os.urandom(size)))[0] == 200
    (blob, _), = c.store.get_object("faults", "k").segments
    os.truncate(c.store.blobs.path(blob), 1000)
    resp = await c.get("/faults/k")
    assert resp.status == 200 and resp.content_length == size
    with pytest.raises(aiohttp.ClientPayloadError):
        await resp.read()
    assert (await _put(c, "k", b"whole"))[0] == 200
    assert await _get(c, "k") == b"whole"

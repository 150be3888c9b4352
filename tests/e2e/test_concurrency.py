"""Concurrency on one key or one upload: writers racing writers, readers during overwrites,
Complete racing Abort (and Complete), Delete racing Put. Every answer is a success or S3's error for
the losing side, never a 500; bodies are never mixed; no orphan blob is left behind."""

from __future__ import annotations

import hashlib
import itertools
import os
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from support import client, start_server
from test_disk_faults import assert_no_leftovers

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = start_server(tmp_path_factory.mktemp("conc-data"))
    yield s
    s.stop()


def clients(srv, n: int) -> list:
    # boto3 client creation is not thread-safe: make them here, use one per thread.
    return [client(srv.endpoint, retries={"total_max_attempts": 1}) for _ in range(n)]


def code(e: ClientError) -> str:
    return e.response["Error"]["Code"]


def run_together(*fns):
    """Run the callables at the same moment (a barrier), return their results or exceptions."""
    barrier = threading.Barrier(len(fns))

    def call(fn):
        barrier.wait(timeout=30)
        try:
            return fn()
        except ClientError as e:
            return e
    with ThreadPoolExecutor(len(fns)) as pool:
        return [f.result(timeout=60) for f in [pool.submit(call, fn) for fn in fns]]


def test_concurrent_writers_and_readers_on_one_key(srv):
    s3 = client(srv.endpoint)
    s3.create_bucket(Bucket="same-key")
    rng = random.Random(6)
    writers, readers, per_writer = 8, 4, 6
    sizes = [0, 1, 1000, 70_000, 300_000, 1_500_000, 3 * MIB]
    bodies = [[rng.randbytes(rng.choice(sizes)) for _ in range(per_writer)] for _ in range(writers)]
    by_hash = {hashlib.sha256(b).hexdigest(): b for w in bodies for b in w}
    s3.put_object(Bucket="same-key", Key="k", Body=bodies[0][0])
    clock, lock = itertools.count(), threading.Lock()
    acked: list[tuple[int, int, str]] = []          # (start, end, sha256)
    problems: list[str] = []
    after_get: list[tuple[int, int, str]] = []      # (our PUT's start, GET's end, sha256 read)
    done = threading.Event()
    cs = clients(srv, writers + readers)

    def check_body(body: bytes, etag: str) -> str:
        digest = hashlib.sha256(body).hexdigest()
        if digest not in by_hash:
            problems.append(f"GET returned {len(body)} bytes that no PUT wrote (a mix?)")
        elif etag != f'"{hashlib.md5(body).hexdigest()}"':
            problems.append("ETag of another body")
        return digest

    def writer(i: int) -> None:
        for body in bodies[i]:
            with lock:
                start = next(clock)
            s3c = cs[i]
            s3c.put_object(Bucket="same-key", Key="k", Body=body)
            with lock:
                end = next(clock)
                acked.append((start, end, hashlib.sha256(body).hexdigest()))
            got = s3c.get_object(Bucket="same-key", Key="k")
            digest = check_body(got["Body"].read(), got["ETag"])
            with lock:
                after_get.append((start, next(clock), digest))

    def reader(i: int) -> None:
        s3c = cs[writers + i]
        for _ in range(400):         # bounded; stops when the writers are done
            if done.is_set():
                return
            got = s3c.get_object(Bucket="same-key", Key="k")
            check_body(got["Body"].read(), got["ETag"])

    with ThreadPoolExecutor(writers + readers) as pool:
        rs = [pool.submit(reader, i) for i in range(readers)]
        ws = [pool.submit(writer, i) for i in range(writers)]
        for f in ws:
            f.result(timeout=120)
        done.set()
        for f in rs:
            f.result(timeout=120)
    assert problems == []
    # By the next GET, the last acknowledged write wins: a GET issued after our PUT was acknowledged
    # reads a write that started before the GET ended and had not ended before our PUT started.
    for start, got_at, digest in after_get:
        assert any(d == digest and s < got_at and e > start for (s, e, d) in acked), \
            "a GET after an acknowledged PUT read an older body"
    final = hashlib.sha256(s3.get_object(Bucket="same-key", Key="k")["Body"].read()).hexdigest()
    possible = {d for (s, e, d) in acked if not any(s2 > e for (s2, _, _) in acked)}
    assert final in possible
    assert_no_leftovers(srv.data_dir)


def _upload(s3, bucket: str, key: str, body: bytes) -> tuple[str, list[dict]]:
    up = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=body)["ETag"]
    return up, [{"PartNumber": 1, "ETag": etag}]


def test_complete_races_abort_and_upload_part(srv):
    s3 = client(srv.endpoint)
    s3.create_bucket(Bucket="race-abort")
    a, b, c = clients(srv, 3)
    outcomes = set()
    for round_ in range(12):
        body = os.urandom(1000 + round_)
        up, parts = _upload(s3, "race-abort", "k", body)
        complete, abort, part = run_together(
            lambda: a.complete_multipart_upload(Bucket="race-abort", Key="k", UploadId=up,
                                                MultipartUpload={"Parts": parts}),
            lambda: b.abort_multipart_upload(Bucket="race-abort", Key="k", UploadId=up),
            lambda: c.upload_part(Bucket="race-abort", Key="k", UploadId=up, PartNumber=2, Body=b"x"))
        for r in (complete, abort, part):
            assert not isinstance(r, ClientError) or code(r) == "NoSuchUpload", r
        assert isinstance(complete, ClientError) != isinstance(abort, ClientError), \
            "exactly one of Complete and Abort succeeds"
        try:
            got = s3.get_object(Bucket="race-abort", Key="k")["Body"].read()
        except ClientError as e:
            assert code(e) == "NoSuchKey"
            got = None
        if isinstance(complete, ClientError):
            outcomes.add("aborted")
            assert got is None
        else:
            outcomes.add("completed")
            assert got == body
            s3.delete_object(Bucket="race-abort", Key="k")
        uploads = s3.list_multipart_uploads(Bucket="race-abort").get("Uploads", [])
        assert uploads == []
        with pytest.raises(ClientError) as exc:
            s3.list_parts(Bucket="race-abort", Key="k", UploadId=up)
        assert code(exc.value) == "NoSuchUpload"
        assert_no_leftovers(srv.data_dir)
    assert outcomes, outcomes


def test_complete_races_complete(srv):
    s3 = client(srv.endpoint)
    s3.create_bucket(Bucket="race-complete")
    cs = clients(srv, 3)
    for round_ in range(8):
        body = os.urandom(2000 + round_)
        up, parts = _upload(s3, "race-complete", "k", body)
        results = run_together(*[
            (lambda c=c: c.complete_multipart_upload(Bucket="race-complete", Key="k", UploadId=up,
                                                     MultipartUpload={"Parts": parts})) for c in cs])
        ok = [r for r in results if not isinstance(r, ClientError)]
        assert ok, results
        assert all(code(r) == "NoSuchUpload" for r in results if isinstance(r, ClientError)), results
        assert len({r["ETag"] for r in ok}) == 1
        got = s3.get_object(Bucket="race-complete", Key="k")
        assert got["Body"].read() == body and got["ETag"] == ok[0]["ETag"]
        assert s3.list_multipart_uploads(Bucket="race-complete").get("Uploads", []) == []
        assert_no_leftovers(srv.data_dir)


def test_delete_races_put(srv):
    s3 = client(srv.endpoint)
    s3.create_bucket(Bucket="race-delete")
    a, b = clients(srv, 2)
    for round_ in range(15):
        old, new = os.urandom(500), os.urandom(round_ * 20_000)
        s3.put_object(Bucket="race-delete", Key="k", Body=old)
        put, delete = run_together(
            lambda: a.put_object(Bucket="race-delete", Key="k", Body=new),
            lambda: b.delete_object(Bucket="race-delete", Key="k"))
        assert not isinstance(put, ClientError) and not isinstance(delete, ClientError)
        try:
            got = s3.get_object(Bucket="race-delete", Key="k")["Body"].read()
            assert got == new, "the deleted old body came back"
        except ClientError as e:
            assert code(e) == "NoSuchKey"
        assert_no_leftovers(srv.data_dir)


def test_copy_while_the_source_is_overwritten(srv):
    """CopyObject reads a row, then links its blob: an overwrite in between must not be a 500."""
    s3 = client(srv.endpoint)
    s3.create_bucket(Bucket="race-copy")
    rng = random.Random(7)
    bodies = [rng.randbytes(rng.choice([10, 5000, 300_000])) for _ in range(40)]
    known = {hashlib.md5(b).hexdigest() for b in bodies}
    s3.put_object(Bucket="race-copy", Key="src", Body=bodies[0])
    a, b = clients(srv, 2)
    errors: list = []

    def overwrite():
        for body in bodies:
            a.put_object(Bucket="race-copy", Key="src", Body=body)

    def copy():
        for _ in range(40):
            try:
                b.copy_object(Bucket="race-copy", Key="dst", CopySource={"Bucket": "race-copy", "Key": "src"})
            except ClientError as e:
                errors.append(code(e))
    run_together(overwrite, copy)
    assert errors == []
    got = s3.get_object(Bucket="race-copy", Key="dst")
    body = got["Body"].read()
    assert hashlib.md5(body).hexdigest() in known and got["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    assert_no_leftovers(srv.data_dir)


def test_get_of_a_multipart_object_during_overwrite(srv):
    """A multi-part object is several blobs: a GET that began must not be cut short by an
    overwrite that drops the later blobs."""
    s3 = client(srv.endpoint)
    s3.create_bucket(Bucket="race-mpget")
    a, b = clients(srv, 2)
    rng = random.Random(8)

    def mp_body():
        return rng.randbytes(5 * MIB), rng.randbytes(300_000)

    bodies = [mp_body() for _ in range(4)]
    known = {hashlib.sha256(p1 + p2).hexdigest() for p1, p2 in bodies}

    def put_mp(c, p1, p2):
        up = c.create_multipart_upload(Bucket="race-mpget", Key="k")["UploadId"]
        e1 = c.upload_part(Bucket="race-mpget", Key="k", UploadId=up, PartNumber=1, Body=p1)["ETag"]
        e2 = c.upload_part(Bucket="race-mpget", Key="k", UploadId=up, PartNumber=2, Body=p2)["ETag"]
        c.complete_multipart_upload(Bucket="race-mpget", Key="k", UploadId=up, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})

    put_mp(s3, *bodies[0])
    done = threading.Event()
    bad: list = []

    def writer():
        for p1, p2 in bodies[1:]:
            put_mp(a, p1, p2)
        done.set()

    def reader():
        for _ in range(100):
            if done.is_set():
                return
            try:
                body = b.get_object(Bucket="race-mpget", Key="k")["Body"].read()
                if hashlib.sha256(body).hexdigest() not in known:
                    bad.append(len(body))
            except Exception as e:      # a cut connection shows up as a botocore/urllib3 error
                bad.append(repr(e))
    run_together(writer, reader)
    assert bad == []

"""Durability: data survives a clean restart byte for byte, and a SIGKILL in the middle of many
concurrent PUTs leaves every acknowledged write readable, nothing torn, and no orphan files."""

from __future__ import annotations

import hashlib
import itertools
import os
import random
import threading
from dataclasses import dataclass

import requests
from botocore.exceptions import ClientError

from support import blob_files, client, error_of, referenced_blobs, start_server

MIB = 1024 * 1024


def snapshot(s3) -> dict:
    """Everything a client can see: buckets, objects (headers, checksums, bytes), open uploads."""
    out: dict = {"buckets": sorted(b["Name"] for b in s3.list_buckets()["Buckets"])}
    for name in out["buckets"]:
        listing = s3.list_objects_v2(Bucket=name).get("Contents", [])
        out[name] = {"list": [(o["Key"], o["ETag"], o["Size"], o["LastModified"]) for o in listing]}
        for o in listing:
            head = s3.head_object(Bucket=name, Key=o["Key"], ChecksumMode="ENABLED")
            keep = {k: v for k, v in head.items() if k != "ResponseMetadata"}
            body = s3.get_object(Bucket=name, Key=o["Key"])["Body"].read()
            out[name][o["Key"]] = (keep, body)
        uploads = s3.list_multipart_uploads(Bucket=name).get("Uploads", [])
        out[name]["uploads"] = [
            (u["Key"], u["UploadId"], u["Initiated"],
             [(p["PartNumber"], p["ETag"], p["Size"]) for p in
              s3.list_parts(Bucket=name, Key=u["Key"], UploadId=u["UploadId"])["Parts"]])
            for u in uploads]
    return out


def test_restart_after_sigterm_keeps_everything(tmp_path):
    data_dir = tmp_path / "data"
    srv = start_server(data_dir)
    try:
        s3 = client(srv.endpoint)
        for name in ("dur-alpha", "dur-beta"):
            s3.create_bucket(Bucket=name)
        s3.put_object(Bucket="dur-alpha", Key="empty", Body=b"")
        s3.put_object(Bucket="dur-alpha", Key="dir/small.txt", Body=b"hello, world\n",
                      ContentType="text/plain", Metadata={"a": "1"}, CacheControl="max-age=60")
        s3.put_object(Bucket="dur-alpha", Key="unicode ключ +&.bin", Body=os.urandom(300_000),
                      ChecksumAlgorithm="SHA256")
        up = s3.create_multipart_upload(Bucket="dur-beta", Key="mp.bin", ChecksumAlgorithm="CRC32")
        parts = []
        for n, body in enumerate([os.urandom(5 * MIB), os.urandom(70_000)], 1):
            r = s3.upload_part(Bucket="dur-beta", Key="mp.bin", UploadId=up["UploadId"], PartNumber=n,
                               Body=body, ChecksumAlgorithm="CRC32")
            parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
        s3.complete_multipart_upload(Bucket="dur-beta", Key="mp.bin", UploadId=up["UploadId"],
                                     MultipartUpload={"Parts": parts})
        pending = s3.create_multipart_upload(Bucket="dur-beta", Key="pending")["UploadId"]
        pending_part = os.urandom(5 * MIB)
        etag1 = s3.upload_part(Bucket="dur-beta", Key="pending", UploadId=pending, PartNumber=1,
                               Body=pending_part)["ETag"]
        before = snapshot(s3)
        assert before["dur-beta"]["mp.bin"][0]["ETag"].endswith('-2"')
    finally:
        srv.stop("TERM")
    assert srv.proc.returncode == 0

    srv = start_server(data_dir)
    try:
        s3 = client(srv.endpoint)
        after = snapshot(s3)
        assert after == before
        # the upload that was in progress can still be completed
        tail = s3.upload_part(Bucket="dur-beta", Key="pending", UploadId=pending, PartNumber=2,
                              Body=b"tail")["ETag"]
        s3.complete_multipart_upload(Bucket="dur-beta", Key="pending", UploadId=pending, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": etag1}, {"PartNumber": 2, "ETag": tail}]})
        assert s3.get_object(Bucket="dur-beta", Key="pending")["Body"].read() == pending_part + b"tail"
    finally:
        srv.stop("TERM")


# --- crash in the middle of concurrent PUTs -------------------------------------------------------

WORKERS = 16
KEYS = [f"k{i:02d}" for i in range(20)]
PER_WORKER = 60                   # upper bound; the kill normally comes first
KILL_AFTER = 120                  # acknowledged PUTs before SIGKILL
NEVER = float("inf")


@dataclass
class Write:
    key: str
    sha256: str
    md5: str
    size: int
    start: int
    end: float = NEVER            # logical time of the 200 (NEVER: in flight or failed)
    etag: str | None = None
    error: str | None = None
    failed_at: float = NEVER


def _size(rng: random.Random) -> int:
    return rng.choice([0, 1, 100, 8191, 70_000, 300_000, rng.randint(0, 2 * MIB), 2 * MIB])


def test_sigkill_during_concurrent_puts(tmp_path):
    data_dir = tmp_path / "data"
    srv = start_server(data_dir)
    bucket = "crash"
    clock = itertools.count()
    lock = threading.Lock()
    writes: list[Write] = []
    acked = 0
    enough = threading.Event()
    killed = threading.Event()
    try:
        client(srv.endpoint).create_bucket(Bucket=bucket)

        def worker(seed: int) -> None:
            nonlocal acked
            rng = random.Random(seed)
            s3 = client(srv.endpoint, retries={"total_max_attempts": 1})
            for _ in range(PER_WORKER):
                if killed.is_set():
                    return
                key = rng.choice(KEYS)
                body = rng.randbytes(_size(rng))
                with lock:
                    w = Write(key, hashlib.sha256(body).hexdigest(), hashlib.md5(body).hexdigest(),
                              len(body), next(clock))
                    writes.append(w)
                try:
                    r = s3.put_object(Bucket=bucket, Key=key, Body=body)
                except Exception as e:  # the server died under us (or failed: checked below)
                    with lock:
                        w.error, w.failed_at = repr(e), next(clock)
                    return
                with lock:
                    w.end, w.etag = next(clock), r["ETag"]
                    acked += 1
                    if acked >= KILL_AFTER:
                        enough.set()

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(WORKERS)]
        for t in threads:
            t.start()
        assert enough.wait(timeout=60), "the server did not acknowledge enough PUTs in time"
        with lock:
            kill_time = next(clock)
        srv.proc.kill()
        srv.proc.wait(timeout=20)
        killed.set()
        for t in threads:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in threads)
    finally:
        srv.stop("KILL")

    early = [w for w in writes if w.error and w.failed_at < kill_time]
    assert not early, f"PUTs failed before the kill: {early[:3]}"
    for w in writes:
        if w.end != NEVER:
            assert w.etag == f'"{w.md5}"'
    in_flight = [w for w in writes if w.end == NEVER]
    assert len([w for w in writes if w.end != NEVER]) >= KILL_AFTER
    assert in_flight, "the kill should have interrupted some PUTs"

    srv = start_server(data_dir)
    try:
        s3 = client(srv.endpoint)
        listed = {o["Key"]: o for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
        for key in KEYS:
            tried = [w for w in writes if w.key == key]
            acked_here = [w for w in tried if w.end != NEVER]
            # A write may be the final one unless an acknowledged write started after it ended.
            possible = [w for w in tried if not any(y.start > w.end for y in acked_here)]
            try:
                got = s3.get_object(Bucket=bucket, Key=key)
            except ClientError as e:
                assert e.response["Error"]["Code"] == "NoSuchKey"
                assert not acked_here, f"{key}: an acknowledged PUT was lost"
                assert key not in listed
                continue
            body = got["Body"].read()
            digest = hashlib.sha256(body).hexdigest()
            match = [w for w in possible if w.sha256 == digest and w.size == len(body)]
            assert match, f"{key}: {len(body)} bytes that no acceptable PUT wrote (torn or stale)"
            assert got["ETag"] == f'"{match[0].md5}"' == f'"{hashlib.md5(body).hexdigest()}"'
            assert listed[key]["ETag"] == got["ETag"] and listed[key]["Size"] == len(body)
        assert set(listed) <= set(KEYS)

        # start-up left no orphan: blobs/ holds exactly the referenced blobs, bodies cut short too
        assert blob_files(data_dir) == referenced_blobs(data_dir)
        assert sorted(p.name for p in data_dir.iterdir() if p.is_dir()) == ["blobs"]
    finally:
        srv.stop("TERM")


def test_an_empty_object_takes_no_blob_file_and_survives_a_restart(tmp_path):
    """Empty objects (folder markers) are rows alone: no file, no inode, in every path that reads,
    copies or replaces them; a part keeps its blob even when empty (it is found by number)."""
    data_dir = tmp_path / "data"
    empty_sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    srv = start_server(data_dir)
    try:
        s3 = client(srv.endpoint)
        s3.create_bucket(Bucket="markers")
        put = s3.put_object(Bucket="markers", Key="folder/", Body=b"", ChecksumAlgorithm="SHA256")
        assert put["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
        assert put["ChecksumSHA256"] == empty_sha256
        s3.copy_object(Bucket="markers", Key="copy", CopySource={"Bucket": "markers", "Key": "folder/"})
        form = client(srv.endpoint, signature_version="s3v4").generate_presigned_post("markers", "posted")
        posted = requests.post(form["url"], data=form["fields"], files={"file": ("f", b"")}, timeout=30)
        assert (posted.status_code, posted.headers["ETag"]) == (204, '"d41d8cd98f00b204e9800998ecf8427e"')
        assert s3.get_object(Bucket="markers", Key="posted")["Body"].read() == b""
        assert blob_files(data_dir) == set()

        get = s3.get_object(Bucket="markers", Key="folder/", ChecksumMode="ENABLED")
        assert (get["Body"].read(), get["ContentLength"]) == (b"", 0)
        assert get["ChecksumSHA256"] == empty_sha256
        assert s3.get_object(Bucket="markers", Key="copy")["Body"].read() == b""
        assert s3.get_object(Bucket="markers", Key="folder/", PartNumber=1)["Body"].read() == b""
        err = error_of(s3.get_object, Bucket="markers", Key="folder/", Range="bytes=0-0")
        assert err["Error"]["Code"] == "InvalidRange"

        # replaced by bytes and back: the old blob goes, none is left for the empty body
        s3.put_object(Bucket="markers", Key="copy", Body=b"bytes")
        assert len(blob_files(data_dir)) == 1
        s3.put_object(Bucket="markers", Key="copy", Body=b"")
        assert blob_files(data_dir) == set()

        # multipart objects of one empty part each, uploaded and copied: the parts keep a blob
        for key in ("mp-upload", "mp-copy"):
            up = s3.create_multipart_upload(Bucket="markers", Key=key)["UploadId"]
            if key == "mp-upload":
                etag = s3.upload_part(Bucket="markers", Key=key, UploadId=up, PartNumber=1, Body=b"")["ETag"]
            else:
                etag = s3.upload_part_copy(Bucket="markers", Key=key, UploadId=up, PartNumber=1, CopySource={
                    "Bucket": "markers", "Key": "folder/"})["CopyPartResult"]["ETag"]
            assert etag == '"d41d8cd98f00b204e9800998ecf8427e"'
            s3.complete_multipart_upload(Bucket="markers", Key=key, UploadId=up, MultipartUpload={
                "Parts": [{"PartNumber": 1, "ETag": etag}]})
            part = s3.get_object(Bucket="markers", Key=key, PartNumber=1)
            assert (part["Body"].read(), part["PartsCount"]) == (b"", 1)
        assert len(blob_files(data_dir)) == 2
        assert blob_files(data_dir) == referenced_blobs(data_dir)
    finally:
        srv.stop("TERM")

    srv = start_server(data_dir)
    try:
        s3 = client(srv.endpoint)
        listed = s3.list_objects_v2(Bucket="markers")["Contents"]
        assert [(o["Key"], o["Size"]) for o in listed] == [
            ("copy", 0), ("folder/", 0), ("mp-copy", 0), ("mp-upload", 0), ("posted", 0)]
        head = s3.head_object(Bucket="markers", Key="folder/", ChecksumMode="ENABLED")
        assert (head["ContentLength"], head["ChecksumSHA256"]) == (0, empty_sha256)
        assert s3.get_object(Bucket="markers", Key="folder/")["Body"].read() == b""
        s3.delete_object(Bucket="markers", Key="folder/")
        assert error_of(s3.head_object, Bucket="markers", Key="folder/")["Error"]["Code"] == "404"
        assert blob_files(data_dir) == referenced_blobs(data_dir)
    finally:
        srv.stop("TERM")

"""rclone (Debian's package) against a live s3mock, in path and virtual-host style: an s3 remote
with provider Other; mkdir/rmdir of the bucket, copy up (one file above the multipart cutoff) and
down, ls/lsjson/lsd, sync, check, delete and purge. Each test asserts what rclone printed or
copied down, and with boto3 what the server stored.

Virtual-host style: rclone's SDK addresses BUCKET.localhost:PORT, a name this machine's resolver
does not know, so rclone is given the server itself as its HTTP proxy (HTTP_PROXY): the request
reaches 127.0.0.1 in absolute form and the server takes the bucket from its host. (Go never
proxies plain `localhost`, so ListBuckets goes straight to the endpoint.) Every rclone command
runs with --dump headers, and the test reads from it the Host and path of each request rclone
sent, to prove which style was really used.

Needs Debian's `rclone`: when missing these tests skip, or fail when S3MOCK_REQUIRE_CLIENTS=1.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from support import ACCESS_KEY, SECRET_KEY, error_of, md5_etag
from tests.e2e.browser_helpers import pattern
from tests.e2e.real_clients import multipart_etag, unavailable

MiB = 1024 * 1024
CHUNK = 5 * MiB
BIG = 2 * CHUNK + 3 * MiB           # above the 5M cutoff: three parts, the last one short
MTIME_NS = 1_600_000_000_123_456_789   # rclone keeps it in x-amz-meta-mtime and restores it
TIMEOUT = 300
STYLES = ["path", "virtual"]
# Go proxies per these names, rclone reads RCLONE_*, its AWS SDK reads AWS_* (an AWS_CA_BUNDLE
# in the environment makes every rclone s3 command fail with LoadCustomCABundleError).
_DROPPED = ("AWS_", "RCLONE_", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")
# One request in --dump headers' output: the request line, then the Host header.
_REQUEST = re.compile(
    r"HTTP REQUEST \(req \w+\)\n[^\n]*? : ([A-Z]+) (\S+) HTTP/1\.1\nHost: (\S+)\n")


class Rclone:
    """rclone with its own config file and log, talking to one server in one style."""

    def __init__(self, tmp: Path, port: int, style: str):
        self.port, self.style = port, style
        self.log = tmp / "rclone.log"
        self.said = ""          # what the last command logged
        config = tmp / "rclone.conf"
        config.write_text(
            "[s3mock]\ntype = s3\nprovider = Other\n"
            f"endpoint = http://localhost:{port}\nregion = us-east-1\n"
            f"access_key_id = {ACCESS_KEY}\nsecret_access_key = {SECRET_KEY}\n"
            f"force_path_style = {'true' if style == 'path' else 'false'}\n")
        self.env = {k: v for k, v in os.environ.items() if not k.upper().startswith(_DROPPED)}
        self.env.update(RCLONE_CONFIG=str(config), RCLONE_CACHE_DIR=str(tmp / "cache"))
        if style == "virtual":
            self.env["HTTP_PROXY"] = f"http://127.0.0.1:{port}"

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        # No retries: a failure shows as it happened. --dump headers implies -vv.
        cmd = ["rclone", *args, "--retries", "1", "--low-level-retries", "1",
               "--dump", "headers", "--log-file", str(self.log)]
        before = self.log.stat().st_size if self.log.exists() else 0
        proc = subprocess.run(cmd, env=self.env, check=False, capture_output=True, text=True,
                              timeout=TIMEOUT)
        with open(self.log, "rb") as f:
            f.seek(before)
            self.said = f.read().decode()
        if ok:
            assert proc.returncode == 0, (cmd, proc.stdout, proc.stderr, self.said[-4000:])
        return proc

    def requests(self) -> list[tuple[str, str, str]]:
        """(method, target, Host) of every request rclone sent, from --dump headers."""
        text = self.log.read_text()
        sent = _REQUEST.findall(text)
        assert len(sent) == text.count("HTTP REQUEST ("), "a request --dump headers wrote unread"
        return sent


@pytest.fixture
def rclone(server, tmp_path, request) -> Rclone:
    if shutil.which("rclone") is None:
        unavailable("rclone is not installed (apt-get install rclone)")
    return Rclone(tmp_path, server.port, request.param)


def new_bucket() -> str:
    return f"rc-{uuid.uuid4().hex[:16]}"


def make_tree(root: Path) -> dict[str, bytes]:
    """Local files to upload, by relative path; each with the same fixed mtime."""
    files = {"big.bin": pattern(BIG), "a.txt": b"alpha\n", "sub/b.txt": b"bravo\n"}
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, ns=(MTIME_NS, MTIME_NS))
    return files


def stored_keys(s3, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def assert_addressed(rc: Rclone, bucket: str) -> None:
    """Each request rclone sent named the bucket as the style says: in the host name (the request
    line in origin form, as Go writes it before the proxy), or as the path's first segment."""
    sent = rc.requests()
    assert sent
    service = f"localhost:{rc.port}"
    for method, target, host in sent:
        if host == service and target == "/":
            continue                                        # ListBuckets (lsd), either style
        if rc.style == "virtual":
            assert host == f"{bucket}.{service}", (method, target, host)
            assert not target.startswith(f"/{bucket}"), (method, target, host)
        else:
            assert host == service, (method, target, host)
            assert target == f"/{bucket}" or target.startswith((f"/{bucket}/", f"/{bucket}?")), \
                (method, target, host)
    assert any(host != service for _, _, host in sent) is (rc.style == "virtual")


@pytest.mark.parametrize("rclone", STYLES, indirect=True)
def test_rclone_copy_up_and_down(rclone, s3, tmp_path):
    bucket, src, dst = new_bucket(), tmp_path / "src", tmp_path / "dst"
    files = make_tree(src)
    rclone("mkdir", f"s3mock:{bucket}")
    s3.head_bucket(Bucket=bucket)

    rclone("copy", str(src), f"s3mock:{bucket}/d", "--s3-upload-cutoff", "5M",
           "--s3-chunk-size", "5M")
    assert stored_keys(s3, bucket) == ["d/a.txt", "d/big.bin", "d/sub/b.txt"]
    for rel, data in files.items():
        assert s3.get_object(Bucket=bucket, Key=f"d/{rel}")["Body"].read() == data
    big = s3.head_object(Bucket=bucket, Key="d/big.bin")
    assert big["ETag"] == multipart_etag(files["big.bin"], CHUNK)        # uploaded in parts
    assert big["Metadata"]["md5chksum"]                                  # rclone's own MD5
    assert s3.head_object(Bucket=bucket, Key="d/big.bin", PartNumber=1)["PartsCount"] == 3
    assert s3.head_object(Bucket=bucket, Key="d/a.txt")["ETag"] == md5_etag(files["a.txt"])
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []

    listing = rclone("ls", f"s3mock:{bucket}").stdout.splitlines()
    assert sorted(line.split() for line in listing) == sorted(
        [str(len(data)), f"d/{rel}"] for rel, data in files.items())
    listed = rclone("lsjson", "-R", "--hash", "--files-only", f"s3mock:{bucket}").stdout
    entries = json.loads(listed)
    assert {e["Path"]: (e["Size"], e["Hashes"]["md5"]) for e in entries} == {
        f"d/{rel}": (len(data), hashlib.md5(data).hexdigest()) for rel, data in files.items()}
    buckets = rclone("lsd", "s3mock:").stdout.split()
    assert bucket in buckets

    rclone("copy", f"s3mock:{bucket}/d", str(dst))
    for rel, data in files.items():
        assert (dst / rel).read_bytes() == data
        assert (dst / rel).stat().st_mtime_ns == MTIME_NS           # from x-amz-meta-mtime
    rclone("check", str(src), f"s3mock:{bucket}/d")
    assert "0 differences found" in rclone.said and "3 matching files" in rclone.said
    assert rclone("cat", f"s3mock:{bucket}/d/sub/b.txt").stdout == "bravo\n"
    assert_addressed(rclone, bucket)


@pytest.mark.parametrize("rclone", STYLES, indirect=True)
def test_rclone_sync_check_delete_purge_rmdir(rclone, s3, tmp_path):
    bucket, src = new_bucket(), tmp_path / "src"
    files = make_tree(src)
    rclone("mkdir", f"s3mock:{bucket}")
    rclone("copy", str(src), f"s3mock:{bucket}", "--s3-upload-cutoff", "5M",
           "--s3-chunk-size", "5M")

    # sync: a changed file, a removed one and a new one.
    (src / "a.txt").write_bytes(b"alpha, longer now\n")
    (src / "sub" / "b.txt").unlink()
    (src / "new.txt").write_bytes(b"new\n")
    rclone("sync", str(src), f"s3mock:{bucket}")
    assert stored_keys(s3, bucket) == ["a.txt", "big.bin", "new.txt"]
    assert s3.get_object(Bucket=bucket, Key="a.txt")["Body"].read() == b"alpha, longer now\n"
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == files["big.bin"]
    rclone("check", str(src), f"s3mock:{bucket}")

    # check sees an object changed behind rclone's back (same size, other bytes: by MD5).
    s3.put_object(Bucket=bucket, Key="new.txt", Body=b"NEW\n")
    check = rclone("check", str(src), f"s3mock:{bucket}", ok=False)
    assert check.returncode == 1, rclone.said[-4000:]
    assert "1 differences found" in rclone.said and "new.txt" in rclone.said

    rclone("delete", f"s3mock:{bucket}", "--include", "*.txt")
    assert stored_keys(s3, bucket) == ["big.bin"]
    for key in ("d/x", "d/y/z"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    rclone("purge", f"s3mock:{bucket}/d")
    assert stored_keys(s3, bucket) == ["big.bin"]

    # rmdir of a bucket with an object in it: S3's BucketNotEmpty, and the bucket stays.
    refused = rclone("rmdir", f"s3mock:{bucket}", ok=False)
    assert refused.returncode != 0 and "BucketNotEmpty" in rclone.said, rclone.said[-4000:]
    assert stored_keys(s3, bucket) == ["big.bin"]
    rclone("deletefile", f"s3mock:{bucket}/big.bin")
    rclone("rmdir", f"s3mock:{bucket}")
    assert error_of(s3.head_bucket, Bucket=bucket)["Error"]["Code"] == "404"
    assert_addressed(rclone, bucket)

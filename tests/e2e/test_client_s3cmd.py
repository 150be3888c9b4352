"""s3cmd (from PyPI, run as a subprocess) against a live server, signing with SigV4 and with
`--signature-v2`, each in path and virtual-host style: mb, put (one file in 5 MiB parts), ls,
get, info, setacl --acl-public and put --acl-public, del and rb. Each test asserts what s3cmd
printed or wrote, what the server stored (read back with boto3), and, from a recording relay
(wire.py), which style s3cmd used.

s3cmd runs with tests/e2e/localhost_site on its PYTHONPATH, so that BUCKET.localhost resolves to
127.0.0.1 in it. Its config names the relay as host_base; host_bucket with `%(bucket)s` makes it
address buckets by host name, without it by path.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from support import ACCESS_KEY, SECRET_KEY, error_of, md5_etag
from tests.e2e.browser_helpers import pattern
from tests.e2e.real_clients import multipart_etag
from tests.e2e.wire import LOCALHOST_SITE, assert_addressed, wire  # noqa: F401 (fixture)

MiB = 1024 * 1024
S3CMD = str(Path(sys.executable).parent / "s3cmd")    # installed with this interpreter
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
# (signature, style): s3cmd signs with SigV4 unless given --signature-v2
CASES = [(sig, style) for sig in ("v4", "v2") for style in ("path", "virtual")]


class S3cmd:
    def __init__(self, port: int, signature: str, style: str, tmp: Path):
        self.style, self.tmp = style, tmp
        host = "localhost" if style == "virtual" else "127.0.0.1"
        bucket_host = f"%(bucket)s.localhost:{port}" if style == "virtual" else f"{host}:{port}"
        self.config = tmp / "s3cfg"
        self.config.write_text(
            f"[default]\naccess_key = {ACCESS_KEY}\nsecret_key = {SECRET_KEY}\n"
            f"host_base = {host}:{port}\nhost_bucket = {bucket_host}\nuse_https = False\n"
            f"bucket_location = us-east-1\nsignature_v2 = {signature == 'v2'}\n")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("AWS_", "S3CMD")) and k != "PYTHONPATH"}
        self.env.update(HOME=str(tmp), PYTHONPATH=LOCALHOST_SITE)

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        cmd = [sys.executable, S3CMD, "-c", str(self.config), "--no-progress", *args]
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=120,
                              cwd=self.tmp, check=False)
        if ok and proc.returncode != 0:
            raise AssertionError(f"{args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
        return proc


@pytest.fixture(params=CASES, ids=["-".join(c) for c in CASES])
def s3cmd(request, wire, tmp_path):
    signature, style = request.param
    return S3cmd(wire.port, signature, style, tmp_path)


def info_fields(stdout: str) -> dict[str, str]:
    """`s3cmd info`'s `Name: value` lines."""
    fields = {}
    for line in stdout.splitlines()[1:]:
        name, sep, value = line.strip().partition(":")
        if sep:
            fields[name] = value.strip()
    return fields


def test_mb_put_ls_get_info_del_rb(s3cmd, wire, s3, tmp_path):
    bucket = f"s3c-{uuid.uuid4().hex[:16]}"
    made = s3cmd("mb", f"s3://{bucket}")
    assert made.stdout.strip() == f"Bucket 's3://{bucket}/' created"
    s3.head_bucket(Bucket=bucket)

    big = pattern(11 * MiB + 7)                          # three parts of 5 MiB, the last short
    small = b"small file\n"
    (tmp_path / "big.bin").write_bytes(big)
    (tmp_path / "small.txt").write_bytes(small)
    put = s3cmd("put", "--multipart-chunk-size-mb=5", "big.bin", f"s3://{bucket}/dir/big.bin")
    assert put.stdout.startswith(
        f"upload: 'big.bin' -> 's3://{bucket}/dir/big.bin' ({len(big)} bytes in "), put.stdout
    assert sum(m == "PUT" and "partNumber=" in t for m, t, _ in wire.requests()) == 3
    s3cmd("put", "small.txt", f"s3://{bucket}/small.txt")
    head = s3.head_object(Bucket=bucket, Key="dir/big.bin")
    assert (head["ETag"], head["ContentLength"]) == (multipart_etag(big, 5 * MiB), len(big))
    assert f"md5:{hashlib.md5(big).hexdigest()}" in head["Metadata"]["s3cmd-attrs"]
    assert s3.get_object(Bucket=bucket, Key="dir/big.bin")["Body"].read() == big
    assert s3.get_object(Bucket=bucket, Key="small.txt")["Body"].read() == small
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []

    top = [line.split() for line in s3cmd("ls", f"s3://{bucket}").stdout.splitlines()]
    assert ["DIR", f"s3://{bucket}/dir/"] in top
    assert [(row[2], row[3]) for row in top if row[0] != "DIR"] == [
        (str(len(small)), f"s3://{bucket}/small.txt")]
    every = s3cmd("ls", "-r", f"s3://{bucket}").stdout.splitlines()
    assert [line.split()[2:] for line in every] == [
        [str(len(big)), f"s3://{bucket}/dir/big.bin"],
        [str(len(small)), f"s3://{bucket}/small.txt"]]
    assert f"s3://{bucket}" in s3cmd("ls").stdout                 # ListBuckets

    s3cmd("get", f"s3://{bucket}/dir/big.bin", "big.out")
    assert (tmp_path / "big.out").read_bytes() == big
    info = info_fields(s3cmd("info", f"s3://{bucket}/dir/big.bin").stdout)
    assert info["File size"] == str(len(big))
    assert info["MD5 sum"] == hashlib.md5(big).hexdigest()      # from s3cmd's own metadata
    # S3 no longer sends DisplayName (since 2025-11-21): s3cmd names the grantee by its ID
    owner = s3.get_object_acl(Bucket=bucket, Key="dir/big.bin")["Owner"]["ID"]
    assert info["ACL"] == f"{owner}: FULL_CONTROL"

    deleted = s3cmd("del", f"s3://{bucket}/dir/big.bin", f"s3://{bucket}/small.txt")
    assert deleted.stdout.splitlines() == [f"delete: 's3://{bucket}/dir/big.bin'",
                                           f"delete: 's3://{bucket}/small.txt'"]
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    removed = s3cmd("rb", f"s3://{bucket}")
    assert removed.stdout.strip() == f"Bucket 's3://{bucket}/' removed"
    assert error_of(s3.head_bucket, Bucket=bucket)["Error"]["Code"] == "404"
    assert_addressed(wire.requests(), bucket, s3cmd.style)


def test_acl_public(s3cmd, wire, endpoint, s3, bucket, tmp_path):
    (tmp_path / "page.html").write_bytes(b"<p>public</p>")
    (tmp_path / "private.txt").write_bytes(b"private")
    s3cmd("put", "--acl-public", "page.html", f"s3://{bucket}/page.html")
    s3cmd("put", "private.txt", f"s3://{bucket}/private.txt")

    def anyone_reads(key: str) -> int:
        """An unsigned GET's status (straight to the server, not through the relay)."""
        try:
            with urllib.request.urlopen(f"{endpoint}/{bucket}/{key}",
                                        timeout=30) as resp:
                return resp.status
        except urllib.error.HTTPError as e:
            return e.code

    assert (anyone_reads("page.html"), anyone_reads("private.txt")) == (200, 403)
    grants = s3.get_object_acl(Bucket=bucket, Key="page.html")["Grants"]
    assert {"Type": "Group", "URI": ALL_USERS} in [g["Grantee"] for g in grants]

    said = s3cmd("setacl", "--acl-public", f"s3://{bucket}/private.txt")
    assert said.stdout.strip() == f"s3://{bucket}/private.txt: ACL set to Public  [1 of 1]"
    assert anyone_reads("private.txt") == 200
    info = s3cmd("info", f"s3://{bucket}/private.txt").stdout
    owner = s3.get_object_acl(Bucket=bucket, Key="private.txt")["Owner"]["ID"]
    assert "*anon*: READ" in info and f"{owner}: FULL_CONTROL" in info
    s3cmd("setacl", "--acl-private", f"s3://{bucket}/private.txt")
    assert anyone_reads("private.txt") == 403
    assert s3.get_object(Bucket=bucket, Key="private.txt")["Body"].read() == b"private"
    assert md5_etag(b"private") == s3.head_object(Bucket=bucket, Key="private.txt")["ETag"]
    assert_addressed(wire.requests(), bucket, s3cmd.style)

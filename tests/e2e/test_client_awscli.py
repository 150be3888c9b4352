"""The AWS CLI (v1, from PyPI) against a live server, in path and virtual-host style: `aws s3`
mb, cp up and down (one file above the CLI's 8 MB multipart threshold), ls, sync, rm, rb and
presign, and a few `s3api` calls. Each test asserts what the CLI printed or wrote, what the server
stored (read back with boto3), and, from a recording relay (wire.py), which style the CLI used.

The CLI runs as a subprocess with tests/e2e/localhost_site on its PYTHONPATH, so that
BUCKET.localhost resolves to 127.0.0.1 in it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from support import ACCESS_KEY, SECRET_KEY, md5_etag
from tests.e2e.browser_helpers import pattern
from tests.e2e.real_clients import multipart_etag
from tests.e2e.wire import LOCALHOST_SITE, assert_addressed, resolve_localhost, wire  # noqa: F401

MIB = 1024 * 1024
STYLES = ["path", "virtual"]
# The `aws` script installed with this interpreter (a test dependency), not another on PATH.
AWS = str(Path(sys.executable).parent / "aws")


class Aws:
    """`aws --endpoint-url` the relay, with its own config file naming the addressing style."""

    def __init__(self, port: int, style: str, tmp: Path):
        self.style, self.tmp = style, tmp
        host = "localhost" if style == "virtual" else "127.0.0.1"
        self.endpoint = f"http://{host}:{port}"
        config = tmp / "aws-config"
        config.write_text(f"[default]\nregion = us-east-1\ns3 =\n    addressing_style = {style}\n")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("AWS_") and k != "PYTHONPATH"}
        self.env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                        AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                        AWS_PAGER="", HOME=str(tmp), PYTHONPATH=LOCALHOST_SITE)

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [AWS, "--endpoint-url", self.endpoint, *args]
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=120,
                              cwd=self.tmp, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n"
                                 f"{proc.stderr}")
        return proc


@pytest.fixture(params=STYLES)
def aws(request, wire, tmp_path):
    return Aws(wire.port, request.param, tmp_path)


@pytest.fixture
def name():
    return f"cli-{uuid.uuid4().hex[:16]}"


def test_mb_cp_ls_rm_rb(aws, wire, s3, name, tmp_path):
    aws("s3", "mb", f"s3://{name}")
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]

    small = os.urandom(1234)
    big = os.urandom(9 * MIB + 17)                   # above the CLI's 8 MB multipart threshold
    (tmp_path / "small.bin").write_bytes(small)
    (tmp_path / "big.bin").write_bytes(big)
    aws("s3", "cp", str(tmp_path / "small.bin"), f"s3://{name}/dir/small.bin")
    aws("s3", "cp", str(tmp_path / "big.bin"), f"s3://{name}/big.bin")

    assert s3.head_object(Bucket=name, Key="dir/small.bin")["ETag"] == md5_etag(small)
    big_head = s3.head_object(Bucket=name, Key="big.bin")
    assert big_head["ETag"] == multipart_etag(big, 8 * MIB)       # uploaded in 8 MiB parts
    assert big_head["ContentLength"] == len(big)

    down = aws("s3", "cp", "--no-progress", f"s3://{name}/dir/small.bin", "small.out")
    assert down.stdout.split() == [
        "download:", f"s3://{name}/dir/small.bin", "to", "./small.out"]
    aws("s3", "cp", f"s3://{name}/big.bin", str(tmp_path / "big.out"))
    assert (tmp_path / "small.out").read_bytes() == small
    assert (tmp_path / "big.out").read_bytes() == big

    top = aws("s3", "ls", f"s3://{name}").stdout.splitlines()
    assert any(line.split() == ["PRE", "dir/"] for line in top)
    big_line = [line for line in top if line.endswith(" big.bin")]
    assert len(big_line) == 1 and big_line[0].split()[2] == str(len(big))
    rec = aws("s3", "ls", "--recursive", f"s3://{name}").stdout.splitlines()
    assert sorted(line.split()[-1] for line in rec) == ["big.bin", "dir/small.bin"]

    aws("s3", "rm", "--recursive", f"s3://{name}")
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0
    aws("s3", "rb", f"s3://{name}")
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    sent = wire.requests()
    assert sum(m == "PUT" and "partNumber=" in t for m, t, _ in sent) == 2
    assert_addressed(sent, name, aws.style)


def test_sync_directory_and_rb_force(aws, wire, s3, name, tmp_path):
    src = tmp_path / "src"
    files = {"a.txt": b"alpha\n", "sub/b.bin": os.urandom(5000), "sub/deeper/c": b"",
             "with space.txt": b"spaced"}
    for rel, data in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    aws("s3", "mb", f"s3://{name}")
    aws("s3", "sync", str(src), f"s3://{name}/tree")
    listed = s3.list_objects_v2(Bucket=name)["Contents"]
    assert {o["Key"]: o["ETag"] for o in listed} == {
        f"tree/{k}": md5_etag(v) for k, v in files.items()}

    # a second sync has nothing to do
    again = aws("s3", "sync", str(src), f"s3://{name}/tree")
    assert "upload:" not in again.stdout

    # change one file, remove one, sync with --delete
    (src / "a.txt").write_bytes(b"alpha, changed\n")
    (src / "sub" / "b.bin").unlink()
    aws("s3", "sync", "--delete", str(src), f"s3://{name}/tree")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]}
    assert keys == {"tree/a.txt", "tree/sub/deeper/c", "tree/with space.txt"}
    assert s3.get_object(Bucket=name, Key="tree/a.txt")["Body"].read() == b"alpha, changed\n"

    down = tmp_path / "down"
    aws("s3", "sync", f"s3://{name}/tree", str(down))
    assert (down / "a.txt").read_bytes() == b"alpha, changed\n"
    assert (down / "with space.txt").read_bytes() == b"spaced"
    assert (down / "sub" / "deeper" / "c").read_bytes() == b""

    # rb without --force refuses a non-empty bucket; with --force it empties and removes it
    refused = aws("s3", "rb", f"s3://{name}", check=False)
    assert refused.returncode != 0 and "BucketNotEmpty" in refused.stderr
    aws("s3", "rb", "--force", f"s3://{name}")
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert_addressed(wire.requests(), name, aws.style)


def test_s3api_calls(aws, wire, s3, bucket, tmp_path):
    body = os.urandom(4321)
    (tmp_path / "body.bin").write_bytes(body)
    put = json.loads(aws("s3api", "put-object", "--bucket", bucket, "--key", "a/b.bin", "--body",
                         str(tmp_path / "body.bin"), "--content-type", "application/x-thing",
                         "--metadata", "owner=me").stdout)
    assert put["ETag"] == md5_etag(body)

    head = json.loads(aws("s3api", "head-object", "--bucket", bucket, "--key", "a/b.bin").stdout)
    assert head["ContentLength"] == len(body)
    assert head["ETag"] == md5_etag(body)
    assert head["ContentType"] == "application/x-thing"
    assert head["Metadata"] == {"owner": "me"}

    s3.put_object(Bucket=bucket, Key="a/c.txt", Body=b"c")
    s3.put_object(Bucket=bucket, Key="z.txt", Body=b"z")
    listed = json.loads(aws("s3api", "list-objects-v2", "--bucket", bucket,
                            "--prefix", "a/").stdout)
    assert [(o["Key"], o["Size"]) for o in listed["Contents"]] == [
        ("a/b.bin", len(body)), ("a/c.txt", 1)]
    grouped = json.loads(aws("s3api", "list-objects-v2", "--bucket", bucket,
                             "--delimiter", "/").stdout)
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["a/"]
    assert [o["Key"] for o in grouped["Contents"]] == ["z.txt"]

    got = json.loads(aws("s3api", "get-object", "--bucket", bucket, "--key", "a/b.bin",
                         str(tmp_path / "out.bin")).stdout)
    assert (got["ContentLength"], got["ETag"]) == (len(body), md5_etag(body))
    assert (tmp_path / "out.bin").read_bytes() == body
    assert_addressed(wire.requests(), bucket, aws.style)


def test_presign(aws, wire, resolve_localhost, s3, bucket):
    """`aws s3 presign` signs a GET URL (SigV2 query parameters in us-east-1, as the CLI v1 does
    unless told s3v4) that anyone can fetch; in strict mode the server checks that signature."""
    body = pattern(3000)
    s3.put_object(Bucket=bucket, Key="shared/report.bin", Body=body)
    url = aws("s3", "presign", f"s3://{bucket}/shared/report.bin",
              "--expires-in", "300").stdout.strip()
    host = f"{bucket}.localhost" if aws.style == "virtual" else "127.0.0.1"
    path = "" if aws.style == "virtual" else f"/{bucket}"
    assert url.startswith(f"http://{host}:{wire.port}{path}/shared/report.bin?"), url
    assert "Signature=" in url and "Expires=" in url
    with urllib.request.urlopen(url, timeout=30) as resp:
        assert (resp.status, resp.read()) == (200, body)
    if os.environ.get("S3MOCK_TEST_AUTH") == "strict":
        # the signature covers the key: the same query on another key is refused
        other = url.replace("/shared/report.bin?", "/shared/other.bin?")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(other, timeout=30)
        assert refused.value.code == 403
        assert b"<Code>SignatureDoesNotMatch</Code>" in refused.value.read()
    assert_addressed(wire.requests(), bucket, aws.style)


def test_cli_reports_missing_bucket(aws, wire, name):
    proc = aws("s3", "ls", f"s3://{name}", check=False)
    assert proc.returncode != 0
    assert "NoSuchBucket" in proc.stderr
    assert_addressed(wire.requests(), name, aws.style)



def test_s3api_versioning(aws, wire, s3, bucket, tmp_path):
    """put-bucket-versioning, two versions, a delete marker, list-object-versions, a read and an
    undelete by version id, as a user of the CLI would restore an object."""
    aws("s3api", "put-bucket-versioning", "--bucket", bucket,
        "--versioning-configuration", "Status=Enabled")
    assert json.loads(aws("s3api", "get-bucket-versioning", "--bucket", bucket).stdout)["Status"] == "Enabled"
    ids = []
    for body in (b"first", b"second"):
        (tmp_path / "f").write_bytes(body)
        out = aws("s3api", "put-object", "--bucket", bucket, "--key", "k", "--body", str(tmp_path / "f"))
        ids.append(json.loads(out.stdout)["VersionId"])
    marker = json.loads(aws("s3api", "delete-object", "--bucket", bucket, "--key", "k").stdout)
    assert marker["DeleteMarker"] is True
    listed = json.loads(aws("s3api", "list-object-versions", "--bucket", bucket).stdout)
    assert [v["VersionId"] for v in listed["Versions"]] == ids[::-1]
    assert [m["VersionId"] for m in listed["DeleteMarkers"]] == [marker["VersionId"]]
    aws("s3api", "get-object", "--bucket", bucket, "--key", "k", "--version-id", ids[0],
        str(tmp_path / "out"))
    assert (tmp_path / "out").read_bytes() == b"first"
    aws("s3api", "delete-object", "--bucket", bucket, "--key", "k", "--version-id", marker["VersionId"])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"second"
    assert_addressed(wire.requests(), bucket, aws.style)


def test_cp_of_a_multipart_file_through_injected_503s(wire, server, s3, bucket, tmp_path):
    """The CLI's retries carry `aws s3 cp` of a multipart file through S3's 503s: each step of
    the upload is refused first (SlowDown for the parts, ServiceUnavailable for the rest)."""
    from tests.e2e.signing import send
    aws = Aws(wire.port, "path", tmp_path)
    rules = [{"op": op, "bucket": bucket, "error": code, "times": times}
             for op, code, times in (("CreateMultipartUpload", "ServiceUnavailable", 1),
                                     ("UploadPart", "SlowDown", 2),
                                     ("CompleteMultipartUpload", "ServiceUnavailable", 1))]
    resp, _ = send(server, "POST", "/_s3mock/faults", body=json.dumps(rules).encode())
    ids = [r["id"] for r in resp.json()["rules"]]
    try:
        big = os.urandom(9 * MIB + 5)                    # two parts of the CLI's 8 MiB
        (tmp_path / "big.bin").write_bytes(big)
        aws("s3", "cp", "big.bin", f"s3://{bucket}/big.bin")
        stored = s3.get_object(Bucket=bucket, Key="big.bin")
        assert stored["Body"].read() == big
        assert stored["ETag"] == multipart_etag(big, 8 * MIB)
        listed, _ = send(server, "GET", "/_s3mock/faults")
        fired = {r["op"]: r["fired"] for r in listed.json()["rules"] if r["id"] in ids}
        assert fired == {"CreateMultipartUpload": 1, "UploadPart": 2, "CompleteMultipartUpload": 1}
    finally:
        for rule_id in ids:
            send(server, "DELETE", f"/_s3mock/faults/{rule_id}")

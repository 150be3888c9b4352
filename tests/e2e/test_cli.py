"""The AWS CLI (v1, from PyPI) against a live server: `aws s3` high-level commands and a few `s3api` calls."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from support import md5_etag

MIB = 1024 * 1024

# The `aws` script installed with this interpreter (avoids slow version-manager shims), else PATH's.
_NEXT_TO_PYTHON = Path(sys.executable).parent / "aws"
AWS = str(_NEXT_TO_PYTHON) if _NEXT_TO_PYTHON.exists() else shutil.which("aws")

pytestmark = pytest.mark.skipif(AWS is None, reason="the aws CLI is not installed")


@pytest.fixture
def aws(endpoint, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
               AWS_PAGER="", HOME=str(tmp_path))

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [AWS, "--endpoint-url", endpoint, *args]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
        return proc

    return run


@pytest.fixture
def name():
    return f"cli-{uuid.uuid4().hex[:16]}"


def test_mb_cp_ls_rm_rb(aws, s3, name, tmp_path):
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
    assert big_head["ETag"].endswith('-2"')       # uploaded in 8 MiB parts
    assert big_head["ContentLength"] == len(big)

    aws("s3", "cp", f"s3://{name}/dir/small.bin", str(tmp_path / "small.out"))
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


def test_sync_directory_and_rb_force(aws, s3, name, tmp_path):
    src = tmp_path / "src"
    files = {"a.txt": b"alpha\n", "sub/b.bin": os.urandom(5000), "sub/deeper/c": b"",
             "with space.txt": b"spaced"}
    for rel, data in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    aws("s3", "mb", f"s3://{name}")
    aws("s3", "sync", str(src), f"s3://{name}/tree")
    listed = s3.list_objects_v2(Bucket=name)["Contents"]
    assert {o["Key"]: o["ETag"] for o in listed} == {f"tree/{k}": md5_etag(v) for k, v in files.items()}

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


def test_s3api_calls(aws, s3, bucket, tmp_path):
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
    listed = json.loads(aws("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "a/").stdout)
    assert [(o["Key"], o["Size"]) for o in listed["Contents"]] == [("a/b.bin", len(body)), ("a/c.txt", 1)]
    grouped = json.loads(aws("s3api", "list-objects-v2", "--bucket", bucket, "--delimiter", "/").stdout)
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["a/"]
    assert [o["Key"] for o in grouped["Contents"]] == ["z.txt"]

    aws("s3api", "get-object", "--bucket", bucket, "--key", "a/b.bin", str(tmp_path / "out.bin"))
    assert (tmp_path / "out.bin").read_bytes() == body


def test_cli_reports_missing_bucket(aws, name):
    proc = aws("s3", "ls", f"s3://{name}", check=False)
    assert proc.returncode != 0
    assert "NoSuchBucket" in proc.stderr


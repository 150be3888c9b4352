"""minio-py (the `minio` package) against a live server, in path and virtual-host style:
make_bucket, put_object (small, and a stream of unknown length in 5 MiB parts), fput/fget,
list_objects, stat_object, presigned_get_object fetched with urllib, remove_objects and
remove_bucket. Each test asserts what minio returned, what the server stored (read back with
boto3), and, from a recording relay (wire.py), which style minio used.

minio-py sends CreateBucket in path style even when told to use virtual-host style, as Amazon S3
once required (minio/helpers.py, BaseURL.build: "CreateBucket API requires path style"): the
check allows exactly that request.
"""

from __future__ import annotations

import io
import os
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

import pytest
from minio import Minio
from minio.deleteobjects import DeleteObject

from support import ACCESS_KEY, SECRET_KEY, error_of, md5_etag
from tests.e2e.browser_helpers import pattern
from tests.e2e.real_clients import multipart_etag
from tests.e2e.wire import assert_addressed, resolve_localhost, wire  # noqa: F401 (fixtures)

MiB = 1024 * 1024
STYLES = ["path", "virtual"]


def minio_client(port: int, style: str) -> Minio:
    # region given: minio asks no GetBucketLocation before each bucket's first request
    host = "localhost" if style == "virtual" else "127.0.0.1"
    client = Minio(f"{host}:{port}", access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                   secure=False, region="us-east-1")
    if style == "virtual":
        client.enable_virtual_style_endpoint()
    return client


def minio_sent(wire, bucket: str, style: str) -> None:
    """assert_addressed, allowing the one CreateBucket minio always sends in path style."""
    create = ("PUT", f"/{bucket}")
    assert sum((m, t) == create for m, t, _ in wire.requests()) == 1
    assert_addressed(wire.requests(), bucket, style, path_always=frozenset([create]))


@pytest.mark.parametrize("style", STYLES)
def test_objects_up_down_listed_and_removed(style, wire, resolve_localhost, s3, tmp_path):
    mc = minio_client(wire.port, style)
    bucket = f"mn-{uuid.uuid4().hex[:16]}"
    mc.make_bucket(bucket)
    assert mc.bucket_exists(bucket)
    s3.head_bucket(Bucket=bucket)

    small = b"hello from minio-py\n"
    put = mc.put_object(bucket, "docs/hello.txt", io.BytesIO(small), len(small),
                        content_type="text/plain", metadata={"x-amz-meta-origin": "minio"})
    assert put.etag == md5_etag(small).strip('"')
    big = pattern(11 * MiB + 3)
    # unknown length: minio reads the stream in part_size pieces, a multipart upload
    multi = mc.put_object(bucket, "data/big.bin", io.BytesIO(big), -1, part_size=5 * MiB)
    assert multi.etag == multipart_etag(big, 5 * MiB).strip('"')
    (tmp_path / "up.bin").write_bytes(pattern(70000))
    mc.fput_object(bucket, "data/file.bin", str(tmp_path / "up.bin"))

    got = s3.get_object(Bucket=bucket, Key="docs/hello.txt")
    assert (got["Body"].read(), got["ContentType"], got["Metadata"]) == (
        small, "text/plain", {"origin": "minio"})
    assert s3.get_object(Bucket=bucket, Key="data/big.bin")["Body"].read() == big
    assert s3.head_object(Bucket=bucket, Key="data/file.bin")["ETag"] == md5_etag(pattern(70000))

    stat = mc.stat_object(bucket, "docs/hello.txt")
    assert (stat.size, stat.etag, stat.content_type) == (len(small), put.etag, "text/plain")
    assert stat.metadata["x-amz-meta-origin"] == "minio"
    assert mc.stat_object(bucket, "data/big.bin").size == len(big)
    response = mc.get_object(bucket, "data/big.bin", offset=5 * MiB, length=10)
    try:
        assert response.status == 206 and response.read() == big[5 * MiB:5 * MiB + 10]
    finally:
        response.close()
        response.release_conn()
    mc.fget_object(bucket, "data/big.bin", str(tmp_path / "down.bin"))
    assert (tmp_path / "down.bin").read_bytes() == big

    top = list(mc.list_objects(bucket))
    assert [(o.object_name, o.is_dir) for o in top] == [("data/", True), ("docs/", True)]
    every = list(mc.list_objects(bucket, recursive=True))
    assert [(o.object_name, o.size) for o in every] == [
        ("data/big.bin", len(big)), ("data/file.bin", 70000), ("docs/hello.txt", len(small))]
    after = mc.list_objects(bucket, prefix="data/", start_after="data/big.bin")
    assert [o.object_name for o in after] == ["data/file.bin"]

    errors = list(mc.remove_objects(bucket, [DeleteObject(o.object_name) for o in every]))
    assert errors == []
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    mc.remove_bucket(bucket)
    assert not mc.bucket_exists(bucket)
    assert error_of(s3.head_bucket, Bucket=bucket)["Error"]["Code"] == "404"
    minio_sent(wire, bucket, style)


@pytest.mark.parametrize("style", STYLES)
def test_presigned_get(style, wire, resolve_localhost, s3):
    mc = minio_client(wire.port, style)
    bucket = f"mn-{uuid.uuid4().hex[:16]}"
    mc.make_bucket(bucket)
    body = pattern(4096)
    s3.put_object(Bucket=bucket, Key="shared/a b.bin", Body=body)
    url = mc.presigned_get_object(bucket, "shared/a b.bin", expires=timedelta(minutes=5))
    host = f"{bucket}.localhost" if style == "virtual" else "127.0.0.1"
    path = "" if style == "virtual" else f"/{bucket}"
    assert url.startswith(f"http://{host}:{wire.port}{path}/shared/a%20b.bin?X-Amz-Algorithm="), url
    with urllib.request.urlopen(url, timeout=30) as resp:
        assert (resp.status, resp.read()) == (200, body)
    if os.environ.get("S3MOCK_TEST_AUTH") == "strict":
        # the signature is checked: a changed expiry no longer matches it
        tampered = url.replace("X-Amz-Expires=300", "X-Amz-Expires=301")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(tampered, timeout=30)
        assert refused.value.code == 403
        assert b"<Code>SignatureDoesNotMatch</Code>" in refused.value.read()
    minio_sent(wire, bucket, style)

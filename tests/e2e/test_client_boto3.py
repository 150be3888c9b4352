"""boto3's high-level parts against a live server, in path and virtual-host style: the transfer
manager (upload_file / download_file in parts, several threads), a presigned POST sent by
`requests`, and paginators over ListObjectsV2, ListObjects, ListParts and ListMultipartUploads.

Every request goes through a recording relay (wire.py), which proves the addressing style used;
what the server stored is read back with a separate, path-style boto3 client.
"""

from __future__ import annotations

import uuid

import boto3
import pytest
import requests
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

from support import ACCESS_KEY, SECRET_KEY, md5_etag
from tests.e2e.browser_helpers import pattern
from tests.e2e.real_clients import multipart_etag
from tests.e2e.wire import assert_addressed, resolve_localhost, wire  # noqa: F401 (fixtures)

MiB = 1024 * 1024
STYLES = ["path", "virtual"]


def styled_client(port: int, style: str):
    """boto3 addressing the relay at `port`: buckets as BUCKET.localhost:port or /BUCKET."""
    host = "localhost" if style == "virtual" else "127.0.0.1"
    return boto3.client("s3", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                        config=Config(s3={"addressing_style": style}, retries={"max_attempts": 1}))


@pytest.fixture
def new_bucket(s3):
    name = f"bo-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.mark.parametrize("style", STYLES)
def test_transfer_manager_upload_and_download(style, wire, resolve_localhost, s3, new_bucket,
                                              tmp_path):
    client = styled_client(wire.port, style)
    data = pattern(12 * MiB + 5)
    (tmp_path / "big.bin").write_bytes(data)
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB,
                            max_concurrency=4)
    client.upload_file(str(tmp_path / "big.bin"), new_bucket, "dir/big.bin", Config=config,
                       ExtraArgs={"ContentType": "application/x-big", "Metadata": {"k": "v"}})
    head = s3.head_object(Bucket=new_bucket, Key="dir/big.bin")
    assert head["ETag"] == multipart_etag(data, 5 * MiB)           # three parts
    assert (head["ContentLength"], head["ContentType"], head["Metadata"]) == (
        len(data), "application/x-big", {"k": "v"})
    assert s3.get_object(Bucket=new_bucket, Key="dir/big.bin")["Body"].read() == data
    assert s3.list_multipart_uploads(Bucket=new_bucket).get("Uploads", []) == []

    # download_file reads in ranged GETs above the threshold, several at once
    client.download_file(new_bucket, "dir/big.bin", str(tmp_path / "down.bin"), Config=config)
    assert (tmp_path / "down.bin").read_bytes() == data
    small = b"small body"
    (tmp_path / "small.bin").write_bytes(small)
    client.upload_file(str(tmp_path / "small.bin"), new_bucket, "small.bin", Config=config)
    assert s3.head_object(Bucket=new_bucket, Key="small.bin")["ETag"] == md5_etag(small)
    client.download_file(new_bucket, "small.bin", str(tmp_path / "small.out"))
    assert (tmp_path / "small.out").read_bytes() == small
    sent = wire.requests()
    assert sum(method == "PUT" and "partNumber=" in target for method, target, _ in sent) == 3
    assert sum(method == "GET" and "big.bin" in target for method, target, _ in sent) >= 3
    assert_addressed(sent, new_bucket, style)


@pytest.mark.parametrize("style", STYLES)
def test_presigned_post(style, wire, resolve_localhost, s3, new_bucket):
    client = styled_client(wire.port, style)
    post = client.generate_presigned_post(
        new_bucket, "uploads/${filename}",
        Fields={"Content-Type": "text/plain", "success_action_status": "201"},
        Conditions=[{"Content-Type": "text/plain"}, {"success_action_status": "201"},
                    ["starts-with", "$key", "uploads/"], ["content-length-range", 1, 1000]],
        ExpiresIn=600)
    host = f"{new_bucket}.localhost" if style == "virtual" else "127.0.0.1"
    assert post["url"].startswith(f"http://{host}:{wire.port}/")
    body = b"posted by a form\n"
    resp = requests.post(post["url"], data=post["fields"],
                         files={"file": ("note.txt", body, "text/plain")}, timeout=30)
    assert resp.status_code == 201, resp.text
    assert f"<Key>uploads/note.txt</Key>" in resp.text
    assert f"<Bucket>{new_bucket}</Bucket>" in resp.text
    got = s3.get_object(Bucket=new_bucket, Key="uploads/note.txt")
    assert (got["Body"].read(), got["ContentType"]) == (body, "text/plain")

    # the policy is enforced: a file over content-length-range is refused and not stored
    big = requests.post(post["url"], data=post["fields"],
                        files={"file": ("big.txt", b"x" * 1001, "text/plain")}, timeout=30)
    assert big.status_code == 400 and "<Code>EntityTooLarge</Code>" in big.text, big.text
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=new_bucket)["Contents"]] == [
        "uploads/note.txt"]
    assert_addressed(wire.requests(), new_bucket, style)


@pytest.mark.parametrize("style", STYLES)
def test_paginators(style, wire, resolve_localhost, s3, new_bucket):
    client = styled_client(wire.port, style)
    keys = [f"a/{i:02}" for i in range(7)] + ["b/x", "b/y/z", "c"]
    for key in keys:
        s3.put_object(Bucket=new_bucket, Key=key, Body=key.encode())

    pages = list(client.get_paginator("list_objects_v2").paginate(
        Bucket=new_bucket, PaginationConfig={"PageSize": 3}))
    assert [len(p["Contents"]) for p in pages] == [3, 3, 3, 1]
    assert [o["Key"] for p in pages for o in p["Contents"]] == sorted(keys)
    assert [o["Size"] for p in pages for o in p["Contents"]] == [len(k) for k in sorted(keys)]

    grouped = list(client.get_paginator("list_objects_v2").paginate(
        Bucket=new_bucket, Delimiter="/", PaginationConfig={"PageSize": 1}))
    assert len(grouped) == 3
    assert [p["Prefix"] for g in grouped for p in g.get("CommonPrefixes", [])] == ["a/", "b/"]
    assert [o["Key"] for g in grouped for o in g.get("Contents", [])] == ["c"]

    v1 = list(client.get_paginator("list_objects").paginate(
        Bucket=new_bucket, Prefix="a/", PaginationConfig={"PageSize": 4}))
    assert [[o["Key"] for o in p["Contents"]] for p in v1] == [keys[0:4], keys[4:7]]

    upload = client.create_multipart_upload(Bucket=new_bucket, Key="mpu")["UploadId"]
    for n in (1, 2, 3):
        client.upload_part(Bucket=new_bucket, Key="mpu", UploadId=upload, PartNumber=n,
                           Body=pattern(5 * MiB if n < 3 else 10))
    parts = list(client.get_paginator("list_parts").paginate(
        Bucket=new_bucket, Key="mpu", UploadId=upload, PaginationConfig={"PageSize": 2}))
    assert [[p["PartNumber"] for p in page["Parts"]] for page in parts] == [[1, 2], [3]]
    assert parts[0]["Parts"][0]["ETag"] == md5_etag(pattern(5 * MiB))
    others = [client.create_multipart_upload(Bucket=new_bucket, Key=f"other/{i}")["UploadId"]
              for i in range(2)]
    uploads = list(client.get_paginator("list_multipart_uploads").paginate(
        Bucket=new_bucket, PaginationConfig={"PageSize": 2}))
    assert [[u["Key"] for u in page["Uploads"]] for page in uploads] == [
        ["mpu", "other/0"], ["other/1"]]
    assert {u["UploadId"] for page in uploads for u in page["Uploads"]} == {upload, *others}
    assert_addressed(wire.requests(), new_bucket, style)

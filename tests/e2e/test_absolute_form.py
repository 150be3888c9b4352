"""Absolute-form request targets (`GET http://bucket.localhost:9000/key HTTP/1.1`), what every HTTP
client sends to a forward proxy: a client given the server itself as its HTTP proxy reaches it with
its virtual-host Host intact, its signature verified in strict mode.

RFC 9112 §3.2.2: "A server MUST accept the absolute-form in requests even though most HTTP/1.1
clients will only send the absolute-form to a proxy", and the origin server takes the host from the
target rather than from the Host header. SigV4 signs the path (the canonical URI), never the
absolute URI, and the host as the Host header carries it.
"""

from __future__ import annotations

import socket
import uuid

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from support import ACCESS_KEY, SECRET_KEY, start_server

BODY = b"through the proxy door " * 100


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("absolute-form"), "--auth", "strict")
    yield srv
    srv.stop()


def proxied(srv, style: str, secret: str = SECRET_KEY):
    """boto3 sending every request through the server as its HTTP proxy. Virtual-host style names
    the endpoint `localhost`, so buckets are `<bucket>.localhost`, which need no DNS: the client
    connects to the proxy, 127.0.0.1."""
    host = "localhost" if style == "virtual" else "127.0.0.1"
    return boto3.client(
        "s3", endpoint_url=f"http://{host}:{srv.port}", region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=secret,
        config=Config(proxies={"http": srv.endpoint}, s3={"addressing_style": style},
                      retries={"max_attempts": 1}))


def raw(srv, request: bytes) -> tuple[bytes, bytes]:
    """(status line and headers, body) of one request on its own connection."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=15) as s:
        s.sendall(request)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return head, body


@pytest.mark.parametrize("style", ["virtual", "path"])
def test_boto3_with_the_server_as_its_proxy_in_strict_mode(strict, style):
    s3 = proxied(strict, style)
    bucket = f"abs-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="dir/a b+c.txt", Body=BODY)
    got = s3.get_object(Bucket=bucket, Key="dir/a b+c.txt")
    assert got["Body"].read() == BODY
    assert s3.head_object(Bucket=bucket, Key="dir/a b+c.txt")["ContentLength"] == len(BODY)
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="dir/", Delimiter="/")
    assert [o["Key"] for o in listed["Contents"]] == ["dir/a b+c.txt"]
    up = s3.create_multipart_upload(Bucket=bucket, Key="mpu")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mpu", UploadId=up, PartNumber=1, Body=BODY)["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="mpu", UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.get_object(Bucket=bucket, Key="mpu")["Body"].read() == BODY
    # the same bucket, seen without the proxy
    direct = boto3.client("s3", endpoint_url=strict.endpoint, region_name="us-east-1",
                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    assert sorted(o["Key"] for o in direct.list_objects_v2(Bucket=bucket)["Contents"]) == [
        "dir/a b+c.txt", "mpu"]
    # a signature made with another secret is checked, not waved through
    with pytest.raises(ClientError) as e:
        proxied(strict, style, secret="guessed").get_object(Bucket=bucket, Key="mpu")
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    s3.delete_object(Bucket=bucket, Key="mpu")
    s3.delete_object(Bucket=bucket, Key="dir/a b+c.txt")
    s3.delete_bucket(Bucket=bucket)


def test_presigned_url_through_the_server_as_proxy(strict):
    s3 = proxied(strict, "virtual")
    bucket = f"abs-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=BODY)
    signer = boto3.client("s3", endpoint_url=f"http://localhost:{strict.port}", region_name="us-east-1",
                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                          config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))
    url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    assert url.startswith(f"http://{bucket}.localhost:{strict.port}/k?")
    resp = requests.get(url, proxies={"http": strict.endpoint}, timeout=15)
    assert resp.status_code == 200 and resp.content == BODY


def test_the_targets_host_wins_over_the_host_header(strict):
    """RFC 9112 §3.2.2: the origin server ignores Host when the target is absolute-form. An error
    names the path as its Resource, as for any other request."""
    s3 = proxied(strict, "virtual")
    bucket = f"abs-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=bucket, ACL="public-read")       # anyone may read and list
    s3.put_object(Bucket=bucket, Key="public", Body=BODY, ACL="public-read")
    target = f"http://{bucket}.localhost:{strict.port}"
    head, body = raw(strict, f"GET {target}/public HTTP/1.1\r\nHost: elsewhere.localhost\r\n"
                             f"Connection: close\r\n\r\n".encode())
    assert head.startswith(b"HTTP/1.1 200 "), head
    assert body == BODY
    head, body = raw(strict, f"GET {target}/missing HTTP/1.1\r\nHost: {bucket}.localhost:{strict.port}\r\n"
                             f"Connection: close\r\n\r\n".encode())
    assert head.startswith(b"HTTP/1.1 404 "), head
    assert b"<Code>NoSuchKey</Code>" in body and b"<Resource>/missing</Resource>" in body, body
    # path style in absolute-form, with no path at all: ListBuckets, which anonymous may not do
    head, body = raw(strict, f"GET http://127.0.0.1:{strict.port} HTTP/1.1\r\nHost: x\r\n"
                             f"Connection: close\r\n\r\n".encode())
    assert head.startswith(b"HTTP/1.1 403 "), head
    assert b"<Code>AccessDenied</Code>" in body

"""Strict mode, table-driven: the operations tests/e2e/test_acl_access.py does not cover, as the
owner, a second user and anonymous, against every canned bucket ACL; CopyObject and UploadPartCopy
source/destination combinations; POST policy forms; the admin endpoints under /_s3mock/.

What S3 checks (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html and
mpuoverview.html#mpuAndPermissions): UploadPart, UploadPartCopy and CompleteMultipartUpload are
s3:PutObject (bucket WRITE), CopyObject and UploadPartCopy also need READ on the source object;
GetBucketLocation, GetBucketVersioning and the CORS configuration belong to the bucket owner alone.
ListParts and AbortMultipartUpload belong to the upload's initiator and the bucket owner, whatever
the bucket ACL grants.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import socket
import uuid
from typing import Any, Callable

import boto3
import botocore
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from support import start_server

KEYS = {"owner": ("test", "test"), "second": ("second", "second-secret")}
WHO = ("owner", "second", "anonymous")
CANNED = ("private", "public-read", "public-read-write", "authenticated-read", "log-delivery-write")
BODY = b"0123456789" * 10


def make_client(endpoint: str, who: str):
    if who == "anonymous":
        return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                            config=Config(signature_version=botocore.UNSIGNED))
    key, secret = KEYS[who]
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret)


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("access-table"), "--auth", "strict",
                       "--user", "second:second-secret")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def clients(strict) -> dict[str, Any]:
    return {who: make_client(strict.endpoint, who) for who in WHO}


def new_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def expect(allowed: bool, call: Callable[[], Any]) -> Any:
    if allowed:
        return call()
    with pytest.raises(ClientError) as exc:
        call()
    resp = exc.value.response
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert (resp["Error"]["Code"], resp["Error"]["Message"]) == ("AccessDenied", "Access Denied")
    return None


@pytest.fixture(scope="module")
def canned_bucket(clients) -> Callable[[str], str]:
    made: dict[str, str] = {}

    def get(acl_name: str) -> str:
        if acl_name not in made:
            made[acl_name] = new_name(acl_name.replace("-", ""))
            clients["owner"].create_bucket(Bucket=made[acl_name], ACL=acl_name)
        return made[acl_name]
    return get


@pytest.fixture(scope="module")
def public_source(clients) -> dict:
    """A public-read object in a private bucket: readable by anyone, for the copies."""
    bucket = new_name("source")
    clients["owner"].create_bucket(Bucket=bucket)
    clients["owner"].put_object(Bucket=bucket, Key="src", Body=BODY, ACL="public-read")
    return {"Bucket": bucket, "Key": "src"}


def bucket_perms(acl_name: str, who: str) -> set[str]:
    if who == "owner":
        return {"READ", "WRITE"}
    return {"private": set(), "public-read": {"READ"}, "public-read-write": {"READ", "WRITE"},
            "authenticated-read": {"READ"} if who == "second" else set(),
            "log-delivery-write": set()}[acl_name]


# ================================================================== multipart into the owner's upload

def _owner_upload(owner, bucket: str) -> tuple[str, str]:
    key = new_name("mpu")
    return key, owner.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]


def _parts(owner, bucket, key, up) -> list:
    return owner.list_parts(Bucket=bucket, Key=key, UploadId=up).get("Parts", [])


def op_upload_part_copy(c, owner, bucket, allowed, source):
    key, up = _owner_upload(owner, bucket)
    expect(allowed, lambda: c.upload_part_copy(Bucket=bucket, Key=key, UploadId=up, PartNumber=1,
                                               CopySource=source))
    assert len(_parts(owner, bucket, key, up)) == (1 if allowed else 0)


def op_complete(c, owner, bucket, allowed, source):
    key, up = _owner_upload(owner, bucket)
    etag = owner.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=BODY)["ETag"]
    expect(allowed, lambda: c.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": etag}]}))
    listed = owner.list_objects_v2(Bucket=bucket, Prefix=key).get("Contents", [])
    assert [o["Size"] for o in listed] == ([len(BODY)] if allowed else [])
    if not allowed:
        assert len(_parts(owner, bucket, key, up)) == 1              # the upload is still open


def op_abort(c, owner, bucket, allowed, source):
    key, up = _owner_upload(owner, bucket)
    owner.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=BODY)
    expect(allowed, lambda: c.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=up))
    open_ids = [u["UploadId"] for u in owner.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
    assert (up in open_ids) is not allowed


def op_list_parts(c, owner, bucket, allowed, source):
    key, up = _owner_upload(owner, bucket)
    owner.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=BODY)
    resp = expect(allowed, lambda: c.list_parts(Bucket=bucket, Key=key, UploadId=up))
    if allowed:
        assert [p["Size"] for p in resp["Parts"]] == [len(BODY)]


MULTIPART_OPS = {
    # op -> (bucket permission it needs, or True: initiator and bucket owner only)
    "UploadPartCopy": ("WRITE", op_upload_part_copy, False),
    "CompleteMultipartUpload": ("WRITE", op_complete, False),
    "AbortMultipartUpload": ("WRITE", op_abort, True),
    "ListParts": ("READ", op_list_parts, True),
}


def _multipart_cases() -> list:
    out = []
    for acl_name in CANNED:
        for who in WHO:
            for op, (perm, _, initiator_only) in MULTIPART_OPS.items():
                perms = bucket_perms(acl_name, who)
                # the upload is the owner's: only the owner (initiator and bucket owner) may list/abort it
                allowed = who == "owner" if initiator_only else perm in perms
                out.append(pytest.param(acl_name, who, op, allowed,
                                        id=f"{acl_name}/{who}/{op}-{'allow' if allowed else 'deny'}"))
    return out


def test_the_initiator_and_the_bucket_owner_may_list_and_abort_an_upload(clients):
    owner, second = clients["owner"], clients["second"]
    bucket = new_name("initiator")
    owner.create_bucket(Bucket=bucket, ACL="public-read-write")
    for aborter in (second, owner):
        up = second.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
        second.upload_part(Bucket=bucket, Key="k", UploadId=up, PartNumber=1, Body=BODY)
        assert [p["Size"] for p in second.list_parts(Bucket=bucket, Key="k", UploadId=up)["Parts"]] == [len(BODY)]
        assert [p["Size"] for p in owner.list_parts(Bucket=bucket, Key="k", UploadId=up)["Parts"]] == [len(BODY)]
        aborter.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=up)
        assert owner.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.parametrize("acl_name,who,op,allowed", _multipart_cases())
def test_multipart_operations_on_the_owners_upload(clients, canned_bucket, public_source, acl_name, who, op,
                                                   allowed):
    MULTIPART_OPS[op][1](clients[who], clients["owner"], canned_bucket(acl_name), allowed, public_source)


# ================================================================== bucket owner only, every canned ACL

OWNER_ONLY = {
    "GetBucketLocation": lambda c, b: c.get_bucket_location(Bucket=b),
    "GetBucketVersioning": lambda c, b: c.get_bucket_versioning(Bucket=b),
    "GetBucketCors": lambda c, b: c.get_bucket_cors(Bucket=b),
    "PutBucketCors": lambda c, b: c.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["https://evil.example"], "AllowedMethods": ["GET"]}]}),
    "DeleteBucketCors": lambda c, b: c.delete_bucket_cors(Bucket=b),
    "DeleteBucket": lambda c, b: c.delete_bucket(Bucket=b),
}


@pytest.mark.parametrize("who", ["second", "anonymous"])
@pytest.mark.parametrize("acl_name", CANNED)
def test_owner_only_operations_refused_whatever_the_acl(clients, acl_name, who):
    owner, bucket = clients["owner"], new_name("ownonly")
    owner.create_bucket(Bucket=bucket, ACL=acl_name)
    owner.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["https://app.example"], "AllowedMethods": ["GET"]}]})
    for op, call in OWNER_ONLY.items():
        expect(False, lambda: call(clients[who], bucket))
    # nothing changed: the CORS rule and the bucket are the owner's as before
    assert owner.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedOrigins"] == ["https://app.example"]
    assert owner.get_bucket_versioning(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert owner.get_bucket_location(Bucket=bucket)["LocationConstraint"] is None


# ================================================================== CopyObject / UploadPartCopy

def _copy_cases() -> list:
    out = []
    for src_acl in ("private", "public-read"):
        for dest_acl in ("private", "public-read", "public-read-write"):
            for who in WHO:
                can_read = who == "owner" or src_acl == "public-read"
                can_write = "WRITE" in bucket_perms(dest_acl, who)
                allowed = can_read and can_write
                out.append(pytest.param(src_acl, dest_acl, who, allowed,
                                        id=f"src-{src_acl}/dest-{dest_acl}/{who}-{'allow' if allowed else 'deny'}"))
    return out


@pytest.fixture(scope="module")
def sources(clients) -> Callable[[str], dict]:
    bucket = new_name("copysrc")
    clients["owner"].create_bucket(Bucket=bucket)
    for acl_name in ("private", "public-read"):
        clients["owner"].put_object(Bucket=bucket, Key=acl_name, Body=BODY, ACL=acl_name)
    return lambda acl_name: {"Bucket": bucket, "Key": acl_name}


@pytest.mark.parametrize("src_acl,dest_acl,who,allowed", _copy_cases())
def test_copy_object_needs_read_on_source_and_write_on_destination(clients, canned_bucket, sources, src_acl,
                                                                   dest_acl, who, allowed):
    dest, key, owner = canned_bucket(dest_acl), new_name("copy"), clients["owner"]
    expect(allowed, lambda: clients[who].copy_object(Bucket=dest, Key=key, CopySource=sources(src_acl)))
    listed = owner.list_objects_v2(Bucket=dest, Prefix=key).get("Contents", [])
    assert [o["Size"] for o in listed] == ([len(BODY)] if allowed else [])


@pytest.mark.parametrize("src_acl,dest_acl,who,allowed", _copy_cases())
def test_upload_part_copy_needs_read_on_source_and_write_on_destination(clients, canned_bucket, sources,
                                                                        src_acl, dest_acl, who, allowed):
    owner, dest = clients["owner"], canned_bucket(dest_acl)
    key, up = _owner_upload(owner, dest)
    try:
        expect(allowed, lambda: clients[who].upload_part_copy(Bucket=dest, Key=key, UploadId=up, PartNumber=1,
                                                              CopySource=sources(src_acl)))
        assert [p["Size"] for p in _parts(owner, dest, key, up)] == ([len(BODY)] if allowed else [])
    finally:
        owner.abort_multipart_upload(Bucket=dest, Key=key, UploadId=up)


def test_copy_within_a_bucket_the_copier_cannot_read(clients, canned_bucket):
    """public-read-write lets anyone write, not read what others wrote: a copy is a read."""
    bucket = canned_bucket("public-read-write")
    clients["owner"].put_object(Bucket=bucket, Key="owners-private", Body=BODY)
    for who in ("second", "anonymous"):
        expect(False, lambda: clients[who].copy_object(Bucket=bucket, Key=new_name("stolen"), CopySource={
            "Bucket": bucket, "Key": "owners-private"}))
        expect(False, lambda: clients[who].get_object(Bucket=bucket, Key="owners-private"))


# ================================================================== PostObject (browser forms)

def _form_post(endpoint: str, bucket: str, fields: dict, key: str) -> requests.Response:
    parts = [(k, (None, v)) for k, v in fields.items()] + [("file", ("f.txt", BODY))]
    return requests.post(f"{endpoint}/{bucket}", files=parts, timeout=30, allow_redirects=False)


def _post_cases() -> list:
    out = []
    for acl_name in CANNED:
        for who in WHO:
            allowed = "WRITE" in bucket_perms(acl_name, who)
            out.append(pytest.param(acl_name, who, allowed, id=f"{acl_name}/{who}-{'allow' if allowed else 'deny'}"))
    return out


@pytest.mark.parametrize("acl_name,who,allowed", _post_cases())
def test_post_object_form(strict, clients, canned_bucket, acl_name, who, allowed):
    """A signed form acts as its signer; a form with no signature is anonymous."""
    bucket, key = canned_bucket(acl_name), new_name("form")
    if who == "anonymous":
        fields = {"key": key}
    else:
        signer = boto3.client("s3", endpoint_url=strict.endpoint, region_name="us-east-1",
                              aws_access_key_id=KEYS[who][0], aws_secret_access_key=KEYS[who][1],
                              config=Config(signature_version="s3v4"))
        fields = signer.generate_presigned_post(bucket, key)["fields"]
    resp = _form_post(strict.endpoint, bucket, fields, key)
    if allowed:
        assert resp.status_code == 204, resp.text
    else:
        assert resp.status_code == 403 and "<Code>AccessDenied</Code>" in resp.text, resp.text
    listed = clients["owner"].list_objects_v2(Bucket=bucket, Prefix=key).get("Contents", [])
    assert [o["Size"] for o in listed] == ([len(BODY)] if allowed else [])


def test_post_object_form_signed_with_a_wrong_secret(strict, clients, canned_bucket):
    bucket, key = canned_bucket("public-read-write"), new_name("form")
    forger = boto3.client("s3", endpoint_url=strict.endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="guessed",
                          config=Config(signature_version="s3v4"))
    resp = _form_post(strict.endpoint, bucket, forger.generate_presigned_post(bucket, key)["fields"], key)
    assert resp.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in resp.text
    assert "Contents" not in clients["owner"].list_objects_v2(Bucket=bucket, Prefix=key)


# ================================================================== admin endpoints under /_s3mock/

def raw(endpoint: str, method: str, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    host, port = endpoint.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def sigv4_headers(endpoint: str, method: str, path: str, who_keys: tuple[str, str]) -> dict:
    req = botocore.awsrequest.AWSRequest(method=method, url=endpoint + path, data=b"")
    botocore.auth.S3SigV4Auth(botocore.credentials.Credentials(*who_keys), "s3", "us-east-1").add_auth(req)
    return dict(req.headers.items())


def test_admin_reset_requires_the_owner_in_strict_mode(strict, clients):
    owner, bucket = clients["owner"], new_name("admin")
    owner.create_bucket(Bucket=bucket, ACL="public-read-write")
    owner.put_object(Bucket=bucket, Key="keep", Body=BODY)
    for path in ("/_s3mock/reset", "/_s3mock/reset?delete-buckets"):
        for headers in ({}, sigv4_headers(strict.endpoint, "POST", path, KEYS["second"])):
            status, body = raw(strict.endpoint, "POST", path, headers)
            assert status == 403 and b"<Code>AccessDenied</Code>" in body, (path, headers, body)
        forged = sigv4_headers(strict.endpoint, "POST", path, ("test", "guessed"))
        status, body = raw(strict.endpoint, "POST", path, forged)
        assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body
        # a presigned URL for another request (GET /) does not sign this one
        url = owner.generate_presigned_url("list_buckets")
        status, _ = raw(strict.endpoint, "POST", "/_s3mock/reset?" + url.split("?", 1)[1])
        assert status == 403
    assert owner.get_object(Bucket=bucket, Key="keep")["Body"].read() == BODY        # nothing was reset
    # read-only tooling stays open to anyone
    assert raw(strict.endpoint, "GET", "/_s3mock/health")[0] == 200
    assert raw(strict.endpoint, "HEAD", "/_s3mock/health")[0] == 200
    assert raw(strict.endpoint, "GET", "/_localstack/health")[0] == 200
    assert raw(strict.endpoint, "GET", "/minio/health/live")[0] == 200


def test_admin_reset_by_the_owner_in_strict_mode(tmp_path):
    """On a server of its own: reset empties every bucket of this module's shared server too."""
    srv = start_server(tmp_path / "data", "--auth", "strict", "--user", "second:second-secret")
    try:
        owner = make_client(srv.endpoint, "owner")
        owner.create_bucket(Bucket="kept")
        owner.put_object(Bucket="kept", Key="k", Body=BODY)
        status, body = raw(srv.endpoint, "POST", "/_s3mock/reset",
                           sigv4_headers(srv.endpoint, "POST", "/_s3mock/reset", KEYS["owner"]))
        assert status == 200 and json.loads(body)["status"] == "ok"
        assert owner.list_objects_v2(Bucket="kept")["KeyCount"] == 0
    finally:
        srv.stop()


@pytest.mark.parametrize("method,path", [("GET", "/_s3mock/reset"), ("DELETE", "/_s3mock/reset"),
                                         ("POST", "/_s3mock/health"), ("PUT", "/_s3mock/anything")])
def test_other_admin_methods_change_nothing(strict, method, path):
    status, body = raw(strict.endpoint, method, path)
    assert 400 <= status < 500 or status == 501, (status, body)
    assert status != 200


# ================================================================== auth input the fuzzer found

def test_sigv2_header_that_is_not_utf8_is_refused_not_a_500(strict):
    """A header value with bytes that are not UTF-8 used to crash signing (500 InternalError)."""
    host, port = strict.endpoint.removeprefix("http://").split(":")
    date = email.utils.formatdate(usegmt=True).encode()
    for request in (
            b"GET / HTTP/1.1\r\nHost: h\r\nDate: " + date + b"\r\nx-amz-meta-a: \xff\r\n"
            b"Authorization: AWS test:abc\r\nConnection: close\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: h\r\nDate: " + date + b"\r\n"
            b"Authorization: AWS test:\xc3\xa9\r\nConnection: close\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: h\r\nDate: Wed, 01 Jan 99999999999 12:00:00 GMT\r\n"
            b"Authorization: AWS test:abc\r\nConnection: close\r\n\r\n"):
        with socket.create_connection((host, int(port)), timeout=30) as s:
            s.sendall(request)
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 403 "), answer[:400]
        assert b"<Code>SignatureDoesNotMatch</Code>" in body or b"<Code>AccessDenied</Code>" in body

"""boto3 (default configuration) against a live server: CopyObject and DeleteObjects.

Metadata directives, copying onto itself, copy-source conditionals and awkward source keys;
DeleteObjects with Quiet, the 1000-key limit and VersionId "null".
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import datetime, timedelta

import pytest

from support import error_of, md5_etag, status

SELF_COPY = ("This copy request is illegal because it is trying to copy an object to itself without "
             "changing the object's metadata, storage class, website redirect location or encryption "
             "attributes.")


@pytest.fixture
def src(s3, bucket) -> dict:
    """A source object with content headers and user metadata."""
    s3.put_object(Bucket=bucket, Key="src.txt", Body=b"source bytes", ContentType="text/plain",
                  CacheControl="max-age=10", ContentDisposition="inline", Metadata={"origin": "src"})
    head = s3.head_object(Bucket=bucket, Key="src.txt")
    return {"Bucket": bucket, "Key": "src.txt", "ETag": head["ETag"], "LastModified": head["LastModified"]}


def source(obj: dict) -> dict:
    return {"Bucket": obj["Bucket"], "Key": obj["Key"]}


# ---------------------------------------------------------------- CopyObject

def test_copy_default_directive_copies_metadata(s3, src):
    resp = s3.copy_object(Bucket=src["Bucket"], Key="dst.txt", CopySource=source(src),
                          Metadata={"ignored": "yes"}, ContentType="application/ignored")
    assert status(resp) == 200
    assert resp["CopyObjectResult"]["ETag"] == md5_etag(b"source bytes")
    assert isinstance(resp["CopyObjectResult"]["LastModified"], datetime)
    get = s3.get_object(Bucket=src["Bucket"], Key="dst.txt")
    assert get["Body"].read() == b"source bytes"
    assert get["ETag"] == src["ETag"]
    assert get["Metadata"] == {"origin": "src"}
    assert get["ContentType"] == "text/plain"
    assert get["CacheControl"] == "max-age=10"
    assert get["ContentDisposition"] == "inline"
    # the source is untouched
    assert s3.get_object(Bucket=src["Bucket"], Key="src.txt")["Body"].read() == b"source bytes"


def test_copy_explicit_copy_directive(s3, src):
    s3.copy_object(Bucket=src["Bucket"], Key="dst.txt", CopySource=source(src), MetadataDirective="COPY")
    assert s3.head_object(Bucket=src["Bucket"], Key="dst.txt")["Metadata"] == {"origin": "src"}


def test_copy_replace_directive_replaces_metadata(s3, src):
    s3.copy_object(Bucket=src["Bucket"], Key="dst.txt", CopySource=source(src),
                   MetadataDirective="REPLACE", Metadata={"fresh": "1"}, ContentType="application/json")
    head = s3.head_object(Bucket=src["Bucket"], Key="dst.txt")
    assert head["Metadata"] == {"fresh": "1"}
    assert head["ContentType"] == "application/json"
    assert "CacheControl" not in head
    assert "ContentDisposition" not in head
    assert head["ETag"] == src["ETag"]
    # REPLACE without a Content-Type: the default one
    s3.copy_object(Bucket=src["Bucket"], Key="dst2.txt", CopySource=source(src), MetadataDirective="REPLACE")
    head = s3.head_object(Bucket=src["Bucket"], Key="dst2.txt")
    assert head["ContentType"] == "binary/octet-stream"
    assert head["Metadata"] == {}


def test_copy_across_buckets(s3, src):
    other = f"b-{uuid.uuid4().hex[:20]}"
    s3.create_bucket(Bucket=other)
    s3.copy_object(Bucket=other, Key="copied", CopySource=source(src))
    assert s3.get_object(Bucket=other, Key="copied")["Body"].read() == b"source bytes"


def test_copy_overwrites_existing_destination(s3, src):
    s3.put_object(Bucket=src["Bucket"], Key="dst.txt", Body=b"old destination", Metadata={"old": "1"})
    s3.copy_object(Bucket=src["Bucket"], Key="dst.txt", CopySource=source(src))
    get = s3.get_object(Bucket=src["Bucket"], Key="dst.txt")
    assert get["Body"].read() == b"source bytes"
    assert get["Metadata"] == {"origin": "src"}


def test_copy_to_itself_without_replace_is_invalid(s3, src):
    for directive in ({}, {"MetadataDirective": "COPY"}):
        err = error_of(s3.copy_object, Bucket=src["Bucket"], Key=src["Key"], CopySource=source(src),
                       **directive)
        assert err["Error"]["Code"] == "InvalidRequest"
        assert err["Error"]["Message"] == SELF_COPY
        assert status(err) == 400
    assert s3.head_object(Bucket=src["Bucket"], Key=src["Key"])["Metadata"] == {"origin": "src"}


def test_copy_to_itself_with_replace_updates_metadata(s3, src):
    resp = s3.copy_object(Bucket=src["Bucket"], Key=src["Key"], CopySource=source(src),
                          MetadataDirective="REPLACE", Metadata={"rev": "2"}, ContentType="text/csv")
    assert status(resp) == 200
    assert resp["CopyObjectResult"]["ETag"] == src["ETag"]
    get = s3.get_object(Bucket=src["Bucket"], Key=src["Key"])
    assert get["Body"].read() == b"source bytes"
    assert get["Metadata"] == {"rev": "2"}
    assert get["ContentType"] == "text/csv"
    assert get["LastModified"] >= src["LastModified"]


def _multipart(s3, bucket: str, key: str, parts: list[bytes], **create) -> dict:
    """A completed multipart object of these parts; CompleteMultipartUpload's answer."""
    up = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    done = []
    for n, body in enumerate(parts, 1):
        extra = {"ChecksumAlgorithm": create["ChecksumAlgorithm"]} if create else {}
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=n, Body=body, **extra)
        sums = {k: v for k, v in r.items() if k.startswith("Checksum") and k != "ChecksumType"}
        done.append({"PartNumber": n, "ETag": r["ETag"], **(sums if create else {})})
    return s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up,
                                        MultipartUpload={"Parts": done})


@pytest.mark.parametrize("create", [{}, {"ChecksumAlgorithm": "SHA256"}], ids=["default", "composite"])
def test_copy_of_a_multipart_object_is_one_object(s3, bucket, create):
    """S3 writes a copy as one object: the MD5 of the bytes as ETag (no "-N"), no parts, and a
    checksum of the whole object ("the checksum value for the object might change if you copy
    it", checking-object-integrity.html; the ETag and parts as recorded on S3 in
    floci-io/floci#3093 and localstack/localstack#3729). A FULL_OBJECT CRC keeps its value."""
    parts = [b"a" * (5 * 1024 * 1024), b"tail"]
    whole = b"".join(parts)
    done = _multipart(s3, bucket, "mp", parts, **create)
    assert done["ETag"].endswith('-2"')
    got = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "mp"},
                         ChecksumAlgorithm=create.get("ChecksumAlgorithm", "CRC64NVME"))
    assert got["CopyObjectResult"]["ETag"] == md5_etag(whole)
    head = s3.head_object(Bucket=bucket, Key="copy", ChecksumMode="ENABLED")
    assert head["ETag"] == md5_etag(whole) and head["ContentLength"] == len(whole)
    assert head["ChecksumType"] == "FULL_OBJECT"
    if create:
        assert head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(whole).digest()).decode()
    else:
        source = s3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
        assert head["ChecksumCRC64NVME"] == source["ChecksumCRC64NVME"]
    first = s3.head_object(Bucket=bucket, Key="copy", PartNumber=1)
    assert "PartsCount" not in first and first["ContentLength"] == len(whole)
    attrs = s3.get_object_attributes(Bucket=bucket, Key="copy", ObjectAttributes=["ObjectParts", "ETag"])
    assert "ObjectParts" not in attrs and attrs["ETag"] == md5_etag(whole).strip('"')
    assert s3.get_object(Bucket=bucket, Key="copy")["Body"].read() == whole


def test_copy_source_if_match(s3, src):
    b = src["Bucket"]
    assert status(s3.copy_object(Bucket=b, Key="d1", CopySource=source(src), CopySourceIfMatch=src["ETag"])) == 200
    err = error_of(s3.copy_object, Bucket=b, Key="d2", CopySource=source(src), CopySourceIfMatch='"0000"')
    assert err["Error"]["Code"] == "PreconditionFailed"
    assert status(err) == 412
    assert error_of(s3.head_object, Bucket=b, Key="d2")["Error"]["Code"] == "404"


def test_copy_source_if_none_match(s3, src):
    b = src["Bucket"]
    assert status(s3.copy_object(Bucket=b, Key="d1", CopySource=source(src), CopySourceIfNoneMatch='"0000"')) == 200
    err = error_of(s3.copy_object, Bucket=b, Key="d2", CopySource=source(src), CopySourceIfNoneMatch=src["ETag"])
    assert err["Error"]["Code"] == "PreconditionFailed"
    assert status(err) == 412


def test_copy_source_if_modified_since(s3, src):
    b, modified = src["Bucket"], src["LastModified"]
    ok = s3.copy_object(Bucket=b, Key="d1", CopySource=source(src),
                        CopySourceIfModifiedSince=modified - timedelta(days=1))
    assert status(ok) == 200
    err = error_of(s3.copy_object, Bucket=b, Key="d2", CopySource=source(src),
                   CopySourceIfModifiedSince=modified)
    assert err["Error"]["Code"] == "PreconditionFailed"
    assert status(err) == 412


def test_copy_source_if_unmodified_since(s3, src):
    b, modified = src["Bucket"], src["LastModified"]
    ok = s3.copy_object(Bucket=b, Key="d1", CopySource=source(src), CopySourceIfUnmodifiedSince=modified)
    assert status(ok) == 200
    err = error_of(s3.copy_object, Bucket=b, Key="d2", CopySource=source(src),
                   CopySourceIfUnmodifiedSince=modified - timedelta(days=1))
    assert err["Error"]["Code"] == "PreconditionFailed"
    assert status(err) == 412


def test_copy_source_condition_precedence(s3, src):
    """CopyObject docs: if-match true + if-unmodified-since false -> copied;
    if-none-match false + if-modified-since true -> 412."""
    b, before = src["Bucket"], src["LastModified"] - timedelta(days=1)
    ok = s3.copy_object(Bucket=b, Key="d1", CopySource=source(src), CopySourceIfMatch=src["ETag"],
                        CopySourceIfUnmodifiedSince=before)
    assert status(ok) == 200
    err = error_of(s3.copy_object, Bucket=b, Key="d2", CopySource=source(src),
                   CopySourceIfNoneMatch=src["ETag"], CopySourceIfModifiedSince=before)
    assert status(err) == 412


def test_copy_from_missing_key_and_bucket(s3, bucket):
    err = error_of(s3.copy_object, Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "absent"})
    assert err["Error"]["Code"] == "NoSuchKey"
    assert status(err) == 404
    missing = f"b-{uuid.uuid4().hex[:20]}"
    err = error_of(s3.copy_object, Bucket=bucket, Key="dst", CopySource={"Bucket": missing, "Key": "k"})
    assert err["Error"]["Code"] == "NoSuchBucket"
    assert status(err) == 404
    assert error_of(s3.head_object, Bucket=bucket, Key="dst")["Error"]["Code"] == "404"


def test_copy_into_missing_bucket(s3, src):
    missing = f"b-{uuid.uuid4().hex[:20]}"
    err = error_of(s3.copy_object, Bucket=missing, Key="dst", CopySource=source(src))
    assert err["Error"]["Code"] == "NoSuchBucket"
    assert err["Error"]["BucketName"] == missing
    assert status(err) == 404


@pytest.mark.parametrize("key", ["dir/with space+plus%25 ünï 😀.txt", "a//b", "q?x=1&y#z", "trailing/"])
def test_copy_source_with_special_characters(s3, bucket, key):
    s3.put_object(Bucket=bucket, Key=key, Body=b"special", Metadata={"k": "v"})
    s3.copy_object(Bucket=bucket, Key=key + ".copy", CopySource={"Bucket": bucket, "Key": key})
    get = s3.get_object(Bucket=bucket, Key=key + ".copy")
    assert get["Body"].read() == b"special"
    assert get["Metadata"] == {"k": "v"}
    # the string form of CopySource, which botocore URL-encodes
    s3.copy_object(Bucket=bucket, Key="from-string", CopySource=f"{bucket}/{key}")
    assert s3.get_object(Bucket=bucket, Key="from-string")["Body"].read() == b"special"


def test_copy_source_version_id_null(s3, src):
    resp = s3.copy_object(Bucket=src["Bucket"], Key="dst",
                          CopySource={**source(src), "VersionId": "null"})
    assert status(resp) == 200
    assert s3.get_object(Bucket=src["Bucket"], Key="dst")["Body"].read() == b"source bytes"


# ---------------------------------------------------------------- DeleteObjects

def _put(s3, bucket, keys):
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")


def test_delete_objects_verbose(s3, bucket):
    keys = ["a", "b c", "d+e", "ünï/ß", "x&y<z>", "keep"]
    _put(s3, bucket, keys)
    targets = keys[:-1] + ["never-existed"]
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in targets]})
    assert status(resp) == 200
    assert sorted(d["Key"] for d in resp["Deleted"]) == sorted(targets)
    assert all("VersionId" not in d for d in resp["Deleted"])
    assert "Errors" not in resp
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["keep"]
    for k in keys[:-1]:
        assert error_of(s3.head_object, Bucket=bucket, Key=k)["Error"]["Code"] == "404"


def test_delete_objects_quiet(s3, bucket):
    _put(s3, bucket, ["q1", "q2"])
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "q1"}, {"Key": "q2"}], "Quiet": True})
    assert status(resp) == 200
    assert "Deleted" not in resp
    assert "Errors" not in resp
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_delete_objects_quiet_false_explicit(s3, bucket):
    _put(s3, bucket, ["q1"])
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "q1"}], "Quiet": False})
    assert [d["Key"] for d in resp["Deleted"]] == ["q1"]


def test_delete_objects_version_id_null(s3, bucket):
    _put(s3, bucket, ["v1", "v2"])
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "v1", "VersionId": "null"},
                                                                {"Key": "v2"}]})
    by_key = {d["Key"]: d for d in resp["Deleted"]}
    assert by_key["v1"]["VersionId"] == "null"
    assert "VersionId" not in by_key["v2"]
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_delete_objects_1000_keys_is_the_limit(s3, bucket):
    _put(s3, bucket, ["k0", "k999"])
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": f"k{i}"} for i in range(1000)],
                                                    "Quiet": True})
    assert status(resp) == 200
    assert "Errors" not in resp
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_delete_objects_more_than_1000_keys_is_malformed_xml(s3, bucket):
    _put(s3, bucket, ["k0"])
    err = error_of(s3.delete_objects, Bucket=bucket,
                   Delete={"Objects": [{"Key": f"k{i}"} for i in range(1001)]})
    assert err["Error"]["Code"] == "MalformedXML"
    assert status(err) == 400
    # nothing was deleted
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k0"]


def test_delete_objects_missing_bucket(s3):
    missing = f"b-{uuid.uuid4().hex[:20]}"
    err = error_of(s3.delete_objects, Bucket=missing, Delete={"Objects": [{"Key": "k"}]})
    assert err["Error"]["Code"] == "NoSuchBucket"
    assert err["Error"]["BucketName"] == missing
    assert status(err) == 404

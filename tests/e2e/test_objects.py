"""boto3 (default configuration) against a live server: single objects.

PutObject / GetObject / HeadObject / DeleteObject round trips, content headers and user metadata,
awkward keys, single-range GETs, conditional GET/HEAD/PUT, response-* overrides and the errors.
"""

from __future__ import annotations

import gzip
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from support import error_of, md5_etag, status

DATA = b"0123456789abcdefghij"          # 20 bytes
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def headers(resp: dict) -> dict:
    return resp["ResponseMetadata"]["HTTPHeaders"]


@pytest.fixture
def obj(s3, bucket) -> dict:
    """A 20-byte object: its bucket, key and the HeadObject response."""
    s3.put_object(Bucket=bucket, Key="obj", Body=DATA)
    return {"Bucket": bucket, "Key": "obj", "head": s3.head_object(Bucket=bucket, Key="obj")}


# ---------------------------------------------------------------- round trips

@pytest.mark.parametrize("size", [1, 1000, 256 * 1024 + 3, 3 * 1024 * 1024 + 17])
def test_put_get_head_round_trip_exact_bytes(s3, bucket, size):
    data = (uuid.uuid4().bytes * (size // 16 + 1))[:size]
    put = s3.put_object(Bucket=bucket, Key="blob", Body=data)
    assert status(put) == 200
    assert put["ETag"] == md5_etag(data)
    get = s3.get_object(Bucket=bucket, Key="blob")
    assert status(get) == 200
    assert get["Body"].read() == data
    assert get["ETag"] == md5_etag(data)
    assert get["ContentLength"] == size
    assert get["AcceptRanges"] == "bytes"
    head = s3.head_object(Bucket=bucket, Key="blob")
    assert status(head) == 200
    assert head["ContentLength"] == size
    assert head["ETag"] == md5_etag(data)
    assert head["LastModified"] == get["LastModified"]
    assert isinstance(head["LastModified"], datetime)


def test_overwrite_replaces_bytes_and_metadata(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"first", ContentType="text/plain", Metadata={"a": "1"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"second")
    get = s3.get_object(Bucket=bucket, Key="k")
    assert get["Body"].read() == b"second"
    assert get["ETag"] == md5_etag(b"second")
    assert get["ContentType"] == "binary/octet-stream"
    assert get["Metadata"] == {}


def test_empty_object(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    assert put["ETag"] == f'"{EMPTY_MD5}"'
    get = s3.get_object(Bucket=bucket, Key="empty")
    assert get["Body"].read() == b""
    assert get["ContentLength"] == 0
    assert get["ETag"] == f'"{EMPTY_MD5}"'
    assert s3.head_object(Bucket=bucket, Key="empty")["ContentLength"] == 0


def test_default_content_type(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert s3.head_object(Bucket=bucket, Key="k")["ContentType"] == "binary/octet-stream"
    assert s3.get_object(Bucket=bucket, Key="k")["ContentType"] == "binary/octet-stream"


def test_content_headers_and_user_metadata_are_stored_and_returned(s3, bucket):
    expires = datetime(2031, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    s3.put_object(
        Bucket=bucket, Key="doc.txt", Body=b"hello",
        ContentType="text/plain; charset=utf-8",
        ContentDisposition='attachment; filename="doc.txt"',
        ContentEncoding="identity",
        ContentLanguage="de-DE",
        CacheControl="max-age=3600, public",
        Expires=expires,
        Metadata={"color": "blue", "Mixed-Case": "Value With Spaces"},
    )
    for resp in (s3.get_object(Bucket=bucket, Key="doc.txt"), s3.head_object(Bucket=bucket, Key="doc.txt")):
        assert resp["ContentType"] == "text/plain; charset=utf-8"
        assert resp["ContentDisposition"] == 'attachment; filename="doc.txt"'
        assert resp["ContentEncoding"] == "identity"
        assert resp["ContentLanguage"] == "de-DE"
        assert resp["CacheControl"] == "max-age=3600, public"
        assert resp["ExpiresString"] == "Tue, 06 May 2031 07:08:09 GMT"
        # user metadata names come back lower-cased, values untouched
        assert resp["Metadata"] == {"color": "blue", "mixed-case": "Value With Spaces"}
        assert headers(resp)["x-amz-meta-color"] == "blue"


def test_gzip_content_encoding_body_is_stored_as_sent(s3, bucket):
    """S3 never decodes a Content-Encoding: the stored object is the compressed bytes."""
    for key, body in (("real.gz", gzip.compress(b"hello " * 1000)), ("fake.gz", b"\x1f\x8bnot-gzip")):
        put = s3.put_object(Bucket=bucket, Key=key, Body=body, ContentEncoding="gzip")
        assert put["ETag"] == md5_etag(body)
        get = s3.get_object(Bucket=bucket, Key=key)
        assert get["ContentEncoding"] == "gzip"
        assert get["ContentLength"] == len(body)
        assert get["Body"].read() == body


# ---------------------------------------------------------------- awkward keys

@pytest.mark.parametrize("key", [
    "with space.txt",
    "a+b+c",
    "100%25 and 100% done",
    "ünïcödé/日本語/😀.txt",
    "double//slash",
    "//leading-slashes",
    "folder/",
    "?query=like&x#frag",
    "~tilde'quote\"!*()",
    "a\tb",
])
def test_awkward_keys_round_trip(s3, bucket, key):
    body = key.encode() + b"-body"
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(body)
    listed = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == [key]
    assert status(s3.delete_object(Bucket=bucket, Key=key)) == 204
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_keys_differing_only_in_encoding_are_distinct(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a b", Body=b"space")
    s3.put_object(Bucket=bucket, Key="a+b", Body=b"plus")
    s3.put_object(Bucket=bucket, Key="a%20b", Body=b"percent")
    assert s3.get_object(Bucket=bucket, Key="a b")["Body"].read() == b"space"
    assert s3.get_object(Bucket=bucket, Key="a+b")["Body"].read() == b"plus"
    assert s3.get_object(Bucket=bucket, Key="a%20b")["Body"].read() == b"percent"


def test_key_of_1024_bytes_ok_1025_too_long(s3, bucket):
    ok = "k" * 1024
    s3.put_object(Bucket=bucket, Key=ok, Body=b"x")
    assert s3.get_object(Bucket=bucket, Key=ok)["Body"].read() == b"x"
    err = error_of(s3.put_object, Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert err["Error"]["Code"] == "KeyTooLongError"
    assert err["Error"]["Message"] == "Your key is too long"
    assert status(err) == 400
    # multi-byte: 342 three-byte characters = 1026 bytes
    err = error_of(s3.put_object, Bucket=bucket, Key="日" * 342, Body=b"x")
    assert err["Error"]["Code"] == "KeyTooLongError"


# ---------------------------------------------------------------- missing things

def test_get_missing_key(s3, bucket):
    err = error_of(s3.get_object, Bucket=bucket, Key="nope/missing key")
    assert err["Error"]["Code"] == "NoSuchKey"
    assert err["Error"]["Message"] == "The specified key does not exist."
    assert err["Error"]["Key"] == "nope/missing key"
    assert status(err) == 404


def test_head_missing_key_is_404_without_body(s3, bucket):
    err = error_of(s3.head_object, Bucket=bucket, Key="missing")
    assert err["Error"]["Code"] == "404"
    assert status(err) == 404


@pytest.mark.parametrize("op", ["get_object", "head_object", "put_object", "delete_object"])
def test_object_operations_on_missing_bucket(s3, op):
    name = f"b-{uuid.uuid4().hex[:20]}"
    kwargs = {"Bucket": name, "Key": "k"}
    if op == "put_object":
        kwargs["Body"] = b"x"
    err = error_of(getattr(s3, op), **kwargs)
    assert status(err) == 404
    if op == "head_object":
        assert err["Error"]["Code"] == "404"
    else:
        assert err["Error"]["Code"] == "NoSuchBucket"
        assert err["Error"]["BucketName"] == name


def test_delete_object_then_gone_and_delete_missing_is_204(s3, obj):
    resp = s3.delete_object(Bucket=obj["Bucket"], Key=obj["Key"])
    assert status(resp) == 204
    assert error_of(s3.get_object, Bucket=obj["Bucket"], Key=obj["Key"])["Error"]["Code"] == "NoSuchKey"
    assert status(s3.delete_object(Bucket=obj["Bucket"], Key=obj["Key"])) == 204
    assert status(s3.delete_object(Bucket=obj["Bucket"], Key="never-existed")) == 204


# ---------------------------------------------------------------- versionId=null

def test_version_id_null_on_unversioned_bucket(s3, obj):
    get = s3.get_object(Bucket=obj["Bucket"], Key=obj["Key"], VersionId="null")
    assert get["Body"].read() == DATA
    head = s3.head_object(Bucket=obj["Bucket"], Key=obj["Key"], VersionId="null")
    assert head["ContentLength"] == len(DATA)
    resp = s3.delete_object(Bucket=obj["Bucket"], Key=obj["Key"], VersionId="null")
    assert status(resp) == 204
    err = error_of(s3.get_object, Bucket=obj["Bucket"], Key=obj["Key"])
    assert err["Error"]["Code"] == "NoSuchKey"


def test_invalid_version_id(s3, obj):
    err = error_of(s3.get_object, Bucket=obj["Bucket"], Key=obj["Key"], VersionId="not-a-version")
    assert err["Error"]["Code"] == "InvalidArgument"
    assert err["Error"]["Message"] == "Invalid version id specified"
    assert status(err) == 400


# ---------------------------------------------------------------- ranges

@pytest.mark.parametrize("rng,body,content_range", [
    ("bytes=0-4", DATA[0:5], "bytes 0-4/20"),
    ("bytes=5-9", DATA[5:10], "bytes 5-9/20"),
    ("bytes=19-19", DATA[19:], "bytes 19-19/20"),
    ("bytes=-5", DATA[-5:], "bytes 15-19/20"),        # suffix
    ("bytes=5-", DATA[5:], "bytes 5-19/20"),          # open
    ("bytes=15-1000", DATA[15:], "bytes 15-19/20"),   # past the end: clamped
    ("bytes=-100", DATA, "bytes 0-19/20"),            # suffix longer than the object
    ("bytes=0-", DATA, "bytes 0-19/20"),
])
def test_single_range_get(s3, obj, rng, body, content_range):
    get = s3.get_object(Bucket=obj["Bucket"], Key=obj["Key"], Range=rng)
    assert status(get) == 206
    assert get["Body"].read() == body
    assert get["ContentRange"] == content_range
    assert get["ContentLength"] == len(body)
    assert get["ETag"] == md5_etag(DATA)
    head = s3.head_object(Bucket=obj["Bucket"], Key=obj["Key"], Range=rng)
    assert status(head) == 206
    assert head["ContentLength"] == len(body)
    assert head["ContentRange"] == content_range


@pytest.mark.parametrize("rng", ["bytes=20-", "bytes=20-30", "bytes=100-200"])
def test_range_starting_beyond_size_is_416(s3, obj, rng):
    err = error_of(s3.get_object, Bucket=obj["Bucket"], Key=obj["Key"], Range=rng)
    assert err["Error"]["Code"] == "InvalidRange"
    assert err["Error"]["Message"] == "The requested range is not satisfiable"
    assert err["Error"]["RangeRequested"] == rng
    assert err["Error"]["ActualObjectSize"] == "20"
    assert status(err) == 416


def test_unparsable_range_is_ignored(s3, obj):
    get = s3.get_object(Bucket=obj["Bucket"], Key=obj["Key"], Range="bytes=9-3")
    assert status(get) == 200
    assert get["Body"].read() == DATA
    assert "ContentRange" not in get


def test_part_number_1_on_single_part_object(s3, obj):
    get = s3.get_object(Bucket=obj["Bucket"], Key=obj["Key"], PartNumber=1)
    assert status(get) == 206
    assert get["Body"].read() == DATA
    assert get["ContentRange"] == "bytes 0-19/20"
    assert get["ContentLength"] == 20
    assert "PartsCount" not in get
    head = s3.head_object(Bucket=obj["Bucket"], Key=obj["Key"], PartNumber=1)
    assert status(head) == 206
    assert head["ContentLength"] == 20
    assert head["ContentRange"] == "bytes 0-19/20"


# ---------------------------------------------------------------- conditional GET / HEAD

def _dates(obj):
    modified = obj["head"]["LastModified"]
    return modified, modified - timedelta(days=1), modified + timedelta(days=1)


def test_if_match(s3, obj):
    etag = obj["head"]["ETag"]
    b, k = obj["Bucket"], obj["Key"]
    assert s3.get_object(Bucket=b, Key=k, IfMatch=etag)["Body"].read() == DATA
    assert status(s3.head_object(Bucket=b, Key=k, IfMatch=etag)) == 200
    err = error_of(s3.get_object, Bucket=b, Key=k, IfMatch='"0000"')
    assert err["Error"]["Code"] == "PreconditionFailed"
    assert err["Error"]["Condition"] == "If-Match"
    assert status(err) == 412
    err = error_of(s3.head_object, Bucket=b, Key=k, IfMatch='"0000"')
    assert err["Error"]["Code"] == "412"
    assert status(err) == 412


def test_if_none_match(s3, obj):
    etag = obj["head"]["ETag"]
    b, k = obj["Bucket"], obj["Key"]
    assert s3.get_object(Bucket=b, Key=k, IfNoneMatch='"0000"')["Body"].read() == DATA
    for fn in (s3.get_object, s3.head_object):
        err = error_of(fn, Bucket=b, Key=k, IfNoneMatch=etag)
        assert err["Error"]["Code"] == "304"
        assert status(err) == 304
        assert err["ResponseMetadata"]["HTTPHeaders"]["etag"] == etag
    err = error_of(s3.get_object, Bucket=b, Key=k, IfNoneMatch=etag.strip('"'))
    assert status(err) == 304


def test_if_modified_since(s3, obj):
    modified, before, _ = _dates(obj)
    b, k = obj["Bucket"], obj["Key"]
    assert s3.get_object(Bucket=b, Key=k, IfModifiedSince=before)["Body"].read() == DATA
    for fn in (s3.get_object, s3.head_object):
        err = error_of(fn, Bucket=b, Key=k, IfModifiedSince=modified)
        assert err["Error"]["Code"] == "304"
        assert status(err) == 304


def test_if_unmodified_since(s3, obj):
    modified, before, after = _dates(obj)
    b, k = obj["Bucket"], obj["Key"]
    assert status(s3.get_object(Bucket=b, Key=k, IfUnmodifiedSince=modified)) == 200
    assert status(s3.head_object(Bucket=b, Key=k, IfUnmodifiedSince=after)) == 200
    err = error_of(s3.get_object, Bucket=b, Key=k, IfUnmodifiedSince=before)
    assert err["Error"]["Code"] == "PreconditionFailed"
    assert err["Error"]["Condition"] == "If-Unmodified-Since"
    assert status(err) == 412
    assert error_of(s3.head_object, Bucket=b, Key=k, IfUnmodifiedSince=before)["Error"]["Code"] == "412"


def test_condition_precedence(s3, obj):
    """S3 (GetObject docs): If-Match true + If-Unmodified-Since false -> 200;
    If-None-Match false + If-Modified-Since true -> 304."""
    etag = obj["head"]["ETag"]
    _, before, _ = _dates(obj)
    b, k = obj["Bucket"], obj["Key"]
    assert status(s3.get_object(Bucket=b, Key=k, IfMatch=etag, IfUnmodifiedSince=before)) == 200
    err = error_of(s3.get_object, Bucket=b, Key=k, IfNoneMatch=etag, IfModifiedSince=before)
    assert status(err) == 304
    # a failing If-Match wins over a 304
    err = error_of(s3.get_object, Bucket=b, Key=k, IfMatch='"0000"', IfNoneMatch=etag)
    assert status(err) == 412


def test_conditional_get_on_missing_key_is_404(s3, bucket):
    err = error_of(s3.get_object, Bucket=bucket, Key="missing", IfMatch='"x"')
    assert err["Error"]["Code"] == "NoSuchKey"


# ---------------------------------------------------------------- conditional PUT

def test_put_if_none_match_star(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="once", Body=b"first", IfNoneMatch="*")
    assert status(put) == 200
    err = error_of(s3.put_object, Bucket=bucket, Key="once", Body=b"second", IfNoneMatch="*")
    assert err["Error"]["Code"] == "PreconditionFailed"
    assert err["Error"]["Message"] == "At least one of the pre-conditions you specified did not hold"
    assert status(err) == 412
    assert s3.get_object(Bucket=bucket, Key="once")["Body"].read() == b"first"


def test_put_if_match(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["ETag"]
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"v2", IfMatch=etag)
    assert status(put) == 200
    assert put["ETag"] == md5_etag(b"v2")
    err = error_of(s3.put_object, Bucket=bucket, Key="k", Body=b"v3", IfMatch=etag)  # stale etag
    assert err["Error"]["Code"] == "PreconditionFailed"
    assert status(err) == 412
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v2"
    err = error_of(s3.put_object, Bucket=bucket, Key="absent", Body=b"x", IfMatch=etag)
    assert err["Error"]["Code"] == "NoSuchKey"
    assert status(err) == 404
    assert error_of(s3.head_object, Bucket=bucket, Key="absent")["Error"]["Code"] == "404"


# ---------------------------------------------------------------- response-* overrides

def test_response_header_overrides(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"data", ContentType="text/plain",
                  CacheControl="no-cache", ContentLanguage="en")
    get = s3.get_object(
        Bucket=bucket, Key="k",
        ResponseContentType="application/json",
        ResponseContentDisposition='attachment; filename="x.json"',
        ResponseContentEncoding="identity",
        ResponseContentLanguage="fr",
        ResponseCacheControl="max-age=60",
        ResponseExpires=datetime(2032, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
    )
    assert get["Body"].read() == b"data"
    assert get["ContentType"] == "application/json"
    assert get["ContentDisposition"] == 'attachment; filename="x.json"'
    assert get["ContentEncoding"] == "identity"
    assert get["ContentLanguage"] == "fr"
    assert get["CacheControl"] == "max-age=60"
    assert get["ExpiresString"] == "Fri, 02 Jan 2032 03:04:05 GMT"
    # the stored headers are unchanged
    head = s3.head_object(Bucket=bucket, Key="k")
    assert head["ContentType"] == "text/plain"
    assert head["CacheControl"] == "no-cache"
    assert head["ContentLanguage"] == "en"

"""boto3 (default configuration) against a live server: listing keys and emptying buckets.

ListObjects, ListObjectsV2 (prefix, delimiter, pagination, max-keys, encoding-type=url, fetch-owner),
paginators, ListObjectVersions on an unversioned bucket, and the usual "empty the bucket" recipes.
"""

from __future__ import annotations

import hashlib
from urllib.parse import unquote_plus

import boto3
import pytest

from support import error_of, status

# 25 keys; several share prefixes, some are multi-byte (UTF-8 order differs from UTF-16 order
# only through surrogates, so the emoji and U+FF61 pair checks it).
KEYS = [f"k{i:02d}" for i in range(15)] + [
    "A-upper", "a-lower", "a b space", "a+plus", "é-accent", "z-last", "~tilde",
    "\uff61-halfwidth", "\U0001f600-emoji", "中文/键",
]
UTF8_ORDER = sorted(KEYS, key=lambda k: k.encode("utf-8"))
TREE = ["photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg", "photos/top.jpg",
        "readme.txt", "videos/v.mp4"]


def fill(s3, bucket: str, keys) -> None:
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())


@pytest.fixture
def many(s3, bucket) -> str:
    fill(s3, bucket, KEYS)
    return bucket


@pytest.fixture
def tree(s3, bucket) -> str:
    fill(s3, bucket, TREE)
    return bucket


@pytest.fixture
def resource(endpoint):
    return boto3.resource("s3", endpoint_url=endpoint, aws_access_key_id="test",
                          aws_secret_access_key="test", region_name="us-east-1")


def raw_bodies(s3) -> list[bytes]:
    """Collect the raw XML of every response the client receives."""
    seen: list[bytes] = []
    s3.meta.events.register("after-call.s3", lambda http_response, **kw: seen.append(http_response.content))
    return seen


# ---------------------------------------------------------------- basics

def test_v2_lists_all_keys_in_utf8_order_with_fields(s3, many):
    resp = s3.list_objects_v2(Bucket=many)
    assert status(resp) == 200
    assert [o["Key"] for o in resp["Contents"]] == UTF8_ORDER
    assert resp["KeyCount"] == 25
    assert resp["MaxKeys"] == 1000
    assert resp["IsTruncated"] is False
    assert resp["Name"] == many
    assert resp["Prefix"] == ""
    assert "NextContinuationToken" not in resp
    first = resp["Contents"][0]
    assert first["ETag"] == f'"{hashlib.md5(first["Key"].encode()).hexdigest()}"'
    assert first["Size"] == len(first["Key"].encode())
    assert first["StorageClass"] == "STANDARD"
    assert "Owner" not in first


def test_v1_lists_all_keys_with_owner(s3, many):
    resp = s3.list_objects(Bucket=many)
    assert status(resp) == 200
    assert [o["Key"] for o in resp["Contents"]] == UTF8_ORDER
    assert resp["IsTruncated"] is False
    assert resp["Marker"] == ""
    assert "NextMarker" not in resp
    assert all(o["Owner"]["ID"] for o in resp["Contents"])


def test_empty_bucket_listing(s3, bucket):
    v2 = s3.list_objects_v2(Bucket=bucket)
    assert v2["KeyCount"] == 0
    assert "Contents" not in v2
    assert v2["IsTruncated"] is False
    v1 = s3.list_objects(Bucket=bucket)
    assert "Contents" not in v1


def test_fetch_owner(s3, many):
    resp = s3.list_objects_v2(Bucket=many, FetchOwner=True, MaxKeys=3)
    owners = [o["Owner"] for o in resp["Contents"]]
    assert len(owners) == 3
    assert all(o["ID"] for o in owners)
    assert owners[0]["ID"] == s3.list_buckets()["Owner"]["ID"]
    assert all("Owner" not in o for o in s3.list_objects_v2(Bucket=many, MaxKeys=3)["Contents"])
    assert [o["Owner"]["ID"] for o in s3.list_objects(Bucket=many, MaxKeys=3)["Contents"]] == \
        [o["ID"] for o in owners]


def test_listing_missing_bucket(s3):
    for fn in (s3.list_objects, s3.list_objects_v2, s3.list_object_versions):
        err = error_of(fn, Bucket="b-missing-listing-bucket")
        assert err["Error"]["Code"] == "NoSuchBucket"
        assert err["Error"]["BucketName"] == "b-missing-listing-bucket"
        assert status(err) == 404


# ---------------------------------------------------------------- prefix / delimiter

def test_prefix(s3, tree):
    resp = s3.list_objects_v2(Bucket=tree, Prefix="photos/2024/")
    assert [o["Key"] for o in resp["Contents"]] == ["photos/2024/a.jpg", "photos/2024/b.jpg"]
    assert resp["Prefix"] == "photos/2024/"
    assert resp["KeyCount"] == 2
    assert "Contents" not in s3.list_objects_v2(Bucket=tree, Prefix="nothing-here")


def test_delimiter_at_top_level(s3, tree):
    for resp in (s3.list_objects_v2(Bucket=tree, Delimiter="/"), s3.list_objects(Bucket=tree, Delimiter="/")):
        assert [o["Key"] for o in resp["Contents"]] == ["readme.txt"]
        assert resp["CommonPrefixes"] == [{"Prefix": "photos/"}, {"Prefix": "videos/"}]
        assert resp["Delimiter"] == "/"
    assert s3.list_objects_v2(Bucket=tree, Delimiter="/")["KeyCount"] == 3


def test_prefix_and_delimiter(s3, tree):
    resp = s3.list_objects_v2(Bucket=tree, Prefix="photos/", Delimiter="/")
    assert [o["Key"] for o in resp["Contents"]] == ["photos/top.jpg"]
    assert resp["CommonPrefixes"] == [{"Prefix": "photos/2024/"}, {"Prefix": "photos/2025/"}]
    assert resp["KeyCount"] == 3


def test_multi_character_delimiter(s3, bucket):
    fill(s3, bucket, ["a::b::c", "a::d", "e"])
    resp = s3.list_objects_v2(Bucket=bucket, Delimiter="::")
    assert [o["Key"] for o in resp["Contents"]] == ["e"]
    assert resp["CommonPrefixes"] == [{"Prefix": "a::"}]


def test_delimiter_pagination_counts_prefixes(s3, tree):
    """Each common prefix counts as one against max-keys and appears exactly once."""
    seen_keys, seen_prefixes, marker = [], [], ""
    for _ in range(10):
        resp = s3.list_objects(Bucket=tree, Delimiter="/", MaxKeys=1, Marker=marker)
        seen_keys += [o["Key"] for o in resp.get("Contents", [])]
        seen_prefixes += [p["Prefix"] for p in resp.get("CommonPrefixes", [])]
        assert len(resp.get("Contents", [])) + len(resp.get("CommonPrefixes", [])) <= 1
        if not resp["IsTruncated"]:
            break
        marker = resp["NextMarker"]
    else:
        pytest.fail("listing did not end")
    assert seen_keys == ["readme.txt"]
    assert seen_prefixes == ["photos/", "videos/"]


def test_delimiter_pagination_v2(s3, tree):
    seen, token = [], None
    for _ in range(10):
        kwargs = {"ContinuationToken": token} if token else {}
        resp = s3.list_objects_v2(Bucket=tree, Delimiter="/", Prefix="photos/", MaxKeys=2, **kwargs)
        seen += [o["Key"] for o in resp.get("Contents", [])]
        seen += [p["Prefix"] for p in resp.get("CommonPrefixes", [])]
        assert resp["KeyCount"] <= 2
        if not resp["IsTruncated"]:
            break
        token = resp["NextContinuationToken"]
    else:
        pytest.fail("listing did not end")
    assert sorted(seen) == ["photos/2024/", "photos/2025/", "photos/top.jpg"]


# ---------------------------------------------------------------- pagination

def test_v1_marker_pagination(s3, many):
    seen, marker = [], ""
    for _ in range(10):
        resp = s3.list_objects(Bucket=many, MaxKeys=7, Marker=marker)
        page = [o["Key"] for o in resp.get("Contents", [])]
        assert resp["MaxKeys"] == 7
        assert resp["Marker"] == marker
        assert len(page) <= 7
        seen += page
        if not resp["IsTruncated"]:
            break
        assert "NextMarker" not in resp          # only returned with a delimiter
        marker = page[-1]
    else:
        pytest.fail("listing did not end")
    assert seen == UTF8_ORDER


def test_v2_continuation_token_pagination(s3, many):
    seen, token, pages = [], None, 0
    for _ in range(10):
        kwargs = {"ContinuationToken": token} if token else {}
        resp = s3.list_objects_v2(Bucket=many, MaxKeys=7, **kwargs)
        pages += 1
        page = [o["Key"] for o in resp.get("Contents", [])]
        assert resp["KeyCount"] == len(page)
        if token:
            assert resp["ContinuationToken"] == token
        seen += page
        if not resp["IsTruncated"]:
            assert "NextContinuationToken" not in resp
            break
        token = resp["NextContinuationToken"]
    else:
        pytest.fail("listing did not end")
    assert pages == 4
    assert seen == UTF8_ORDER


def test_v2_start_after(s3, many):
    pivot = UTF8_ORDER[10]
    resp = s3.list_objects_v2(Bucket=many, StartAfter=pivot)
    assert [o["Key"] for o in resp["Contents"]] == UTF8_ORDER[11:]
    assert resp["StartAfter"] == pivot
    # a start-after that is not a key
    resp = s3.list_objects_v2(Bucket=many, StartAfter="k05x")
    assert [o["Key"] for o in resp["Contents"]] == [k for k in UTF8_ORDER if k.encode() > b"k05x"]
    assert "Contents" not in s3.list_objects_v2(Bucket=many, StartAfter=UTF8_ORDER[-1])


def test_paginators_yield_every_key_once(s3, many):
    for op, cfg in (("list_objects_v2", {"PageSize": 7}), ("list_objects", {"PageSize": 7})):
        pages = list(s3.get_paginator(op).paginate(Bucket=many, PaginationConfig=cfg))
        keys = [o["Key"] for p in pages for o in p.get("Contents", [])]
        assert keys == UTF8_ORDER, op
        assert len(pages) == 4, op


def test_paginator_with_start_after_and_prefix(s3, many):
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=many, Prefix="k", StartAfter="k03", PaginationConfig={"PageSize": 4})
    keys = [o["Key"] for p in pages for o in p.get("Contents", [])]
    assert keys == [f"k{i:02d}" for i in range(4, 15)]


def test_max_keys_zero(s3, many):
    v2 = s3.list_objects_v2(Bucket=many, MaxKeys=0)
    assert status(v2) == 200
    assert v2["KeyCount"] == 0
    assert v2["MaxKeys"] == 0
    assert "Contents" not in v2
    assert v2["IsTruncated"] is False
    assert "NextContinuationToken" not in v2
    v1 = s3.list_objects(Bucket=many, MaxKeys=0)
    assert "Contents" not in v1
    assert v1["IsTruncated"] is False


def test_max_keys_above_1000_is_capped(s3, many):
    resp = s3.list_objects_v2(Bucket=many, MaxKeys=5000)
    assert resp["KeyCount"] == 25
    assert resp["IsTruncated"] is False


# ---------------------------------------------------------------- encoding-type=url

ENCODED_KEYS = ["dir one/a b.txt", "dir one/c+d.txt", "plus+dir/x", "ünï/ß.txt", "ünï/日本.txt",
                "pct%20literal", "amp&lt;"]


def test_boto3_lists_with_encoding_type_url_and_decodes_keys(s3, bucket):
    """boto3 asks for encoding-type=url on every listing and decodes the answer: keys with
    spaces, '+', '%' and non-ASCII characters come back exactly as stored."""
    fill(s3, bucket, ENCODED_KEYS)
    raw = raw_bodies(s3)
    expected = sorted(ENCODED_KEYS, key=str.encode)
    resp = s3.list_objects_v2(Bucket=bucket, StartAfter="amp&lt;")
    assert [o["Key"] for o in resp["Contents"]] == expected[1:]
    assert resp["StartAfter"] == "amp&lt;"
    body = raw[-1].decode()
    assert "<EncodingType>url</EncodingType>" in body
    assert "<Key>dir+one/c%2Bd.txt</Key>" in body  # S3 encodes a space as +
    assert "ünï" not in body and "dir one" not in body
    assert [o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"]] == expected
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [v["Key"] for v in versions] == expected


def test_boto3_decodes_prefixes_and_markers(s3, bucket):
    fill(s3, bucket, ENCODED_KEYS)
    resp = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in resp["CommonPrefixes"]] == ["dir one/", "plus+dir/", "ünï/"]
    assert [o["Key"] for o in resp["Contents"]] == ["amp&lt;", "pct%20literal"]
    resp = s3.list_objects_v2(Bucket=bucket, Prefix="ünï/")
    assert [o["Key"] for o in resp["Contents"]] == ["ünï/ß.txt", "ünï/日本.txt"]
    assert resp["Prefix"] == "ünï/"
    resp = s3.list_objects(Bucket=bucket, Marker="dir one/a b.txt", Delimiter="/", MaxKeys=2)
    assert resp["Marker"] == "dir one/a b.txt"
    assert [o["Key"] for o in resp["Contents"]] == ["pct%20literal"]
    assert [p["Prefix"] for p in resp["CommonPrefixes"]] == ["plus+dir/"]
    assert resp["IsTruncated"] is True
    assert resp["NextMarker"] == "plus+dir/"


def test_listing_without_encoding_type_escapes_keys_for_xml(s3, bucket):
    """A client that does not ask for encoding-type=url (boto3 always does; this one is told not
    to) gets each key as stored, escaped where XML needs it, whether or not others on the page
    need it, with and without owners."""
    from botocore.handlers import set_list_objects_encoding_type_url
    for op in ("ListObjects", "ListObjectsV2", "ListObjectVersions"):
        s3.meta.events.unregister(f"before-parameter-build.s3.{op}", set_list_objects_encoding_type_url)
    keys = ["a&b", "dir one/x", "plain/one", "x<y>z", "ünï"]
    fill(s3, bucket, keys)
    raw = raw_bodies(s3)
    expected = sorted(keys, key=str.encode)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == expected
    body = raw[-1].decode()
    assert "<EncodingType>" not in body
    assert "<Key>a&amp;b</Key>" in body and "<Key>x&lt;y&gt;z</Key>" in body
    assert "<Key>dir one/x</Key>" in body and "<Key>ünï</Key>" in body
    owned = s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"]
    assert [(o["Key"], o["Owner"]["ID"]) for o in owned] == [
        (k, owned[0]["Owner"]["ID"]) for k in expected]
    assert [o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"]] == expected
    assert [v["Key"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]] == expected
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="plain/")["Contents"]] == [
        "plain/one"]
    assert "<Key>plain/one</Key>" in raw[-1].decode()


def test_explicit_encoding_type_url_returns_encoded_values(s3, bucket):
    """Asked for explicitly, boto3 leaves the values as the server encoded them."""
    fill(s3, bucket, ENCODED_KEYS)
    resp = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Delimiter="/", Prefix="")
    assert resp["EncodingType"] == "url"
    keys = [o["Key"] for o in resp["Contents"]]
    prefixes = [p["Prefix"] for p in resp["CommonPrefixes"]]
    assert [unquote_plus(k) for k in keys] == ["amp&lt;", "pct%20literal"]
    assert keys[1] == "pct%2520literal"
    assert [unquote_plus(p) for p in prefixes] == ["dir one/", "plus+dir/", "ünï/"]
    assert prefixes[1] == "plus%2Bdir/"
    assert prefixes[2] == "%C3%BCn%C3%AF/"
    assert prefixes[0] == "dir+one/"


def test_invalid_encoding_type(s3, bucket):
    err = error_of(s3.list_objects_v2, Bucket=bucket, EncodingType="base64")
    assert err["Error"]["Code"] == "InvalidArgument"
    assert status(err) == 400


# ---------------------------------------------------------------- versions

def test_list_object_versions_unversioned(s3, tree):
    resp = s3.list_object_versions(Bucket=tree)
    assert status(resp) == 200
    versions = resp["Versions"]
    assert [v["Key"] for v in versions] == TREE
    assert all(v["VersionId"] == "null" for v in versions)
    assert all(v["IsLatest"] is True for v in versions)
    assert versions[0]["ETag"] == f'"{hashlib.md5(TREE[0].encode()).hexdigest()}"'
    assert versions[0]["Size"] == len(TREE[0])
    assert versions[0]["Owner"]["ID"]
    assert "DeleteMarkers" not in resp
    assert resp["IsTruncated"] is False


def test_list_object_versions_prefix_delimiter(s3, tree):
    resp = s3.list_object_versions(Bucket=tree, Prefix="photos/", Delimiter="/")
    assert [v["Key"] for v in resp["Versions"]] == ["photos/top.jpg"]
    assert resp["CommonPrefixes"] == [{"Prefix": "photos/2024/"}, {"Prefix": "photos/2025/"}]


def test_list_object_versions_pagination(s3, many):
    pages = list(s3.get_paginator("list_object_versions").paginate(
        Bucket=many, PaginationConfig={"PageSize": 7}))
    keys = [v["Key"] for p in pages for v in p.get("Versions", [])]
    assert keys == UTF8_ORDER
    assert len(pages) == 4
    assert pages[0]["IsTruncated"] is True
    assert pages[0]["NextKeyMarker"] == UTF8_ORDER[6]
    assert pages[0]["NextVersionIdMarker"] == "null"


# ---------------------------------------------------------------- emptying a bucket

def test_empty_bucket_recipe_with_versions_and_delete_objects(s3, many):
    """list_object_versions + delete_objects(VersionId=...) in pages, then delete_bucket."""
    for _ in range(10):
        resp = s3.list_object_versions(Bucket=many, MaxKeys=10)
        objects = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                   for v in resp.get("Versions", []) + resp.get("DeleteMarkers", [])]
        if not objects:
            break
        out = s3.delete_objects(Bucket=many, Delete={"Objects": objects})
        assert "Errors" not in out
        assert sorted(d["Key"] for d in out["Deleted"]) == sorted(o["Key"] for o in objects)
        assert all(d["VersionId"] == "null" for d in out["Deleted"])
    else:
        pytest.fail("bucket never became empty")
    assert status(s3.delete_bucket(Bucket=many)) == 204
    assert error_of(s3.head_bucket, Bucket=many)["Error"]["Code"] == "404"


def test_resource_objects_all_delete(s3, resource, many):
    bucket = resource.Bucket(many)
    assert sorted(o.key for o in bucket.objects.all()) == sorted(KEYS)
    result = bucket.objects.all().delete()
    deleted = [d["Key"] for batch in result for d in batch.get("Deleted", [])]
    assert sorted(deleted) == sorted(KEYS)
    assert list(bucket.objects.all()) == []
    bucket.delete()
    assert many not in [b.name for b in resource.buckets.all()]


def test_resource_object_versions_delete(s3, resource, many):
    bucket = resource.Bucket(many)
    versions = list(bucket.object_versions.all())
    assert sorted(v.object_key for v in versions) == sorted(KEYS)
    assert {v.id for v in versions} == {"null"}
    bucket.object_versions.delete()
    assert s3.list_objects_v2(Bucket=many)["KeyCount"] == 0
    bucket.delete()
    assert error_of(s3.head_bucket, Bucket=many)["Error"]["Code"] == "404"

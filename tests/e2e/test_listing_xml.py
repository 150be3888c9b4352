"""The XML of ListObjects, ListObjectsV2 and ListObjectVersions, element by element, against a live
server: which elements S3 sends, in its order, and what encoding-type=url encodes.

Evidence: the bodies S3 sent that versitygw#1985 (V1 under encoding-type=url) records, the
examples on the API reference pages, and brekkylab/backlot's measurements on S3 (2026-09) for
the rest; the encoding of a space as `+` also in bcgov/gwells#1801 and botocore's decoding with
unquote_plus.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

import pytest
from botocore.handlers import set_list_objects_encoding_type_url
from lxml import etree

from support import error_of, status

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
LISTINGS = ("ListObjects", "ListObjectsV2", "ListObjectVersions")


@pytest.fixture
def raw(s3):
    """The client's listings sent as asked (no encoding-type=url added) and each answer's parsed
    XML, newest last."""
    seen: list = []
    for op in LISTINGS:
        s3.meta.events.unregister(f"before-parameter-build.s3.{op}", set_list_objects_encoding_type_url)
        s3.meta.events.register(f"after-call.s3.{op}", lambda http_response, **kw: seen.append(
            etree.fromstring(http_response.content)))
    return seen


def tags(el) -> list[str]:
    """Child element names, a run of Contents/Version/CommonPrefixes counted once."""
    out: list[str] = []
    for c in el:
        name = c.tag.removeprefix(NS)
        if not out or out[-1] != name or name not in ("Contents", "Version", "CommonPrefixes"):
            out.append(name)
    return out


def fill(s3, bucket: str, keys) -> None:
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")


# ---------------------------------------------------------------- element order

def test_v1_elements_in_s3_order(s3, bucket, raw):
    fill(s3, bucket, ["a/1", "a/2", "b", "c"])
    s3.list_objects(Bucket=bucket, Delimiter="/", MaxKeys=2, EncodingType="url")
    assert tags(raw[-1]) == ["Name", "Prefix", "Marker", "NextMarker", "MaxKeys", "Delimiter",
                             "EncodingType", "IsTruncated", "Contents", "CommonPrefixes"]
    s3.list_objects(Bucket=bucket)
    assert tags(raw[-1]) == ["Name", "Prefix", "Marker", "MaxKeys", "IsTruncated", "Contents"]
    # A V1 entry's Owner (its ID alone) sits between Size and StorageClass
    assert tags(raw[-1].find(f"{NS}Contents")) == ["Key", "LastModified", "ETag", "ChecksumAlgorithm",
                                                  "ChecksumType", "Size", "Owner", "StorageClass"]
    assert tags(raw[-1].find(f"{NS}Contents/{NS}Owner")) == ["ID"]


def test_v2_elements_in_s3_order(s3, bucket, raw):
    fill(s3, bucket, ["a/1", "a/2", "b", "c"])
    first = s3.list_objects_v2(Bucket=bucket, Delimiter="/", MaxKeys=1, StartAfter="a",
                               EncodingType="url", FetchOwner=True)
    assert tags(raw[-1]) == ["Name", "Prefix", "StartAfter", "NextContinuationToken", "KeyCount",
                             "MaxKeys", "Delimiter", "EncodingType", "IsTruncated", "CommonPrefixes"]
    s3.list_objects_v2(Bucket=bucket, Delimiter="/", MaxKeys=1, StartAfter="a", FetchOwner=True,
                       ContinuationToken=first["NextContinuationToken"])
    # a continuation token displaces StartAfter in the answer (measured)
    assert tags(raw[-1]) == ["Name", "Prefix", "ContinuationToken", "NextContinuationToken",
                             "KeyCount", "MaxKeys", "Delimiter", "IsTruncated", "Contents"]
    assert tags(raw[-1].find(f"{NS}Contents"))[-3:] == ["Size", "Owner", "StorageClass"]


def test_versions_elements_in_s3_order(s3, bucket, raw):
    fill(s3, bucket, ["a/1", "b", "c"])
    s3.list_object_versions(Bucket=bucket, Delimiter="/", MaxKeys=2)
    assert tags(raw[-1]) == ["Name", "Prefix", "KeyMarker", "VersionIdMarker", "NextKeyMarker",
                             "NextVersionIdMarker", "MaxKeys", "Delimiter", "IsTruncated", "Version",
                             "CommonPrefixes"]
    assert tags(raw[-1].find(f"{NS}Version")) == [
        "Key", "VersionId", "IsLatest", "LastModified", "ETag", "ChecksumAlgorithm", "ChecksumType",
        "Size", "Owner", "StorageClass"]


# ---------------------------------------------------------------- empty delimiter

def test_empty_delimiter_groups_nothing_and_is_not_echoed(s3, bucket, raw):
    """s3-tests test_bucket_list_delimiter_empty / test_bucket_listv2_delimiter_empty."""
    keys = ["bar", "baz/x", "cab"]
    fill(s3, bucket, keys)
    for call in (s3.list_objects, s3.list_objects_v2):
        resp = call(Bucket=bucket, Delimiter="")
        assert "Delimiter" not in resp
        assert [o["Key"] for o in resp["Contents"]] == keys
        assert "CommonPrefixes" not in resp
        assert raw[-1].find(f"{NS}Delimiter") is None


def test_list_object_versions_echoes_an_empty_delimiter(s3, bucket, raw):
    fill(s3, bucket, ["bar", "baz/x"])
    resp = s3.list_object_versions(Bucket=bucket, Delimiter="")
    assert [v["Key"] for v in resp["Versions"]] == ["bar", "baz/x"]
    assert raw[-1].findtext(f"{NS}Delimiter") == ""


# ---------------------------------------------------------------- encoding-type=url

def test_encoding_type_url_encodes_every_key_valued_element(s3, bucket, raw):
    """Prefix (V1's too), Delimiter, Marker, NextMarker, StartAfter, Key, CommonPrefixes/Prefix;
    a space as `+`, `~` as %7E, `*` kept; the continuation tokens as they are."""
    fill(s3, bucket, ["d ir/a~b*c", "d ir/sub dir/x", "d ir/z+", "d ir/zz"])
    v1 = s3.list_objects(Bucket=bucket, EncodingType="url", Prefix="d ir/", Delimiter=" d",
                         Marker="d ir/a", MaxKeys=2)
    assert (v1["Prefix"], v1["Delimiter"], v1["Marker"]) == ("d+ir/", "+d", "d+ir/a")
    assert [o["Key"] for o in v1["Contents"]] == ["d+ir/a%7Eb*c"]
    assert [p["Prefix"] for p in v1["CommonPrefixes"]] == ["d+ir/sub+d"]
    assert v1["NextMarker"] == "d+ir/sub+d"
    v2 = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Prefix="d ir/", StartAfter="d ir/a",
                            MaxKeys=1)
    assert (v2["Prefix"], v2["StartAfter"]) == ("d+ir/", "d+ir/a")
    token = v2["NextContinuationToken"]
    assert raw[-1].findtext(f"{NS}NextContinuationToken") == token
    v2 = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Prefix="d ir/", ContinuationToken=token)
    assert raw[-1].findtext(f"{NS}ContinuationToken") == token
    assert [o["Key"] for o in v2["Contents"]] == ["d+ir/sub+dir/x", "d+ir/z%2B", "d+ir/zz"]
    versions = s3.list_object_versions(Bucket=bucket, EncodingType="url", Prefix="d ir/",
                                       KeyMarker="d ir/a", MaxKeys=1)
    assert (versions["Prefix"], versions["KeyMarker"], versions["NextKeyMarker"]) == (
        "d+ir/", "d+ir/a", "d+ir/a%7Eb*c")


def test_s3_tests_encoding_basic_gets_a_space_as_plus(s3, bucket):
    """s3-tests test_bucket_list_encoding_basic expects `quux%20ab/`; S3 answers `quux+ab/`
    (brekkylab/backlot#178: `run books/x.txt` comes back `run+books/x.txt`). What the suite
    expects otherwise holds."""
    fill(s3, bucket, ["foo+1/bar", "foo/bar/xyzzy", "quux ab/thud", "asdf+b"])
    for call in (s3.list_objects, s3.list_objects_v2):
        resp = call(Bucket=bucket, Delimiter="/", EncodingType="url")
        assert resp["Delimiter"] == "/"
        assert [o["Key"] for o in resp["Contents"]] == ["asdf%2Bb"]
        assert [p["Prefix"] for p in resp["CommonPrefixes"]] == ["foo%2B1/", "foo/", "quux+ab/"]
        assert [unquote_plus(p["Prefix"]) for p in resp["CommonPrefixes"]] == ["foo+1/", "foo/", "quux ab/"]


def test_v1_prefix_is_encoded_too(s3, bucket, raw):
    """s3-tests test_bucket_list_prefix_unreadable expects V1's Prefix back as sent, because
    botocore does not decode V1's Prefix; S3 encodes it (the AWS SDKs for Java decode it:
    aws-sdk-java#611 quotes S3 answering `reports/year%3D2015`), so boto3 shows `%0A`."""
    fill(s3, bucket, ["foo/bar", "quux"])
    s3.meta.events.register_first("before-parameter-build.s3.ListObjects",
                                  set_list_objects_encoding_type_url)
    resp = s3.list_objects(Bucket=bucket, Prefix="\x0a")
    assert raw[-1].findtext(f"{NS}Prefix") == "%0A"
    assert resp["Prefix"] == "%0A" and "Contents" not in resp
    resp = s3.list_objects_v2(Bucket=bucket, Prefix="\x0a", EncodingType="url")
    assert unquote_plus(resp["Prefix"]) == "\x0a"


def test_encoding_type_is_read_without_case(s3, bucket, raw):
    fill(s3, bucket, ["a b"])
    resp = s3.list_objects_v2(Bucket=bucket, EncodingType="URL")
    assert [o["Key"] for o in resp["Contents"]] == ["a+b"]
    assert raw[-1].findtext(f"{NS}EncodingType") == "URL"


# ---------------------------------------------------------------- V2 tokens and fetch-owner

@pytest.mark.parametrize("token", ["", "garbage"])
def test_v2_refuses_a_continuation_token_it_cannot_read(s3, bucket, token):
    """An empty token too, naming the argument without its value (measured on S3)."""
    err = error_of(s3.list_objects_v2, Bucket=bucket, ContinuationToken=token)
    assert status(err) == 400
    assert (err["Error"]["Code"], err["Error"]["Message"], err["Error"]["ArgumentName"]) == (
        "InvalidArgument", "The continuation token provided is incorrect", "continuation-token")
    assert "ArgumentValue" not in err["Error"]


def test_v2_continuation_token_wins_over_start_after(s3, bucket):
    """The page resumes after the token whatever start-after says, and start-after is not echoed:
    LocalStack's test_list_objects_v2_continuation_start_after, recorded on AWS (2026-02). s3-tests
    test_bucket_listv2_both_continuationtoken_startafter expects StartAfter echoed."""
    keys = [f"test_{i}" for i in range(10)]
    fill(s3, bucket, keys)
    first = s3.list_objects_v2(Bucket=bucket, MaxKeys=3)
    token = first["NextContinuationToken"]
    rest = s3.list_objects_v2(Bucket=bucket, StartAfter="test_7", ContinuationToken=token)
    assert [o["Key"] for o in rest["Contents"]] == keys[3:]
    assert rest["ContinuationToken"] == token and "StartAfter" not in rest


def test_fetch_owner_is_exactly_true(s3, bucket):
    """`TRUE` and `True` leave the owner out, without a refusal (measured on S3, 2026-10)."""
    fill(s3, bucket, ["k"])
    assert s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"][0]["Owner"]["ID"]
    sent = []

    def shout(request, **kw):
        request.url = request.url.replace("fetch-owner=true", "fetch-owner=TRUE")
        sent.append(request.url)
    s3.meta.events.register_first("before-sign.s3.ListObjectsV2", shout)
    resp = s3.list_objects_v2(Bucket=bucket, FetchOwner=True)
    assert "fetch-owner=TRUE" in sent[-1]
    assert "Owner" not in resp["Contents"][0]


# ---------------------------------------------------------------- no DisplayName

def test_no_display_name_in_any_owner(s3, bucket):
    """S3 stopped returning DisplayName on 2025-11-21
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Owner.html): ListBuckets, the listings,
    ListMultipartUploads' and ListParts' Owner and Initiator, and the ACLs carry the ID alone."""
    bodies: list[bytes] = []
    s3.meta.events.register("after-call.s3", lambda http_response, **kw: bodies.append(
        http_response.content))
    fill(s3, bucket, ["k"])
    up = s3.create_multipart_upload(Bucket=bucket, Key="u")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="u", UploadId=up, PartNumber=1, Body=b"x")
    me = s3.list_buckets()["Owner"]["ID"]
    owners = [s3.list_objects(Bucket=bucket)["Contents"][0]["Owner"],
              s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"][0]["Owner"],
              s3.list_object_versions(Bucket=bucket)["Versions"][0]["Owner"],
              s3.list_multipart_uploads(Bucket=bucket)["Uploads"][0]["Owner"],
              s3.list_multipart_uploads(Bucket=bucket)["Uploads"][0]["Initiator"],
              s3.list_parts(Bucket=bucket, Key="u", UploadId=up)["Owner"],
              s3.list_parts(Bucket=bucket, Key="u", UploadId=up)["Initiator"],
              s3.get_bucket_acl(Bucket=bucket)["Owner"],
              s3.get_object_acl(Bucket=bucket, Key="k")["Owner"]]
    assert owners == [{"ID": me}] * len(owners)
    assert not [b for b in bodies if b"DisplayName" in b]

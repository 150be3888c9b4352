"""Object and bucket tagging end to end with boto3 (raw HTTP where a header matters): the
tagging subresources, tags given with PutObject, CreateMultipartUpload, PostObject and
CopyObject, x-amz-tagging-count, per-version tags, S3's limits and errors, and a restart.

Evidence: the API references (GetObjectTagging answers an empty TagSet for an untagged object,
S3Mock#3149; GetBucketTagging of an untagged bucket is NoSuchTagSet), S3's messages as quoted in
versity/versitygw#1205 (BadRequest "Object tags cannot be greater than 10"), #1232 (InvalidTag
"The TagKey you have provided is invalid") and open-io/swift3#92 (x-amz-tagging duplicates).
"""

from __future__ import annotations

import boto3
import pytest
import requests
from botocore.config import Config

from support import ACCESS_KEY, SECRET_KEY, error_of, start_server, status


def tagset(pairs: dict[str, str]) -> dict:
    return {"TagSet": [{"Key": k, "Value": v} for k, v in pairs.items()]}


def got_tags(s3, bucket: str, key: str, **kw) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key, **kw)["TagSet"]}


def test_object_tagging_put_get_delete(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    empty = s3.get_object_tagging(Bucket=bucket, Key="k")
    assert status(empty) == 200 and empty["TagSet"] == []
    assert "x-amz-version-id" not in empty["ResponseMetadata"]["HTTPHeaders"]
    assert "x-amz-tagging-count" not in s3.head_object(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPHeaders"]
    r = s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset({"a": "1", "b": "", "ü/=+": "v w"}))
    assert status(r) == 200
    assert got_tags(s3, bucket, "k") == {"a": "1", "b": "", "ü/=+": "v w"}
    assert s3.head_object(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPHeaders"]["x-amz-tagging-count"] == "3"
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["TagCount"] == 3 and got["Body"].read() == b"x"
    assert status(s3.delete_object_tagging(Bucket=bucket, Key="k")) == 204
    assert got_tags(s3, bucket, "k") == {}
    assert "TagCount" not in s3.get_object(Bucket=bucket, Key="k")


def test_x_amz_tagging_tags_come_back_in_key_order(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="foo=bar&bar")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == [
        {"Key": "bar", "Value": ""}, {"Key": "foo", "Value": "bar"}]


def test_object_tagging_of_a_missing_key_is_no_such_key(s3, bucket):
    e = error_of(s3.get_object_tagging, Bucket=bucket, Key="nope")
    assert (status(e), e["Error"]["Code"]) == (404, "NoSuchKey")


def test_empty_tag_set_body_is_an_empty_tagset_element(endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    url = s3.generate_presigned_url("get_object_tagging", Params={"Bucket": bucket, "Key": "k"})
    r = requests.get(url, timeout=30)
    assert r.status_code == 200
    assert b"<TagSet></TagSet>" in r.content or b"<TagSet/>" in r.content


@pytest.mark.parametrize("tags, code, message", [
    ({f"k{i}": "v" for i in range(11)}, "BadRequest", "Object tags cannot be greater than 10"),
    ({"k" * 129: "v"}, "InvalidTag", "The TagKey you have provided is invalid"),
    ({"k": "v" * 257}, "InvalidTag", "The TagValue you have provided is invalid"),
    ({"aws:x": "v"}, "InvalidTag", "Your TagKey cannot be prefixed with aws:"),
])
def test_object_tag_limits(s3, bucket, tags, code, message):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset({"keep": "me"}))
    e = error_of(s3.put_object_tagging, Bucket=bucket, Key="k", Tagging=tagset(tags))
    assert (status(e), e["Error"]["Code"], e["Error"]["Message"]) == (400, code, message)
    assert got_tags(s3, bucket, "k") == {"keep": "me"}


def test_object_tag_limits_at_the_edge_are_taken(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    tags = {f"{i}" + "k" * 127: "é" * 256 for i in range(10)}
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset({k[:128]: v for k, v in tags.items()}))
    assert len(got_tags(s3, bucket, "k")) == 10


def test_duplicate_keys_and_malformed_xml(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    e = error_of(s3.put_object_tagging, Bucket=bucket, Key="k",
                 Tagging={"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]})
    assert (e["Error"]["Code"], e["Error"]["Message"]) == ("InvalidTag", "Cannot provide multiple Tags with the same key")
    url = s3.generate_presigned_url("put_object_tagging", Params={"Bucket": bucket, "Key": "k", "Tagging": tagset({})})
    r = requests.put(url, data=b"<Tagging><TagSet><Tag><Key>a</Key></Tag>", timeout=30)
    assert r.status_code == 400 and b"<Code>MalformedXML</Code>" in r.content


def test_x_amz_tagging_on_put_object_and_header_errors(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="a=1&b=two%20words&c")
    assert got_tags(s3, bucket, "k") == {"a": "1", "b": "two words", "c": ""}
    e = error_of(s3.put_object, Bucket=bucket, Key="d", Body=b"x", Tagging="a=1&a=2")
    assert (status(e), e["Error"]["Code"]) == (400, "InvalidArgument")
    assert "without tag name duplicates" in e["Error"]["Message"]
    e = error_of(s3.put_object, Bucket=bucket, Key="d", Body=b"x", Tagging="&".join(f"k{i}=v" for i in range(11)))
    assert e["Error"]["Code"] == "BadRequest"
    assert error_of(s3.head_object, Bucket=bucket, Key="d")["Error"]["Code"] == "404"


def test_multipart_upload_tags_land_on_the_completed_object(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", Tagging="t=1&u=2")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=b"p")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert got_tags(s3, bucket, "mp") == {"t": "1", "u": "2"}


def test_copy_object_tagging_directive(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", Tagging="a=1")
    s3.copy_object(Bucket=bucket, Key="copied", CopySource={"Bucket": bucket, "Key": "src"})
    assert got_tags(s3, bucket, "copied") == {"a": "1"}
    s3.copy_object(Bucket=bucket, Key="replaced", CopySource={"Bucket": bucket, "Key": "src"},
                   TaggingDirective="REPLACE", Tagging="b=2")
    assert got_tags(s3, bucket, "replaced") == {"b": "2"}
    s3.copy_object(Bucket=bucket, Key="none", CopySource={"Bucket": bucket, "Key": "src"},
                   TaggingDirective="REPLACE")
    assert got_tags(s3, bucket, "none") == {}
    e = error_of(s3.copy_object, Bucket=bucket, Key="bad", CopySource={"Bucket": bucket, "Key": "src"},
                 TaggingDirective="MOVE")
    assert (status(e), e["Error"]["Code"]) == (400, "InvalidArgument")


def test_post_object_tagging_field(endpoint, s3, bucket):
    signer = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY,
                          aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
                          config=Config(signature_version="s3v4"))
    doc = "<Tagging><TagSet><Tag><Key>f</Key><Value>form</Value></Tag></TagSet></Tagging>"
    p = signer.generate_presigned_post(bucket, "posted", Fields={"tagging": doc},
                                       Conditions=[{"tagging": doc}])
    files = [(k, (None, v)) for k, v in p["fields"].items()] + [("file", ("f.txt", b"data"))]
    r = requests.post(p["url"], files=files, timeout=30)
    assert r.status_code == 204, r.text
    assert got_tags(s3, bucket, "posted") == {"f": "form"}


def test_each_version_keeps_its_own_tags(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"1", Tagging="v=1")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"2")["VersionId"]
    r = s3.put_object_tagging(Bucket=bucket, Key="k", VersionId=v1, Tagging=tagset({"v": "one"}))
    assert r["VersionId"] == v1
    assert got_tags(s3, bucket, "k", VersionId=v1) == {"v": "one"}
    current = s3.get_object_tagging(Bucket=bucket, Key="k")
    assert current["TagSet"] == [] and current["VersionId"] == v2
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset({"v": "two"}))
    assert got_tags(s3, bucket, "k", VersionId=v2) == {"v": "two"}
    assert s3.delete_object_tagging(Bucket=bucket, Key="k", VersionId=v1)["VersionId"] == v1
    assert got_tags(s3, bucket, "k", VersionId=v1) == {}
    assert got_tags(s3, bucket, "k") == {"v": "two"}
    assert s3.head_object(Bucket=bucket, Key="k", VersionId=v2)["ResponseMetadata"]["HTTPHeaders"][
        "x-amz-tagging-count"] == "1"


def test_bucket_tagging(s3, bucket):
    e = error_of(s3.get_bucket_tagging, Bucket=bucket)
    assert (status(e), e["Error"]["Code"], e["Error"]["Message"]) == (404, "NoSuchTagSet", "The TagSet does not exist")
    assert e["Error"]["BucketName"] == bucket
    assert status(s3.put_bucket_tagging(Bucket=bucket, Tagging=tagset({"team": "a", "env": "dev"}))) == 204
    # in key order: S3 keeps none (boto/boto3#1171), s3mock's is stable
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "env", "Value": "dev"},
                                                              {"Key": "team", "Value": "a"}]
    e = error_of(s3.put_bucket_tagging, Bucket=bucket, Tagging=tagset({f"k{i}": "v" for i in range(51)}))
    assert (status(e), e["Error"]["Code"]) == (400, "InvalidTag")
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tagset({f"k{i}": "v" for i in range(50)}))
    assert len(s3.get_bucket_tagging(Bucket=bucket)["TagSet"]) == 50
    assert status(s3.delete_bucket_tagging(Bucket=bucket)) == 204
    assert error_of(s3.get_bucket_tagging, Bucket=bucket)["Error"]["Code"] == "NoSuchTagSet"


def test_a_recreated_bucket_has_no_tags(s3, bucket):
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tagset({"a": "1"}))
    s3.delete_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=bucket)
    assert error_of(s3.get_bucket_tagging, Bucket=bucket)["Error"]["Code"] == "NoSuchTagSet"


def test_tags_survive_a_restart(tmp_path):
    srv = start_server(tmp_path / "data")
    try:
        s3 = boto3.client("s3", endpoint_url=srv.endpoint, aws_access_key_id=ACCESS_KEY,
                          aws_secret_access_key=SECRET_KEY, region_name="us-east-1")
        s3.create_bucket(Bucket="kept")
        s3.put_object(Bucket="kept", Key="k", Body=b"x", Tagging="a=1")
        s3.put_bucket_tagging(Bucket="kept", Tagging=tagset({"b": "2"}))
    finally:
        srv.stop()
    srv = start_server(tmp_path / "data")
    try:
        s3 = boto3.client("s3", endpoint_url=srv.endpoint, aws_access_key_id=ACCESS_KEY,
                          aws_secret_access_key=SECRET_KEY, region_name="us-east-1")
        assert got_tags(s3, "kept", "k") == {"a": "1"}
        assert s3.get_bucket_tagging(Bucket="kept")["TagSet"] == [{"Key": "b", "Value": "2"}]
    finally:
        srv.stop()


def test_who_may_tag_in_strict_mode(tmp_path):
    """Through request/access.py as the operation table says: bucket tagging is the owner's only
    (even on a public-read-write bucket); reading an object's tags takes READ on the object,
    changing them WRITE on the bucket."""
    srv = start_server(tmp_path / "data", "--auth", "strict", "--user", "second:second-secret")
    try:
        def who(key: str, secret: str):
            return boto3.client("s3", endpoint_url=srv.endpoint, aws_access_key_id=key,
                                aws_secret_access_key=secret, region_name="us-east-1")
        owner, second = who(ACCESS_KEY, SECRET_KEY), who("second", "second-secret")
        owner.create_bucket(Bucket="shared", ACL="public-read-write")
        owner.put_object(Bucket="shared", Key="private", Body=b"x", Tagging="a=1")
        owner.put_object(Bucket="shared", Key="public", Body=b"x", Tagging="b=2", ACL="public-read")
        for call, kw in [(second.put_bucket_tagging, {"Tagging": tagset({"x": "y"})}),
                         (second.get_bucket_tagging, {}), (second.delete_bucket_tagging, {})]:
            e = error_of(call, Bucket="shared", **kw)
            assert (status(e), e["Error"]["Code"]) == (403, "AccessDenied")
        e = error_of(second.get_object_tagging, Bucket="shared", Key="private")
        assert (status(e), e["Error"]["Code"]) == (403, "AccessDenied")
        assert got_tags(second, "shared", "public") == {"b": "2"}
        second.put_object_tagging(Bucket="shared", Key="private", Tagging=tagset({"c": "3"}))
        assert got_tags(owner, "shared", "private") == {"c": "3"}
        private = who(ACCESS_KEY, SECRET_KEY)
        private.create_bucket(Bucket="closed")
        private.put_object(Bucket="closed", Key="k", Body=b"x")
        e = error_of(second.put_object_tagging, Bucket="closed", Key="k", Tagging=tagset({"c": "3"}))
        assert (status(e), e["Error"]["Code"]) == (403, "AccessDenied")
    finally:
        srv.stop()

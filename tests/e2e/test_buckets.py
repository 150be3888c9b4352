"""boto3 (default configuration) against a live server: bucket lifecycle operations.

ListBuckets, CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation, GetBucketVersioning,
with S3's exact success responses and error codes.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import boto3
import pytest

from support import error_of, status



def new_name() -> str:
    return f"b-{uuid.uuid4().hex[:20]}"


@pytest.fixture(scope="module")
def regional(tmp_path_factory):
    """A second server whose region is eu-west-1 (a regional endpoint)."""
    import support as conf
    srv = conf.start_server(tmp_path_factory.mktemp("s3mock-eu"), "--region", "eu-west-1")
    try:
        yield boto3.client("s3", endpoint_url=srv.endpoint, aws_access_key_id=conf.ACCESS_KEY,
                           aws_secret_access_key=conf.SECRET_KEY, region_name="eu-west-1")
    finally:
        srv.stop()


# ---------------------------------------------------------------- ListBuckets

def test_list_buckets_lists_created_buckets_with_owner(s3):
    names = sorted([new_name(), new_name()])
    for n in reversed(names):
        s3.create_bucket(Bucket=n)
    resp = s3.list_buckets()
    assert status(resp) == 200
    listed = [b["Name"] for b in resp["Buckets"]]
    mine = [n for n in listed if n in names]
    assert mine == names                      # both present, in name order
    assert listed == sorted(listed)
    entry = next(b for b in resp["Buckets"] if b["Name"] == names[0])
    assert isinstance(entry["CreationDate"], datetime)
    assert resp["Owner"]["ID"]
    assert "DisplayName" in resp["Owner"]


def test_list_buckets_no_longer_lists_deleted_bucket(s3, bucket):
    s3.delete_bucket(Bucket=bucket)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


# ---------------------------------------------------------------- CreateBucket

def test_create_bucket_returns_location_and_bucket_is_usable(s3):
    name = new_name()
    resp = s3.create_bucket(Bucket=name)
    assert status(resp) == 200
    assert resp["Location"] == f"/{name}"
    assert status(s3.head_bucket(Bucket=name)) == 200
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0


def test_create_bucket_with_other_region_location_constraint(s3):
    name = new_name()
    resp = s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert status(resp) == 200
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    head = s3.head_bucket(Bucket=name)
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-1"
    assert head["BucketRegion"] == "eu-west-1"


def test_create_bucket_with_explicit_us_east_1_constraint_is_invalid(s3):
    name = new_name()
    err = error_of(s3.create_bucket, Bucket=name,
                   CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    assert err["Error"]["Code"] == "InvalidLocationConstraint"
    assert status(err) == 400
    assert error_of(s3.head_bucket, Bucket=name)["Error"]["Code"] == "404"


@pytest.mark.parametrize("name", [
    "UpperCase-bucket",          # upper case
    "under_score-bucket",        # underscore
    "192.168.5.4",               # formatted as an IP address
    "ab",                        # too short
    "a" * 64,                    # too long
    "-leading-hyphen",
    "trailing-hyphen-",
    "double..dots",
    "dot.-hyphen",
    "xn--punycode-prefix",
    "name-ending--ol-s3",
])
def test_create_bucket_invalid_name(s3, name):
    err = error_of(s3.create_bucket, Bucket=name)
    assert err["Error"]["Code"] == "InvalidBucketName"
    assert err["Error"]["Message"] == "The specified bucket is not valid."
    assert err["Error"]["BucketName"] == name
    assert status(err) == 400


def test_create_bucket_valid_edge_names(s3):
    hexes = uuid.uuid4().hex * 2
    for name in (hexes[:3], hexes[:63], f"dots.{hexes[:8]}.ok", f"9-{hexes[:6]}-x"):
        assert status(s3.create_bucket(Bucket=name)) == 200
        assert status(s3.head_bucket(Bucket=name)) == 200
        s3.delete_bucket(Bucket=name)


def test_create_bucket_already_owned_by_you_outside_us_east_1(s3):
    """A bucket located in another region: re-creating it is BucketAlreadyOwnedByYou (409)."""
    name = new_name()
    config = {"LocationConstraint": "eu-west-1"}
    s3.create_bucket(Bucket=name, CreateBucketConfiguration=config)
    err = error_of(s3.create_bucket, Bucket=name, CreateBucketConfiguration=config)
    assert err["Error"]["Code"] == "BucketAlreadyOwnedByYou"
    assert err["Error"]["BucketName"] == name
    assert status(err) == 409
    # ... also when re-created from us-east-1 without a constraint
    err = error_of(s3.create_bucket, Bucket=name)
    assert err["Error"]["Code"] == "BucketAlreadyOwnedByYou"


def test_recreate_own_bucket_in_us_east_1_is_200(s3, bucket):
    """S3's legacy us-east-1 behaviour: re-creating a bucket you own there answers 200 OK
    (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html, BucketAlreadyOwnedByYou)."""
    s3.put_object(Bucket=bucket, Key="keep", Body=b"kept")
    assert status(s3.create_bucket(Bucket=bucket)) == 200
    assert s3.get_object(Bucket=bucket, Key="keep")["Body"].read() == b"kept"
    # ... but asking for another region for it is a conflict
    err = error_of(s3.create_bucket, Bucket=bucket,
                   CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert err["Error"]["Code"] == "BucketAlreadyOwnedByYou"
    assert status(err) == 409


def test_regional_endpoint_location_constraints(regional):
    name = new_name()
    err = error_of(regional.create_bucket, Bucket=name,
                   CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    assert err["Error"]["Code"] == "IllegalLocationConstraintException"
    assert status(err) == 400
    resp = regional.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert status(resp) == 200
    assert regional.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    err = error_of(regional.create_bucket, Bucket=name,
                   CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert err["Error"]["Code"] == "BucketAlreadyOwnedByYou"
    assert status(err) == 409


# ---------------------------------------------------------------- DeleteBucket

def test_delete_bucket_not_empty_then_empty_then_gone(s3, bucket):
    s3.put_object(Bucket=bucket, Key="obj", Body=b"x")
    err = error_of(s3.delete_bucket, Bucket=bucket)
    assert err["Error"]["Code"] == "BucketNotEmpty"
    assert err["Error"]["BucketName"] == bucket
    assert status(err) == 409
    assert status(s3.head_bucket(Bucket=bucket)) == 200

    s3.delete_object(Bucket=bucket, Key="obj")
    assert status(s3.delete_bucket(Bucket=bucket)) == 204

    err = error_of(s3.head_bucket, Bucket=bucket)
    assert err["Error"]["Code"] == "404"
    assert status(err) == 404
    err = error_of(s3.delete_bucket, Bucket=bucket)
    assert err["Error"]["Code"] == "NoSuchBucket"
    assert err["Error"]["BucketName"] == bucket
    assert status(err) == 404
    err = error_of(s3.list_objects_v2, Bucket=bucket)
    assert err["Error"]["Code"] == "NoSuchBucket"


def test_deleted_bucket_name_can_be_created_again_empty(s3, bucket):
    s3.put_object(Bucket=bucket, Key="old", Body=b"old")
    s3.delete_object(Bucket=bucket, Key="old")
    s3.delete_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=bucket)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_delete_missing_bucket(s3):
    name = new_name()
    err = error_of(s3.delete_bucket, Bucket=name)
    assert err["Error"]["Code"] == "NoSuchBucket"
    assert err["Error"]["Message"] == "The specified bucket does not exist"
    assert err["Error"]["BucketName"] == name
    assert status(err) == 404


# ---------------------------------------------------------------- HeadBucket

def test_head_bucket(s3, bucket):
    resp = s3.head_bucket(Bucket=bucket)
    assert status(resp) == 200
    assert resp["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"
    assert resp["ResponseMetadata"]["HTTPHeaders"]["x-amz-request-id"]


def test_head_missing_bucket_is_404_without_body(s3):
    err = error_of(s3.head_bucket, Bucket=new_name())
    assert err["Error"]["Code"] == "404"
    assert err["Error"]["Message"] == "Not Found"
    assert status(err) == 404


# ---------------------------------------------------------------- GetBucketLocation / Versioning

def test_get_bucket_location_us_east_1_is_none(s3, bucket):
    resp = s3.get_bucket_location(Bucket=bucket)
    assert status(resp) == 200
    assert resp["LocationConstraint"] is None


def test_get_bucket_location_missing_bucket(s3):
    name = new_name()
    err = error_of(s3.get_bucket_location, Bucket=name)
    assert err["Error"]["Code"] == "NoSuchBucket"
    assert err["Error"]["BucketName"] == name
    assert status(err) == 404


def test_get_bucket_versioning_never_enabled_has_no_status(s3, bucket):
    resp = s3.get_bucket_versioning(Bucket=bucket)
    assert status(resp) == 200
    assert "Status" not in resp
    assert "MFADelete" not in resp


def test_get_bucket_versioning_missing_bucket(s3):
    err = error_of(s3.get_bucket_versioning, Bucket=new_name())
    assert err["Error"]["Code"] == "NoSuchBucket"
    assert status(err) == 404

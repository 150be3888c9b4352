"""boto3 (default configuration) against a live server: bucket lifecycle operations.

ListBuckets, CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation, GetBucketVersioning,
with S3's exact success responses and error codes.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
import requests
from lxml import etree

from support import ACCESS_KEY, SECRET_KEY, error_of, status

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


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

def signed_get(endpoint: str, path: str) -> requests.Response:
    """GET `path` with its query exactly as written (boto3 checks MaxBuckets before sending it),
    signed by botocore so a server in --auth strict accepts it."""
    req = botocore.awsrequest.AWSRequest(method="GET", url=endpoint + path, data=b"")
    creds = botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY)
    botocore.auth.S3SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
    return requests.get(endpoint + path, headers=dict(req.headers.items()), timeout=30)


def tags(el) -> list[str]:
    return [c.tag.removeprefix(NS) for c in el]


def test_list_buckets_lists_created_buckets_with_owner(s3, endpoint):
    """Owner then Buckets; each bucket its Name, CreationDate and BucketArn. No DisplayName (S3
    stopped returning it on 2025-11-21: https://docs.aws.amazon.com/AmazonS3/latest/API/API_Owner.html)
    and no BucketRegion without a parameter ("If the request contains at least one valid
    parameter, it is included in the response", API_Bucket.html)."""
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
    assert entry["BucketArn"] == f"arn:aws:s3:::{names[0]}"
    assert "BucketRegion" not in entry
    assert resp["Owner"] == {"ID": resp["Owner"]["ID"]} and resp["Owner"]["ID"]
    assert "ContinuationToken" not in resp and "Prefix" not in resp
    doc = etree.fromstring(signed_get(endpoint, "/").content)
    assert tags(doc) == ["Owner", "Buckets"]
    assert tags(doc.find(f"{NS}Owner")) == ["ID"]
    assert {tuple(tags(b)) for b in doc.iter(f"{NS}Bucket")} == {("Name", "CreationDate", "BucketArn")}


def test_list_buckets_pages_with_max_buckets_and_continuation_token(s3, endpoint):
    """s3-tests test_list_buckets_paginated, and boto3's paginator, over buckets of one prefix."""
    prefix = f"lb-{uuid.uuid4().hex[:12]}-"
    names = [f"{prefix}{i}" for i in range(5)]
    for n in names:
        s3.create_bucket(Bucket=n)
    first = s3.list_buckets(Prefix=prefix, MaxBuckets=2)
    assert [b["Name"] for b in first["Buckets"]] == names[:2]
    assert first["Prefix"] == prefix
    assert [b["BucketRegion"] for b in first["Buckets"]] == ["us-east-1"] * 2
    second = s3.list_buckets(Prefix=prefix, MaxBuckets=2, ContinuationToken=first["ContinuationToken"])
    assert [b["Name"] for b in second["Buckets"]] == names[2:4]
    last = s3.list_buckets(Prefix=prefix, MaxBuckets=2, ContinuationToken=second["ContinuationToken"])
    assert [b["Name"] for b in last["Buckets"]] == names[4:]
    assert "ContinuationToken" not in last
    pages = list(s3.get_paginator("list_buckets").paginate(
        Prefix=prefix, PaginationConfig={"PageSize": 3}))
    assert [[b["Name"] for b in p["Buckets"]] for p in pages] == [names[:3], names[3:]]
    exact = s3.list_buckets(Prefix=prefix, MaxBuckets=5)
    assert len(exact["Buckets"]) == 5 and "ContinuationToken" not in exact
    assert s3.list_buckets(Prefix=prefix + "x")["Buckets"] == []
    assert s3.list_buckets(Prefix=prefix.upper())["Buckets"] == []     # the prefix is case-sensitive
    # S3's element order (versitygw#1399 records it; botocore's Bucket shape for the entries)
    doc = etree.fromstring(signed_get(endpoint, f"/?prefix={prefix}&max-buckets=1").content)
    assert tags(doc) == ["Owner", "Buckets", "Prefix", "ContinuationToken"]
    assert tags(doc.find(f"{NS}Buckets/{NS}Bucket")) == ["Name", "CreationDate", "BucketRegion", "BucketArn"]


def test_list_buckets_empty_parameters_still_list(s3, endpoint):
    """An empty max-buckets or continuation-token is no limit and the first page, yet counts as a
    parameter: BucketRegion is shown (measured on S3 by brekkylab/backlot, 2026-09; LocalStack's
    test_list_buckets_when_continuation_token_is_empty, recorded on AWS)."""
    name = new_name()
    s3.create_bucket(Bucket=name)
    for query in ("max-buckets=", "continuation-token=", "prefix=", f"max-buckets=05&prefix={name}"):
        doc = etree.fromstring(signed_get(endpoint, f"/?{query}").content)
        entry = next(b for b in doc.iter(f"{NS}Bucket") if b.findtext(f"{NS}Name") == name)
        assert entry.findtext(f"{NS}BucketRegion") == "us-east-1", query
    doc = etree.fromstring(signed_get(endpoint, "/?prefix=").content)
    assert doc.findtext(f"{NS}Prefix") == ""


PARSE = "Provided max-buckets not an integer or within integer range"
RANGE = "Argument max-buckets must be an integer between 1 and 10000"


@pytest.mark.parametrize("query,message,value", [
    ("max-buckets=abc", PARSE, "abc"),
    ("max-buckets=%201", PARSE, " 1"),
    ("max-buckets=99999999999", PARSE, "99999999999"),
    ("max-buckets=0", RANGE, "0"),
    ("max-buckets=10001", RANGE, "10001"),
    ("max-buckets=-01", RANGE, "-1"),                    # named as parsed
    ("max-buckets=0&bucket-region=zz", RANGE, "0"),      # max-buckets is judged first
])
def test_list_buckets_refuses_max_buckets_as_s3_does(endpoint, query, message, value):
    """S3's messages and members, as measured by brekkylab/backlot (2026-09, us-east-1)."""
    resp = signed_get(endpoint, f"/?{query}")
    assert resp.status_code == 400
    doc = etree.fromstring(resp.content)
    assert (doc.findtext("Code"), doc.findtext("Message")) == ("InvalidArgument", message)
    assert (doc.findtext("ArgumentName"), doc.findtext("ArgumentValue")) == ("max-buckets", value)


def test_list_buckets_continuation_token_it_cannot_read(endpoint):
    resp = signed_get(endpoint, "/?continuation-token=garbage")
    assert resp.status_code == 400
    doc = etree.fromstring(resp.content)
    assert (doc.findtext("Code"), doc.findtext("Message"), doc.findtext("ArgumentName")) == (
        "InvalidArgument", "The continuation token provided is incorrect", "continuation-token")


def test_list_buckets_bucket_region_filter(s3):
    """bucket-region filters on the endpoint's own region, compared without case; another AWS
    region needs its own endpoint, anything else is no region (LocalStack's
    test_list_buckets_region_validation, recorded on AWS)."""
    home, away = new_name(), new_name()
    s3.create_bucket(Bucket=home)
    s3.create_bucket(Bucket=away, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    for region in ("us-east-1", "US-EAST-1"):
        listed = {b["Name"]: b["BucketRegion"] for b in s3.list_buckets(BucketRegion=region)["Buckets"]}
        assert listed[home] == "us-east-1" and away not in listed
    assert "BucketRegion" not in s3.list_buckets(BucketRegion="us-east-1")   # never echoed
    err = error_of(s3.list_buckets, BucketRegion="eu-west-1")
    assert status(err) == 400
    assert (err["Error"]["Code"], err["Error"]["Message"], err["Error"]["ArgumentName"]) == (
        "InvalidArgument", "Requests with bucket-region specified must be made to the "
        "corresponding regional endpoint", "bucket-region")
    err = error_of(s3.list_buckets, BucketRegion="eu-east-1")
    assert err["Error"]["Message"] == "Argument value eu-east-1 is not a valid AWS Region"
    assert err["Error"]["ArgumentName"] == "bucket-region"


def test_list_buckets_bucket_region_on_a_regional_endpoint(regional):
    name = new_name()
    regional.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    listed = regional.list_buckets(BucketRegion="eu-west-1")["Buckets"]
    assert [(b["Name"], b["BucketRegion"]) for b in listed if b["Name"] == name] == [(name, "eu-west-1")]
    assert error_of(regional.list_buckets, BucketRegion="us-east-1")["Error"]["Code"] == "InvalidArgument"


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

"""Every operation of S3's API (botocore's model), sent by boto3 to a strict-mode server: those
s3mock does not implement are authenticated and authorized like any other before the answer
NotImplemented; and every bucket and object operation honours the bucket owner condition
(x-amz-expected-bucket-owner, x-amz-source-expected-bucket-owner for copies).

Bucket owner condition (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html):
a mismatch is 403 Access Denied; CreateBucket and ListBuckets ignore the parameter. AWS compares an
account id; in s3mock each user is its own account, named by its canonical id (ListBuckets' and
GetBucketAcl's Owner ID). s3-tests' test_expected_bucket_owner sends an anonymous ListObjects and
PutObject to a public-read-write bucket naming another owner and expects 403 AccessDenied.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

import boto3
import botocore
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from s3mock.handlers import load_all
from s3mock.operations import Op
from support import start_server

KEYS = {"owner": ("test", "test"), "second": ("second", "second-secret")}
SECOND_ACCOUNT = "111122223333"         # the second user's canonical id: an AWS-like account id
MODEL = botocore.session.get_session().get_service_model("s3")
IMPLEMENTED = {op.name for op in load_all()}
# Signed for another endpoint's service (s3express, s3-object-lambda): S3's own endpoint, which
# s3mock is, refuses their signature scope before anything else (tested below).
OTHER_ENDPOINT = {"ListDirectoryBuckets", "WriteGetObjectResponse"}
SAME_REQUEST_AS = {"GetBucketLifecycle": "GetBucketLifecycleConfiguration",
                   "PutBucketLifecycle": "PutBucketLifecycleConfiguration",
                   "GetBucketNotification": "GetBucketNotificationConfiguration",
                   "PutBucketNotification": "PutBucketNotificationConfiguration"}
UNIMPLEMENTED = sorted(name for name in MODEL.operation_names
                       if SAME_REQUEST_AS.get(name, name) not in IMPLEMENTED and name not in OTHER_ENDPOINT)
BUCKET_SCOPED = sorted(name for name in MODEL.operation_names
                       if "ExpectedBucketOwner" in getattr(MODEL.operation_model(name).input_shape, "members", {}))


def make_client(endpoint: str, who: str, secret: str | None = None):
    config = Config(retries={"max_attempts": 1}, inject_host_prefix=False)
    if who == "anonymous":
        return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                            config=config.merge(Config(signature_version=botocore.UNSIGNED)))
    key, right = KEYS[who]
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret or right, config=config)


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("every-op"), "--auth", "strict",
                       "--user", f"second:second-secret:{SECOND_ACCOUNT}")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def clients(strict) -> dict[str, Any]:
    return {who: make_client(strict.endpoint, who) for who in ("owner", "second", "anonymous")}


@pytest.fixture(scope="module")
def buckets(clients) -> dict[str, str]:
    """A private bucket with a private object, and a public-read-write bucket with a public-read
    object, both named `k` (`src` beside it, the copies' source)."""
    owner, made = clients["owner"], {}
    for acl in ("private", "public-read-write"):
        made[acl] = f"op-{acl[:7]}-{uuid.uuid4().hex[:12]}"
        owner.create_bucket(Bucket=made[acl], ACL=acl)
        for key in ("k", "src"):
            owner.put_object(Bucket=made[acl], Key=key, Body=b"0123456789",
                             ACL="private" if acl == "private" else "public-read")
    return made


def _value(shape, name: str, bucket: str):
    """A value botocore accepts for a shape: required members only, dummy values."""
    kind = shape.type_name
    if kind == "structure":
        members = shape.required_members
        if getattr(shape, "is_tagged_union", False) and not members:
            members = list(shape.members)[:1]
        return {m: _value(shape.members[m], m, bucket) for m in members}
    if kind in ("list", "map"):
        return [] if kind == "list" else {}
    strings = {"Bucket": bucket, "Key": "k", "CopySource": f"{bucket}/src", "RenameSource": f"{bucket}/src"}
    text = strings.get(name, "x" * shape.metadata.get("min", 1))
    return {"string": text, "integer": 1, "long": 1, "boolean": True, "blob": b"x",
            "timestamp": datetime(2026, 1, 1, tzinfo=timezone.utc)}.get(kind, "x")


def call(client, name: str, bucket: str, **extra) -> tuple[int, str]:
    """(status, error code or "") of one operation with its required parameters."""
    op = MODEL.operation_model(name)
    params = _value(op.input_shape, "", bucket) if op.input_shape is not None else {}
    params.update(extra)
    try:
        resp = getattr(client, botocore.xform_name(name))(**params)
    except ClientError as e:
        head = op.http["method"] == "HEAD"          # a HEAD answer is a status alone
        return e.response["ResponseMetadata"]["HTTPStatusCode"], "" if head else e.response["Error"]["Code"]
    return resp["ResponseMetadata"]["HTTPStatusCode"], ""


def denied(name: str) -> tuple[int, str]:
    return 403, "" if MODEL.operation_model(name).http["method"] == "HEAD" else "AccessDenied"


def owner_id(clients) -> str:
    return clients["owner"].list_buckets()["Owner"]["ID"]


# ================================================================== not implemented, yet checked first

def _public_may(name: str) -> bool:
    """What a public-read-write bucket with a public-read object lets anyone do: the object's
    reads (READ) and writes (WRITE on the bucket); the bucket's configuration stays the owner's."""
    return "Key" in MODEL.operation_model(name).input_shape.members


@pytest.mark.parametrize("name", UNIMPLEMENTED)
def test_unimplemented_operation_is_authenticated_and_authorized_first(strict, clients, buckets, name):
    private, public = buckets["private"], buckets["public-read-write"]
    assert call(clients["owner"], name, private) == (501, "NotImplemented")
    assert call(clients["owner"], name, public) == (501, "NotImplemented")
    # who may not do it hears AccessDenied, as for an operation s3mock has
    for who in ("second", "anonymous"):
        assert call(clients[who], name, private) == (403, "AccessDenied"), who
        assert call(clients[who], name, public) == (
            (501, "NotImplemented") if _public_may(name) else (403, "AccessDenied")), who
    # a forged signature is refused before anything is said about the operation
    forged = make_client(strict.endpoint, "owner", secret="guessed")
    assert call(forged, name, private) == (403, "SignatureDoesNotMatch")
    # and the bucket owner condition holds for it too
    if name in BUCKET_SCOPED:
        assert call(clients["owner"], name, private, ExpectedBucketOwner="444455556666") == (
            403, "AccessDenied")


@pytest.mark.parametrize("name", sorted(OTHER_ENDPOINT))
def test_other_endpoints_operations(strict, clients, buckets, name):
    """ListDirectoryBuckets (s3express-control) and WriteGetObjectResponse (Object Lambda) are
    signed for their own endpoints' services; S3's endpoint refuses the scope, and an anonymous
    caller is refused as for any operation that needs a user."""
    extra = {"MaxDirectoryBuckets": 5} if name == "ListDirectoryBuckets" else {}
    status, code = call(clients["owner"], name, buckets["private"], **extra)
    assert (status, code) == (400, "AuthorizationHeaderMalformed")
    assert call(clients["anonymous"], name, buckets["private"], **extra) == (403, "AccessDenied")


# ================================================================== bucket owner condition

@pytest.mark.parametrize("name", BUCKET_SCOPED)
def test_every_bucket_and_object_operation_checks_the_expected_owner(clients, buckets, name):
    """Whatever the operation and its parameters, a bucket owned by another account is refused
    before anything else: the owner's own request naming another account gets AccessDenied."""
    assert call(clients["owner"], name, buckets["private"], ExpectedBucketOwner="s3mock-not-me") == denied(name)


def test_s3_tests_expected_bucket_owner(clients, buckets):
    """s3-tests test_expected_bucket_owner, and the same requests naming the right owner."""
    anonymous, bucket = clients["anonymous"], buckets["public-read-write"]
    wrong = owner_id(clients) + "foo"
    for call_it in (lambda **kw: anonymous.list_objects(Bucket=bucket, **kw),
                    lambda **kw: anonymous.put_object(Bucket=bucket, Key="bar", Body=b"coffee", **kw)):
        with pytest.raises(ClientError) as e:
            call_it(ExpectedBucketOwner=wrong)
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert (e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]) == (
            "AccessDenied", "Access Denied")
        assert call_it(ExpectedBucketOwner=owner_id(clients))["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_refused_write_changes_nothing(clients, buckets):
    owner, bucket = clients["owner"], buckets["private"]
    key = f"never-{uuid.uuid4().hex[:8]}"
    with pytest.raises(ClientError):
        owner.put_object(Bucket=bucket, Key=key, Body=b"x", ExpectedBucketOwner="444455556666")
    with pytest.raises(ClientError):
        owner.delete_object(Bucket=bucket, Key="k", ExpectedBucketOwner="444455556666")
    with pytest.raises(ClientError):
        owner.delete_bucket(Bucket=bucket, ExpectedBucketOwner="444455556666")
    assert [o["Key"] for o in owner.list_objects_v2(Bucket=bucket)["Contents"]] == ["k", "src"]
    # HEAD answers the status alone
    with pytest.raises(ClientError) as e:
        owner.head_object(Bucket=bucket, Key="k", ExpectedBucketOwner="444455556666")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_the_right_owner_is_the_owners_canonical_id(clients, buckets):
    owner, bucket, me = clients["owner"], buckets["private"], owner_id(clients)
    assert owner.get_bucket_acl(Bucket=bucket)["Owner"]["ID"] == me
    owner.put_object(Bucket=bucket, Key="named", Body=b"abc", ExpectedBucketOwner=me)
    assert owner.get_object(Bucket=bucket, Key="named", ExpectedBucketOwner=me)["Body"].read() == b"abc"
    assert owner.head_bucket(Bucket=bucket, ExpectedBucketOwner=me)["ResponseMetadata"]["HTTPStatusCode"] == 200
    owner.delete_object(Bucket=bucket, Key="named", ExpectedBucketOwner=me)
    # a second user's bucket is the second user's: the owner's id does not name it
    second = clients["second"]
    theirs = f"op-theirs-{uuid.uuid4().hex[:12]}"
    second.create_bucket(Bucket=theirs, ACL="public-read")
    with pytest.raises(ClientError) as e:
        owner.list_objects_v2(Bucket=theirs, ExpectedBucketOwner=me)
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    assert second.list_buckets()["Owner"]["ID"] == SECOND_ACCOUNT
    assert owner.list_objects_v2(Bucket=theirs, ExpectedBucketOwner=SECOND_ACCOUNT)["KeyCount"] == 0


def test_create_bucket_and_list_buckets_ignore_it(strict):
    """botocore has no parameter for it on these two: the header is added as a raw client would."""
    owner, name = make_client(strict.endpoint, "owner"), f"op-new-{uuid.uuid4().hex[:12]}"

    def expect_other_owner(request, **_):
        request.headers["x-amz-expected-bucket-owner"] = "444455556666"
    owner.meta.events.register("before-sign.s3", expect_other_owner)
    owner.create_bucket(Bucket=name)
    assert name in [b["Name"] for b in owner.list_buckets()["Buckets"]]
    with pytest.raises(ClientError) as e:
        owner.delete_bucket(Bucket=name)            # and the bucket's own operations do not
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    make_client(strict.endpoint, "owner").delete_bucket(Bucket=name)


def test_copy_checks_the_source_buckets_expected_owner(clients, buckets):
    owner, bucket, me = clients["owner"], buckets["private"], owner_id(clients)
    source = {"Bucket": bucket, "Key": "src"}
    with pytest.raises(ClientError) as e:
        owner.copy_object(Bucket=bucket, Key="copy", CopySource=source,
                          ExpectedSourceBucketOwner="444455556666")
    assert e.value.response["Error"]["Code"] == "AccessDenied"
    assert "copy" not in [o["Key"] for o in owner.list_objects_v2(Bucket=bucket)["Contents"]]
    owner.copy_object(Bucket=bucket, Key="copy", CopySource=source, ExpectedSourceBucketOwner=me,
                      ExpectedBucketOwner=me)
    assert owner.get_object(Bucket=bucket, Key="copy")["Body"].read() == b"0123456789"
    owner.delete_object(Bucket=bucket, Key="copy")
    up = owner.create_multipart_upload(Bucket=bucket, Key="mpu")["UploadId"]
    try:
        with pytest.raises(ClientError) as e:
            owner.upload_part_copy(Bucket=bucket, Key="mpu", UploadId=up, PartNumber=1, CopySource=source,
                                   ExpectedSourceBucketOwner="444455556666")
        assert e.value.response["Error"]["Code"] == "AccessDenied"
        assert owner.list_parts(Bucket=bucket, Key="mpu", UploadId=up).get("Parts", []) == []
        owner.upload_part_copy(Bucket=bucket, Key="mpu", UploadId=up, PartNumber=1, CopySource=source,
                               ExpectedSourceBucketOwner=me)
        assert [p["Size"] for p in owner.list_parts(Bucket=bucket, Key="mpu", UploadId=up)["Parts"]] == [10]
    finally:
        owner.abort_multipart_upload(Bucket=bucket, Key="mpu", UploadId=up)


def test_op_names_are_the_models():
    assert all(getattr(Op, SAME_REQUEST_AS.get(n, n), None) is not None for n in UNIMPLEMENTED)

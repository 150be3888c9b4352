"""Every operation of S3's API (botocore's model), sent by boto3 to a strict-mode server: those
s3mock does not implement are authenticated and authorized like any other before the answer
NotImplemented.
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
                       "--user", "second:second-secret")
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


@pytest.mark.parametrize("name", sorted(OTHER_ENDPOINT))
def test_other_endpoints_operations(strict, clients, buckets, name):
    """ListDirectoryBuckets (s3express-control) and WriteGetObjectResponse (Object Lambda) are
    signed for their own endpoints' services; S3's endpoint refuses the scope, and an anonymous
    caller is refused as for any operation that needs a user."""
    extra = {"MaxDirectoryBuckets": 5} if name == "ListDirectoryBuckets" else {}
    status, code = call(clients["owner"], name, buckets["private"], **extra)
    assert (status, code) == (400, "AuthorizationHeaderMalformed")
    assert call(clients["anonymous"], name, buckets["private"], **extra) == (403, "AccessDenied")


def test_op_names_are_the_models():
    assert all(getattr(Op, SAME_REQUEST_AS.get(n, n), None) is not None for n in UNIMPLEMENTED)

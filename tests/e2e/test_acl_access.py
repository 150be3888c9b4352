"""ACLs against a live server in strict mode: the owner (`test`), a second and a third user, and
anonymous requests, through boto3.

Permissions as S3 maps them (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html):
bucket READ = ListObjects(V2), ListObjectVersions, ListMultipartUploads, HeadBucket; bucket WRITE =
PutObject, DeleteObject(s), multipart uploads; object READ = GetObject, HeadObject; READ_ACP /
WRITE_ACP = Get/Put Bucket/Object Acl (always allowed to the resource's owner); WRITE on an object
is not applicable (overwriting needs WRITE on the bucket). Bucket configuration (CORS, location,
deletion) is its owner's alone, whatever the ACL says. These are "object writer" semantics: the
account (or the anonymous user) that writes an object owns it.
"""

from __future__ import annotations

import hashlib
import http.client
import uuid
from dataclasses import dataclass
from typing import Any, Callable

import boto3
import botocore
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from lxml import etree

from support import start_server, status

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
ANONYMOUS_ID = "65a011a29cdf8ec533ec3d1ccaae921c"    # the canonical id S3 gives unsigned requesters


def canonical_id(access_key: str) -> str:
    return hashlib.sha256(b"s3mock-user:" + access_key.encode()).hexdigest()


OWNER_ID, SECOND_ID, THIRD_ID = canonical_id("test"), canonical_id("second"), canonical_id("third")
KEYS = {"owner": ("test", "test"), "second": ("second", "second-secret"), "third": ("third", "third-secret")}
USER_ARGS = ("--user", "second:second-secret", "--user", "third:third-secret")
ORIGIN = "https://app.example"


def make_client(endpoint: str, who: str, secret: str | None = None):
    if who == "anonymous":
        return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                            config=Config(signature_version=botocore.UNSIGNED))
    key, default_secret = KEYS[who]
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret or default_secret)


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("acl-strict"), "--auth", "strict", *USER_ARGS)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def clients(strict) -> dict[str, Any]:
    return {who: make_client(strict.endpoint, who) for who in ("owner", "second", "third", "anonymous")}


def new_name(prefix: str = "acl") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def assert_denied(call: Callable[[], Any], head: bool = False) -> None:
    """403 AccessDenied with S3's XML body; a HEAD has no body, so boto3 can only see the status."""
    with pytest.raises(ClientError) as exc:
        call()
    resp = exc.value.response
    assert status(resp) == 403
    if head:
        assert resp["Error"]["Code"] == "403"
    else:
        assert (resp["Error"]["Code"], resp["Error"]["Message"]) == ("AccessDenied", "Access Denied")


def expect(allowed: bool, call: Callable[[], Any], head: bool = False) -> Any:
    if allowed:
        return call()
    assert_denied(call, head)
    return None


def error_of(call: Callable[[], Any]) -> dict:
    with pytest.raises(ClientError) as exc:
        call()
    return exc.value.response


@dataclass
class Target:
    bucket: str
    key: str
    acl: str           # the canned ACL under test
    admin: Any         # the bucket owner's client, for set-up and for looking at the result


def size_of(t: Target) -> int | None:
    """The key's size as the bucket owner lists it, None when absent."""
    found = t.admin.list_objects_v2(Bucket=t.bucket, Prefix=t.key).get("Contents", [])
    return next((o["Size"] for o in found if o["Key"] == t.key), None)


ORIGINAL, OVERWRITE = b"original", b"overwritten!"


# ================================================================== canned ACLs on a bucket

def _put_new(c, t: Target, allowed: bool) -> None:
    expect(allowed, lambda: c.put_object(Bucket=t.bucket, Key=t.key, Body=ORIGINAL))
    assert size_of(t) == (len(ORIGINAL) if allowed else None)


def _delete(c, t: Target, allowed: bool) -> None:
    t.admin.put_object(Bucket=t.bucket, Key=t.key, Body=ORIGINAL)
    expect(allowed, lambda: c.delete_object(Bucket=t.bucket, Key=t.key))
    assert (size_of(t) is None) is allowed


def _delete_many(c, t: Target, allowed: bool) -> None:
    t.admin.put_object(Bucket=t.bucket, Key=t.key, Body=ORIGINAL)
    call = lambda: c.delete_objects(Bucket=t.bucket, Delete={"Objects": [{"Key": t.key}]})  # noqa: E731
    if allowed:
        resp = call()
        assert [d["Key"] for d in resp["Deleted"]] == [t.key] and "Errors" not in resp
    else:
        # The refusal may come for the whole request (403) or per key (200 with an AccessDenied
        # <Error>, as S3 answers for identity-policy denials); either way the key survives.
        try:
            resp = call()
        except ClientError as exc:
            assert status(exc.response) == 403 and exc.response["Error"]["Code"] == "AccessDenied"
        else:
            assert [(e["Key"], e["Code"]) for e in resp["Errors"]] == [(t.key, "AccessDenied")]
            assert not resp.get("Deleted")
    assert (size_of(t) is None) is allowed


def _multipart(c, t: Target, allowed: bool) -> None:
    created = expect(allowed, lambda: c.create_multipart_upload(Bucket=t.bucket, Key=t.key))
    if allowed:
        up = created["UploadId"]
        part = c.upload_part(Bucket=t.bucket, Key=t.key, UploadId=up, PartNumber=1, Body=ORIGINAL)
        c.complete_multipart_upload(Bucket=t.bucket, Key=t.key, UploadId=up, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert size_of(t) == (len(ORIGINAL) if allowed else None)


def _upload_part(c, t: Target, allowed: bool) -> None:
    """A part sent into the bucket owner's upload needs WRITE on the bucket too."""
    up = t.admin.create_multipart_upload(Bucket=t.bucket, Key=t.key)["UploadId"]
    try:
        expect(allowed, lambda: c.upload_part(Bucket=t.bucket, Key=t.key, UploadId=up, PartNumber=1,
                                              Body=ORIGINAL))
        parts = t.admin.list_parts(Bucket=t.bucket, Key=t.key, UploadId=up).get("Parts", [])
        assert len(parts) == (1 if allowed else 0)
    finally:
        t.admin.abort_multipart_upload(Bucket=t.bucket, Key=t.key, UploadId=up)


def _get_bucket_acl(c, t: Target, allowed: bool) -> None:
    resp = expect(allowed, lambda: c.get_bucket_acl(Bucket=t.bucket))
    if allowed:
        assert resp["Owner"]["ID"] == OWNER_ID


BUCKET_OPS: dict[str, tuple[str, Callable[[Any, Target, bool], None]]] = {
    "ListObjects": ("READ", lambda c, t, ok: expect(ok, lambda: c.list_objects(Bucket=t.bucket))),
    "ListObjectsV2": ("READ", lambda c, t, ok: expect(ok, lambda: c.list_objects_v2(Bucket=t.bucket))),
    "ListObjectVersions": ("READ", lambda c, t, ok: expect(ok, lambda: c.list_object_versions(Bucket=t.bucket))),
    "ListMultipartUploads": ("READ", lambda c, t, ok: expect(
        ok, lambda: c.list_multipart_uploads(Bucket=t.bucket))),
    "HeadBucket": ("READ", lambda c, t, ok: expect(ok, lambda: c.head_bucket(Bucket=t.bucket), head=True)),
    "PutObject": ("WRITE", _put_new),
    "DeleteObject": ("WRITE", _delete),
    "DeleteObjects": ("WRITE", _delete_many),
    "MultipartUpload": ("WRITE", _multipart),
    "UploadPart": ("WRITE", _upload_part),
    "GetBucketAcl": ("READ_ACP", _get_bucket_acl),
    "PutBucketAcl": ("WRITE_ACP", lambda c, t, ok: expect(ok, lambda: c.put_bucket_acl(Bucket=t.bucket, ACL=t.acl))),
}

# canned bucket ACL -> requester -> permissions it has on the bucket
BUCKET_GRANTS = {
    "private": {"owner": "*", "second": (), "anonymous": ()},
    "public-read": {"owner": "*", "second": ("READ",), "anonymous": ("READ",)},
    "public-read-write": {"owner": "*", "second": ("READ", "WRITE"), "anonymous": ("READ", "WRITE")},
    "authenticated-read": {"owner": "*", "second": ("READ",), "anonymous": ()},
    "log-delivery-write": {"owner": "*", "second": (), "anonymous": ()},
}


def _cases(grants: dict, ops: dict) -> list:
    out = []
    for acl_name, by_who in grants.items():
        for who, perms in by_who.items():
            for op, (perm, _) in ops.items():
                allowed = perms == "*" or perm in perms
                out.append(pytest.param(acl_name, who, op, allowed,
                                        id=f"{acl_name}/{who}/{op}-{'allow' if allowed else 'deny'}"))
    return out


@pytest.fixture(scope="module")
def canned_bucket(clients) -> Callable[[str], str]:
    made: dict[str, str] = {}

    def get(acl_name: str) -> str:
        if acl_name not in made:
            made[acl_name] = new_name(acl_name)
            clients["owner"].create_bucket(Bucket=made[acl_name], ACL=acl_name)
        return made[acl_name]
    return get


@pytest.mark.parametrize("acl_name,who,op,allowed", _cases(BUCKET_GRANTS, BUCKET_OPS))
def test_canned_bucket_acl(clients, canned_bucket, acl_name, who, op, allowed):
    t = Target(canned_bucket(acl_name), new_name("key"), acl_name, clients["owner"])
    BUCKET_OPS[op][1](clients[who], t, allowed)


# ================================================================== canned ACLs on an object

def _get(c, t: Target, allowed: bool) -> None:
    resp = expect(allowed, lambda: c.get_object(Bucket=t.bucket, Key=t.key))
    if allowed:
        assert resp["Body"].read() == ORIGINAL


def _overwrite(c, t: Target, allowed: bool) -> None:
    expect(allowed, lambda: c.put_object(Bucket=t.bucket, Key=t.key, Body=OVERWRITE))
    assert size_of(t) == len(OVERWRITE if allowed else ORIGINAL)


def _get_object_acl(c, t: Target, allowed: bool) -> None:
    resp = expect(allowed, lambda: c.get_object_acl(Bucket=t.bucket, Key=t.key))
    if allowed:
        assert resp["Grants"]


OBJECT_OPS: dict[str, tuple[str, Callable[[Any, Target, bool], None]]] = {
    "GetObject": ("READ", _get),
    "HeadObject": ("READ", lambda c, t, ok: expect(ok, lambda: c.head_object(Bucket=t.bucket, Key=t.key), head=True)),
    "PutObject": ("BUCKET_WRITE", _overwrite),
    "DeleteObject": ("BUCKET_WRITE", _delete),
    "GetObjectAcl": ("READ_ACP", _get_object_acl),
    "PutObjectAcl": ("WRITE_ACP", lambda c, t, ok: expect(
        ok, lambda: c.put_object_acl(Bucket=t.bucket, Key=t.key, ACL=t.acl))),
}

OBJECT_ACLS = ("private", "public-read", "public-read-write", "authenticated-read", "bucket-owner-read",
               "bucket-owner-full-control")
_OWNER_ONLY = {"owner": "*", "second": (), "anonymous": ()}
# The owner writes the object into its private bucket: only the object ACL decides reads, and
# only the owner may write (the object's "WRITE" grants nothing).
OBJECT_GRANTS = {
    "private": _OWNER_ONLY,
    "public-read": {"owner": "*", "second": ("READ",), "anonymous": ("READ",)},
    "public-read-write": {"owner": "*", "second": ("READ",), "anonymous": ("READ",)},
    "authenticated-read": {"owner": "*", "second": ("READ",), "anonymous": ()},
    "bucket-owner-read": _OWNER_ONLY,          # the bucket owner is the object owner
    "bucket-owner-full-control": _OWNER_ONLY,
}

# The second user writes the object into a bucket of the owner's that grants it WRITE: now the
# bucket owner is someone else, and may only read it if the ACL says so (but may still overwrite
# and delete it: that is WRITE on its bucket). The third user has no grant of its own.
_W = "BUCKET_WRITE"
FOREIGN_GRANTS = {
    "private": {"second": "*", "owner": (_W,), "third": (), "anonymous": ()},
    "public-read": {"second": "*", "owner": (_W, "READ"), "third": ("READ",), "anonymous": ("READ",)},
    "public-read-write": {"second": "*", "owner": (_W, "READ"), "third": ("READ",), "anonymous": ("READ",)},
    "authenticated-read": {"second": "*", "owner": (_W, "READ"), "third": ("READ",), "anonymous": ()},
    "bucket-owner-read": {"second": "*", "owner": (_W, "READ"), "third": (), "anonymous": ()},
    "bucket-owner-full-control": {"second": "*", "owner": "*", "third": (), "anonymous": ()},
}


@pytest.fixture(scope="module")
def private_bucket(clients) -> str:
    name = new_name("objects")
    clients["owner"].create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def shared_bucket(clients) -> str:
    """The owner's bucket, writable by the second user (grant headers on CreateBucket)."""
    name = new_name("shared")
    clients["owner"].create_bucket(Bucket=name, GrantFullControl=f'id="{OWNER_ID}"',
                                   GrantWrite=f'id="{SECOND_ID}"')
    return name


@pytest.mark.parametrize("acl_name,who,op,allowed", _cases(OBJECT_GRANTS, OBJECT_OPS))
def test_canned_object_acl(clients, private_bucket, acl_name, who, op, allowed):
    t = Target(private_bucket, new_name("key"), acl_name, clients["owner"])
    clients["owner"].put_object(Bucket=t.bucket, Key=t.key, Body=ORIGINAL, ACL=acl_name)
    OBJECT_OPS[op][1](clients[who], t, allowed)


@pytest.mark.parametrize("acl_name,who,op,allowed", _cases(FOREIGN_GRANTS, OBJECT_OPS))
def test_canned_object_acl_written_into_another_users_bucket(clients, shared_bucket, acl_name, who, op, allowed):
    t = Target(shared_bucket, new_name("key"), acl_name, clients["owner"])
    clients["second"].put_object(Bucket=t.bucket, Key=t.key, Body=ORIGINAL, ACL=acl_name)
    OBJECT_OPS[op][1](clients[who], t, allowed)


def test_bucket_owner_canned_acls_as_get_object_acl_shows_them(clients, shared_bucket):
    second = clients["second"]
    for acl_name, bucket_owner_perm in (("bucket-owner-read", "READ"), ("bucket-owner-full-control", "FULL_CONTROL")):
        key = new_name("key")
        second.put_object(Bucket=shared_bucket, Key=key, Body=ORIGINAL, ACL=acl_name)
        resp = second.get_object_acl(Bucket=shared_bucket, Key=key)
        assert resp["Owner"] == {"ID": SECOND_ID}
        assert resp["Grants"] == [
            {"Grantee": {"ID": SECOND_ID, "Type": "CanonicalUser"},
             "Permission": "FULL_CONTROL"},
            {"Grantee": {"ID": OWNER_ID, "Type": "CanonicalUser"},
             "Permission": bucket_owner_perm},
        ]


# ================================================================== explicit grants

def _grant_key(g: dict) -> tuple:
    return (g["Permission"], g["Grantee"]["Type"], g["Grantee"].get("ID") or g["Grantee"].get("URI"))


def user_grant(cid: str, perm: str) -> dict:
    """A grant as S3 shows it since 2025-11-21: the grantee's ID, no DisplayName
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Grantee.html)."""
    return {"Grantee": {"ID": cid, "Type": "CanonicalUser"}, "Permission": perm}


def group_grant(uri: str, perm: str) -> dict:
    return {"Grantee": {"URI": uri, "Type": "Group"}, "Permission": perm}


def test_grant_headers_on_create_bucket(clients):
    owner, second, third, anon = (clients[w] for w in ("owner", "second", "third", "anonymous"))
    name = new_name("grants")
    owner.create_bucket(Bucket=name, GrantRead=f'id="{SECOND_ID}", uri="{ALL_USERS}"',
                        GrantWrite=f'uri="{AUTHENTICATED_USERS}"', GrantReadACP=f'id="{THIRD_ID}"',
                        GrantWriteACP=f'id={SECOND_ID}', GrantFullControl=f'id="{OWNER_ID}"')
    resp = owner.get_bucket_acl(Bucket=name)
    assert resp["Owner"] == {"ID": OWNER_ID}
    assert sorted(resp["Grants"], key=_grant_key) == sorted([
        user_grant(OWNER_ID, "FULL_CONTROL"),
        user_grant(SECOND_ID, "READ"),
        group_grant(ALL_USERS, "READ"),
        group_grant(AUTHENTICATED_USERS, "WRITE"),
        user_grant(THIRD_ID, "READ_ACP"),
        user_grant(SECOND_ID, "WRITE_ACP"),
    ], key=_grant_key)
    anon.list_objects_v2(Bucket=name)                                            # AllUsers READ
    third.put_object(Bucket=name, Key="by-third", Body=b"x")                     # AuthenticatedUsers WRITE
    assert_denied(lambda: anon.put_object(Bucket=name, Key="by-anon", Body=b"x"))
    assert third.get_bucket_acl(Bucket=name)["Owner"]["ID"] == OWNER_ID          # READ_ACP to third
    assert_denied(lambda: second.get_bucket_acl(Bucket=name))
    second.put_bucket_acl(Bucket=name, ACL="private")                            # WRITE_ACP to second
    assert_denied(lambda: anon.list_objects_v2(Bucket=name))
    assert owner.get_bucket_acl(Bucket=name)["Grants"] == [user_grant(OWNER_ID, "FULL_CONTROL")]


def test_grant_headers_replace_the_owners_grant(clients):
    """With x-amz-grant-* the ACL is exactly what was granted: the object's owner keeps only its
    implicit right to read and change the ACL."""
    owner, second, bucket = clients["owner"], clients["second"], new_name("replace")
    owner.create_bucket(Bucket=bucket)
    owner.put_object(Bucket=bucket, Key="k", Body=ORIGINAL, GrantRead=f'id="{SECOND_ID}"')
    assert second.get_object(Bucket=bucket, Key="k")["Body"].read() == ORIGINAL
    assert_denied(lambda: owner.get_object(Bucket=bucket, Key="k"))
    resp = owner.get_object_acl(Bucket=bucket, Key="k")
    assert resp["Owner"] == {"ID": OWNER_ID}
    assert resp["Grants"] == [user_grant(SECOND_ID, "READ")]
    owner.put_object_acl(Bucket=bucket, Key="k", ACL="private")
    assert owner.get_object(Bucket=bucket, Key="k")["Body"].read() == ORIGINAL
    assert_denied(lambda: second.get_object(Bucket=bucket, Key="k"))


@pytest.mark.parametrize("grantee,reader,allowed", [
    pytest.param(f'uri="{ALL_USERS}"', "anonymous", True, id="all-users/anonymous-allow"),
    pytest.param(f'uri="{ALL_USERS}"', "third", True, id="all-users/third-allow"),
    pytest.param(f'uri="{AUTHENTICATED_USERS}"', "third", True, id="authenticated-users/third-allow"),
    pytest.param(f'uri="{AUTHENTICATED_USERS}"', "anonymous", False, id="authenticated-users/anonymous-deny"),
    pytest.param(f'id="{SECOND_ID}"', "second", True, id="second-id/second-allow"),
    pytest.param(f'id="{SECOND_ID}"', "third", False, id="second-id/third-deny"),
    pytest.param(f'id="{SECOND_ID}"', "anonymous", False, id="second-id/anonymous-deny"),
])
def test_object_grant_read_header(clients, private_bucket, grantee, reader, allowed):
    key = new_name("key")
    clients["owner"].put_object(Bucket=private_bucket, Key=key, Body=ORIGINAL, GrantRead=grantee)
    t = Target(private_bucket, key, "", clients["owner"])
    _get(clients[reader], t, allowed)
    expect(allowed, lambda: clients[reader].head_object(Bucket=private_bucket, Key=key), head=True)
    assert_denied(lambda: clients[reader].get_object_acl(Bucket=private_bucket, Key=key))


PERMISSIONS = ("READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL")


@pytest.mark.parametrize("granted", PERMISSIONS)
def test_put_bucket_acl_policy_grant_to_second_user(clients, granted):
    owner, second, bucket = clients["owner"], clients["second"], new_name("policy")
    owner.create_bucket(Bucket=bucket)
    # A policy may still name a DisplayName (older clients send one back): it is accepted, not kept.
    policy = {"Owner": {"ID": OWNER_ID, "DisplayName": "test"},
              "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": OWNER_ID}, "Permission": "FULL_CONTROL"},
                         {"Grantee": {"Type": "CanonicalUser", "ID": SECOND_ID}, "Permission": granted}]}
    assert status(owner.put_bucket_acl(Bucket=bucket, AccessControlPolicy=policy)) == 200
    resp = owner.get_bucket_acl(Bucket=bucket)
    assert resp["Owner"] == {"ID": OWNER_ID}
    assert resp["Grants"] == [user_grant(OWNER_ID, "FULL_CONTROL"), user_grant(SECOND_ID, granted)]

    def has(perm: str) -> bool:
        return granted in (perm, "FULL_CONTROL")
    expect(has("READ"), lambda: second.list_objects_v2(Bucket=bucket))
    expect(has("READ"), lambda: second.head_bucket(Bucket=bucket), head=True)
    t = Target(bucket, new_name("key"), "", owner)
    _put_new(second, t, has("WRITE"))
    expect(has("READ_ACP"), lambda: second.get_bucket_acl(Bucket=bucket))
    expect(has("WRITE_ACP"), lambda: second.put_bucket_acl(Bucket=bucket, AccessControlPolicy=policy))
    assert_denied(lambda: clients["third"].list_objects_v2(Bucket=bucket))


@pytest.mark.parametrize("granted", PERMISSIONS)
def test_put_object_acl_policy_grant_to_second_user(clients, private_bucket, granted):
    owner, second, key = clients["owner"], clients["second"], new_name("key")
    owner.put_object(Bucket=private_bucket, Key=key, Body=ORIGINAL)
    policy = {"Owner": {"ID": OWNER_ID},
              "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": OWNER_ID}, "Permission": "FULL_CONTROL"},
                         {"Grantee": {"Type": "CanonicalUser", "ID": SECOND_ID}, "Permission": granted},
                         {"Grantee": {"Type": "Group", "URI": AUTHENTICATED_USERS}, "Permission": "READ_ACP"}]}
    assert status(owner.put_object_acl(Bucket=private_bucket, Key=key, AccessControlPolicy=policy)) == 200
    resp = owner.get_object_acl(Bucket=private_bucket, Key=key)
    assert resp["Owner"] == {"ID": OWNER_ID}
    assert resp["Grants"] == [user_grant(OWNER_ID, "FULL_CONTROL"), user_grant(SECOND_ID, granted),
                              group_grant(AUTHENTICATED_USERS, "READ_ACP")]

    def has(perm: str) -> bool:
        return granted in (perm, "FULL_CONTROL")
    t = Target(private_bucket, key, "", owner)
    _get(second, t, has("READ"))
    # WRITE on an object grants nothing: overwriting needs WRITE on the (private) bucket
    _overwrite(second, t, False)
    second.get_object_acl(Bucket=private_bucket, Key=key)                        # AuthenticatedUsers READ_ACP
    assert_denied(lambda: clients["anonymous"].get_object_acl(Bucket=private_bucket, Key=key))
    expect(has("WRITE_ACP"), lambda: second.put_object_acl(Bucket=private_bucket, Key=key,
                                                           AccessControlPolicy=policy))


def test_acl_errors(clients, private_bucket):
    owner = clients["owner"]
    resp = error_of(lambda: owner.put_bucket_acl(Bucket=private_bucket, ACL="private",
                                                 GrantRead=f'id="{SECOND_ID}"'))
    assert (status(resp), resp["Error"]["Code"]) == (400, "InvalidRequest")
    assert resp["Error"]["Message"] == "Specifying both Canned ACLs and Header Grants is not allowed"
    resp = error_of(lambda: owner.put_bucket_acl(Bucket=private_bucket, GrantRead='id="_foo"'))
    assert (status(resp), resp["Error"]["Code"]) == (400, "InvalidArgument")
    resp = error_of(lambda: owner.put_bucket_acl(Bucket=private_bucket, GrantRead='emailAddress="a@example.com"'))
    assert (status(resp), resp["Error"]["Code"]) == (400, "UnresolvableGrantByEmailAddress")
    grants = [{"Grantee": {"Type": "CanonicalUser", "ID": OWNER_ID}, "Permission": "FULL_CONTROL"}]
    resp = error_of(lambda: owner.put_bucket_acl(Bucket=private_bucket, AccessControlPolicy={"Grants": grants}))
    assert (status(resp), resp["Error"]["Code"]) == (400, "MalformedACLError")
    bad = [{"Grantee": {"Type": "CanonicalUser", "ID": "_foo"}, "Permission": "FULL_CONTROL"}]
    resp = error_of(lambda: owner.put_bucket_acl(Bucket=private_bucket, AccessControlPolicy={
        "Owner": {"ID": OWNER_ID}, "Grants": bad}))
    assert (status(resp), resp["Error"]["Code"]) == (400, "InvalidArgument")
    # giving the bucket away through the policy's Owner is refused
    assert_denied(lambda: owner.put_bucket_acl(Bucket=private_bucket, AccessControlPolicy={
        "Owner": {"ID": SECOND_ID}, "Grants": grants}))
    resp = error_of(lambda: owner.put_bucket_acl(Bucket=private_bucket, AccessControlPolicy={
        "Owner": {"ID": OWNER_ID}, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": OWNER_ID},
                                               "Permission": "FULL_CONTROLL"}]}))
    assert (status(resp), resp["Error"]["Code"]) == (400, "MalformedACLError")
    resp = error_of(lambda: owner.create_bucket(Bucket=new_name(), ACL="no-such-acl"))
    assert (status(resp), resp["Error"]["Code"]) == (400, "InvalidArgument")
    # nothing changed on the bucket
    assert owner.get_bucket_acl(Bucket=private_bucket)["Grants"] == [user_grant(OWNER_ID, "FULL_CONTROL")]


def test_malformed_acl_message(clients, private_bucket):
    resp = error_of(lambda: clients["owner"].put_bucket_acl(Bucket=private_bucket, AccessControlPolicy={
        "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": OWNER_ID}, "Permission": "FULL_CONTROL"}]}))
    assert resp["Error"]["Message"] == ("The XML you provided was not well-formed or did not validate "
                                        "against our published schema")


# ================================================================== owner-only operations

@pytest.fixture(scope="module")
def open_bucket(clients) -> str:
    """public-read-write, and FULL_CONTROL for the second user: still not enough for configuration."""
    name = new_name("open")
    owner = clients["owner"]
    owner.create_bucket(Bucket=name, GrantFullControl=f'id="{OWNER_ID}", id="{SECOND_ID}"',
                        GrantRead=f'uri="{ALL_USERS}"', GrantWrite=f'uri="{ALL_USERS}"')
    owner.put_bucket_cors(Bucket=name, CORSConfiguration=CORS)
    return name


CORS = {"CORSRules": [{"AllowedOrigins": [ORIGIN], "AllowedMethods": ["GET", "PUT", "HEAD"],
                       "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"]}]}
OWNER_OPS = {
    "PutBucketCors": lambda c, b: c.put_bucket_cors(Bucket=b, CORSConfiguration=CORS),
    "GetBucketCors": lambda c, b: c.get_bucket_cors(Bucket=b),
    "DeleteBucketCors": lambda c, b: c.delete_bucket_cors(Bucket=b),
    "DeleteBucket": lambda c, b: c.delete_bucket(Bucket=b),
    "GetBucketLocation": lambda c, b: c.get_bucket_location(Bucket=b),
}


@pytest.mark.parametrize("who", ["second", "third", "anonymous"])
@pytest.mark.parametrize("op", OWNER_OPS)
def test_owner_only_operations_refused(clients, open_bucket, op, who):
    assert_denied(lambda: OWNER_OPS[op](clients[who], open_bucket))
    owner = clients["owner"]
    assert owner.get_bucket_cors(Bucket=open_bucket)["CORSRules"][0]["AllowedOrigins"] == [ORIGIN]
    # the same users can read and write the bucket's contents
    clients[who].put_object(Bucket=open_bucket, Key=new_name("key"), Body=b"x")
    clients[who].list_objects_v2(Bucket=open_bucket)


def test_owner_only_operations_allowed_to_the_owner(clients):
    owner, name = clients["owner"], new_name("mine")
    owner.create_bucket(Bucket=name, ACL="private")
    for op in ("PutBucketCors", "GetBucketCors", "DeleteBucketCors", "GetBucketLocation", "DeleteBucket"):
        OWNER_OPS[op](owner, name)
    assert error_of(lambda: owner.head_bucket(Bucket=name))["Error"]["Code"] == "404"


def test_list_buckets_shows_only_the_callers_buckets(clients):
    second, third = clients["second"], clients["third"]
    mine = {new_name("second"), new_name("second")}
    for name in mine:
        second.create_bucket(Bucket=name)
    resp = second.list_buckets()
    assert resp["Owner"] == {"ID": SECOND_ID}
    assert {b["Name"] for b in resp["Buckets"]} == mine
    assert not mine & {b["Name"] for b in third.list_buckets()["Buckets"]}
    assert not mine & {b["Name"] for b in clients["owner"].list_buckets()["Buckets"]}


def test_anonymous_list_buckets_and_create_bucket_denied(clients):
    anon, name = clients["anonymous"], new_name("anon")
    assert_denied(anon.list_buckets)
    assert_denied(lambda: anon.create_bucket(Bucket=name))
    assert error_of(lambda: clients["owner"].head_bucket(Bucket=name))["Error"]["Code"] == "404"


# ================================================================== CopyObject, missing keys

def test_copy_object_needs_read_on_the_source(clients, private_bucket):
    owner, second = clients["owner"], clients["second"]
    dest = new_name("dest")
    second.create_bucket(Bucket=dest)
    src = {"Bucket": private_bucket, "Key": new_name("src")}
    owner.put_object(**src, Body=ORIGINAL)
    assert_denied(lambda: second.copy_object(Bucket=dest, Key="copy", CopySource=src))
    assert "Contents" not in second.list_objects_v2(Bucket=dest)
    owner.put_object_acl(**src, ACL="public-read")
    second.copy_object(Bucket=dest, Key="copy", CopySource=src, ACL="public-read")
    assert clients["anonymous"].get_object(Bucket=dest, Key="copy")["Body"].read() == ORIGINAL
    resp = second.get_object_acl(Bucket=dest, Key="copy")
    assert resp["Owner"] == {"ID": SECOND_ID}
    # writing into someone else's private bucket is refused whatever the source
    assert_denied(lambda: second.copy_object(Bucket=private_bucket, Key=new_name("copy"), CopySource=src))


def test_copy_object_missing_source_is_access_denied_without_list_right(clients, private_bucket):
    second, dest = clients["second"], new_name("dest")
    second.create_bucket(Bucket=dest)
    assert_denied(lambda: second.copy_object(Bucket=dest, Key="copy", CopySource={
        "Bucket": private_bucket, "Key": new_name("missing")}))


@pytest.mark.parametrize("bucket_acl,who,can_list", [
    pytest.param("private", "owner", True, id="private/owner-404"),
    pytest.param("private", "second", False, id="private/second-403"),
    pytest.param("private", "anonymous", False, id="private/anonymous-403"),
    pytest.param("public-read", "anonymous", True, id="public-read/anonymous-404"),
    pytest.param("authenticated-read", "second", True, id="authenticated-read/second-404"),
    pytest.param("authenticated-read", "anonymous", False, id="authenticated-read/anonymous-403"),
])
def test_missing_key_is_404_only_for_who_may_list(clients, canned_bucket, bucket_acl, who, can_list):
    c, bucket, key = clients[who], canned_bucket(bucket_acl), new_name("missing")
    for call, head in ((lambda: c.get_object(Bucket=bucket, Key=key), False),
                       (lambda: c.head_object(Bucket=bucket, Key=key), True),
                       (lambda: c.get_object_acl(Bucket=bucket, Key=key), False)):
        if can_list:
            resp = error_of(call)
            assert status(resp) == 404
            assert resp["Error"]["Code"] == ("404" if head else "NoSuchKey")
        else:
            assert_denied(call, head)


# ================================================================== anonymous writers

def test_object_written_anonymously_is_owned_by_the_anonymous_user(clients, canned_bucket):
    owner, anon, second = clients["owner"], clients["anonymous"], clients["second"]
    bucket, key = canned_bucket("public-read-write"), new_name("anon")
    anon.put_object(Bucket=bucket, Key=key, Body=ORIGINAL)
    listed = owner.list_objects(Bucket=bucket, Prefix=key)["Contents"]
    assert [(o["Key"], o["Owner"]["ID"]) for o in listed] == [(key, ANONYMOUS_ID)]
    # the bucket owner cannot read it, nor its ACL; the anonymous owner can do both
    assert_denied(lambda: owner.get_object(Bucket=bucket, Key=key))
    assert_denied(lambda: owner.head_object(Bucket=bucket, Key=key), head=True)
    assert_denied(lambda: owner.get_object_acl(Bucket=bucket, Key=key))
    assert_denied(lambda: second.get_object(Bucket=bucket, Key=key))
    assert anon.get_object(Bucket=bucket, Key=key)["Body"].read() == ORIGINAL
    resp = anon.get_object_acl(Bucket=bucket, Key=key)
    assert resp["Owner"]["ID"] == ANONYMOUS_ID
    assert [(g["Grantee"]["Type"], g["Grantee"]["ID"], g["Permission"]) for g in resp["Grants"]] == [
        ("CanonicalUser", ANONYMOUS_ID, "FULL_CONTROL")]
    # the remedy AWS documents: the anonymous owner grants the bucket owner full control
    anon.put_object_acl(Bucket=bucket, Key=key, ACL="bucket-owner-full-control")
    assert owner.get_object(Bucket=bucket, Key=key)["Body"].read() == ORIGINAL
    assert owner.get_object_acl(Bucket=bucket, Key=key)["Owner"]["ID"] == ANONYMOUS_ID


def test_bucket_owner_deletes_an_anonymously_written_object(clients, canned_bucket):
    owner, anon = clients["owner"], clients["anonymous"]
    t = Target(canned_bucket("public-read-write"), new_name("anon"), "", owner)
    anon.put_object(Bucket=t.bucket, Key=t.key, Body=ORIGINAL)
    assert_denied(lambda: owner.get_object(Bucket=t.bucket, Key=t.key))
    assert status(owner.delete_object(Bucket=t.bucket, Key=t.key)) == 204
    assert size_of(t) is None


def test_requested_acl_on_multipart_upload(clients, private_bucket):
    owner, key = clients["owner"], new_name("mpu")
    up = owner.create_multipart_upload(Bucket=private_bucket, Key=key, ACL="public-read")["UploadId"]
    part = owner.upload_part(Bucket=private_bucket, Key=key, UploadId=up, PartNumber=1, Body=ORIGINAL)
    owner.complete_multipart_upload(Bucket=private_bucket, Key=key, UploadId=up, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert clients["anonymous"].get_object(Bucket=private_bucket, Key=key)["Body"].read() == ORIGINAL


# ================================================================== raw responses: body, CORS

def raw(endpoint: str, method: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    host, port = endpoint.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_access_denied_body_and_cors_headers(strict, clients, open_bucket):
    owner, key = clients["owner"], new_name("private")
    owner.put_object(Bucket=open_bucket, Key=key, Body=ORIGINAL)         # private object
    code, headers, body = raw(strict.endpoint, "GET", f"/{open_bucket}/{key}", {"Origin": ORIGIN})
    assert code == 403
    assert headers["access-control-allow-origin"] == ORIGIN
    assert "ETag" in headers["access-control-expose-headers"]
    assert headers["content-type"] == "application/xml"
    doc = etree.fromstring(body)
    assert doc.tag == "Error"
    assert (doc.findtext("Code"), doc.findtext("Message")) == ("AccessDenied", "Access Denied")
    assert doc.findtext("RequestId") == headers["x-amz-request-id"]
    assert doc.findtext("HostId")
    code, headers, body = raw(strict.endpoint, "HEAD", f"/{open_bucket}/{key}", {"Origin": ORIGIN})
    assert (code, body) == (403, b"")
    assert headers["access-control-allow-origin"] == ORIGIN
    # an origin no rule allows: the same refusal, without CORS headers
    code, headers, _ = raw(strict.endpoint, "GET", f"/{open_bucket}/{key}", {"Origin": "https://evil.example"})
    assert code == 403 and "access-control-allow-origin" not in headers


def test_bucket_level_access_denied_carries_cors_headers(strict, clients):
    owner, name = clients["owner"], new_name("corsdeny")
    owner.create_bucket(Bucket=name)
    owner.put_bucket_cors(Bucket=name, CORSConfiguration=CORS)
    for method, path in (("GET", f"/{name}?list-type=2"), ("HEAD", f"/{name}"), ("GET", f"/{name}?acl"),
                         ("PUT", f"/{name}/new-key"), ("GET", f"/{name}/missing")):
        code, headers, body = raw(strict.endpoint, method, path, {"Origin": ORIGIN})
        assert code == 403, (method, path)
        assert headers["access-control-allow-origin"] == ORIGIN, (method, path)
        if method != "HEAD":
            assert etree.fromstring(body).findtext("Code") == "AccessDenied"


# ================================================================== lenient mode

@pytest.fixture(scope="module")
def lenient(tmp_path_factory):
    """Same users, signatures unchecked. The buckets are made through the lenient server itself."""
    srv = start_server(tmp_path_factory.mktemp("acl-lenient"), "--auth", "lenient", *USER_ARGS)
    owner = make_client(srv.endpoint, "owner")
    names = {}
    for acl_name in ("private", "public-read", "authenticated-read"):
        names[acl_name] = new_name(acl_name)
        owner.create_bucket(Bucket=names[acl_name], ACL=acl_name)
        owner.put_object(Bucket=names[acl_name], Key="k", Body=ORIGINAL, ACL=acl_name)
    yield srv, names
    srv.stop()


@pytest.mark.parametrize("bucket_acl,who,secret,allowed", [
    pytest.param("private", "owner", None, True, id="private/owner-allow"),
    pytest.param("private", "second", None, False, id="private/second-deny"),
    pytest.param("private", "second", "wrong-secret", False, id="private/second-bad-signature-deny"),
    pytest.param("private", "anonymous", None, False, id="private/anonymous-deny"),
    pytest.param("public-read", "anonymous", None, True, id="public-read/anonymous-allow"),
    pytest.param("authenticated-read", "second", "wrong-secret", True,
                 id="authenticated-read/second-bad-signature-allow"),
    pytest.param("authenticated-read", "anonymous", None, False, id="authenticated-read/anonymous-deny"),
])
def test_lenient_mode_applies_the_same_acls(lenient, bucket_acl, who, secret, allowed):
    srv, names = lenient
    c = make_client(srv.endpoint, who, secret)
    bucket = names[bucket_acl]
    expect(allowed, lambda: c.list_objects_v2(Bucket=bucket))
    resp = expect(allowed, lambda: c.get_object(Bucket=bucket, Key="k"))
    if allowed:
        assert resp["Body"].read() == ORIGINAL
    expect(who == "owner", lambda: c.put_object(Bucket=bucket, Key=new_name("key"), Body=b"x"))
    expect(who == "owner", lambda: c.get_bucket_acl(Bucket=bucket))


def test_strict_mode_refuses_a_bad_signature(strict, clients, canned_bucket):
    c = make_client(strict.endpoint, "second", "wrong-secret")
    resp = error_of(lambda: c.list_objects_v2(Bucket=canned_bucket("authenticated-read")))
    assert (status(resp), resp["Error"]["Code"]) == (403, "SignatureDoesNotMatch")

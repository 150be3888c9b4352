"""Bucket policies deciding real requests, strict mode, through boto3: condition keys end to end,
version ids, CopyObject, multipart uploads, DeleteObjects, Block Public Access
(BlockPublicPolicy, RestrictPublicBuckets), Object Ownership, the access explainer, the 403 log
line, and lenient mode.

Condition keys: https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html
and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import uuid

import pytest
import requests
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from support import start_server
from test_acl_access import KEYS, OWNER_ID, USER_ARGS, make_client
from test_bucket_policy import (OWNER, SECOND, THIRD, arn, body, c, denied, document, error,  # noqa: F401
                                new_bucket, put_policy, srv, statement)
from test_operations_surface import launch
from test_readme import README, adapt, python_blocks


def explain(endpoint: str, params: dict, who: str | None = "owner") -> requests.Response:
    """GET /_s3mock/access/explain, signed by `who` (None: unsigned)."""
    req = AWSRequest(method="GET", url=f"{endpoint}/_s3mock/access/explain", params=params)
    prepared = req.prepare()
    headers = {}
    if who is not None:
        signed = AWSRequest(method="GET", url=prepared.url, data=b"")
        S3SigV4Auth(Credentials(*KEYS[who]), "s3", "us-east-1").add_auth(signed)
        headers = dict(signed.headers.items())
    return requests.get(prepared.url, headers=headers, timeout=30)


def allow_second(bucket: str, action, resource, condition: dict | None = None, sid: str | None = None):
    return statement("Allow", {"AWS": SECOND.arn}, action, resource, condition, sid)


# --------------------------------------------------------------------------- conditions

def test_source_ip(c):
    """Requests here come from 127.0.0.1: inside 127.0.0.1/32, outside 10.0.0.0/8."""
    owner, second = c["owner"], c["second"]
    inside, outside = new_bucket(owner), new_bucket(owner)
    for bucket, cidr in ((inside, "127.0.0.1/32"), (outside, "10.0.0.0/8")):
        owner.put_object(Bucket=bucket, Key="k", Body=b"v")
        put_policy(owner, bucket, allow_second(bucket, "s3:GetObject", arn(bucket, "*"),
                                               {"IpAddress": {"aws:SourceIp": cidr}}))
    assert body(second, inside, "k") == b"v"
    denied(second.get_object, Bucket=outside, Key="k")


def test_secure_transport_deny_when_false(c):
    """The canonical "HTTPS only" policy (AWS example, "Deny requests not using HTTPS"): over
    plain HTTP, as here, everything it names is refused, the owner's requests too; the owner
    still manages the policy (API_DeleteBucketPolicy.html)."""
    owner, bucket = c["owner"], new_bucket(c["owner"])
    owner.put_object(Bucket=bucket, Key="k", Body=b"v")
    put_policy(owner, bucket, statement("Deny", "*", "s3:*", [arn(bucket), arn(bucket, "*")],
                                        {"Bool": {"aws:SecureTransport": "false"}}, sid="HttpsOnly"))
    denied(owner.get_object, Bucket=bucket, Key="k")
    denied(owner.list_objects_v2, Bucket=bucket)
    owner.delete_bucket_policy(Bucket=bucket)
    assert body(owner, bucket, "k") == b"v"


def test_s3_prefix_on_list_objects_v2(c):
    owner, second = c["owner"], c["second"]
    bucket = new_bucket(owner)
    for key in ("home/alice/a", "home/bob/b", "etc/c"):
        owner.put_object(Bucket=bucket, Key=key, Body=b"x")
    put_policy(owner, bucket, allow_second(bucket, "s3:ListBucket", arn(bucket),
                                           {"StringLike": {"s3:prefix": "home/alice/*"}}))
    listed = second.list_objects_v2(Bucket=bucket, Prefix="home/alice/")
    assert [o["Key"] for o in listed["Contents"]] == ["home/alice/a"]
    denied(second.list_objects_v2, Bucket=bucket, Prefix="home/")
    denied(second.list_objects_v2, Bucket=bucket)             # no prefix: "" (AWS's examples allow it as "")


def test_existing_object_tag(c):
    owner, second = c["owner"], c["second"]
    bucket = new_bucket(owner)
    owner.put_object(Bucket=bucket, Key="blue", Body=b"b", Tagging="Project=blue")
    owner.put_object(Bucket=bucket, Key="red", Body=b"r", Tagging="Project=red")
    owner.put_object(Bucket=bucket, Key="none", Body=b"n")
    put_policy(owner, bucket, allow_second(bucket, "s3:GetObject", arn(bucket, "*"),
                                           {"StringEquals": {"s3:ExistingObjectTag/Project": "blue"}}))
    assert body(second, bucket, "blue") == b"b"
    denied(second.get_object, Bucket=bucket, Key="red")
    denied(second.get_object, Bucket=bucket, Key="none")
    # retagging changes the decision on the next request
    owner.put_object_tagging(Bucket=bucket, Key="red", Tagging={"TagSet": [{"Key": "Project", "Value": "blue"}]})
    assert body(second, bucket, "red") == b"r"


def test_request_object_tag(c):
    """PutObject with x-amz-tagging needs s3:PutObjectTagging too (API_PutObject.html,
    "Permissions")."""
    owner, second = c["owner"], c["second"]
    bucket = new_bucket(owner, ObjectOwnership="BucketOwnerEnforced")   # the owner reads what is written
    put_policy(owner, bucket, allow_second(bucket, ["s3:PutObject", "s3:PutObjectTagging"], arn(bucket, "*"),
                                           {"StringEquals": {"s3:RequestObjectTag/Project": "blue"}}))
    second.put_object(Bucket=bucket, Key="ok", Body=b"x", Tagging="Project=blue")
    denied(second.put_object, Bucket=bucket, Key="red", Body=b"x", Tagging="Project=red")
    denied(second.put_object, Bucket=bucket, Key="untagged", Body=b"x")
    keys = [o["Key"] for o in owner.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["ok"]
    assert owner.get_object_tagging(Bucket=bucket, Key="ok")["TagSet"] == [{"Key": "Project", "Value": "blue"}]


def test_x_amz_acl_bucket_owner_full_control(c):
    """The cross-account upload pattern (AWS example "Granting cross-account permissions to upload
    objects while ensuring the bucket owner has full control")."""
    owner, second = c["owner"], c["second"]
    bucket = new_bucket(owner)
    put_policy(owner, bucket, allow_second(bucket, ["s3:PutObject", "s3:PutObjectAcl"], arn(bucket, "*"),
                                           {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}))
    second.put_object(Bucket=bucket, Key="ok", Body=b"x", ACL="bucket-owner-full-control")
    denied(second.put_object, Bucket=bucket, Key="private", Body=b"x", ACL="private")
    denied(second.put_object, Bucket=bucket, Key="no-acl", Body=b"x")
    grants = owner.get_object_acl(Bucket=bucket, Key="ok")["Grants"]
    assert {"Grantee": {"ID": OWNER_ID, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"} in grants


def test_server_side_encryption_required(c):
    """StringNotEquals on a key the request lacks is true (reference_policies_elements_condition_operators.html:
    a negated operator matches when the key is absent), so one Deny refuses uploads without
    x-amz-server-side-encryption as well as those with another value."""
    owner, bucket = c["owner"], new_bucket(c["owner"])
    put_policy(owner, bucket, statement("Deny", "*", "s3:PutObject", arn(bucket, "*"),
                                        {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}},
                                        sid="RequireSSE"))
    owner.put_object(Bucket=bucket, Key="enc", Body=b"x", ServerSideEncryption="AES256")
    denied(owner.put_object, Bucket=bucket, Key="plain", Body=b"x")
    denied(owner.put_object, Bucket=bucket, Key="kms", Body=b"x", ServerSideEncryption="aws:kms")
    assert [o["Key"] for o in owner.list_objects_v2(Bucket=bucket)["Contents"]] == ["enc"]


# --------------------------------------------------------------------------- operations

def test_version_ids_need_get_object_version(c):
    owner, second = c["owner"], c["second"]
    bucket = new_bucket(owner)
    owner.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = owner.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    owner.put_object(Bucket=bucket, Key="k", Body=b"two")
    put_policy(owner, bucket, allow_second(bucket, "s3:GetObject", arn(bucket, "*")))
    assert body(second, bucket, "k") == b"two"
    denied(second.get_object, Bucket=bucket, Key="k", VersionId=v1)
    put_policy(owner, bucket, allow_second(bucket, "s3:GetObjectVersion", arn(bucket, "*")))
    assert body(second, bucket, "k", VersionId=v1) == b"one"
    denied(second.get_object, Bucket=bucket, Key="k")


def test_copy_needs_get_on_source_and_put_on_target(c):
    owner, second = c["owner"], c["second"]
    bucket = new_bucket(owner, ObjectOwnership="BucketOwnerEnforced")   # the owner reads what is written
    owner.put_object(Bucket=bucket, Key="src/a", Body=b"aaa")
    owner.put_object(Bucket=bucket, Key="secret/s", Body=b"sss")
    put_policy(owner, bucket, allow_second(bucket, "s3:GetObject", arn(bucket, "src/*")),
               allow_second(bucket, "s3:PutObject", arn(bucket, "dst/*")))
    second.copy_object(Bucket=bucket, Key="dst/a", CopySource={"Bucket": bucket, "Key": "src/a"})
    assert body(owner, bucket, "dst/a") == b"aaa"
    denied(second.copy_object, Bucket=bucket, Key="elsewhere/a", CopySource={"Bucket": bucket, "Key": "src/a"})
    denied(second.copy_object, Bucket=bucket, Key="dst/s", CopySource={"Bucket": bucket, "Key": "secret/s"})
    keys = [o["Key"] for o in owner.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["dst/a", "secret/s", "src/a"]


def test_multipart_upload_under_a_policy(c):
    """CreateMultipartUpload, UploadPart and CompleteMultipartUpload need s3:PutObject;
    AbortMultipartUpload needs s3:AbortMultipartUpload, which the initiator has by default
    (using-with-s3-policy-actions.html, mpuAndPermissions.html)."""
    owner, second = c["owner"], c["second"]
    bucket = new_bucket(owner, ObjectOwnership="BucketOwnerEnforced")   # the owner reads what is written
    put_policy(owner, bucket, allow_second(bucket, "s3:PutObject", arn(bucket, "uploads/*")))
    up = second.create_multipart_upload(Bucket=bucket, Key="uploads/big")["UploadId"]
    part = 5 * 1024 * 1024
    etags = [second.upload_part(Bucket=bucket, Key="uploads/big", UploadId=up, PartNumber=n,
                                Body=bytes([n]) * (part if n == 1 else 10))["ETag"] for n in (1, 2)]
    second.complete_multipart_upload(Bucket=bucket, Key="uploads/big", UploadId=up, MultipartUpload={
        "Parts": [{"PartNumber": n, "ETag": e} for n, e in zip((1, 2), etags)]})
    assert owner.head_object(Bucket=bucket, Key="uploads/big")["ContentLength"] == part + 10
    denied(second.create_multipart_upload, Bucket=bucket, Key="other/big")
    up2 = second.create_multipart_upload(Bucket=bucket, Key="uploads/left")["UploadId"]
    denied(c["third"].abort_multipart_upload, Bucket=bucket, Key="uploads/left", UploadId=up2)
    # "By default, the bucket owner and the initiator of the multipart upload are allowed to
    # perform this action" (mpuAndPermissions.html)
    second.abort_multipart_upload(Bucket=bucket, Key="uploads/left", UploadId=up2)
    assert "Uploads" not in owner.list_multipart_uploads(Bucket=bucket)


def test_delete_objects_with_one_key_denied(c):
    """A Deny on one key fails that key alone, as <Error> AccessDenied in the 200 result
    (API_DeleteObjects.html: the result reports each key's outcome)."""
    owner, bucket = c["owner"], new_bucket(c["owner"])
    for key in ("a", "keep", "b"):
        owner.put_object(Bucket=bucket, Key=key, Body=b"x")
    put_policy(owner, bucket, statement("Deny", "*", "s3:DeleteObject", arn(bucket, "keep"), sid="Keep"))
    resp = owner.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in ("a", "keep", "b")]})
    assert sorted(d["Key"] for d in resp["Deleted"]) == ["a", "b"]
    assert [(e["Key"], e["Code"], e["Message"]) for e in resp["Errors"]] == [("keep", "AccessDenied", "Access Denied")]
    assert [o["Key"] for o in owner.list_objects_v2(Bucket=bucket)["Contents"]] == ["keep"]


# --------------------------------------------------------------------------- Block Public Access, ownership

def test_block_public_policy_refuses_a_public_policy(c):
    """access-control-block-public-access.html: BlockPublicPolicy "causes Amazon S3 to reject calls
    to PUT Bucket policy if the specified bucket policy allows public access" (403 AccessDenied,
    as recorded in torchbox/buckup#18: "calling the PutBucketPolicy operation: Access Denied")."""
    owner, bucket = c["owner"], new_bucket(c["owner"])
    owner.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
    with pytest.raises(ClientError) as e:
        put_policy(owner, bucket, statement("Allow", "*", "s3:GetObject", arn(bucket, "*")))
    assert error(e)[:2] == (403, "AccessDenied")
    with pytest.raises(ClientError) as e:
        owner.get_bucket_policy(Bucket=bucket)
    assert error(e)[1] == "NoSuchBucketPolicy"
    text = put_policy(owner, bucket, allow_second(bucket, "s3:GetObject", arn(bucket, "*")))
    assert owner.get_bucket_policy(Bucket=bucket)["Policy"] == text


def test_restrict_public_buckets(c):
    """RestrictPublicBuckets: "public and cross-account access within any public bucket policy,
    including non-public delegation to specific accounts, is blocked" (PublicAccessBlockConfiguration,
    API reference); the owner's account keeps its access."""
    owner, bucket = c["owner"], new_bucket(c["owner"])
    owner.put_object(Bucket=bucket, Key="public/p", Body=b"p")
    owner.put_object(Bucket=bucket, Key="shared/s", Body=b"s")
    put_policy(owner, bucket, statement("Allow", "*", "s3:GetObject", arn(bucket, "public/*")),
               allow_second(bucket, "s3:GetObject", arn(bucket, "shared/*")))
    assert body(c["anonymous"], bucket, "public/p") == b"p"
    assert body(c["second"], bucket, "shared/s") == b"s"
    owner.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"RestrictPublicBuckets": True})
    denied(c["anonymous"].get_object, Bucket=bucket, Key="public/p")
    denied(c["third"].get_object, Bucket=bucket, Key="public/p")
    denied(c["second"].get_object, Bucket=bucket, Key="shared/s")
    assert body(owner, bucket, "public/p") == b"p"
    # a policy that is not public is not restricted
    put_policy(owner, bucket, allow_second(bucket, "s3:GetObject", arn(bucket, "shared/*")))
    assert body(c["second"], bucket, "shared/s") == b"s"


def test_bucket_owner_enforced_policy_decides(c):
    """With ACLs disabled, "you use policies alone to control access" (about-object-ownership.html)."""
    owner, second = c["owner"], c["second"]
    bucket = new_bucket(owner, ObjectOwnership="BucketOwnerEnforced")
    put_policy(owner, bucket, allow_second(bucket, ["s3:PutObject", "s3:GetObject"], arn(bucket, "inbox/*")),
               allow_second(bucket, "s3:ListBucket", arn(bucket)))
    second.put_object(Bucket=bucket, Key="inbox/letter", Body=b"hello")
    assert body(second, bucket, "inbox/letter") == b"hello"
    assert owner.get_object_acl(Bucket=bucket, Key="inbox/letter")["Owner"]["ID"] == OWNER_ID
    assert [o["Key"] for o in second.list_objects_v2(Bucket=bucket)["Contents"]] == ["inbox/letter"]
    denied(second.put_object, Bucket=bucket, Key="outbox/x", Body=b"x")


# --------------------------------------------------------------------------- explainer and log

def test_explainer_names_the_deciding_statement(c, srv):
    owner, bucket = c["owner"], new_bucket(c["owner"])
    owner.put_object(Bucket=bucket, Key="k", Body=b"v")     # a missing key needs s3:ListBucket too
    put_policy(owner, bucket, allow_second(bucket, "s3:GetObject", arn(bucket, "*"), sid="ReadAll"),
               statement("Deny", "*", "s3:GetObject", arn(bucket, "*"),
                         {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, sid="OfficeOnly"))
    base = {"principal": KEYS["second"][0], "action": "s3:GetObject", "bucket": bucket, "key": "k"}
    r = explain(srv.endpoint, {**base, "aws:SourceIp": "192.0.2.1"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["decision"] == "denied" and got["resource"] == arn(bucket, "k")
    assert got["principal"]["account"] == SECOND.account_id and got["principal"]["arn"] == SECOND.arn
    assert got["decided_by"]["kind"] == "policy"
    assert (got["decided_by"]["statement"], got["decided_by"]["sid"]) == (1, "OfficeOnly")
    assert [s["applies"] for s in got["statements"]] == [True, True]
    got = explain(srv.endpoint, {**base, "aws:SourceIp": "10.1.2.3"}).json()
    assert got["decision"] == "allowed"
    assert (got["decided_by"]["kind"], got["decided_by"]["sid"]) == ("policy", "ReadAll")
    anonymous = {"principal": "anonymous", "operation": "GetObject", "bucket": bucket, "key": "k",
                 "aws:SourceIp": "10.1.2.3"}
    got = explain(srv.endpoint, anonymous).json()
    assert got["decision"] == "denied" and got["decided_by"]["kind"] == "none"


def test_only_the_default_user_may_ask_in_strict_mode(c, srv):
    bucket = new_bucket(c["owner"])
    params = {"principal": "anonymous", "action": "s3:GetObject", "bucket": bucket, "key": "k"}
    for who in ("second", None):
        r = explain(srv.endpoint, params, who)
        assert r.status_code == 403 and "<Code>AccessDenied</Code>" in r.text
    assert explain(srv.endpoint, params).status_code == 200


def test_a_policy_403_is_logged_with_the_statement(tmp_path):
    s = launch(tmp_path / "data", "--auth", "strict", *USER_ARGS)
    try:
        owner = make_client(s.endpoint, "owner")
        bucket = new_bucket(owner)
        put_policy(owner, bucket, statement("Allow", {"AWS": SECOND.arn}, "s3:GetObject", arn(bucket, "*")),
                   statement("Deny", "*", "s3:PutObject", arn(bucket, "frozen/*"), sid="Frozen"))
        denied(owner.put_object, Bucket=bucket, Key="frozen/x", Body=b"x")
        line = s.wait_line(lambda ln: 'Sid "Frozen"' in ln)
        assert 'statement 2 (Sid "Frozen")' in line        # counted from 1, as a reader counts
        assert "s3:PutObject" in line and bucket in line
        owner.put_object(Bucket=bucket, Key="k", Body=b"v")
        denied(make_client(s.endpoint, "third").get_object, Bucket=bucket, Key="k")
        # no statement allowed it and no grant: still one line saying so (not the access log's)
        line = s.wait_line(lambda ln: f"GetObject {arn(bucket, 'k')} by third" in ln)
        assert "no bucket policy statement or object ACL grant allows it" in line
    finally:
        s.stop()


def test_lenient_mode_applies_policies_to_the_named_user(tmp_path):
    """--auth lenient reads who signed without checking the signature; the policy still applies."""
    srv = start_server(tmp_path / "data", "--auth", "lenient", *USER_ARGS)
    try:
        owner, second, third = (make_client(srv.endpoint, who, secret="wrong") for who in ("owner", "second", "third"))
        bucket = new_bucket(owner)
        owner.put_object(Bucket=bucket, Key="k", Body=b"v")
        put_policy(owner, bucket, allow_second(bucket, "s3:GetObject", arn(bucket, "*")),
                   statement("Deny", {"AWS": OWNER.arn}, "s3:PutObject", arn(bucket, "*")))
        assert body(second, bucket, "k") == b"v"
        denied(third.get_object, Bucket=bucket, Key="k")
        denied(owner.put_object, Bucket=bucket, Key="k2", Body=b"x")
    finally:
        srv.stop()


def test_readme_explainer_example(srv, tmp_path):
    """README "How access is decided": its Python example sets the policy, its curl line (run as
    written, against this strict server) gets the explanation, and the JSON it shows is a part of
    what the explainer answers."""
    section = README.split("\n## How access is decided\n", 1)[1].split("\n## ", 1)[0]
    (block,) = python_blocks(section)
    (curl,) = re.findall(r"^curl .*\\\n.*access/explain.*$", section, flags=re.M)
    curl = curl.replace("\\\n", " ")
    (shown,) = re.findall(r"^```json\n(.*?)^```", section, flags=re.S | re.M)
    suffix = uuid.uuid4().hex[:12]
    exec(compile(adapt(block, srv.port, suffix), "README policy example", "exec"), {"__name__": "__readme__"})
    if shutil.which("curl") is None:
        pytest.fail("curl is needed to run the README's explainer example")
    out = subprocess.run(shlex.split(adapt(curl, srv.port, suffix)), capture_output=True, text=True,
                         timeout=30, check=True).stdout
    got = json.loads(out)
    for name, value in json.loads(shown).items():
        if isinstance(value, dict):
            assert {k: got[name].get(k) for k in value} == value, got
        else:
            assert got[name] == value, got

"""Bucket policies against a live server in strict mode, through boto3: the owner (`test`), a
second and a third user (each its own AWS account) and anonymous requests. The policy document,
its validation (MalformedPolicy), GetBucketPolicyStatus, grants to other accounts and to
everyone, and explicit Deny over ACLs and over the owner's own rights.

Evaluation as S3 documents it (https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): any
matching Deny refuses; otherwise an Allow from the policy or from an ACL grants; otherwise
AccessDenied. Conditions, copies, uploads, Block Public Access and the explainer are in
test_bucket_policy_access.py.
"""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError
from lxml import etree

from s3mock.config import make_user
from strict_users import srv  # noqa: F401 (fixtures)
from test_acl_access import KEYS, SECOND_ID, make_client

OWNER = make_user(*KEYS["owner"])
SECOND = make_user(*KEYS["second"])
THIRD = make_user(*KEYS["third"])
S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


# --------------------------------------------------------------------------- shared helpers

@pytest.fixture(scope="module")
def c(srv) -> dict:
    """Clients by who: owner, second, third, anonymous."""
    return {who: make_client(srv.endpoint, who) for who in ("owner", "second", "third", "anonymous")}


def new_bucket(owner, **kwargs) -> str:
    name = f"pol-{uuid.uuid4().hex[:12]}"
    owner.create_bucket(Bucket=name, **kwargs)
    return name


def arn(bucket: str, key: str | None = None) -> str:
    return f"arn:aws:s3:::{bucket}" + ("" if key is None else f"/{key}")


def statement(effect: str, principal, action, resource, condition: dict | None = None,
              sid: str | None = None) -> dict:
    out: dict = {"Effect": effect, "Principal": principal, "Action": action, "Resource": resource}
    if sid:
        out["Sid"] = sid
    if condition:
        out["Condition"] = condition
    return out


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def put_policy(owner, bucket: str, *statements: dict) -> str:
    text = document(*statements)
    owner.put_bucket_policy(Bucket=bucket, Policy=text)
    return text


def error(e: pytest.ExceptionInfo) -> tuple[int, str, str]:
    r = e.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"]["Message"]


def denied(call, *args, **kwargs) -> None:
    """The call is refused with S3's 403 AccessDenied."""
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    assert error(e)[:2] == (403, "AccessDenied"), e.value.response


def body(client, bucket: str, key: str, **kwargs) -> bytes:
    return client.get_object(Bucket=bucket, Key=key, **kwargs)["Body"].read()


# --------------------------------------------------------------------------- the document

def test_put_get_delete_round_trip(c):
    owner, bucket = c["owner"], new_bucket(c["owner"])
    # Whitespace and key order as sent: GetBucketPolicy returns the document as PUT.
    text = ('{"Version": "2012-10-17",\n  "Statement": [{"Sid": "Read", "Effect": "Allow", '
            f'"Principal": {{"AWS": "{SECOND.arn}"}}, "Action": "s3:GetObject", '
            f'"Resource": "{arn(bucket, "*")}"}}]}}')
    put = owner.put_bucket_policy(Bucket=bucket, Policy=text)
    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html: HTTP/1.1 204
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert owner.get_bucket_policy(Bucket=bucket)["Policy"] == text
    deleted = owner.delete_bucket_policy(Bucket=bucket)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        owner.get_bucket_policy(Bucket=bucket)
    # Recorded from AWS in versity/versitygw#959: <Code>NoSuchBucketPolicy</Code>
    # <Message>The bucket policy does not exist</Message><BucketName>...</BucketName>
    assert error(e) == (404, "NoSuchBucketPolicy", "The bucket policy does not exist")
    assert e.value.response["Error"]["BucketName"] == bucket


def test_no_policy_is_404_and_delete_is_idempotent(c):
    owner, bucket = c["owner"], new_bucket(c["owner"])
    with pytest.raises(ClientError) as e:
        owner.get_bucket_policy(Bucket=bucket)
    assert error(e) == (404, "NoSuchBucketPolicy", "The bucket policy does not exist")
    # 204 with nothing to delete, as S3 answers (scality/cloudserver#2012 follows it)
    assert owner.delete_bucket_policy(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_get_bucket_policy_is_raw_json(c, srv):
    owner, bucket = c["owner"], new_bucket(c["owner"])
    text = put_policy(owner, bucket, statement("Allow", {"AWS": SECOND.account_id}, "s3:ListBucket",
                                               arn(bucket)))
    url = owner.generate_presigned_url("get_bucket_policy", Params={"Bucket": bucket})
    with urllib.request.urlopen(url) as r:
        assert r.status == 200
        assert json.loads(r.read()) == json.loads(text)


def test_a_policy_replaces_the_previous_one(c):
    owner, bucket = c["owner"], new_bucket(c["owner"])
    owner.put_object(Bucket=bucket, Key="k", Body=b"x")
    put_policy(owner, bucket, statement("Allow", {"AWS": SECOND.arn}, "s3:GetObject", arn(bucket, "*")))
    assert body(c["second"], bucket, "k") == b"x"
    put_policy(owner, bucket, statement("Allow", {"AWS": THIRD.arn}, "s3:GetObject", arn(bucket, "*")))
    denied(c["second"].get_object, Bucket=bucket, Key="k")
    assert body(c["third"], bucket, "k") == b"x"
    owner.delete_bucket_policy(Bucket=bucket)
    denied(c["third"].get_object, Bucket=bucket, Key="k")


def test_no_such_bucket(c):
    with pytest.raises(ClientError) as e:
        c["owner"].get_bucket_policy(Bucket=f"pol-missing-{uuid.uuid4().hex[:8]}")
    assert error(e)[:2] == (404, "NoSuchBucket")


def test_only_the_owner_manages_the_policy_by_default(c):
    owner, bucket = c["owner"], new_bucket(c["owner"], ACL="public-read-write")
    text = document(statement("Allow", "*", "s3:GetObject", arn(bucket, "*")))
    for call in (lambda: c["second"].put_bucket_policy(Bucket=bucket, Policy=text),
                 lambda: c["second"].get_bucket_policy(Bucket=bucket),
                 lambda: c["second"].delete_bucket_policy(Bucket=bucket),
                 lambda: c["anonymous"].get_bucket_policy(Bucket=bucket)):
        denied(call)


# --------------------------------------------------------------------------- MalformedPolicy

def _malformed_cases(bucket: str) -> list[tuple[dict | str, str]]:
    ok = {"Effect": "Allow", "Principal": {"AWS": SECOND.arn}, "Action": "s3:GetObject",
          "Resource": arn(bucket, "*")}
    return [
        # versity/versitygw#650 (AWS): "Policy has invalid action"
        ({**ok, "Action": "s3:FlyToTheMoon"}, "Policy has invalid action"),
        # versity/versitygw#648, aws-samples/aws-serverless-appsync-app#4 (AWS): another bucket
        ({**ok, "Resource": "arn:aws:s3:::some-other-bucket/*"}, "Policy has invalid resource"),
        # versity/versitygw#645 (AWS): an object action on the bucket ARN only
        ({**ok, "Action": "s3:PutObject", "Resource": arn(bucket)},
         "Action does not apply to any resource(s) in statement"),
        # versity/versitygw#649, cloud-custodian#4948 (AWS): "Invalid principal in policy"
        ({**ok, "Principal": {"AWS": "not-an-account"}}, "Invalid principal in policy"),
        # versity/versitygw#647 (AWS): "Invalid effect: hello"
        ({**ok, "Effect": "hello"}, "Invalid effect: hello"),
        # an operator IAM does not have: S3's text as versitygw quotes it
        # (auth/bucket_policy_condition.go)
        ({**ok, "Condition": {"StringEqualz": {"aws:Referer": "x"}}}, "Invalid Condition type : StringEqualz"),
        # aws/aws-cli#2779 (AWS): the first byte
        ("not json at all", "Policies must be valid JSON and the first byte must be '{'"),
    ]


@pytest.mark.parametrize("case", range(7))
def test_malformed_policy(c, case):
    owner, bucket = c["owner"], new_bucket(c["owner"])
    stmt, message = _malformed_cases(bucket)[case]
    text = stmt if isinstance(stmt, str) else document(stmt)
    with pytest.raises(ClientError) as e:
        owner.put_bucket_policy(Bucket=bucket, Policy=text)
    status, code, got = error(e)
    assert (status, code) == (400, "MalformedPolicy")
    assert got == message
    with pytest.raises(ClientError) as e:       # nothing was stored
        owner.get_bucket_policy(Bucket=bucket)
    assert error(e)[1] == "NoSuchBucketPolicy"


# --------------------------------------------------------------------------- GetBucketPolicyStatus

def test_policy_status_without_a_policy_is_no_such_bucket_policy(c):
    """AWS answers NoSuchBucketPolicy when there is no policy, whatever the ACL says: IsPublic is
    the policy's status. Evidence: CloudTrail rows of GetBucketPolicyStatus failing with
    NoSuchBucketPolicy (turbot/steampipe-plugin-aws#1136), AWS support quoted in
    prowler-cloud/prowler#458 ("get-bucket-policy-status returns IsPublic false or bad request
    (no policy)"), moto#10214. s3-tests' test_get_public_acl_bucket_policy_status expects
    IsPublic from a public-read ACL and test_get_bucket_policy_status IsPublic=false with no
    policy (RGW behaviour); AWS wins."""
    owner = c["owner"]
    for acl in ("private", "public-read", "authenticated-read"):
        bucket = new_bucket(owner, ACL=acl)
        with pytest.raises(ClientError) as e:
            owner.get_bucket_policy_status(Bucket=bucket)
        assert error(e) == (404, "NoSuchBucketPolicy", "The bucket policy does not exist")


def test_policy_status_public_and_not(c, srv):
    owner = c["owner"]
    cases = [   # (statement, public?) per access-control-block-public-access.html, "The meaning of public"
        (statement("Allow", "*", "s3:GetObject", "{b}/*"), True),
        (statement("Allow", {"AWS": "*"}, "s3:ListBucket", "{b}"), True),
        (statement("Allow", {"AWS": SECOND.arn}, "s3:GetObject", "{b}/*"), False),
        (statement("Allow", "*", "s3:GetObject", "{b}/*", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}), False),
        (statement("Deny", "*", "s3:GetObject", "{b}/*"), False),
    ]
    for stmt, public in cases:
        bucket = new_bucket(owner, ACL="public-read")     # the ACL does not count
        stmt = json.loads(json.dumps(stmt).replace("{b}", arn(bucket)))
        put_policy(owner, bucket, stmt)
        assert owner.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": public}, stmt
    url = owner.generate_presigned_url("get_bucket_policy_status", Params={"Bucket": bucket})
    doc = etree.fromstring(urllib.request.urlopen(url).read())
    assert doc.tag == f"{S3_NS}PolicyStatus" and doc.findtext(f"{S3_NS}IsPublic") == "false"


# --------------------------------------------------------------------------- grants

def test_second_user_reads_a_prefix(c):
    owner, second = c["owner"], c["second"]
    bucket = new_bucket(owner)
    for key in ("shared/a.txt", "shared/deep/b.txt", "private/c.txt", "sharedx"):
        owner.put_object(Bucket=bucket, Key=key, Body=key.encode())
    put_policy(owner, bucket, statement("Allow", {"AWS": SECOND.account_id}, "s3:GetObject",
                                        arn(bucket, "shared/*")))
    assert body(second, bucket, "shared/a.txt") == b"shared/a.txt"
    assert body(second, bucket, "shared/deep/b.txt") == b"shared/deep/b.txt"
    assert second.head_object(Bucket=bucket, Key="shared/a.txt")["ContentLength"] == 12
    denied(second.get_object, Bucket=bucket, Key="private/c.txt")
    denied(second.get_object, Bucket=bucket, Key="sharedx")
    denied(second.list_objects_v2, Bucket=bucket)                   # s3:ListBucket not granted
    denied(second.put_object, Bucket=bucket, Key="shared/new", Body=b"x")
    denied(c["third"].get_object, Bucket=bucket, Key="shared/a.txt")  # another account
    denied(c["anonymous"].get_object, Bucket=bucket, Key="shared/a.txt")


@pytest.mark.parametrize("principal", [
    lambda: {"AWS": SECOND.arn}, lambda: {"AWS": SECOND.account_id}, lambda: {"AWS": [SECOND.arn]},
    lambda: {"CanonicalUser": SECOND_ID}], ids=["arn", "account", "list", "canonical"])
def test_principal_forms_name_the_second_user(c, principal):
    owner, bucket = c["owner"], new_bucket(c["owner"])
    owner.put_object(Bucket=bucket, Key="k", Body=b"v")
    put_policy(owner, bucket, statement("Allow", principal(), "s3:GetObject", arn(bucket, "*")))
    assert body(c["second"], bucket, "k") == b"v"
    denied(c["third"].get_object, Bucket=bucket, Key="k")


def test_anonymous_read_and_list_through_principal_star(c):
    owner, anonymous = c["owner"], c["anonymous"]
    bucket = new_bucket(owner)
    owner.put_object(Bucket=bucket, Key="public/page.html", Body=b"<p>hi</p>")
    owner.put_object(Bucket=bucket, Key="private/notes", Body=b"secret")
    put_policy(owner, bucket,
               statement("Allow", "*", "s3:GetObject", arn(bucket, "public/*"), sid="PublicRead"),
               statement("Allow", {"AWS": "*"}, "s3:ListBucket", arn(bucket), sid="PublicList"))
    assert body(anonymous, bucket, "public/page.html") == b"<p>hi</p>"
    listed = anonymous.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == ["private/notes", "public/page.html"]
    denied(anonymous.get_object, Bucket=bucket, Key="private/notes")
    denied(anonymous.put_object, Bucket=bucket, Key="public/x", Body=b"x")
    # "*" is everyone: authenticated users of other accounts too
    assert body(c["third"], bucket, "public/page.html") == b"<p>hi</p>"


def test_wildcard_actions_and_not_resource(c):
    owner, second = c["owner"], c["second"]
    bucket = new_bucket(owner)
    owner.put_object(Bucket=bucket, Key="a", Body=b"a")
    owner.put_object(Bucket=bucket, Key="locked/b", Body=b"b")
    put_policy(owner, bucket, {"Effect": "Allow", "Principal": {"AWS": SECOND.arn},
                               "Action": ["s3:Get*", "s3:List*"],
                               "NotResource": arn(bucket, "locked/*")})
    assert body(second, bucket, "a") == b"a"
    assert second.list_objects_v2(Bucket=bucket)["KeyCount"] == 2
    denied(second.get_object, Bucket=bucket, Key="locked/b")
    denied(second.delete_object, Bucket=bucket, Key="a")


# --------------------------------------------------------------------------- explicit Deny

def test_deny_beats_an_acl_grant(c):
    owner, second = c["owner"], c["second"]
    bucket = new_bucket(owner, ACL="public-read")
    owner.put_object(Bucket=bucket, Key="k", Body=b"v", ACL="public-read")
    assert body(c["anonymous"], bucket, "k") == b"v" and body(second, bucket, "k") == b"v"
    put_policy(owner, bucket, statement("Deny", {"AWS": SECOND.arn}, ["s3:GetObject", "s3:ListBucket"],
                                        [arn(bucket), arn(bucket, "*")]))
    denied(second.get_object, Bucket=bucket, Key="k")
    denied(second.list_objects_v2, Bucket=bucket)
    assert body(c["anonymous"], bucket, "k") == b"v"       # the Deny names the second user only
    assert body(c["third"], bucket, "k") == b"v"


def test_deny_beats_an_allow_in_the_same_policy(c):
    owner, bucket = c["owner"], new_bucket(c["owner"])
    owner.put_object(Bucket=bucket, Key="k", Body=b"v")
    put_policy(owner, bucket,
               statement("Allow", {"AWS": SECOND.arn}, "s3:*", arn(bucket, "*")),
               statement("Deny", {"AWS": SECOND.arn}, "s3:GetObject", arn(bucket, "k")))
    denied(c["second"].get_object, Bucket=bucket, Key="k")
    c["second"].put_object(Bucket=bucket, Key="other", Body=b"o")


def test_deny_binds_the_owner_too(c):
    owner, bucket = c["owner"], new_bucket(c["owner"])
    owner.put_object(Bucket=bucket, Key="before", Body=b"x")
    put_policy(owner, bucket, statement("Deny", "*", "s3:PutObject", arn(bucket, "*"), sid="ReadOnly"))
    denied(owner.put_object, Bucket=bucket, Key="after", Body=b"x")
    assert body(owner, bucket, "before") == b"x"                 # what is not denied stays
    keys = [o["Key"] for o in owner.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["before"]


def test_the_owner_always_manages_the_policy(c):
    """API_PutBucketPolicy.html: "the root user of the AWS account that owns a bucket can always
    use this operation, even if the policy explicitly denies the root user the ability to perform
    this action" (likewise GetBucketPolicy and DeleteBucketPolicy)."""
    owner, bucket = c["owner"], new_bucket(c["owner"])
    text = put_policy(owner, bucket, statement(
        "Deny", "*", ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy",
                      "s3:GetBucketPolicyStatus"], arn(bucket), sid="LockedOut"))
    assert owner.get_bucket_policy(Bucket=bucket)["Policy"] == text
    again = put_policy(owner, bucket, statement("Deny", "*", "s3:*", [arn(bucket), arn(bucket, "*")]))
    assert owner.get_bucket_policy(Bucket=bucket)["Policy"] == again
    denied(owner.put_object, Bucket=bucket, Key="k", Body=b"x")
    assert owner.delete_bucket_policy(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    owner.put_object(Bucket=bucket, Key="k", Body=b"x")


def test_a_policy_cannot_hand_the_policy_to_another_account(c):
    """API_PutBucketPolicy.html: "If you have the correct permissions, but you're not using an
    identity that belongs to the bucket owner's account, Amazon S3 returns a 405 Method Not
    Allowed error." The policy stays the owner's."""
    owner, bucket = c["owner"], new_bucket(c["owner"])
    text = put_policy(owner, bucket, statement(
        "Allow", {"AWS": SECOND.arn}, ["s3:PutBucketPolicy", "s3:GetBucketPolicy",
                                       "s3:DeleteBucketPolicy"], arn(bucket)))
    with pytest.raises(ClientError) as e:
        c["second"].delete_bucket_policy(Bucket=bucket)
    assert error(e)[:2] == (405, "MethodNotAllowed")
    with pytest.raises(ClientError) as e:
        c["second"].put_bucket_policy(Bucket=bucket, Policy=document(
            statement("Allow", "*", "s3:GetObject", arn(bucket, "*"))))
    assert error(e)[:2] == (405, "MethodNotAllowed")
    assert owner.get_bucket_policy(Bucket=bucket)["Policy"] == text

"""GET /_s3mock/access/explain on the in-process app, for edge inputs: unknown principals,
operations and actions (400 with a message), a missing bucket (404), condition keys given as query
parameters, `action=` alone, a versionId, and hostile queries (never a 500)."""

from __future__ import annotations

import json
import random

import pytest

from s3mock.config import Settings, make_user

EXPLAIN = "/_s3mock/access/explain"
ALT = make_user("alt", "altsecret")


@pytest.fixture
def api_settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, users=(ALT,))


async def explain(api, **query) -> tuple[int, dict]:
    resp = await api.get(EXPLAIN, params=query)
    assert resp.content_type == "application/json"
    return resp.status, await resp.json()


async def put_policy(api, bucket: str, *statements: dict) -> None:
    body = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    resp = await api.put(f"/{bucket}?policy", data=body)
    assert resp.status == 204, await resp.text()


def bucket_statement(bucket: str, effect: str, action: str, resource: str = "/*", **extra) -> dict:
    return {"Effect": effect, "Principal": "*", "Action": action,
            "Resource": f"arn:aws:s3:::{bucket}{resource}", **extra}


@pytest.mark.parametrize("query, error", [
    ({"principal": "nobody", "operation": "GetObject"},
     "no configured user is named 'nobody' (give an access key, canonical id, account id or ARN, "
     "or 'anonymous')"),
    ({"principal": "arn:aws:iam::123456789012:root", "operation": "GetObject"},
     "no configured user is named 'arn:aws:iam::123456789012:root' (give an access key, canonical "
     "id, account id or ARN, or 'anonymous')"),
    ({"operation": "GetThing"}, "unknown operation 'GetThing'"),
    ({"operation": "getobject"}, "unknown operation 'getobject'"),
    ({"action": "s3:GetThing"}, "no S3 operation needs the action 's3:GetThing'"),
    ({}, "give an operation (e.g. GetObject) or an action (e.g. s3:GetObject)"),
    ({"operation": "GetObject", "bucket": ""}, "give a bucket"),
])
async def test_unknown_inputs_are_400(api, api_bucket, query, error):
    query.setdefault("bucket", api_bucket)
    assert await explain(api, **query) == (400, {"error": error})


async def test_missing_bucket_is_404(api):
    assert await explain(api, operation="GetObject", bucket="no-such-bucket", key="k") == (
        404, {"error": "no bucket 'no-such-bucket'"})


async def test_principals_by_every_name(api, api_bucket):
    for name in (ALT.access_key, ALT.canonical_id, ALT.account_id, ALT.arn):
        status, answer = await explain(api, principal=name, operation="ListObjects", bucket=api_bucket)
        assert status == 200
        assert answer["principal"] == {"anonymous": False, "access_key": "alt",
                                       "canonical_id": ALT.canonical_id, "account": ALT.account_id,
                                       "arn": ALT.arn}
        assert (answer["decision"], answer["status"], answer["decided_by"]) == (
            "denied", 403, {"kind": "none"})
    status, answer = await explain(api, operation="ListObjects", bucket=api_bucket)
    assert answer["principal"]["anonymous"] is True and answer["principal"]["arn"] is None


async def test_condition_keys_from_the_query(api, api_bucket):
    await put_policy(api, api_bucket, bucket_statement(
        api_bucket, "Allow", "s3:GetObject", Sid="Net",
        Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    await api.put(f"/{api_bucket}/k", data=b"x")
    base = {"operation": "GetObject", "bucket": api_bucket, "key": "k"}
    status, inside = await explain(api, **base, **{"aws:SourceIp": "10.1.2.3"})
    assert status == 200 and inside["decision"] == "allowed" and inside["status"] == 200
    assert inside["decided_by"] == {"kind": "policy", "statement": 0, "sid": "Net"}
    assert inside["context"] == {"aws:sourceip": ["10.1.2.3"]}
    assert inside["reason"] == f'statement 1 (Sid "Net") allows s3:GetObject on arn:aws:s3:::{api_bucket}/k'
    [condition] = inside["statements"][0]["conditions"]
    assert condition["result"] is True and condition["request_values"] == ["10.1.2.3"]
    _, outside = await explain(api, **base, **{"aws:SourceIp": "192.168.0.1"})
    assert (outside["decision"], outside["status"], outside["decided_by"]) == ("denied", 403, {"kind": "none"})
    _, absent = await explain(api, **base)
    assert absent["decision"] == "denied" and absent["statements"][0]["applies"] is False


async def test_query_overrides_stored_object_tags(api, api_bucket):
    await put_policy(api, api_bucket, bucket_statement(
        api_bucket, "Deny", "s3:GetObject", Condition={"StringEquals": {"s3:ExistingObjectTag/p": "x"}}),
        bucket_statement(api_bucket, "Allow", "s3:GetObject"))
    resp = await api.put(f"/{api_bucket}/k", data=b"x", headers={"x-amz-tagging": "p=x"})
    assert resp.status == 200
    base = {"operation": "GetObject", "bucket": api_bucket, "key": "k"}
    _, stored = await explain(api, **base)
    assert stored["decision"] == "denied" and stored["decided_by"]["kind"] == "policy"
    assert stored["decided_by"]["statement"] == 0
    _, given = await explain(api, **base, **{"s3:ExistingObjectTag/p": "y"})
    assert given["decision"] == "allowed" and given["decided_by"]["statement"] == 1


async def test_action_alone(api, api_bucket):
    status, answer = await explain(api, action="s3:ListBucket", bucket=api_bucket)
    assert status == 200
    assert (answer["operation"], answer["actions"], answer["resource"]) == (
        "HeadBucket", ["s3:ListBucket"], f"arn:aws:s3:::{api_bucket}")
    assert answer["decision"] == "denied" and answer["policy"] is False and answer["statements"] == []
    _, upper = await explain(api, action="S3:LISTBUCKET", bucket=api_bucket)
    assert upper["operation"] == "HeadBucket" and upper["actions"] == ["S3:LISTBUCKET"]
    _, owner = await explain(api, principal="test", action="s3:ListBucket", bucket=api_bucket)
    assert owner["decision"] == "allowed" and owner["decided_by"] == {"kind": "owner"}


async def test_version_id_asks_for_the_version_action(api, api_bucket):
    await put_policy(api, api_bucket,
                     bucket_statement(api_bucket, "Allow", "s3:ListBucket", ""),
                     bucket_statement(api_bucket, "Allow", "s3:GetObject*"),
                     bucket_statement(api_bucket, "Deny", "s3:GetObjectVersion", Sid="NoVersions"))
    await api.put(f"/{api_bucket}/k", data=b"x")
    base = {"operation": "GetObject", "bucket": api_bucket, "key": "k"}
    _, current = await explain(api, **base)
    assert current["actions"] == ["s3:GetObject"] and current["decision"] == "allowed"
    _, version = await explain(api, **base, versionId="null")
    assert version["actions"] == ["s3:GetObjectVersion"]
    assert (version["decision"], version["decided_by"]) == (
        "denied", {"kind": "policy", "statement": 2, "sid": "NoVersions"})
    # A missing key: the read's own Deny decides before the listing's 404-or-403.
    _, missing = await explain(api, **{**base, "key": "gone"}, versionId="x")
    assert missing["decided_by"]["sid"] == "NoVersions"
    _, listed = await explain(api, **{**base, "key": "gone"})
    assert listed["decision"] == "allowed" and listed["reason"].endswith(
        f"allows s3:ListBucket on arn:aws:s3:::{api_bucket}")


async def test_policy_ops_by_another_account_are_405(api, api_bucket):
    await put_policy(api, api_bucket, {"Effect": "Allow", "Principal": {"AWS": ALT.account_id},
                                       "Action": "s3:GetBucketPolicy",
                                       "Resource": f"arn:aws:s3:::{api_bucket}"})
    _, answer = await explain(api, principal="alt", operation="GetBucketPolicy", bucket=api_bucket)
    assert (answer["decision"], answer["status"], answer["decided_by"]) == (
        "denied", 405, {"kind": "policy", "statement": 0, "sid": None})
    assert answer["reason"] == (f"statement 1 allows s3:GetBucketPolicy on arn:aws:s3:::{api_bucket}, "
                                "but only the bucket owner's account may use it")


HOSTILE = ["", " ", "*", "?", "../../etc/passwd", "\x00", "%00", "\u202e", "é" * 50, "a" * 5000,
           "arn:aws:iam::", "arn:aws:iam::*:root", "anonymous", "alt", "GetObject", "s3:*",
           "10.0.0.1/99", "not-an-ip", "null", "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", "::1", "-1", "1e999", "true", "[]", "{}", "${aws:username}"]
NAMES = ["principal", "operation", "action", "bucket", "key", "versionId", "uploadId", "aws:SourceIp",
         "aws:SecureTransport", "s3:prefix", "s3:max-keys", "aws:CurrentTime", "aws:EpochTime",
         "s3:ExistingObjectTag/", "s3:x-amz-acl", ":", "aws:", "s3:ExistingObjectTag/p"]


async def test_hostile_queries_never_crash(api, api_bucket):
    """Bounded fuzz (seeded): random parameter sets against a bucket with a policy using every
    kind of condition the keys feed. Every answer is JSON with 200, 400 or 404."""
    await put_policy(api, api_bucket, bucket_statement(api_bucket, "Allow", "s3:*", "*", Condition={
        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "Bool": {"aws:SecureTransport": "true"},
        "NumericLessThan": {"s3:max-keys": "10"}, "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
        "StringLike": {"s3:prefix": "a*"}}))
    await api.put(f"/{api_bucket}?versioning",
                  data=b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>")
    await api.put(f"/{api_bucket}/k", data=b"x", headers={"x-amz-tagging": "p=x"})
    rng = random.Random(22)
    seen: set[int] = set()
    for _ in range(150):
        query: list[tuple[str, str]] = [("bucket", rng.choice([api_bucket, api_bucket, rng.choice(HOSTILE)]))]
        query.append(rng.choice([("operation", rng.choice(["GetObject", "ListParts", "ListObjects",
                                                           "GetBucketPolicy", "PutObject"])),
                                 ("action", rng.choice(["s3:GetObject", "s3:ListBucket", "s3:PutObject"]))]))
        for _ in range(rng.randrange(6)):
            query.append((rng.choice(NAMES), rng.choice(HOSTILE)))
        resp = await api.get(EXPLAIN, params=query)
        assert resp.status in (200, 400, 404), (query, await resp.text())
        answer = await resp.json()
        assert ("error" in answer) == (resp.status != 200), query
        seen.add(resp.status)
    assert seen == {200, 400, 404}     # the fuzz reached every kind of answer


async def test_version_id_reads_that_versions_acl(api, api_bucket):
    """As the request path does (access.py, _version): the version a versionId names decides by
    its own ACL and tags; a version that is not there is a missing key (404 or 403)."""
    resp = await api.put(f"/{api_bucket}?versioning",
                         data=b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>")
    assert resp.status == 200
    first = await api.put(f"/{api_bucket}/k", data=b"1", headers={"x-amz-acl": "public-read"})
    await api.put(f"/{api_bucket}/k", data=b"2")
    v1 = first.headers["x-amz-version-id"]
    await put_policy(api, api_bucket, bucket_statement(api_bucket, "Allow", "s3:GetObjectVersion",
                                                       Condition={"StringEquals": {"s3:ExistingObjectTag/p": "x"}}))
    base = {"operation": "GetObject", "bucket": api_bucket, "key": "k"}
    _, current = await explain(api, **base)
    assert current["decision"] == "denied"
    _, old = await explain(api, **base, versionId=v1)
    assert (old["decision"], old["decided_by"]) == ("allowed", {"kind": "acl"})
    _, gone = await explain(api, **base, versionId="3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")
    assert gone["decision"] == "denied"
    assert gone["reason"].startswith("the key does not exist, and only those who may list the bucket")
    tagged = await api.put(f"/{api_bucket}/t", data=b"1", headers={"x-amz-tagging": "p=x"})
    await api.put(f"/{api_bucket}/t", data=b"2")
    _, by_tag = await explain(api, **{**base, "key": "t"}, versionId=tagged.headers["x-amz-version-id"])
    assert by_tag["decision"] == "allowed" and by_tag["decided_by"]["kind"] == "policy"

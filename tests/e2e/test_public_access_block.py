"""Block Public Access (bucket level) against a live server in strict mode, through boto3: the
owner (`test`), a second user and anonymous requests.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html

"Public" for an ACL: any grant to AllUsers or AuthenticatedUsers. BlockPublicAcls refuses a
request that sets one (403 AccessDenied); IgnorePublicAcls keeps existing ones from granting.
BlockPublicPolicy and RestrictPublicBuckets act on bucket policies (tested in
test_bucket_policy_access.py) and are stored and returned here.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import urllib.request
import uuid

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from lxml import etree

from strict_users import srv, owner, second, anonymous  # noqa: F401 (fixtures)
from test_acl_access import ALL_USERS, OWNER_ID, SECOND_ID

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
          "RestrictPublicBuckets": True}


def new_bucket(owner, pab: dict | None = None) -> str:
    name = f"pab-{uuid.uuid4().hex[:12]}"
    owner.create_bucket(Bucket=name)
    if pab is not None:
        owner.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=pab)
    return name


def error(e: pytest.ExceptionInfo) -> tuple[int, str, str]:
    r = e.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"]["Message"]


def test_none_is_404(owner):
    bucket = new_bucket(owner)
    with pytest.raises(ClientError) as e:
        owner.get_public_access_block(Bucket=bucket)
    assert error(e) == (404, "NoSuchPublicAccessBlockConfiguration",
                        "The public access block configuration was not found")
    assert e.value.response["Error"]["BucketName"] == bucket


def test_put_get_delete(owner):
    conf = {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False}
    bucket = new_bucket(owner, conf)
    assert owner.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == conf
    assert owner.delete_public_access_block(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        owner.get_public_access_block(Bucket=bucket)
    assert error(e)[:2] == (404, "NoSuchPublicAccessBlockConfiguration")


def test_left_out_fields_are_false_in_the_xml(owner):
    bucket = new_bucket(owner, {"RestrictPublicBuckets": True})
    url = owner.generate_presigned_url("get_public_access_block", Params={"Bucket": bucket})
    doc = etree.fromstring(urllib.request.urlopen(url).read())
    assert doc.tag == f"{S3_NS}PublicAccessBlockConfiguration"
    assert [(el.tag.removeprefix(S3_NS), el.text) for el in doc] == [
        ("BlockPublicAcls", "false"), ("IgnorePublicAcls", "false"),
        ("BlockPublicPolicy", "false"), ("RestrictPublicBuckets", "true")]


def test_only_the_owner_manages_it(owner, second):
    bucket = new_bucket(owner)
    owner.put_bucket_acl(Bucket=bucket, GrantFullControl=f"id={OWNER_ID}",
                         GrantWrite=f"uri={ALL_USERS}")
    with pytest.raises(ClientError) as e:
        second.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=ALL_ON)
    assert error(e)[:2] == (403, "AccessDenied")


@pytest.mark.parametrize("canned", ["public-read", "public-read-write", "authenticated-read"])
def test_block_public_acls_refuses_public_canned_acls(owner, canned):
    bucket = new_bucket(owner, {"BlockPublicAcls": True})
    owner.put_object(Bucket=bucket, Key="src", Body=b"x")
    calls = [lambda: owner.put_bucket_acl(Bucket=bucket, ACL=canned),
             lambda: owner.put_object_acl(Bucket=bucket, Key="src", ACL=canned),
             lambda: owner.put_object(Bucket=bucket, Key="k", Body=b"x", ACL=canned),
             lambda: owner.copy_object(Bucket=bucket, Key="k", ACL=canned,
                                       CopySource={"Bucket": bucket, "Key": "src"}),
             lambda: owner.create_multipart_upload(Bucket=bucket, Key="k", ACL=canned)]
    for call in calls:
        with pytest.raises(ClientError) as e:
            call()
        assert error(e) == (403, "AccessDenied", "Access Denied")
    owner.put_object(Bucket=bucket, Key="private", Body=b"x", ACL="private")
    with pytest.raises(ClientError):
        owner.head_object(Bucket=bucket, Key="k")


def test_block_public_acls_refuses_public_grants(owner):
    bucket = new_bucket(owner, {"BlockPublicAcls": True})
    with pytest.raises(ClientError) as e:
        owner.put_object(Bucket=bucket, Key="k", Body=b"x", GrantRead=f'uri="{ALL_USERS}"')
    assert error(e)[:2] == (403, "AccessDenied")
    with pytest.raises(ClientError) as e:
        owner.put_bucket_acl(Bucket=bucket, AccessControlPolicy={
            "Owner": {"ID": OWNER_ID},
            "Grants": [{"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}]})
    assert error(e)[:2] == (403, "AccessDenied")


def test_block_public_acls_leaves_existing_acls(owner, anonymous):
    bucket = new_bucket(owner)
    owner.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read")
    owner.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    assert anonymous.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


def test_ignore_public_acls(owner, second, anonymous):
    bucket = new_bucket(owner)
    owner.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read")
    owner.put_object(Bucket=bucket, Key="a", Body=b"x", ACL="authenticated-read")
    assert anonymous.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
    owner.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"IgnorePublicAcls": True})
    for client, key in ((anonymous, "k"), (second, "a")):
        with pytest.raises(ClientError) as e:
            client.get_object(Bucket=bucket, Key=key)
        assert error(e)[:2] == (403, "AccessDenied")
    owner.put_object(Bucket=bucket, Key="k2", Body=b"x", ACL="public-read")  # allowed, ignored
    assert owner.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"
    owner.delete_public_access_block(Bucket=bucket)
    assert anonymous.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


def test_bad_value_is_malformed_xml(owner, srv):
    bucket = new_bucket(owner)
    body = (b'<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b"<BlockPublicAcls>maybe</BlockPublicAcls></PublicAccessBlockConfiguration>")
    req = AWSRequest("PUT", f"{srv.endpoint}/{bucket}?publicAccessBlock", data=body)
    req.headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
    SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(req)
    host = srv.endpoint.removeprefix("http://")
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request("PUT", f"/{bucket}?publicAccessBlock", body=body, headers=dict(req.headers))
    resp = conn.getresponse()
    doc = etree.fromstring(resp.read())
    assert (resp.status, doc.findtext("Code")) == (400, "MalformedXML")


def test_post_object_with_public_acl(owner):
    """A browser form upload asking for a public ACL is refused as a PUT is; Object Ownership's
    BucketOwnerEnforced refuses it as an ACL at all."""
    bucket = new_bucket(owner, {"BlockPublicAcls": True})
    enforced = f"pab-{uuid.uuid4().hex[:12]}"
    owner.create_bucket(Bucket=enforced, ObjectOwnership="BucketOwnerEnforced")
    for name, expected in ((bucket, (403, "AccessDenied")), (enforced, (400, "AccessControlListNotSupported"))):
        p = owner.generate_presigned_post(name, "k", Fields={"acl": "public-read"},
                                          Conditions=[{"acl": "public-read"}])
        r = requests.post(p["url"], files=[*((k, (None, v)) for k, v in p["fields"].items()),
                                           ("file", ("f.txt", b"x"))], timeout=10)
        doc = etree.fromstring(r.content)
        assert (r.status_code, doc.findtext("Code")) == expected


def test_restrict_public_buckets_blocks_other_accounts_acl_grants_too(owner, second, anonymous):
    """With a public bucket policy, RestrictPublicBuckets "restricts access to this bucket to only
    AWS service principals and authorized users within this account"
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PublicAccessBlockConfiguration.html; the
    user guide's access-control-block-public-access.html: "This setting blocks all cross-account
    access"): anonymous loses what the policy gave, the second user the READ its ACL grant gives
    it, and both come back when the setting goes."""
    bucket = new_bucket(owner)
    owner.put_bucket_acl(Bucket=bucket, GrantFullControl=f"id={OWNER_ID}", GrantRead=f"id={SECOND_ID}")
    owner.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
        "Resource": f"arn:aws:s3:::{bucket}"}]}))
    assert anonymous.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert second.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    owner.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "RestrictPublicBuckets": True})
    for client in (anonymous, second):
        with pytest.raises(ClientError) as e:
            client.list_objects_v2(Bucket=bucket)
        assert error(e)[:2] == (403, "AccessDenied")
    assert owner.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    owner.delete_public_access_block(Bucket=bucket)
    assert second.list_objects_v2(Bucket=bucket)["KeyCount"] == 0

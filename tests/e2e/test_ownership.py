"""Object Ownership against a live server in strict mode, through boto3: the owner (`test`) and a
second user. https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html

ObjectWriter: the writer owns what it writes (today's ACL semantics). BucketOwnerPreferred: an
upload with bucket-owner-full-control becomes the bucket owner's. BucketOwnerEnforced: ACLs are
disabled; the bucket owner owns every object, ACL-setting requests other than
bucket-owner-full-control are 400 AccessControlListNotSupported, and ACL grants no longer give
access: the bucket policy decides, for objects written before the setting too.
"""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError
from lxml import etree

from s3mock.auth.identity import account_id_of
from support import start_server
from strict_users import srv, owner, second  # noqa: F401 (fixtures)
from test_acl_access import OWNER_ID, SECOND_ID, make_client

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def new_bucket(owner, **kwargs) -> str:
    name = f"own-{uuid.uuid4().hex[:12]}"
    owner.create_bucket(Bucket=name, **kwargs)
    return name


def error(e: pytest.ExceptionInfo) -> tuple[int, str, str]:
    r = e.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"]["Message"]


def grant_write_to_second(owner, bucket: str) -> None:
    owner.put_bucket_acl(Bucket=bucket, GrantFullControl=f"id={OWNER_ID}", GrantWrite=f"id={SECOND_ID}")


def test_no_controls_by_default_is_404(owner):
    bucket = new_bucket(owner)
    with pytest.raises(ClientError) as e:
        owner.get_bucket_ownership_controls(Bucket=bucket)
    assert error(e) == (404, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found")
    assert e.value.response["Error"]["BucketName"] == bucket


def test_put_get_delete(owner, srv):
    bucket = new_bucket(owner, ObjectOwnership="BucketOwnerPreferred")
    got = owner.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
    assert got == {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    owner.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    assert owner.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}]
    assert owner.delete_bucket_ownership_controls(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        owner.get_bucket_ownership_controls(Bucket=bucket)
    assert error(e)[:2] == (404, "OwnershipControlsNotFoundError")


def test_xml_body(owner, srv):
    bucket = new_bucket(owner, ObjectOwnership="ObjectWriter")
    url = owner.generate_presigned_url("get_bucket_ownership_controls", Params={"Bucket": bucket})
    import urllib.request
    body = urllib.request.urlopen(url).read()
    doc = etree.fromstring(body)
    assert doc.tag == f"{S3_NS}OwnershipControls"
    assert doc.findtext(f"{S3_NS}Rule/{S3_NS}ObjectOwnership") == "ObjectWriter"


@pytest.mark.parametrize("rules", [[], [{"ObjectOwnership": "Nobody"}],
                                   [{"ObjectOwnership": "ObjectWriter"}, {"ObjectOwnership": "ObjectWriter"}]])
def test_bad_controls_are_malformed_xml(owner, rules):
    bucket = new_bucket(owner)
    with pytest.raises(ClientError) as e:
        owner.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": rules})
    assert error(e)[:2] == (400, "MalformedXML")


def test_bad_create_header(owner):
    with pytest.raises(ClientError) as e:
        owner.create_bucket(Bucket=f"own-{uuid.uuid4().hex[:12]}", ObjectOwnership="Nobody")
    assert error(e) == (400, "InvalidArgument", "Invalid x-amz-object-ownership header: Nobody")


def test_only_the_owner_manages_controls(owner, second):
    bucket = new_bucket(owner)
    grant_write_to_second(owner, bucket)
    with pytest.raises(ClientError) as e:
        second.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
            "Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    assert error(e)[:2] == (403, "AccessDenied")


def test_object_writer_owns_what_it_writes(owner, second):
    bucket = new_bucket(owner, ObjectOwnership="ObjectWriter")
    grant_write_to_second(owner, bucket)
    second.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="bucket-owner-full-control")
    assert second.get_object_acl(Bucket=bucket, Key="k")["Owner"]["ID"] == SECOND_ID


def test_preferred_gives_full_control_uploads_to_bucket_owner(owner, second):
    bucket = new_bucket(owner, ObjectOwnership="BucketOwnerPreferred")
    grant_write_to_second(owner, bucket)
    second.put_object(Bucket=bucket, Key="mine", Body=b"x")
    second.put_object(Bucket=bucket, Key="theirs", Body=b"x", ACL="bucket-owner-full-control")
    assert owner.get_object_acl(Bucket=bucket, Key="theirs")["Owner"]["ID"] == OWNER_ID
    assert second.get_object_acl(Bucket=bucket, Key="mine")["Owner"]["ID"] == SECOND_ID
    with pytest.raises(ClientError) as e:        # the writer gave it away
        second.get_object(Bucket=bucket, Key="theirs")
    assert error(e)[:2] == (403, "AccessDenied")


def test_enforced_bucket_owner_owns_everything(owner, second):
    bucket = new_bucket(owner)
    owner.put_object(Bucket=bucket, Key="public", Body=b"x", ACL="public-read")
    assert second.get_object(Bucket=bucket, Key="public")["Body"].read() == b"x"
    owner.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    # The object ACL's public grant no longer counts.
    with pytest.raises(ClientError) as e:
        second.get_object(Bucket=bucket, Key="public")
    assert error(e)[:2] == (403, "AccessDenied")
    owner.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="bucket-owner-full-control")
    acl = owner.get_object_acl(Bucket=bucket, Key="k")
    assert acl["Owner"]["ID"] == OWNER_ID
    assert acl["Grants"] == [{"Grantee": {"ID": OWNER_ID, "Type": "CanonicalUser"},
                              "Permission": "FULL_CONTROL"}]
    bucket_acl = owner.get_bucket_acl(Bucket=bucket)
    assert bucket_acl["Grants"] == acl["Grants"]


@pytest.mark.parametrize("call", ["put_object", "copy_object", "create_multipart_upload",
                                  "put_bucket_acl", "put_object_acl"])
def test_enforced_refuses_acls(owner, call):
    bucket = new_bucket(owner, ObjectOwnership="BucketOwnerEnforced")
    owner.put_object(Bucket=bucket, Key="src", Body=b"x")
    args = {"put_object": {"Key": "k", "Body": b"x"},
            "copy_object": {"Key": "k", "CopySource": {"Bucket": bucket, "Key": "src"}},
            "create_multipart_upload": {"Key": "k"}, "put_bucket_acl": {},
            "put_object_acl": {"Key": "src"}}[call]
    with pytest.raises(ClientError) as e:
        getattr(owner, call)(Bucket=bucket, ACL="public-read", **args)
    assert error(e) == (400, "AccessControlListNotSupported", "The bucket does not allow ACLs")


def test_enforced_refuses_create_bucket_with_public_acl(owner):
    with pytest.raises(ClientError) as e:
        new_bucket(owner, ObjectOwnership="BucketOwnerEnforced", ACL="public-read")
    assert error(e) == (400, "InvalidBucketAclWithObjectOwnership",
                        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")


def test_enforced_refused_while_bucket_acl_is_public(owner):
    bucket = new_bucket(owner, ACL="public-read")
    rules = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    with pytest.raises(ClientError) as e:
        owner.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=rules)
    assert error(e)[:2] == (400, "InvalidBucketAclWithObjectOwnership")
    owner.put_bucket_acl(Bucket=bucket, ACL="private")
    owner.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=rules)


def test_default_is_a_setting(tmp_path):
    server = start_server(tmp_path, "--object-ownership", "BucketOwnerEnforced")
    try:
        client = make_client(server.endpoint, "owner")
        client.create_bucket(Bucket="enforced-default")
        assert client.get_bucket_ownership_controls(Bucket="enforced-default")[
            "OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    finally:
        server.stop()


def test_enforced_upload_owner_is_the_bucket_owner(owner, srv):
    """ListParts: Owner is the future object's owner, Initiator who started the upload."""
    bucket = new_bucket(owner, ObjectOwnership="BucketOwnerEnforced")
    upload = owner.create_multipart_upload(Bucket=bucket, Key="k", ACL="bucket-owner-full-control")
    parts = owner.list_parts(Bucket=bucket, Key="k", UploadId=upload["UploadId"])
    assert parts["Owner"]["ID"] == parts["Initiator"]["ID"] == OWNER_ID


def test_preferred_upload_owner(owner, second):
    bucket = new_bucket(owner, ObjectOwnership="BucketOwnerPreferred")
    grant_write_to_second(owner, bucket)
    upload = second.create_multipart_upload(Bucket=bucket, Key="k", ACL="bucket-owner-full-control")
    parts = second.list_parts(Bucket=bucket, Key="k", UploadId=upload["UploadId"])
    assert (parts["Owner"]["ID"], parts["Initiator"]["ID"]) == (OWNER_ID, SECOND_ID)
    listed = owner.list_multipart_uploads(Bucket=bucket)["Uploads"][0]
    assert (listed["Owner"]["ID"], listed["Initiator"]["ID"]) == (OWNER_ID, SECOND_ID)


def test_enforced_policy_grants_objects_written_before(owner, second):
    """BucketOwnerEnforced: the bucket owner owns every object, those another account wrote
    before the setting too (about-object-ownership.html), so the bucket policy decides for them;
    the old writer's ACL does not (it is disabled)."""
    bucket = new_bucket(owner)
    grant_write_to_second(owner, bucket)
    second.put_object(Bucket=bucket, Key="legacy", Body=b"old")
    owner.put_bucket_acl(Bucket=bucket, ACL="private")
    owner.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    with pytest.raises(ClientError) as e:
        second.get_object(Bucket=bucket, Key="legacy")
    assert error(e)[:2] == (403, "AccessDenied")
    owner.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": account_id_of(SECOND_ID)}, "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    assert second.get_object(Bucket=bucket, Key="legacy")["Body"].read() == b"old"
    assert owner.get_object(Bucket=bucket, Key="legacy")["Body"].read() == b"old"

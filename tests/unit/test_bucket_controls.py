"""auth/bucket_controls.py: the Object Ownership and Block Public Access documents, and what is a
public ACL (access-control-block-public-access.html, "The meaning of public")."""

from __future__ import annotations

import pytest

from s3mock.auth import acl
from s3mock.auth import bucket_controls as bc
from s3mock.errors import S3Error

NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


@pytest.mark.parametrize("canned, public", [
    ("private", False), ("bucket-owner-full-control", False), ("bucket-owner-read", False),
    ("public-read", True), ("public-read-write", True), ("authenticated-read", True),
    ("aws-exec-read", False)])
def test_public_canned_acls(canned, public):
    assert bc.is_public(acl.canned(canned, "me", "bucket-owner")) is public


def test_log_delivery_is_not_public():
    assert not bc.is_public(acl.canned("log-delivery-write", "me", for_bucket=True))


def test_without_public_keeps_other_grants():
    policy = acl.canned("public-read", "me")
    assert bc.without_public(policy) == acl.canned("private", "me")


@pytest.mark.parametrize("policy, ok", [
    (acl.canned("bucket-owner-full-control", "writer", "owner"), False),   # the writer keeps a grant
    (acl.canned("bucket-owner-full-control", "owner", "owner"), True),
    (acl.canned("private", "owner"), True),
    (acl.Acl("owner", (acl.Grant("CanonicalUser", "owner", "READ"),)), False)])
def test_only_owner_full_control(policy, ok):
    assert bc.only_owner_full_control(policy, "owner") is ok


@pytest.mark.parametrize("value", bc.OWNERSHIPS)
def test_ownership_round_trip(value):
    assert bc.parse_ownership(bc.render_ownership(value)) == value


@pytest.mark.parametrize("body", [
    f"<OwnershipControls {NS}/>",
    f"<OwnershipControls {NS}><Rule><ObjectOwnership>Nobody</ObjectOwnership></Rule></OwnershipControls>",
    f"<OwnershipControls {NS}><Rule/></OwnershipControls>",
    f"<OwnershipControls {NS}><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule>"
    "<Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>",
    "<Other/>", "not xml"])
def test_bad_ownership_is_malformed(body):
    with pytest.raises(S3Error) as e:
        bc.parse_ownership(body.encode())
    assert e.value.code == "MalformedXML"


def test_ownership_header():
    assert bc.check_ownership_header("BucketOwnerEnforced") == "BucketOwnerEnforced"
    with pytest.raises(S3Error) as e:
        bc.check_ownership_header("bucketownerenforced")
    assert (e.value.code, e.value.message) == (
        "InvalidArgument", "Invalid x-amz-object-ownership header: bucketownerenforced")


@pytest.mark.parametrize("values", [(True, False, True, False), (False,) * 4, (True,) * 4])
def test_public_access_block_round_trip(values):
    pab = bc.PublicAccessBlock(*values)
    assert bc.parse_public_access_block(bc.render_public_access_block(pab)) == pab
    assert bc.pab_from_row(bc.pab_to_row(pab)) == pab


def test_public_access_block_fields_left_out_are_false():
    body = f"<PublicAccessBlockConfiguration {NS}><IgnorePublicAcls>TRUE</IgnorePublicAcls></PublicAccessBlockConfiguration>"
    assert bc.parse_public_access_block(body.encode()) == bc.PublicAccessBlock(ignore_public_acls=True)
    assert bc.pab_from_row(None) is None


@pytest.mark.parametrize("inner", ["<BlockPublicAcls>yes</BlockPublicAcls>", "<Other>true</Other>"])
def test_bad_public_access_block_is_malformed(inner):
    with pytest.raises(S3Error) as e:
        bc.parse_public_access_block(f"<PublicAccessBlockConfiguration {NS}>{inner}</PublicAccessBlockConfiguration>".encode())
    assert e.value.code == "MalformedXML"

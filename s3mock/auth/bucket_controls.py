"""A bucket's Object Ownership and Block Public Access settings: their XML documents, and what
they say about an ACL (is it public, may it be set at all). Pure: no aiohttp, no I/O.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from s3mock import xml
from s3mock.auth.acl import ALL_USERS, AUTHENTICATED_USERS, Acl
from s3mock.errors import S3Error

OBJECT_WRITER = "ObjectWriter"
PREFERRED = "BucketOwnerPreferred"
ENFORCED = "BucketOwnerEnforced"
OWNERSHIPS = (OBJECT_WRITER, PREFERRED, ENFORCED)
# The one canned ACL a bucket with ACLs disabled still accepts on a write.
BUCKET_OWNER_FULL_CONTROL = "bucket-owner-full-control"
PAB_FIELDS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


class PublicAccessBlock(NamedTuple):
    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False


def parse_ownership(body: bytes) -> str:
    """An OwnershipControls document: exactly one Rule with a known ObjectOwnership, else
    MalformedXML (the botocore model allows one rule; S3 answers MalformedXML to more, to none
    and to an unknown value: versitygw's and Ceph's ports of the AWS behaviour)."""
    doc = xml.parse(body, "OwnershipControls")
    rules = xml.children(doc, "Rule")
    if len(rules) != 1 or len(doc) != 1:
        raise S3Error("MalformedXML")
    value = xml.text(rules[0], "ObjectOwnership")
    if value not in OWNERSHIPS or len(rules[0]) != 1:
        raise S3Error("MalformedXML")
    return value


def render_ownership(value: str) -> bytes:
    return xml.render("OwnershipControls", [("Rule", [("ObjectOwnership", value)])])


def check_ownership_header(value: str) -> str:
    """CreateBucket's x-amz-object-ownership."""
    if value not in OWNERSHIPS:
        raise S3Error("InvalidArgument", f"Invalid x-amz-object-ownership header: {value}",
                      ArgumentName="x-amz-object-ownership", ArgumentValue=value)
    return value


def parse_public_access_block(body: bytes) -> PublicAccessBlock:
    """A PublicAccessBlockConfiguration document; a field left out is false, as in S3."""
    doc = xml.parse(body, "PublicAccessBlockConfiguration")
    values = []
    for name in PAB_FIELDS:
        text = xml.text(doc, name)
        if text is not None and text.strip().lower() not in ("true", "false"):
            raise S3Error("MalformedXML")
        values.append(text is not None and text.strip().lower() == "true")
    if any(xml.local(el) not in PAB_FIELDS for el in doc):
        raise S3Error("MalformedXML")
    return PublicAccessBlock(*values)


def render_public_access_block(pab: PublicAccessBlock) -> bytes:
    return xml.render("PublicAccessBlockConfiguration", list(zip(PAB_FIELDS, pab)))


def pab_to_row(pab: PublicAccessBlock) -> str:
    """As the bucket row keeps it: four 0/1 characters."""
    return "".join("1" if v else "0" for v in pab)


@functools.lru_cache(maxsize=64)
def pab_from_row(raw: str | None) -> PublicAccessBlock | None:
    """The row's text back as settings; cached by the text, which a change replaces."""
    if not raw:
        return None
    return PublicAccessBlock(*(c == "1" for c in raw[:4]))


def is_public(policy: Acl) -> bool:
    """S3's "public" ACL: one granting anything to AllUsers or AuthenticatedUsers
    (access-control-block-public-access.html, "The meaning of public")."""
    return any(g.kind == "Group" and g.grantee in (ALL_USERS, AUTHENTICATED_USERS)
               for g in policy.grants)


def without_public(policy: Acl) -> Acl:
    """The ACL as IgnorePublicAcls has S3 read it: its public grants dropped."""
    return Acl(policy.owner, tuple(g for g in policy.grants if not (
        g.kind == "Group" and g.grantee in (ALL_USERS, AUTHENTICATED_USERS))))


def only_owner_full_control(policy: Acl, bucket_owner: str) -> bool:
    """The ACL a bucket with ACLs disabled still accepts: FULL_CONTROL to the bucket owner and
    nothing else (bucket-owner-full-control, or the same grant written out)."""
    return all(g.kind == "CanonicalUser" and g.grantee == bucket_owner
               and g.permission == "FULL_CONTROL" for g in policy.grants)

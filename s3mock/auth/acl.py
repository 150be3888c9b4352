"""Access control lists: canned ACLs, x-amz-grant-* headers, AccessControlPolicy XML, and the
permission check. Pure: no aiohttp, no I/O.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable, Mapping

from s3mock import xml
from s3mock.errors import S3Error

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
GROUPS = (ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY)
PERMISSIONS = ("FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP")
XSI = "http://www.w3.org/2001/XMLSchema-instance"
# The canonical id S3 gives unauthenticated requesters: the owner of the objects they write.
ANONYMOUS_ID = "65a011a29cdf8ec533ec3d1ccaae921c"

BUCKET_CANNED = ("private", "public-read", "public-read-write", "authenticated-read",
                 "log-delivery-write")
OBJECT_CANNED = ("private", "public-read", "public-read-write", "authenticated-read",
                 "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control")
GRANT_HEADERS = {
    "x-amz-grant-read": "READ", "x-amz-grant-write": "WRITE", "x-amz-grant-read-acp": "READ_ACP",
    "x-amz-grant-write-acp": "WRITE_ACP", "x-amz-grant-full-control": "FULL_CONTROL",
}


@dataclass(frozen=True)
class Grant:
    kind: str           # "CanonicalUser" | "Group"
    grantee: str        # canonical id or group URI
    permission: str


@dataclass(frozen=True)
class Acl:
    owner: str
    grants: tuple[Grant, ...]

    def to_json(self) -> str:
        return json.dumps({"owner": self.owner, "grants": [[g.kind, g.grantee, g.permission]
                                                          for g in self.grants]})

    @staticmethod
    def from_json(raw: str) -> "Acl":
        data = json.loads(raw)
        return Acl(data["owner"], tuple(Grant(*g) for g in data["grants"]))


def _owner(owner: str) -> Grant:
    return Grant("CanonicalUser", owner, "FULL_CONTROL")


def canned(name: str, owner: str, bucket_owner: str | None = None, for_bucket: bool = False) -> Acl:
    allowed = BUCKET_CANNED if for_bucket else OBJECT_CANNED
    if name not in allowed and not (for_bucket and name in OBJECT_CANNED):
        raise S3Error("InvalidArgument", None, ArgumentName="x-amz-acl", ArgumentValue=name)
    grants = [_owner(owner)]
    if name in ("public-read", "public-read-write"):
        grants.append(Grant("Group", ALL_USERS, "READ"))
    if name == "public-read-write":
        grants.append(Grant("Group", ALL_USERS, "WRITE"))
    if name == "authenticated-read":
        grants.append(Grant("Group", AUTHENTICATED_USERS, "READ"))
    if name == "log-delivery-write":
        grants += [Grant("Group", LOG_DELIVERY, "WRITE"), Grant("Group", LOG_DELIVERY, "READ_ACP")]
    if bucket_owner and bucket_owner != owner:
        if name == "bucket-owner-read":
            grants.append(Grant("CanonicalUser", bucket_owner, "READ"))
        elif name == "bucket-owner-full-control":
            grants.append(_owner(bucket_owner))
    return Acl(owner, tuple(grants))


_GRANTEE = re.compile(r'\s*(id|uri|emailAddress)\s*=\s*"?([^",]*)"?\s*')


def from_headers(headers: Mapping[str, str], owner: str, bucket_owner: str | None = None,
                 for_bucket: bool = False, known_ids: Callable[[str], bool] = lambda _: True) -> Acl | None:
    """The ACL a request asks for with x-amz-acl or x-amz-grant-* (not both), or None."""
    canned_name = headers.get("x-amz-acl")
    grant_headers = [(h, GRANT_HEADERS[h.lower()]) for h in headers if h.lower() in GRANT_HEADERS]
    if canned_name is not None and grant_headers:
        raise S3Error("InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed")
    if canned_name is not None:
        return canned(canned_name.strip(), owner, bucket_owner, for_bucket)
    if not grant_headers:
        return None
    grants: list[Grant] = []
    for header, permission in grant_headers:
        for item in headers[header].split(","):
            m = _GRANTEE.fullmatch(item)
            if not m:
                raise S3Error("InvalidArgument", None, ArgumentName=header, ArgumentValue=headers[header])
            kind, value = m.group(1), m.group(2)
            if kind == "emailAddress":
                raise S3Error("UnresolvableGrantByEmailAddress")
            if kind == "uri":
                if value not in GROUPS:
                    raise S3Error("InvalidArgument", "Invalid group uri", ArgumentName="uri", ArgumentValue=value)
                grants.append(Grant("Group", value, permission))
            else:
                if not known_ids(value):
                    raise S3Error("InvalidArgument", "Invalid id", ArgumentName="CanonicalUser/ID", ArgumentValue=value)
                grants.append(Grant("CanonicalUser", value, permission))
    return Acl(owner, tuple(grants))


def parse_policy(body: bytes, known_ids: Callable[[str], bool] = lambda _: True) -> Acl:
    """An AccessControlPolicy document (PutBucketAcl / PutObjectAcl)."""
    doc = xml.parse(body, "AccessControlPolicy")
    owner_el = xml.child(doc, "Owner")
    grants_el = xml.child(doc, "AccessControlList")
    if owner_el is None or xml.text(owner_el, "ID") is None:
        raise S3Error("MalformedACLError")
    if len(xml.children(doc, "AccessControlList")) > 1 or (grants_el is not None and any(
            xml.local(c) != "Grant" for c in grants_el)):
        raise S3Error("MalformedACLError")   # as S3: two lists, or a list of something else
    grants = []
    for g in xml.children(grants_el, "Grant") if grants_el is not None else []:
        grantee, permission = xml.child(g, "Grantee"), xml.text(g, "Permission")
        if grantee is None or permission not in PERMISSIONS:
            raise S3Error("MalformedACLError")
        kind = grantee.get(f"{{{XSI}}}type")
        if kind == "CanonicalUser":
            gid = xml.text(grantee, "ID")
            if not gid:
                raise S3Error("MalformedACLError")
            if not known_ids(gid):
                raise S3Error("InvalidArgument", "Invalid id", ArgumentName="CanonicalUser/ID", ArgumentValue=gid)
            grants.append(Grant("CanonicalUser", gid, permission))
        elif kind == "Group":
            uri = xml.text(grantee, "URI")
            if uri not in GROUPS:
                raise S3Error("InvalidArgument", "Invalid group uri", ArgumentName="Group/URI", ArgumentValue=uri)
            grants.append(Grant("Group", uri, permission))
        elif kind == "AmazonCustomerByEmail":
            raise S3Error("UnresolvableGrantByEmailAddress")
        else:
            raise S3Error("MalformedACLError")
    return Acl(xml.text(owner_el, "ID") or "", tuple(grants))


def render_policy(acl: Acl) -> bytes:
    """GetBucketAcl / GetObjectAcl. No DisplayName in Owner or Grantee: S3 stopped returning it on
    2025-11-21 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Grantee.html, end of support
    notice). Grants in the order they were given, the owner's first for a canned ACL, as S3 lists
    them (LocalStack's snapshots recorded on AWS, test_s3_bucket_acl, 2026-02)."""
    def grantee(g: Grant) -> str:
        if g.kind == "Group":
            return (f'<Grantee xmlns:xsi="{XSI}" xsi:type="Group"><URI>{xml.escape(g.grantee)}</URI>'
                    "</Grantee>")
        return (f'<Grantee xmlns:xsi="{XSI}" xsi:type="CanonicalUser"><ID>{xml.escape(g.grantee)}</ID>'
                "</Grantee>")
    grants = "".join(f"<Grant>{grantee(g)}<Permission>{g.permission}</Permission></Grant>"
                     for g in acl.grants)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<AccessControlPolicy xmlns="{xml.S3_NS}">'
            f"<Owner><ID>{xml.escape(acl.owner)}</ID></Owner><AccessControlList>{grants}"
            "</AccessControlList></AccessControlPolicy>").encode()


def allows(acl: Acl, who: str | None, permission: str) -> bool:
    """Does the ACL grant `permission` (or FULL_CONTROL) to canonical id `who` (None: anonymous,
    who is the canonical user ANONYMOUS_ID but not one of the AuthenticatedUsers)?"""
    for g in acl.grants:
        if g.permission != permission and g.permission != "FULL_CONTROL":
            continue
        if g.kind == "CanonicalUser" and g.grantee == (who or ANONYMOUS_ID):
            return True
        if g.kind == "Group" and (g.grantee == ALL_USERS or (g.grantee == AUTHENTICATED_USERS and who is not None)):
            return True
    return False

"""auth/acl.py, the pure ACL module: canned ACLs, x-amz-grant-* headers, AccessControlPolicy XML
parse/render, and the permission check, as tables.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html
"""

from __future__ import annotations

import pytest
from lxml import etree
from multidict import CIMultiDict

from s3mock.auth import acl
from s3mock.auth.acl import ALL_USERS, ANONYMOUS_ID, AUTHENTICATED_USERS, LOG_DELIVERY, Acl, Grant
from s3mock.errors import S3Error

OWNER = "a" * 64
OTHER = "b" * 64
THIRD = "c" * 64
NS = "http://s3.amazonaws.com/doc/2006-03-01/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def user(cid: str, perm: str) -> Grant:
    return Grant("CanonicalUser", cid, perm)


def group(uri: str, perm: str) -> Grant:
    return Grant("Group", uri, perm)


FC = user(OWNER, "FULL_CONTROL")


def error_of(fn, *args, **kwargs) -> S3Error:
    with pytest.raises(S3Error) as exc:
        fn(*args, **kwargs)
    return exc.value


# ------------------------------------------------------------------ canned ACLs

# (name, for_bucket, bucket_owner) -> grants; the object's / bucket's owner is always OWNER.
CANNED = [
    ("private", True, None, [FC]),
    ("public-read", True, None, [FC, group(ALL_USERS, "READ")]),
    ("public-read-write", True, None, [FC, group(ALL_USERS, "READ"), group(ALL_USERS, "WRITE")]),
    ("authenticated-read", True, None, [FC, group(AUTHENTICATED_USERS, "READ")]),
    ("log-delivery-write", True, None, [FC, group(LOG_DELIVERY, "WRITE"), group(LOG_DELIVERY, "READ_ACP")]),
    # "If you specify this canned ACL when creating a bucket, Amazon S3 ignores it."
    ("bucket-owner-read", True, None, [FC]),
    ("bucket-owner-full-control", True, None, [FC]),
    ("private", False, OWNER, [FC]),
    ("public-read", False, OWNER, [FC, group(ALL_USERS, "READ")]),
    ("public-read-write", False, OWNER, [FC, group(ALL_USERS, "READ"), group(ALL_USERS, "WRITE")]),
    ("authenticated-read", False, OWNER, [FC, group(AUTHENTICATED_USERS, "READ")]),
    # the bucket owner is the object owner: nothing to add
    ("bucket-owner-read", False, OWNER, [FC]),
    ("bucket-owner-full-control", False, OWNER, [FC]),
    # another account owns the bucket
    ("private", False, OTHER, [FC]),
    ("public-read", False, OTHER, [FC, group(ALL_USERS, "READ")]),
    ("public-read-write", False, OTHER, [FC, group(ALL_USERS, "READ"), group(ALL_USERS, "WRITE")]),
    ("authenticated-read", False, OTHER, [FC, group(AUTHENTICATED_USERS, "READ")]),
    ("bucket-owner-read", False, OTHER, [FC, user(OTHER, "READ")]),
    ("bucket-owner-full-control", False, OTHER, [FC, user(OTHER, "FULL_CONTROL")]),
]


def _canned_id(case) -> str:
    name, for_bucket, bucket_owner, _ = case
    where = "bucket" if for_bucket else "object-own-bucket" if bucket_owner == OWNER else "object-other-bucket"
    return f"{where}:{name}"


@pytest.mark.parametrize("name,for_bucket,bucket_owner,grants", CANNED, ids=[_canned_id(c) for c in CANNED])
def test_canned_grants(name, for_bucket, bucket_owner, grants):
    policy = acl.canned(name, OWNER, bucket_owner, for_bucket=for_bucket)
    assert policy == Acl(OWNER, tuple(grants))


@pytest.mark.parametrize("for_bucket", [True, False], ids=["bucket", "object"])
@pytest.mark.parametrize("name", ["bogus", "public", ""])
def test_canned_unknown_name_is_invalid_argument(name, for_bucket):
    err = error_of(acl.canned, name, OWNER, None, for_bucket=for_bucket)
    assert (err.code, err.status) == ("InvalidArgument", 400)
    assert err.fields == {"ArgumentName": "x-amz-acl", "ArgumentValue": name}


def test_acl_json_round_trip():
    policy = Acl(OWNER, (FC, user(OTHER, "READ"), group(ALL_USERS, "WRITE_ACP")))
    assert Acl.from_json(policy.to_json()) == policy


# ------------------------------------------------------------------ x-amz-acl / x-amz-grant-* headers

KNOWN = {OWNER, OTHER, THIRD}

# headers -> expected grants (the owner gets nothing it was not granted: S3 replaces the ACL)
GRANT_HEADERS = [
    pytest.param({"x-amz-grant-read": f'id="{OTHER}"'}, [user(OTHER, "READ")], id="read-id-quoted"),
    pytest.param({"x-amz-grant-read": f"id={OTHER}"}, [user(OTHER, "READ")], id="read-id-unquoted"),
    pytest.param({"x-amz-grant-write": f'uri="{ALL_USERS}"'}, [group(ALL_USERS, "WRITE")], id="write-all-users"),
    pytest.param({"x-amz-grant-read-acp": f'uri="{AUTHENTICATED_USERS}"'},
                 [group(AUTHENTICATED_USERS, "READ_ACP")], id="read-acp-authenticated-users"),
    pytest.param({"x-amz-grant-write-acp": f'uri="{LOG_DELIVERY}"'}, [group(LOG_DELIVERY, "WRITE_ACP")],
                 id="write-acp-log-delivery"),
    pytest.param({"x-amz-grant-full-control": f'id="{OWNER}"'}, [user(OWNER, "FULL_CONTROL")], id="full-control-id"),
    pytest.param({"x-amz-grant-read": f'id="{OTHER}", id="{THIRD}",uri="{ALL_USERS}"'},
                 [user(OTHER, "READ"), user(THIRD, "READ"), group(ALL_USERS, "READ")], id="several-grantees"),
    pytest.param({"X-Amz-Grant-Read": f'id="{OTHER}"', "X-AMZ-GRANT-WRITE": f'id="{THIRD}"'},
                 [user(OTHER, "READ"), user(THIRD, "WRITE")], id="header-names-any-case"),
    pytest.param({"x-amz-grant-read": f'id="{OTHER}"', "x-amz-grant-write": f'id="{OTHER}"',
                  "x-amz-grant-read-acp": f'id="{OTHER}"', "x-amz-grant-write-acp": f'id="{OTHER}"',
                  "x-amz-grant-full-control": f'id="{THIRD}"'},
                 [user(OTHER, "READ"), user(OTHER, "WRITE"), user(OTHER, "READ_ACP"),
                  user(OTHER, "WRITE_ACP"), user(THIRD, "FULL_CONTROL")], id="all-five-headers"),
]


@pytest.mark.parametrize("headers,grants", GRANT_HEADERS)
def test_grant_headers(headers, grants):
    policy = acl.from_headers(CIMultiDict(headers), OWNER, known_ids=KNOWN.__contains__)
    assert policy == Acl(OWNER, tuple(grants))


def test_no_acl_headers_is_none():
    assert acl.from_headers(CIMultiDict({"Content-Type": "text/plain"}), OWNER) is None


@pytest.mark.parametrize("for_bucket,bucket_owner,grants", [
    (True, None, [FC, group(ALL_USERS, "READ")]),
    (False, OTHER, [FC, group(ALL_USERS, "READ")]),
], ids=["bucket", "object"])
def test_canned_header(for_bucket, bucket_owner, grants):
    policy = acl.from_headers(CIMultiDict({"X-Amz-Acl": " public-read "}), OWNER, bucket_owner, for_bucket)
    assert policy == Acl(OWNER, tuple(grants))


def test_canned_header_bucket_owner_full_control_from_another_account():
    policy = acl.from_headers(CIMultiDict({"x-amz-acl": "bucket-owner-full-control"}), OTHER, OWNER)
    assert policy == Acl(OTHER, (user(OTHER, "FULL_CONTROL"), user(OWNER, "FULL_CONTROL")))


BAD_HEADERS = [
    pytest.param({"x-amz-acl": "private", "x-amz-grant-read": f'id="{OTHER}"'}, "InvalidRequest",
                 "Specifying both Canned ACLs and Header Grants is not allowed", id="canned-and-grants"),
    pytest.param({"x-amz-grant-read": 'emailAddress="someone@example.com"'}, "UnresolvableGrantByEmailAddress",
                 "The email address you provided does not match any account on record.", id="email-address"),
    pytest.param({"x-amz-grant-read": f'id="{OTHER}", emailAddress="someone@example.com"'},
                 "UnresolvableGrantByEmailAddress", None, id="email-among-others"),
    pytest.param({"x-amz-grant-read": 'id="nobody-has-this-id"'}, "InvalidArgument", "Invalid id",
                 id="unknown-id"),
    pytest.param({"x-amz-grant-read": 'uri="http://acs.amazonaws.com/groups/global/Nobody"'},
                 "InvalidArgument", "Invalid group uri", id="unknown-group"),
    pytest.param({"x-amz-grant-read": "everyone"}, "InvalidArgument", None, id="not-a-grantee"),
    pytest.param({"x-amz-grant-read": f'name="{OTHER}"'}, "InvalidArgument", None, id="unknown-grantee-type"),
]


@pytest.mark.parametrize("headers,code,message", BAD_HEADERS)
def test_bad_acl_headers(headers, code, message):
    err = error_of(acl.from_headers, CIMultiDict(headers), OWNER, known_ids=KNOWN.__contains__)
    assert err.code == code
    assert err.status == 400
    if message is not None:
        assert err.message == message


def test_unknown_id_error_names_the_argument():
    err = error_of(acl.from_headers, CIMultiDict({"x-amz-grant-write": 'id="zzz"'}), OWNER,
                   known_ids=KNOWN.__contains__)
    assert err.fields == {"ArgumentName": "CanonicalUser/ID", "ArgumentValue": "zzz"}


# ------------------------------------------------------------------ AccessControlPolicy XML

def policy_xml(grants: str, owner: str = f"<Owner><ID>{OWNER}</ID><DisplayName>owner</DisplayName></Owner>",
               ns: bool = True) -> bytes:
    xmlns = f' xmlns="{NS}"' if ns else ""
    return (f'<AccessControlPolicy{xmlns}>{owner}<AccessControlList>{grants}</AccessControlList>'
            "</AccessControlPolicy>").encode()


def grant_xml(kind: str, inner: str, permission: str) -> str:
    return (f'<Grant><Grantee xmlns:xsi="{XSI}" xsi:type="{kind}">{inner}</Grantee>'
            f"<Permission>{permission}</Permission></Grant>")


BOTO3_STYLE = "".join([
    grant_xml("CanonicalUser", f"<ID>{OWNER}</ID><DisplayName>owner</DisplayName>", "FULL_CONTROL"),
    grant_xml("CanonicalUser", f"<ID>{OTHER}</ID>", "READ"),
    grant_xml("Group", f"<URI>{ALL_USERS}</URI>", "READ"),
    grant_xml("Group", f"<URI>{AUTHENTICATED_USERS}</URI>", "WRITE_ACP"),
    grant_xml("Group", f"<URI>{LOG_DELIVERY}</URI>", "WRITE"),
    grant_xml("CanonicalUser", f"<ID>{THIRD}</ID>", "READ_ACP"),
])
BOTO3_ACL = Acl(OWNER, (FC, user(OTHER, "READ"), group(ALL_USERS, "READ"),
                        group(AUTHENTICATED_USERS, "WRITE_ACP"), group(LOG_DELIVERY, "WRITE"),
                        user(THIRD, "READ_ACP")))


@pytest.mark.parametrize("ns", [True, False], ids=["with-namespace", "without-namespace"])
def test_parse_policy(ns):
    assert acl.parse_policy(policy_xml(BOTO3_STYLE, ns=ns), KNOWN.__contains__) == BOTO3_ACL


def test_parse_policy_empty_list_revokes_everything():
    assert acl.parse_policy(policy_xml("")) == Acl(OWNER, ())


def test_parse_policy_owner_without_display_name():
    body = policy_xml(grant_xml("CanonicalUser", f"<ID>{OWNER}</ID>", "READ"), owner=f"<Owner><ID>{OWNER}</ID></Owner>")
    assert acl.parse_policy(body) == Acl(OWNER, (user(OWNER, "READ"),))


def test_render_policy_has_no_display_name():
    """S3 stopped returning DisplayName in Owner and Grantee on 2025-11-21
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Grantee.html): each is its ID alone."""
    doc = etree.fromstring(acl.render_policy(BOTO3_ACL))
    assert doc.tag == f"{{{NS}}}AccessControlPolicy"
    assert [c.tag for c in doc.find(f"{{{NS}}}Owner")] == [f"{{{NS}}}ID"]
    assert doc.findtext(f"{{{NS}}}Owner/{{{NS}}}ID") == OWNER
    rendered = []
    for g in doc.iterfind(f"{{{NS}}}AccessControlList/{{{NS}}}Grant"):
        grantee = g.find(f"{{{NS}}}Grantee")
        rendered.append((grantee.get(f"{{{XSI}}}type"), [c.tag.split("}")[1] for c in grantee],
                         grantee.findtext(f"{{{NS}}}ID") or grantee.findtext(f"{{{NS}}}URI"),
                         g.findtext(f"{{{NS}}}Permission")))
    assert rendered == [
        ("CanonicalUser", ["ID"], OWNER, "FULL_CONTROL"),
        ("CanonicalUser", ["ID"], OTHER, "READ"),
        ("Group", ["URI"], ALL_USERS, "READ"),
        ("Group", ["URI"], AUTHENTICATED_USERS, "WRITE_ACP"),
        ("Group", ["URI"], LOG_DELIVERY, "WRITE"),
        ("CanonicalUser", ["ID"], THIRD, "READ_ACP"),
    ]
    assert b"DisplayName" not in acl.render_policy(BOTO3_ACL)


@pytest.mark.parametrize("policy", [
    pytest.param(BOTO3_ACL, id="mixed"),
    pytest.param(Acl(OWNER, ()), id="no-grants"),
    pytest.param(acl.canned("log-delivery-write", OWNER, for_bucket=True), id="log-delivery-write"),
    pytest.param(Acl(OTHER, (user(OTHER, "FULL_CONTROL"), user(OWNER, "FULL_CONTROL"))), id="foreign-owner"),
    pytest.param(Acl('a<b>&"c', (user('a<b>&"c', "READ"),)), id="escaped-id"),
])
def test_render_then_parse_round_trip(policy):
    assert acl.parse_policy(acl.render_policy(policy)) == policy


MALFORMED = [
    pytest.param(policy_xml(BOTO3_STYLE, owner=""), id="no-owner"),
    pytest.param(policy_xml(BOTO3_STYLE, owner="<Owner><DisplayName>x</DisplayName></Owner>"), id="owner-without-id"),
    pytest.param(policy_xml("<Grant><Permission>READ</Permission></Grant>"), id="grant-without-grantee"),
    pytest.param(policy_xml(grant_xml("CanonicalUser", f"<ID>{OTHER}</ID>", "FULL_CONTROLL")),
                 id="misspelt-permission"),
    pytest.param(policy_xml(grant_xml("CanonicalUser", f"<ID>{OTHER}</ID>", "read")), id="lowercase-permission"),
    pytest.param(policy_xml(f'<Grant><Grantee xmlns:xsi="{XSI}" xsi:type="CanonicalUser"><ID>{OTHER}</ID>'
                            "</Grantee></Grant>"), id="grant-without-permission"),
    pytest.param(policy_xml(grant_xml("CanonicalUser", "<DisplayName>x</DisplayName>", "READ")), id="user-without-id"),
    pytest.param(policy_xml(grant_xml("CanonicalUser", "<ID></ID>", "READ")), id="user-with-empty-id"),
    pytest.param(policy_xml(grant_xml("Robot", f"<ID>{OTHER}</ID>", "READ")), id="unknown-grantee-type"),
    pytest.param(policy_xml(f"<Grant><Grantee><ID>{OTHER}</ID></Grantee><Permission>READ</Permission></Grant>"),
                 id="grantee-without-type"),
    pytest.param(policy_xml(f"<Grantee><ID>{OTHER}</ID></Grantee>"), id="list-of-non-grants"),
    pytest.param(f'<AccessControlPolicy xmlns="{NS}"><Owner><ID>{OWNER}</ID></Owner><AccessControlList/>'
                 "<AccessControlList/></AccessControlPolicy>".encode(), id="two-lists"),
]


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_policy(body):
    err = error_of(acl.parse_policy, body, KNOWN.__contains__)
    assert (err.code, err.status) == ("MalformedACLError", 400)


@pytest.mark.parametrize("grant,code,fields", [
    pytest.param(grant_xml("AmazonCustomerByEmail", "<EmailAddress>a@example.com</EmailAddress>", "READ"),
                 "UnresolvableGrantByEmailAddress", {}, id="email-grantee"),
    pytest.param(grant_xml("CanonicalUser", "<ID>_foo</ID>", "READ"), "InvalidArgument",
                 {"ArgumentName": "CanonicalUser/ID", "ArgumentValue": "_foo"}, id="unknown-user"),
    pytest.param(grant_xml("Group", "<URI>http://acs.amazonaws.com/groups/global/Nobody</URI>", "READ"),
                 "InvalidArgument", {"ArgumentName": "Group/URI",
                                     "ArgumentValue": "http://acs.amazonaws.com/groups/global/Nobody"},
                 id="unknown-group"),
])
def test_policy_with_unresolvable_grantee(grant, code, fields):
    err = error_of(acl.parse_policy, policy_xml(grant), KNOWN.__contains__)
    assert (err.code, err.status, err.fields) == (code, 400, fields)


# ------------------------------------------------------------------ allows()

PERMS = ("READ", "WRITE", "READ_ACP", "WRITE_ACP")
WHO = {"owner": OWNER, "other": OTHER, "anonymous": None}

# ACL -> for each requester, the permissions it is granted (FULL_CONTROL implies all four)
ALLOWS = [
    ("private", acl.canned("private", OWNER), {"owner": PERMS, "other": (), "anonymous": ()}),
    ("public-read", acl.canned("public-read", OWNER),
     {"owner": PERMS, "other": ("READ",), "anonymous": ("READ",)}),
    ("public-read-write", acl.canned("public-read-write", OWNER),
     {"owner": PERMS, "other": ("READ", "WRITE"), "anonymous": ("READ", "WRITE")}),
    ("authenticated-read", acl.canned("authenticated-read", OWNER),
     {"owner": PERMS, "other": ("READ",), "anonymous": ()}),
    ("log-delivery-write", acl.canned("log-delivery-write", OWNER, for_bucket=True),
     {"owner": PERMS, "other": (), "anonymous": ()}),
    ("bucket-owner-read", acl.canned("bucket-owner-read", OTHER, OWNER),
     {"owner": ("READ",), "other": PERMS, "anonymous": ()}),
    ("bucket-owner-full-control", acl.canned("bucket-owner-full-control", OTHER, OWNER),
     {"owner": PERMS, "other": PERMS, "anonymous": ()}),
    # no implicit rights here: an owner's implicit READ_ACP/WRITE_ACP is request/access.py's
    ("no-grants", Acl(OWNER, ()), {"owner": (), "other": (), "anonymous": ()}),
    ("other-read-acp", Acl(OWNER, (user(OTHER, "READ_ACP"),)),
     {"owner": (), "other": ("READ_ACP",), "anonymous": ()}),
    ("other-write-acp", Acl(OWNER, (user(OTHER, "WRITE_ACP"),)),
     {"owner": (), "other": ("WRITE_ACP",), "anonymous": ()}),
    ("other-write", Acl(OWNER, (user(OTHER, "WRITE"),)), {"owner": (), "other": ("WRITE",), "anonymous": ()}),
    ("other-full-control", Acl(OWNER, (user(OTHER, "FULL_CONTROL"),)),
     {"owner": (), "other": PERMS, "anonymous": ()}),
    ("all-users-read-acp", Acl(OWNER, (group(ALL_USERS, "READ_ACP"),)),
     {"owner": ("READ_ACP",), "other": ("READ_ACP",), "anonymous": ("READ_ACP",)}),
    ("authenticated-full-control", Acl(OWNER, (group(AUTHENTICATED_USERS, "FULL_CONTROL"),)),
     {"owner": PERMS, "other": PERMS, "anonymous": ()}),
    ("log-delivery-full-control", Acl(OWNER, (group(LOG_DELIVERY, "FULL_CONTROL"),)),
     {"owner": (), "other": (), "anonymous": ()}),
    # an object written anonymously: the anonymous canonical user owns it
    ("anonymous-owner", acl.canned("private", ANONYMOUS_ID),
     {"owner": (), "other": (), "anonymous": PERMS}),
]
ALLOWS_CASES = [
    pytest.param(policy, WHO[who], perm, perm in granted[who], id=f"{name}/{who}/{perm}")
    for name, policy, granted in ALLOWS for who in WHO for perm in PERMS
]


@pytest.mark.parametrize("policy,who,permission,expected", ALLOWS_CASES)
def test_allows(policy, who, permission, expected):
    assert acl.allows(policy, who, permission) is expected

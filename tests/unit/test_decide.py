"""request/decide.py as tables: decide(), missing() and acl_verdict() on real Bucket / ObjectMeta
rows and real policy documents, no server. Each case asserts the whole Verdict (allowed, kind,
reason, statement, sid, not_owner_account): what access.py turns into 200/403/405 and what the
explainer shows.

AWS's order: userguide/access-control-auth-workflow-bucket-operation.html and -object-operation.html
(an explicit Deny wins; the bucket policy and ACLs grant; an object another account owns needs
that owner's ACL); access-control-block-public-access.html (IgnorePublicAcls; RestrictPublicBuckets: with a public
policy "restricts access to this bucket to only AWS service principals and authorized users within
this account", API_PublicAccessBlockConfiguration.html); about-object-ownership.html (BucketOwnerEnforced: ACLs disabled, the bucket owner
owns every object, policies decide); API_PutBucketPolicy.html (the owner's account may always use
the policy operations; another account the policy allows gets 405 MethodNotAllowed).
"""

from __future__ import annotations

import json

import pytest

from s3mock.auth import acl
from s3mock.auth import bucket_controls as bc
from s3mock.auth.identity import ANONYMOUS, Principal, User
from s3mock.operations import Op, Perm
from s3mock.request import decide as D
from s3mock.storage.base import Bucket, ObjectMeta

OWNER_U = User("AKOWNER", "s1", "a" * 64, "owner")
OTHER_U = User("AKOTHER", "s2", "b" * 64, "other")
THIRD_U = User("AKTHIRD", "s3", "c" * 64, "third")
OWNER, OTHER, THIRD, ANON = Principal(OWNER_U), Principal(OTHER_U), Principal(THIRD_U), ANONYMOUS
BUCKET_ARN, OBJ_ARN = "arn:aws:s3:::bkt", "arn:aws:s3:::bkt/k"
WHO = {"owner": OWNER, "other": OTHER, "third": THIRD, "anon": ANON}

# Each operation as access.py asks: (op, the ACL permission, the IAM actions, the resource).
OPS = {
    "GetObject": (Op.GetObject, Perm.READ, ("s3:GetObject",), OBJ_ARN),
    "GetObjectVersion": (Op.GetObject, Perm.READ, ("s3:GetObjectVersion",), OBJ_ARN),
    "PutObject": (Op.PutObject, Perm.WRITE, ("s3:PutObject",), OBJ_ARN),
    "PutObjectTagged": (Op.PutObject, Perm.WRITE, ("s3:PutObject", "s3:PutObjectTagging"), OBJ_ARN),
    "ListObjects": (Op.ListObjects, Perm.READ, ("s3:ListBucket",), BUCKET_ARN),
    "GetObjectAcl": (Op.GetObjectAcl, Perm.READ_ACP, ("s3:GetObjectAcl",), OBJ_ARN),
    "PutBucketCors": (Op.PutBucketCors, Perm.OWNER, ("s3:PutBucketCORS",), BUCKET_ARN),
    "GetBucketPolicy": (Op.GetBucketPolicy, Perm.OWNER, ("s3:GetBucketPolicy",), BUCKET_ARN),
    "PutBucketPolicy": (Op.PutBucketPolicy, Perm.OWNER, ("s3:PutBucketPolicy",), BUCKET_ARN),
    "DeleteBucketPolicy": (Op.DeleteBucketPolicy, Perm.OWNER, ("s3:DeleteBucketPolicy",), BUCKET_ARN),
    "ListParts": (Op.ListParts, Perm.READ, ("s3:ListMultipartUploadParts",), OBJ_ARN),
    "AbortMultipartUpload": (Op.AbortMultipartUpload, Perm.WRITE, ("s3:AbortMultipartUpload",), OBJ_ARN),
}


def st(effect="Allow", principal="*", action="s3:GetObject", resource="arn:aws:s3:::bkt/*",
       sid=None, condition=None) -> dict:
    s = {"Effect": effect, "Principal": principal, "Action": action, "Resource": resource}
    if sid:
        s["Sid"] = sid
    if condition:
        s["Condition"] = condition
    return s


def doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def to(user: User) -> dict:
    return {"AWS": user.account_id}


def acl_json(owner: str, *grants: tuple[str, str, str]) -> str:
    """An ACL row: FULL_CONTROL to the owner, then (kind, grantee, permission) grants."""
    full = (acl.Grant("CanonicalUser", owner, "FULL_CONTROL"),)
    return acl.Acl(owner, full + tuple(acl.Grant(*g) for g in grants)).to_json()


def bucket(policy: str | None = None, acl: str | None = None, ownership: str | None = None,
           pab: str | None = None) -> Bucket:
    """pab: the row's four 0/1 characters, BlockPublicAcls IgnorePublicAcls BlockPublicPolicy
    RestrictPublicBuckets."""
    return Bucket("bkt", 0.0, OWNER_U.canonical_id, "us-east-1", acl=acl, ownership=ownership,
                  public_access_block=pab, policy=policy)


def obj(owner: str = OWNER_U.canonical_id, acl: str | None = None, **tags: str) -> ObjectMeta:
    return ObjectMeta("bkt", "k", 1, "e", 0.0, owner, acl=acl, tags=dict(tags))


def question(who: str, op: str, b: Bucket, target=None, keys: dict | None = None,
             initiator: str | None = None) -> D.Question:
    o, perm, actions, resource = OPS[op]
    values = keys or {}
    return D.Question(o, perm, WHO[who], b, b if target is None else target, actions, resource,
                      values.get, initiator)


def verdict(allowed, kind, reason, statement=None, sid=None, not_owner=False) -> D.Verdict:
    return D.Verdict(allowed, kind, reason, statement, sid, not_owner)


def decide(q: D.Question) -> D.Verdict:
    """decide(), with an allowed policy verdict's reason as the explainer words it: the request
    path carries the constant POLICY_ALLOWS and builds no sentence."""
    v = D.decide(q)
    if v.allowed and v.kind == "policy":
        assert v.reason is D.POLICY_ALLOWS
    return v._replace(reason=D.allowed_reason(v, D.policy_of(q.bucket), q))


NO_GRANT = "no bucket policy statement or {} ACL grant allows it ({})"
OWNER_ONLY = "only the bucket owner may do this unless the bucket policy allows it"


# --- Without a policy: the ACL (and what S3 keeps for owners) ---------------------------------

ACL_ONLY = [
    ("owner-bucket", "owner", "ListObjects", bucket(), None, D.OWNER),
    ("other-private-bucket", "other", "ListObjects", bucket(), None,
     verdict(False, "none", NO_GRANT.format("bucket", "READ"))),
    ("other-grant", "other", "ListObjects",
     bucket(acl=acl_json(OWNER_U.canonical_id, ("CanonicalUser", OTHER_U.canonical_id, "READ"))),
     None, D.ACL_GRANT),
    ("anon-authenticated-read", "anon", "ListObjects",
     bucket(acl=acl_json(OWNER_U.canonical_id, ("Group", acl.AUTHENTICATED_USERS, "READ"))), None,
     verdict(False, "none", NO_GRANT.format("bucket", "READ"))),
    ("other-authenticated-read", "other", "ListObjects",
     bucket(acl=acl_json(OWNER_U.canonical_id, ("Group", acl.AUTHENTICATED_USERS, "READ"))), None,
     D.ACL_GRANT),
    ("other-write-not-read", "other", "PutObject",
     bucket(acl=acl_json(OWNER_U.canonical_id, ("CanonicalUser", OTHER_U.canonical_id, "READ"))),
     None, verdict(False, "none", NO_GRANT.format("bucket", "WRITE"))),
    ("owner-object", "owner", "GetObject", bucket(), obj(), D.OBJECT_OWNER),
    ("object-public-read", "anon", "GetObject", bucket(),
     obj(acl=acl_json(OWNER_U.canonical_id, ("Group", acl.ALL_USERS, "READ"))), D.ACL_GRANT),
    # An object another account wrote: the bucket owner has only what its ACL grants.
    ("bucket-owner-foreign-object", "owner", "GetObject", bucket(), obj(OTHER_U.canonical_id),
     verdict(False, "none", NO_GRANT.format("object", "READ"))),
    ("foreign-object-writer", "other", "GetObject", bucket(), obj(OTHER_U.canonical_id),
     D.OBJECT_OWNER),
    # The owner of an ACL may always read and change it, even one without its own grant.
    ("owner-acp-without-grant", "other", "GetObjectAcl", bucket(),
     obj(OTHER_U.canonical_id, acl=acl.Acl(OTHER_U.canonical_id, ()).to_json()), D.ACL_GRANT),
    ("ignore-public-acls", "anon", "GetObject", bucket(pab="0100"),
     obj(acl=acl_json(OWNER_U.canonical_id, ("Group", acl.ALL_USERS, "READ"))),
     verdict(False, "block_public_access", "IgnorePublicAcls: the object ACL's public grants are "
             "ignored, and nothing else grants READ")),
    ("ignore-public-acls-keeps-user-grant", "other", "GetObject", bucket(pab="0100"),
     obj(acl=acl_json(OWNER_U.canonical_id, ("Group", acl.ALL_USERS, "READ"),
                      ("CanonicalUser", OTHER_U.canonical_id, "READ"))), D.ACL_GRANT),
    ("ignore-public-acls-off", "anon", "GetObject", bucket(pab="1011"),
     obj(acl=acl_json(OWNER_U.canonical_id, ("Group", acl.ALL_USERS, "READ"))), D.ACL_GRANT),
    ("enforced-owner", "owner", "GetObject", bucket(ownership=bc.ENFORCED),
     obj(OTHER_U.canonical_id), D.OWNER),
    ("enforced-ignores-grant", "other", "ListObjects",
     bucket(ownership=bc.ENFORCED,
            acl=acl_json(OWNER_U.canonical_id, ("CanonicalUser", OTHER_U.canonical_id, "READ"))),
     None, verdict(False, "ownership", "ACLs are disabled (BucketOwnerEnforced) and no bucket "
                   "policy statement allows it")),
    ("enforced-ignores-object-writer", "other", "GetObject", bucket(ownership=bc.ENFORCED),
     obj(OTHER_U.canonical_id), verdict(False, "ownership", "ACLs are disabled "
                                        "(BucketOwnerEnforced) and no bucket policy statement allows it")),
    ("owner-only-op", "owner", "PutBucketCors", bucket(), None, D.OWNER),
    ("owner-only-op-other", "other", "PutBucketCors",
     bucket(acl=acl_json(OWNER_U.canonical_id, ("CanonicalUser", OTHER_U.canonical_id, "FULL_CONTROL"))),
     None, verdict(False, "none", OWNER_ONLY)),
]


@pytest.mark.parametrize("who, op, b, target, expected", [c[1:] for c in ACL_ONLY],
                         ids=[c[0] for c in ACL_ONLY])
def test_decide_without_policy(who, op, b, target, expected):
    assert decide(question(who, op, b, target)) == expected


@pytest.mark.parametrize("who, op, b, target, expected",
                         [c[1:] for c in ACL_ONLY if OPS[c[2]][1] is not Perm.OWNER],
                         ids=[c[0] for c in ACL_ONLY if OPS[c[2]][1] is not Perm.OWNER])
def test_acl_verdict_agrees_without_policy(who, op, b, target, expected):
    """access.py's fast path (no policy) calls acl_verdict() alone: the same answer."""
    q = question(who, op, b, target)
    assert D.acl_verdict(q.principal.canonical_id, q.target, q.perm, b) == expected


# --- With a policy: statement x principal x action x condition --------------------------------

PUBLIC_READ = doc(st())
TO_OTHER = doc(st(principal=to(OTHER_U), sid="Other"))
FROM_NET = doc(st(condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
DENY_HTTP = doc(st("Deny", action="s3:*", resource=["arn:aws:s3:::bkt", "arn:aws:s3:::bkt/*"],
                   sid="DenyHttp", condition={"Bool": {"aws:SecureTransport": "false"}}))
ALLOW_DENY_OTHER = doc(st(sid="All"), st("Deny", principal={"AWS": OTHER_U.arn}, sid="NotOther"))
GRANT_OTHER_READ = acl_json(OWNER_U.canonical_id, ("CanonicalUser", OTHER_U.canonical_id, "READ"))
PUBLIC_OBJECT = acl_json(OWNER_U.canonical_id, ("Group", acl.ALL_USERS, "READ"))


def allows(n: int, actions: str, resource: str = OBJ_ARN, sid: str | None = None) -> D.Verdict:
    named = f'statement {n + 1}' + (f' (Sid "{sid}")' if sid else "")
    return verdict(True, "policy", f"{named} allows {actions} on {resource}", n, sid)


def denies(n: int, action: str, resource: str = OBJ_ARN, sid: str | None = None) -> D.Verdict:
    named = f'statement {n + 1}' + (f' (Sid "{sid}")' if sid else "")
    return verdict(False, "policy", f"{named} denies {action} on {resource}", n, sid)


OBJ_NONE = verdict(False, "none", NO_GRANT.format("object", "READ"))
BKT_WRITE_NONE = verdict(False, "none", NO_GRANT.format("bucket", "WRITE"))

WITH_POLICY = [
    # Who the statement names.
    ("star-anon", PUBLIC_READ, "anon", "GetObject", {}, None, allows(0, "s3:GetObject")),
    ("star-other", PUBLIC_READ, "other", "GetObject", {}, None, allows(0, "s3:GetObject")),
    ("star-owner", PUBLIC_READ, "owner", "GetObject", {}, None, allows(0, "s3:GetObject")),
    ("account-other", TO_OTHER, "other", "GetObject", {}, None, allows(0, "s3:GetObject", sid="Other")),
    ("account-third", TO_OTHER, "third", "GetObject", {}, None, OBJ_NONE),
    ("account-anon", TO_OTHER, "anon", "GetObject", {}, None, OBJ_NONE),
    ("account-owner-own-object", TO_OTHER, "owner", "GetObject", {}, None, D.OBJECT_OWNER),
    ("root-arn", doc(st(principal={"AWS": OTHER_U.arn})), "other", "GetObject", {}, None,
     allows(0, "s3:GetObject")),
    ("canonical-user", doc(st(principal={"CanonicalUser": OTHER_U.canonical_id})), "other",
     "GetObject", {}, None, allows(0, "s3:GetObject")),
    ("iam-user-arn-is-not-root", doc(st(principal={"AWS": f"arn:aws:iam::{OTHER_U.account_id}:user/x"})),
     "other", "GetObject", {}, None, OBJ_NONE),
    # Which action and resource.
    ("action-wildcard", doc(st(action="s3:Get*")), "anon", "GetObject", {}, None, allows(0, "s3:GetObject")),
    ("action-case", doc(st(action="S3:getobject")), "anon", "GetObject", {}, None, allows(0, "s3:GetObject")),
    ("other-action", PUBLIC_READ, "anon", "PutObject", {}, None, BKT_WRITE_NONE),
    ("version-action", PUBLIC_READ, "anon", "GetObjectVersion", {}, None, OBJ_NONE),
    ("other-resource", doc(st(resource="arn:aws:s3:::bkt/other/*")), "anon", "GetObject", {}, None, OBJ_NONE),
    ("bucket-resource", doc(st(action="s3:ListBucket", resource="arn:aws:s3:::bkt")), "anon",
     "ListObjects", {}, None, allows(0, "s3:ListBucket", BUCKET_ARN)),
    # Conditions.
    ("ip-in", FROM_NET, "anon", "GetObject", {"aws:sourceip": ["10.1.2.3"]}, None, allows(0, "s3:GetObject")),
    ("ip-out", FROM_NET, "anon", "GetObject", {"aws:sourceip": ["192.168.1.1"]}, None, OBJ_NONE),
    ("ip-absent", FROM_NET, "anon", "GetObject", {}, None, OBJ_NONE),
    ("tag-match", doc(st(condition={"StringEquals": {"s3:ExistingObjectTag/team": "blue"}})), "other",
     "GetObject", {"s3:existingobjecttag/team": ["blue"]}, None, allows(0, "s3:GetObject")),
    ("tag-mismatch", doc(st(condition={"StringEquals": {"s3:ExistingObjectTag/team": "blue"}})), "other",
     "GetObject", {"s3:existingobjecttag/team": ["red"]}, None, OBJ_NONE),
    # Deny over everything: an Allow, an ACL grant, the bucket and object owner.
    ("deny-http-owner", DENY_HTTP, "owner", "GetObject", {"aws:securetransport": ["false"]}, None,
     denies(0, "s3:GetObject", sid="DenyHttp")),
    ("deny-http-https", DENY_HTTP, "owner", "GetObject", {"aws:securetransport": ["true"]}, None,
     D.OBJECT_OWNER),
    ("deny-http-bucket-owner-op", DENY_HTTP, "owner", "PutBucketCors",
     {"aws:securetransport": ["false"]}, None, denies(0, "s3:PutBucketCORS", BUCKET_ARN, "DenyHttp")),
    ("deny-over-allow", ALLOW_DENY_OTHER, "other", "GetObject", {}, None,
     denies(1, "s3:GetObject", sid="NotOther")),
    ("deny-not-matching", ALLOW_DENY_OTHER, "third", "GetObject", {}, None,
     allows(0, "s3:GetObject", sid="All")),
    ("deny-over-acl", doc(st("Deny")), "anon", "GetObject", {}, PUBLIC_OBJECT, denies(0, "s3:GetObject")),
    ("deny-over-acl-other-action", doc(st("Deny", action="s3:PutObject")), "anon", "GetObject", {},
     PUBLIC_OBJECT, D.ACL_GRANT),
    # ACL and policy together: each grants what it grants.
    ("acl-grants-policy-silent", TO_OTHER, "third", "GetObject", {},
     acl_json(OWNER_U.canonical_id, ("CanonicalUser", THIRD_U.canonical_id, "READ")), D.ACL_GRANT),
    ("policy-grants-acl-silent", TO_OTHER, "other", "GetObject", {},
     acl_json(OWNER_U.canonical_id, ("CanonicalUser", THIRD_U.canonical_id, "READ")),
     allows(0, "s3:GetObject", sid="Other")),
    # Several actions: the policy must allow each, else the ACL decides; a Deny of any denies.
    ("two-actions-one-allowed", doc(st(action="s3:PutObject")), "anon", "PutObjectTagged", {}, None,
     BKT_WRITE_NONE),
    ("two-actions-both-allowed", doc(st(action=["s3:PutObject", "s3:PutObjectTagging"])), "anon",
     "PutObjectTagged", {}, None, allows(0, "s3:PutObject, s3:PutObjectTagging")),
    ("two-actions-one-denied", doc(st(action="s3:PutObject*"),
                                   st("Deny", action="s3:PutObjectTagging", sid="NoTags")),
     "anon", "PutObjectTagged", {}, None, denies(1, "s3:PutObjectTagging", sid="NoTags")),
    # A Deny of the second action wins though no statement allows the first (the owner's rights
    # would otherwise grant the request).
    ("second-action-denied-first-silent", doc(st("Deny", action="s3:PutObjectTagging", sid="NoTags")),
     "owner", "PutObjectTagged", {}, None, denies(0, "s3:PutObjectTagging", sid="NoTags")),
]


@pytest.mark.parametrize("policy, who, op, keys, object_acl, expected", [c[1:] for c in WITH_POLICY],
                         ids=[c[0] for c in WITH_POLICY])
def test_decide_with_policy(policy, who, op, keys, object_acl, expected):
    b = bucket(policy)
    target = obj(acl=object_acl) if OPS[op][0] in (Op.GetObject, Op.GetObjectAcl) else b
    assert decide(question(who, op, b, target, keys)) == expected


# --- The policy operations: the owner always may; another account gets 405 --------------------

DENY_POLICY_OPS = doc(st("Deny", action="s3:*BucketPolicy", resource="arn:aws:s3:::bkt", sid="Lock"))
ALLOW_POLICY_OPS = doc(st(principal=to(OTHER_U), action=["s3:*BucketPolicy", "s3:PutBucketCORS"],
                          resource="arn:aws:s3:::bkt", sid="Delegate"))


@pytest.mark.parametrize("op", ["GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"])
def test_policy_ops(op):
    action = OPS[op][2][0]
    assert decide(question("owner", op, bucket(DENY_POLICY_OPS))) == D.OWNER
    assert decide(question("other", op, bucket(DENY_POLICY_OPS))) == denies(
        0, action, BUCKET_ARN, "Lock")
    assert decide(question("other", op, bucket(PUBLIC_READ))) == verdict(False, "none", OWNER_ONLY)
    granted = decide(question("other", op, bucket(ALLOW_POLICY_OPS)))
    assert granted == verdict(False, "policy", f'statement 1 (Sid "Delegate") allows {action} on '
                              f"{BUCKET_ARN}, but only the bucket owner's account may use it",
                              0, "Delegate", not_owner=True)
    assert decide(question("owner", op, bucket(ALLOW_POLICY_OPS))) == D.OWNER


def test_other_owner_ops_are_delegable():
    """Only the three policy operations are kept for the owner's account: a policy may grant
    another account PutBucketCors, and may deny it to the owner."""
    assert decide(question("other", "PutBucketCors", bucket(ALLOW_POLICY_OPS))) == allows(
        0, "s3:PutBucketCORS", BUCKET_ARN, "Delegate")
    deny_all = doc(st("Deny", action="s3:*", resource="arn:aws:s3:::bkt"))
    assert decide(question("owner", "PutBucketCors", bucket(deny_all))) == denies(
        0, "s3:PutBucketCORS", BUCKET_ARN)


# --- Object Ownership: BucketOwnerEnforced --------------------------------------------------

ENFORCED_DENIAL = verdict(False, "ownership", "ACLs are disabled (BucketOwnerEnforced) and no "
                          "bucket policy statement allows it")


def test_enforced_ignores_acl_grants_policy_decides():
    b = bucket(TO_OTHER, acl=GRANT_OTHER_READ, ownership=bc.ENFORCED)
    public = obj(acl=PUBLIC_OBJECT)
    assert decide(question("other", "GetObject", b, public)) == allows(0, "s3:GetObject", sid="Other")
    assert decide(question("anon", "GetObject", b, public)) == ENFORCED_DENIAL
    assert decide(question("third", "ListObjects", b)) == ENFORCED_DENIAL
    assert decide(question("other", "ListObjects", b)) == ENFORCED_DENIAL   # the ACL's READ
    assert decide(question("owner", "GetObject", b, public)) == D.OWNER


def test_enforced_policy_grants_objects_written_before():
    """With BucketOwnerEnforced the bucket owner owns every object, those written by another
    account before the setting too (about-object-ownership.html: "the bucket owner
    automatically owns and has full control over every object in the bucket"; GetObjectAcl
    answers with the bucket owner): the bucket policy decides, not the old writer's ACL."""
    b = bucket(doc(st(principal=to(THIRD_U))), ownership=bc.ENFORCED)
    legacy = obj(OTHER_U.canonical_id)
    assert decide(question("third", "GetObject", b, legacy)) == allows(0, "s3:GetObject")
    assert decide(question("owner", "GetObject", b, legacy)) == D.OWNER
    assert decide(question("other", "GetObject", b, legacy)) == ENFORCED_DENIAL


# --- Objects another account owns (ObjectWriter) ---------------------------------------------

FOREIGN_NOTE = " (the bucket policy allows it, but another account owns the object)"


def test_foreign_object_policy_allow_gives_nothing():
    b = bucket(PUBLIC_READ)
    foreign = obj(OTHER_U.canonical_id)
    assert decide(question("third", "GetObject", b, foreign)) == OBJ_NONE._replace(
        reason=OBJ_NONE.reason + FOREIGN_NOTE)
    # Not to the bucket owner either: it has what the object's ACL grants it.
    assert decide(question("owner", "GetObject", b, foreign)) == OBJ_NONE._replace(
        reason=OBJ_NONE.reason + FOREIGN_NOTE)
    assert decide(question("other", "GetObject", b, foreign)) == D.OBJECT_OWNER


def test_foreign_object_acl_decides():
    b = bucket(PUBLIC_READ)
    shared = obj(OTHER_U.canonical_id,
                 acl=acl_json(OTHER_U.canonical_id, ("CanonicalUser", THIRD_U.canonical_id, "READ")))
    assert decide(question("third", "GetObject", b, shared)) == D.ACL_GRANT
    public = obj(OTHER_U.canonical_id, acl=acl_json(OTHER_U.canonical_id, ("Group", acl.ALL_USERS, "READ")))
    assert decide(question("anon", "GetObject", bucket(None), public)) == D.ACL_GRANT
    ignored = bucket(PUBLIC_READ, pab="0100")
    assert decide(question("anon", "GetObject", ignored, public)) == verdict(
        False, "block_public_access", "IgnorePublicAcls: the object ACL's public grants are ignored, "
        "and nothing else grants READ" + FOREIGN_NOTE)


def test_foreign_object_deny_still_applies():
    b = bucket(doc(st("Deny", principal=to(OTHER_U), sid="NoOther")))
    assert decide(question("other", "GetObject", b, obj(OTHER_U.canonical_id))) == denies(
        0, "s3:GetObject", sid="NoOther")


# --- Block Public Access: RestrictPublicBuckets, IgnorePublicAcls with a policy --------------

RESTRICTED = verdict(False, "block_public_access", "RestrictPublicBuckets: the bucket policy is "
                     "public, so only the bucket owner's account may use the bucket")


def test_restrict_public_buckets_with_public_policy():
    # One public statement makes the policy public; its grants to named accounts are void too
    # ("including non-public delegation to specific accounts", API_PublicAccessBlockConfiguration).
    policy = doc(st(), st(principal=to(OTHER_U), action="s3:PutObject", sid="Other"),
                 st("Deny", principal=to(THIRD_U), action="s3:GetObject", sid="NoThird"))
    b = bucket(policy, pab="0001")
    assert decide(question("anon", "GetObject", b, obj())) == RESTRICTED
    assert decide(question("other", "GetObject", b, obj())) == RESTRICTED
    assert decide(question("other", "PutObject", b)) == RESTRICTED
    assert decide(question("owner", "GetObject", b, obj())) == allows(0, "s3:GetObject")
    assert decide(question("third", "GetObject", b, obj())) == denies(2, "s3:GetObject", sid="NoThird")
    # Without the setting (or with the other three) the same policy grants.
    for pab in (None, "1110"):
        assert decide(question("anon", "GetObject", bucket(policy, pab=pab), obj())) == allows(
            0, "s3:GetObject")


def test_restrict_public_buckets_blocks_every_other_account():
    """With a public policy, RestrictPublicBuckets "restricts access to this bucket to only AWS
    service principals and authorized users within this account" (API_PublicAccessBlockConfiguration
    .html; the user guide: "This setting blocks all cross-account access"): what another account's
    ACL grant or its own upload would allow is blocked too, whether or not the public policy's
    Allow matches the request. The owner keeps everything."""
    b = bucket(doc(st(action=["s3:ListBucket", "s3:AbortMultipartUpload"],
                      resource=["arn:aws:s3:::bkt", "arn:aws:s3:::bkt/*"])),
               acl=GRANT_OTHER_READ, pab="0001")
    assert decide(question("other", "ListObjects", b)) == RESTRICTED
    assert decide(question("third", "ListObjects", b)) == RESTRICTED
    assert D.missing(question("other", "GetObject", b)).kind == "block_public_access"
    abort = question("other", "AbortMultipartUpload", b, initiator=OTHER_U.canonical_id)
    assert decide(abort) == RESTRICTED
    assert decide(question("owner", "ListObjects", b)).allowed
    # The same without a matching Allow: still restricted while the policy is public ...
    silent = bucket(PUBLIC_READ, acl=GRANT_OTHER_READ, pab="0001")
    assert decide(question("other", "ListObjects", silent)) == RESTRICTED
    # ... and the ACL decides again once the setting is off.
    assert decide(question("other", "ListObjects", bucket(PUBLIC_READ, acl=GRANT_OTHER_READ))) == D.ACL_GRANT


def test_restrict_public_buckets_with_non_public_policy():
    conditioned = doc(st(condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    for policy, who in ((TO_OTHER, "other"), (conditioned, "anon")):
        b = bucket(policy, pab="0001")
        q = question(who, "GetObject", b, obj(), {"aws:sourceip": ["10.0.0.1"]})
        assert decide(q).allowed and decide(q).kind == "policy"


def test_ignore_public_acls_with_policy():
    b = bucket(TO_OTHER, pab="0100")
    public = obj(acl=PUBLIC_OBJECT)
    assert decide(question("other", "GetObject", b, public)) == allows(0, "s3:GetObject", sid="Other")
    assert decide(question("anon", "GetObject", b, public)) == verdict(
        False, "block_public_access",
        "IgnorePublicAcls: the object ACL's public grants are ignored, and nothing else grants READ")


# --- Multipart upload initiator -------------------------------------------------------------

@pytest.mark.parametrize("op", ["ListParts", "AbortMultipartUpload"])
def test_initiator_ops(op):
    action = OPS[op][2][0]
    only = verdict(False, "none", "only the upload's initiator and the bucket owner may do this "
                   "unless the bucket policy allows it")
    quiet = bucket(doc(st(action="s3:ListBucket", resource="arn:aws:s3:::bkt")))
    other_cid = OTHER_U.canonical_id
    assert decide(question("other", op, quiet, initiator=other_cid)) == D.INITIATOR
    assert decide(question("owner", op, quiet, initiator=other_cid)) == D.INITIATOR
    assert decide(question("third", op, quiet, initiator=other_cid)) == only
    assert decide(question("anon", op, quiet, initiator=other_cid)) == only
    granted = bucket(doc(st(principal=to(THIRD_U), action=action)))
    assert decide(question("third", op, granted, initiator=other_cid)) == allows(0, action)
    denied = bucket(doc(st("Deny", action=action, sid="No")))
    assert decide(question("other", op, denied, initiator=other_cid)) == denies(0, action, sid="No")
    assert decide(question("owner", op, denied, initiator=other_cid)) == denies(0, action, sid="No")


# --- missing(): 404 only for those who may list the bucket (API_GetObject.html, Permissions) --

LIST = st(action="s3:ListBucket", resource="arn:aws:s3:::bkt", sid="List")
GONE = "the key does not exist, and only those who may list the bucket (s3:ListBucket) learn that: "


def gone(reason: str, kind: str = "none", statement=None, sid=None) -> D.Verdict:
    return verdict(False, kind, GONE + reason, statement, sid)


MISSING = [
    ("owner-no-policy", None, None, None, "owner", "GetObject", {}, D.OWNER),
    ("other-no-policy", None, None, None, "other", "GetObject", {},
     gone(NO_GRANT.format("bucket", "READ"))),
    ("other-bucket-read", None, GRANT_OTHER_READ, None, "other", "GetObject", {}, D.ACL_GRANT),
    ("read-allowed-not-list", PUBLIC_READ, None, None, "anon", "GetObject", {},
     gone(NO_GRANT.format("bucket", "READ"))),
    ("read-and-list", doc(st(), LIST), None, None, "anon", "GetObject", {},
     allows(1, "s3:ListBucket", BUCKET_ARN, "List")),
    ("list-alone", doc(LIST), None, None, "anon", "GetObject", {},
     allows(0, "s3:ListBucket", BUCKET_ARN, "List")),
    ("list-by-acl-policy-silent", PUBLIC_READ, GRANT_OTHER_READ, None, "other", "GetObject", {},
     D.ACL_GRANT),
    # The key stands for the listing's s3:prefix (s3-tests' test_head_object_404_with_policy_prefix).
    ("list-prefix-match", doc({**LIST, "Condition": {"StringEquals": {"s3:prefix": "k"}}}), None,
     None, "anon", "GetObject", {}, allows(0, "s3:ListBucket", BUCKET_ARN, "List")),
    ("list-prefix-other", doc({**LIST, "Condition": {"StringEquals": {"s3:prefix": "x/"}}}), None,
     None, "anon", "GetObject", {}, gone(NO_GRANT.format("bucket", "READ"))),
    # A Deny of the read itself decides before the listing (as a 403 with its statement).
    ("deny-read", doc(LIST, st("Deny", sid="NoRead")), None, None, "anon", "GetObject", {},
     denies(1, "s3:GetObject", sid="NoRead")),
    ("deny-read-owner", doc(st("Deny", sid="NoRead")), None, None, "owner", "GetObject", {},
     denies(0, "s3:GetObject", sid="NoRead")),
    ("deny-version-read", doc(LIST, st("Deny", action="s3:GetObjectVersion", sid="NoV")), None,
     None, "anon", "GetObjectVersion", {}, denies(1, "s3:GetObjectVersion", sid="NoV")),
    ("deny-version-not-read", doc(LIST, st("Deny", action="s3:GetObjectVersion", sid="NoV")), None,
     None, "anon", "GetObject", {}, allows(0, "s3:ListBucket", BUCKET_ARN, "List")),
    ("deny-list", doc(st("Deny", action="s3:ListBucket", resource="arn:aws:s3:::bkt", sid="NoList")),
     None, None, "owner", "GetObject", {},
     gone('statement 1 (Sid "NoList") denies s3:ListBucket on arn:aws:s3:::bkt', "policy", 0, "NoList")),
    ("deny-list-conditioned", doc(LIST, st("Deny", action="s3:ListBucket", resource="arn:aws:s3:::bkt",
                                           condition={"Bool": {"aws:SecureTransport": "false"}})),
     None, None, "anon", "GetObject", {"aws:securetransport": ["false"]},
     gone("statement 2 denies s3:ListBucket on arn:aws:s3:::bkt", "policy", 1)),
    ("restricted-public-list", doc(LIST), None, "0001", "anon", "GetObject", {},
     gone(RESTRICTED.reason, "block_public_access")),
    ("restricted-owner", doc(LIST), None, "0001", "owner", "GetObject", {},
     allows(0, "s3:ListBucket", BUCKET_ARN, "List")),
    ("ignored-public-bucket-acl", None,
     acl_json(OWNER_U.canonical_id, ("Group", acl.ALL_USERS, "READ")), "0100", "anon", "GetObject", {},
     gone("IgnorePublicAcls: the bucket ACL's public grants are ignored, and nothing else grants READ",
          "block_public_access")),
]


@pytest.mark.parametrize("policy, bucket_acl, pab, who, op, keys, expected",
                         [c[1:] for c in MISSING], ids=[c[0] for c in MISSING])
def test_missing(policy, bucket_acl, pab, who, op, keys, expected):
    b = bucket(policy, acl=bucket_acl, pab=pab)
    assert D.missing(question(who, op, b, keys=keys)) == expected


def test_missing_enforced():
    b = bucket(doc(st()), acl=GRANT_OTHER_READ, ownership=bc.ENFORCED)
    assert D.missing(question("other", "GetObject", b)) == gone(ENFORCED_DENIAL.reason, "ownership")
    assert D.missing(question("owner", "GetObject", b)) == D.OWNER


# --- Parsing is cached by the document's text --------------------------------------------------

def test_policy_of_caches_by_text():
    b, same = bucket(PUBLIC_READ), bucket(PUBLIC_READ)
    assert D.policy_of(b) is D.policy_of(same)
    assert D.policy_of(bucket(TO_OTHER)) is not D.policy_of(b)
    assert D.policy_of(bucket(None)) is None


def test_who():
    assert D.who(ANONYMOUS) == D.policy.ANONYMOUS_WHO
    assert D.who(OTHER) == D.policy.Who(OTHER_U.canonical_id, OTHER_U.account_id, OTHER_U.arn)

"""The access decision itself, from rows already read: a bucket's policy, the ACL of the bucket or
object, its Block Public Access and Object Ownership settings, and what S3 keeps for owners. One
answer, a Verdict naming what decided, for the request path (request/access.py) and for
/_s3mock/access/explain. S3's order (userguide/access-control-auth-workflow-bucket-operation.html,
-object-operation.html): an explicit Deny in the bucket policy wins over everything; else an Allow
from the policy, the ACL, or ownership grants; else denied."""

from __future__ import annotations

import functools
from typing import NamedTuple

from s3mock.auth import acl, policy
from s3mock.auth import bucket_controls as bc
from s3mock.auth.identity import Principal
from s3mock.operations import Op, Perm
from s3mock.storage.base import Bucket, ObjectMeta


class Verdict(NamedTuple):
    allowed: bool
    kind: str        # policy | acl | owner | initiator | ownership | block_public_access | none
    reason: str      # a sentence naming what decided
    statement: int | None = None
    sid: str | None = None
    # Get/Put/DeleteBucketPolicy allowed by the policy to another account: S3's 405
    # MethodNotAllowed (API_PutBucketPolicy.html, "not using an identity that belongs to the
    # bucket owner's account").
    not_owner_account: bool = False


OWNER = Verdict(True, "owner", "the principal owns the bucket")
OBJECT_OWNER = Verdict(True, "owner", "the principal owns the object")
ACL_GRANT = Verdict(True, "acl", "an ACL grant allows it")
INITIATOR = Verdict(True, "initiator", "the principal initiated the upload or owns the bucket")

# Only the bucket owner's account may use these, whatever the policy says; the owner always may,
# even when its policy denies them (API_PutBucketPolicy.html, API_DeleteBucketPolicy.html).
POLICY_OPS = frozenset({Op.GetBucketPolicy, Op.PutBucketPolicy, Op.DeleteBucketPolicy})


@functools.lru_cache(maxsize=256)
def parsed_policy(text: str, bucket: str) -> policy.Policy:
    """The bucket's policy, parsed once per document: the row's text is the key, and a change
    (by any worker) replaces the row and so the text."""
    return policy.parse(text.encode(), bucket)


def policy_of(b: Bucket) -> policy.Policy | None:
    return parsed_policy(b.policy, b.name) if b.policy else None


_WHO: dict[str, policy.Who] = {}     # per canonical id: users are few and fixed at start


def who(principal: Principal) -> policy.Who:
    user = principal.user
    if user is None:
        return policy.ANONYMOUS_WHO
    found = _WHO.get(user.canonical_id)
    if found is None:
        found = _WHO[user.canonical_id] = policy.Who(user.canonical_id, user.account_id, user.arn)
    return found


class Question(NamedTuple):
    """Everything a decision reads. target: whose ACL decides (the object for reads of an object
    that exists, else the bucket); initiator: the upload's for ListParts/AbortMultipartUpload."""
    op: Op
    perm: Perm
    principal: Principal
    bucket: Bucket
    target: Bucket | ObjectMeta
    actions: tuple[str, ...]
    resource: str
    keys: policy.Keys
    initiator: str | None = None


RESTRICTED = Verdict(False, "block_public_access", "RestrictPublicBuckets: the bucket policy is "
                     "public, so only the bucket owner's account may use the bucket")


def decide(q: Question) -> Verdict:
    b, user = q.bucket, q.principal.user
    cid = None if user is None else user.canonical_id
    is_owner = cid is not None and cid == b.owner
    doc = policy_of(b)
    if doc is not None:
        said = _policy_says(doc, q)
        if said is not None and not said.allowed and not (is_owner and q.op in POLICY_OPS):
            return said
        if not is_owner and doc.public and _restricts_public(b):
            # "Setting this element to TRUE restricts access to this bucket to only AWS service
            # principals and authorized users within this account if the bucket has a public
            # policy" (API_PublicAccessBlockConfiguration.html; the user guide: "This setting
            # blocks all cross-account access"): ACL grants and initiators too, not only what
            # the policy grants. Each s3mock user is an account of its own.
            return RESTRICTED
        if said is not None and said.allowed:
            return _policy_verdict(said, q, doc, is_owner)
    return _without_policy(q, cid, is_owner)


def _restricts_public(b: Bucket) -> bool:
    pab = bc.pab_from_row(b.public_access_block)
    return pab is not None and pab.restrict_public_buckets


# Read on every decision: on Python 3.11 each Perm.X is a look-up through EnumType, a global is not.
_OWNER_PERM = Perm.OWNER
_ACP_PERMS = frozenset({Perm.READ_ACP, Perm.WRITE_ACP})


def _without_policy(q: Question, cid: str | None, is_owner: bool) -> Verdict:
    """What S3 keeps for owners and initiators, else the ACL."""
    b = q.bucket
    if q.op in POLICY_OPS or q.perm is _OWNER_PERM:
        if is_owner:
            return OWNER
        return Verdict(False, "none", "only the bucket owner may do this unless the bucket policy allows it")
    if q.initiator is not None:
        if cid in (q.initiator, b.owner):
            return INITIATOR
        return Verdict(False, "none", "only the upload's initiator and the bucket owner may do this "
                       "unless the bucket policy allows it")
    return acl_verdict(cid, q.target, q.perm, b)


def missing(q: Question) -> Verdict:
    """A read of a key (or version) that is not there: allowed (so 404) only to those who may
    also list the bucket (s3:ListBucket, or READ on the bucket's ACL), so that a 404 tells only
    them that the key is absent (API_GetObject.html, Permissions); a policy's Deny of the read
    itself still decides first. The key is the listing's s3:prefix: what s3-tests'
    test_head_object_404_with_policy_prefix expects of a policy conditioned on it (Ceph's
    behaviour; AWS documents none)."""
    b = q.bucket
    if b.policy is not None:
        verdict = decide(q._replace(target=b))
        if not verdict.allowed and verdict.kind == "policy":
            return verdict
    key = q.resource.partition("/")[2]
    base = q.keys

    def keys(name: str):
        return [key] if name == "s3:prefix" else base(name)
    listing = q._replace(op=Op.ListObjects, perm=Perm.READ, target=b, actions=("s3:ListBucket",),
                         resource=f"arn:aws:s3:::{b.name}", keys=keys)
    verdict = decide(listing)
    if verdict.allowed:
        # The sentence names the listing, not the read q asked about (a 404 is rarer than a GET).
        return verdict._replace(reason=allowed_reason(verdict, policy_of(b), listing))
    return verdict._replace(reason="the key does not exist, and only those who may list the "
                            "bucket (s3:ListBucket) learn that: " + verdict.reason)


def _policy_says(doc: policy.Policy, q: Question) -> Verdict | None:
    """The policy's own answer: a Deny (any action denied), an Allow (every action allowed), or
    None (it does not decide)."""
    d, action = policy.evaluate_all(doc, who(q.principal), q.actions, q.resource, q.keys)
    if d.effect is None:
        return None
    if d.effect == "Deny":
        return Verdict(False, "policy", f"{policy.describe(doc, d.statement)} denies {action} "
                       f"on {q.resource}", d.statement, d.sid)
    # No sentence built for an allowed request: the explainer makes its own (allowed_reason).
    return Verdict(True, "policy", POLICY_ALLOWS, d.statement, d.sid)


POLICY_ALLOWS = "a bucket policy statement allows it"


def allowed_reason(verdict: Verdict, doc: policy.Policy | None, q: Question) -> str:
    """The explainer's sentence for a verdict (the request path keeps the short one)."""
    if verdict.reason is POLICY_ALLOWS and doc is not None and verdict.statement is not None:
        return (f"{policy.describe(doc, verdict.statement)} allows {', '.join(q.actions)} "
                f"on {q.resource}")
    return verdict.reason


def _policy_verdict(said: Verdict, q: Question, doc: policy.Policy, is_owner: bool) -> Verdict:
    """A policy's Allow (`said`) as S3 applies it: only the bucket owner's account may act on the policy
    itself; a policy grants nothing on objects another account owns (their ACL decides), but for
    BucketOwnerEnforced, under which the bucket owner owns every object, those written before it
    too (about-object-ownership.html)."""
    b = q.bucket
    if q.op in POLICY_OPS and not is_owner:
        return said._replace(allowed=False, not_owner_account=True, reason=allowed_reason(
            said, doc, q) + ", but only the bucket owner's account may use it")
    if isinstance(q.target, ObjectMeta) and q.target.owner != b.owner and b.ownership != bc.ENFORCED:
        acl_said = acl_verdict(q.principal.canonical_id, q.target, q.perm, b)
        if acl_said.allowed:
            return acl_said
        return acl_said._replace(reason=acl_said.reason + " (the bucket policy allows it, but "
                                 "another account owns the object)")
    return said


def acl_verdict(cid: str | None, target: Bucket | ObjectMeta, perm: Perm, b: Bucket) -> Verdict:
    """The ACL's answer under b's settings: BucketOwnerEnforced disables ACLs (the bucket owner
    alone); IgnorePublicAcls drops the ACL's public grants."""
    if b.ownership == bc.ENFORCED:
        if cid is not None and cid == b.owner:
            return OWNER
        return Verdict(False, "ownership", "ACLs are disabled (BucketOwnerEnforced) and no bucket "
                       "policy statement allows it")
    if target.acl is None and cid is not None and cid == target.owner:
        return OWNER if isinstance(target, Bucket) else OBJECT_OWNER
    rules = acl.Acl.from_json(target.acl) if target.acl else acl.canned("private", target.owner)
    ignored = False
    if b.public_access_block is not None:
        pab = bc.pab_from_row(b.public_access_block)
        if pab is not None and pab.ignore_public_acls:
            ignored = bc.is_public(rules)
            rules = bc.without_public(rules)
    if acl_allows(cid, rules, perm):
        return ACL_GRANT
    what = "bucket" if isinstance(target, Bucket) else "object"
    if ignored:
        return Verdict(False, "block_public_access", f"IgnorePublicAcls: the {what} ACL's public "
                       f"grants are ignored, and nothing else grants {perm.value}")
    return Verdict(False, "none", f"no bucket policy statement or {what} ACL grant allows it "
                   f"({perm.value})")


def acl_allows(cid: str | None, rules: acl.Acl, perm: Perm) -> bool:
    if perm in _ACP_PERMS and (cid or acl.ANONYMOUS_ID) == rules.owner:
        return True  # an owner (anonymous too, of what it wrote) can always read and change the ACL
    return acl.allows(rules, cid, perm.value)

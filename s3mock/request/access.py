"""Authorisation, every "may this principal do this" decision: the permission an operation needs
(from the operation table), checked against the bucket's or the object's ACL before the handler
runs, and the decisions handlers ask for once they know more (the copy source, a POST form's
signer, an existing bucket's owner, the tooling endpoints). Who the principal is (signatures) is
auth/'s business, not this module's."""

from __future__ import annotations

import functools
import logging
from typing import Callable, Mapping, NoReturn

from multidict import istr

from s3mock import version_ids
from s3mock.auth import acl
from s3mock.auth import bucket_controls as bc
from s3mock.auth.identity import Principal, User
from s3mock.errors import S3Error
from s3mock.request import decide, policy_keys, policy_request
from s3mock.request.ctx import Ctx
from s3mock.operations import Op, Perm
from s3mock.storage.base import Bucket, ObjectMeta

# Canonical id S3 gives objects written anonymously.
ANONYMOUS_ID = acl.ANONYMOUS_ID
log = logging.getLogger("s3mock.access")
# Checked against the object's ACL; everything else against the bucket's.
# Allowed to the upload's initiator and the bucket owner only (mpuoverview.html#mpuAndPermissions).
INITIATOR_OPS = frozenset({Op.ListParts, Op.AbortMultipartUpload})
# GetObjectAttributes is s3:GetObject plus s3:GetObjectAttributes: READ on the object in ACL terms
# (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html, Permissions).
OBJECT_ACL_OPS = frozenset({Op.GetObject, Op.HeadObject, Op.GetObjectAcl, Op.PutObjectAcl,
                            Op.GetObjectAttributes, Op.GetObjectTagging, Op.GetObjectRetention,
                            Op.GetObjectLegalHold, Op.GetObjectTorrent, Op.SelectObjectContent,
                            Op.GetObjectAnnotation, Op.ListObjectAnnotations, Op.GetPart})
# Bucket owner condition (userguide/bucket-owner-condition.html): the account the caller expects
# to own the bucket; s3mock's accounts are its users, named by canonical id. CreateBucket and
# ListBuckets ignore it (Perm.NONE); CopyObject and UploadPartCopy check the source's too.
EXPECTED_OWNER = istr("x-amz-expected-bucket-owner")
SOURCE_EXPECTED_OWNER = istr("x-amz-source-expected-bucket-owner")


def bucket_acl(b: Bucket) -> acl.Acl:
    return acl.Acl.from_json(b.acl) if b.acl else acl.canned("private", b.owner)


def object_acl(m: ObjectMeta) -> acl.Acl:
    return acl.Acl.from_json(m.acl) if m.acl else acl.canned("private", m.owner)


# On a bucket with a policy, decided once the handler knows more: PutObjectTagging the tag set
# it writes (s3:RequestObjectTag/<key>), DeleteObjects each key (s3:DeleteObject per object, as
# API_DeleteObjects.html has it: there is no bucket-level permission of its own).
DECIDED_BY_HANDLER = frozenset({Op.PutObjectTagging, Op.DeleteObjects})


def check_expected_owner(ctx: Ctx, b: Bucket, header: istr = EXPECTED_OWNER) -> None:
    """AccessDenied when the request names an expected bucket owner other than b's."""
    expected = ctx.headers.get(header)
    if expected is not None and expected != b.owner:
        raise S3Error("AccessDenied")


# authorize() tells these apart on every request: on Python 3.11 each Perm.X is a look-up through
# EnumType (about a microsecond), a module global is not.
_NONE, _USER, _OWNER = Perm.NONE, Perm.USER, Perm.OWNER


def authorize(ctx: Ctx, perm: Perm, request_tags: Mapping[str, str] | None = None) -> None:
    """Raise AccessDenied unless the principal may do ctx.op. A missing bucket is left to the
    handler (NoSuchBucket); a missing key is NoSuchKey only for those who may list the bucket.
    PutObjectTagging on a bucket with a policy is decided by its handler, which calls this again
    with the tag set it read (s3:RequestObjectTag/<key>)."""
    if perm is _NONE:
        return
    if perm is _USER:
        if ctx.principal.canonical_id is None:
            deny(ctx, "anonymous requests may not do this")
        return
    if ctx.bucket is None:
        return
    b = ctx.bucket_row()
    ctx.keep_rows(bucket=b)
    if b is None:
        return
    check_expected_owner(ctx, b)
    target: Bucket | ObjectMeta = b
    initiator = None
    if ctx.op in INITIATOR_OPS:
        upload = ctx.store.get_upload(b.name, ctx.key or "", ctx.query.get("uploadId", ""))
        initiator = upload.owner if upload is not None else None
    elif ctx.op in OBJECT_ACL_OPS:
        meta = ctx.store.get_object(b.name, ctx.key or "")
        ctx.keep_rows(obj=meta)
        if "versionId" in ctx.query and b.versioning is not None:
            meta = _version(ctx, b, meta)
        if meta is None:
            _authorize_missing(ctx, b)
            return
        target = meta
    if b.policy is not None and ctx.op in DECIDED_BY_HANDLER and request_tags is None:
        return
    if b.policy is None and initiator is None:
        # No policy: the ACL (or ownership) alone decides, and an allowed request builds nothing.
        if perm is _OWNER:
            if ctx.principal.canonical_id != b.owner:
                deny(ctx, "only the bucket owner may do this unless the bucket policy allows it")
            return
        verdict = decide.acl_verdict(ctx.principal.canonical_id, target, perm, b)
    else:
        verdict = decide.decide(_question(ctx, perm, b, target, initiator, request_tags))
    if not verdict.allowed:
        deny(ctx, verdict)


def _question(ctx: Ctx, perm: Perm, b: Bucket, target: Bucket | ObjectMeta,
              initiator: str | None = None,
              request_tags: Mapping[str, str] | None = None) -> decide.Question:
    obj: ObjectMeta | None | Callable[[], ObjectMeta | None] = None
    if isinstance(target, ObjectMeta):
        obj = target
    elif ctx.key is not None:       # s3:ExistingObjectTag/<key> of writes to an existing object
        def obj() -> ObjectMeta | None:
            found = ctx.store.get_object(b.name, ctx.key or "")
            if found is not None and "versionId" in ctx.query and b.versioning is not None:
                found = _version(ctx, b, found)
            return found
    return _new_question((ctx.op, perm, ctx.principal, b, target, policy_request.actions(ctx),
                          policy_request.resource(b.name, ctx.key),
                          policy_keys.RequestKeys(ctx, obj, b, request_tags), initiator))


# A Question from its nine fields in order, made in C: calling the NamedTuple runs its generated
# Python __new__, which costs a request as much again as the tuple.
_new_question = functools.partial(tuple.__new__, decide.Question)


def _authorize_missing(ctx: Ctx, b: Bucket) -> None:
    """A read of a key (or version) that is not there (decide.missing(), which without a policy
    is READ on the bucket's ACL)."""
    verdict = decide.missing(_question(ctx, Perm.READ, b, b))
    if not verdict.allowed:
        deny(ctx, verdict)


def deny(ctx: Ctx, why: decide.Verdict | str) -> NoReturn:
    """403 AccessDenied (405 for a policy operation by another account the policy allows),
    logged with what decided it: the answer to "why was I denied?"."""
    verdict = why if isinstance(why, decide.Verdict) else decide.Verdict(False, "none", why)
    who = ctx.principal.user
    log.info("AccessDenied: %s %s by %s: %s", ctx.op.value,
             policy_request.resource(ctx.bucket or "", ctx.key) if ctx.bucket else "/",
             f"{who.access_key} ({who.arn})" if who else "anonymous", verdict.reason)
    if verdict.not_owner_account:
        raise S3Error("MethodNotAllowed")
    # HeadBucket tells the bucket's region "whether access to the bucket is authorized or not"
    # (API_GetBucketLocation.html; versity/versitygw#1500): SDKs find regions so, anonymously.
    b = ctx.bucket_row() if ctx.op is Op.HeadBucket else None
    raise S3Error("AccessDenied", headers={"x-amz-bucket-region": b.region} if b else None)


def owns(ctx: Ctx, b: Bucket) -> bool:
    """The principal's account owns the bucket (CreateBucket of an existing name asks this)."""
    return ctx.principal.canonical_id == b.owner


def authorize_copy_source(ctx: Ctx, source_bucket: Bucket, src: ObjectMeta | None,
                          key: str, version: str | None) -> None:
    """CopyObject's and UploadPartCopy's source (the target was authorize()'s): the source
    bucket's expected owner, then s3:GetObject (READ) on the source object. A missing source is
    left to the caller (NoSuchKey) only for those who may list the source bucket."""
    check_expected_owner(ctx, source_bucket, SOURCE_EXPECTED_OWNER)
    target = src if src is not None else source_bucket
    if source_bucket.policy is None:
        verdict = decide.acl_verdict(ctx.principal.canonical_id, target, Perm.READ, source_bucket)
    else:
        actions = policy_request.copy_source_actions(version is not None)
        if src is None:
            actions = ("s3:ListBucket",)
        verdict = decide.decide(decide.Question(
            Op.GetObject, Perm.READ, ctx.principal, source_bucket, target, actions,
            policy_request.resource(source_bucket.name, None if src is None else key),
            policy_request.keys(ctx, src, bucket=source_bucket)))
    if not verdict.allowed:
        deny(ctx, verdict._replace(reason="copy source: " + verdict.reason))


def authorize_post_object(ctx: Ctx, signer: User | None, b: Bucket,
                          fields: Mapping[str, str]) -> None:
    """PostObject is routed with Perm.NONE: the form, not the request, names the signer. Once its
    signature and policy are checked, the signer (None: anonymous) needs s3:PutObject (WRITE on
    the bucket's ACL), and the actions its fields add (acl, tagging)."""
    principal = Principal(signer)
    if b.policy is None:
        verdict = decide.acl_verdict(principal.canonical_id, b, Perm.WRITE, b)
    else:
        key = fields.get("key", "")
        verdict = decide.decide(decide.Question(
            Op.PostObject, Perm.WRITE, principal, b, b, policy_request.post_object_actions(fields),
            policy_request.resource(b.name, key),
            policy_request.keys(ctx, lambda: ctx.store.get_object(b.name, key), bucket=b,
                                extra=policy_keys.post_form_keys(fields), principal=principal)))
    if not verdict.allowed:
        deny(ctx, verdict)


def may_delete(ctx: Ctx, b: Bucket, key: str, version: str | None) -> bool:
    """DeleteObjects, one key: without a bucket policy the request as a whole needed WRITE on
    the bucket (authorize()); with one, each key needs s3:DeleteObject (s3:DeleteObjectVersion)
    from the policy or WRITE from the bucket's ACL."""
    if b.policy is None:
        return True
    action = "s3:DeleteObjectVersion" if version is not None else "s3:DeleteObject"
    verdict = decide.decide(decide.Question(
        Op.DeleteObject, Perm.WRITE, ctx.principal, b, b, (action,),
        policy_request.resource(b.name, key),
        policy_request.keys(ctx, lambda: ctx.store.get_object(b.name, key), bucket=b)))
    if not verdict.allowed:
        log.info("AccessDenied: DeleteObjects %s by %s: %s", policy_request.resource(b.name, key),
                 ctx.principal.user.access_key if ctx.principal.user else "anonymous", verdict.reason)
    return verdict.allowed


def authorize_tooling(principal: Principal, owner: User) -> None:
    """Strict mode: the tooling endpoints that change state (/_s3mock/reset) are the default
    user's alone."""
    if principal.canonical_id != owner.canonical_id:
        raise S3Error("AccessDenied")


def _version(ctx: Ctx, b: Bucket, current: ObjectMeta | None) -> ObjectMeta | None:
    """The version a versionId names, whose own ACL decides (None: a marker, an id not there or
    malformed; the handler answers those after the bucket's READ check)."""
    version = ctx.query.get("versionId")
    if current is not None and current.version_id == version:
        return current
    if not version or not version_ids.valid(version):
        return None
    meta = ctx.store.get_version(b.name, ctx.key or "", version)
    return None if meta is None or meta.delete_marker else meta


def owner_id(ctx: Ctx) -> str:
    return ctx.principal.canonical_id or ANONYMOUS_ID


def requested_acl(ctx: Ctx, owner: str, bucket_owner: str | None, for_bucket: bool) -> str | None:
    """The JSON ACL asked for by x-amz-acl / x-amz-grant-* headers, or None (private)."""
    policy = _asked(ctx, ctx.headers, owner, bucket_owner, for_bucket)
    return policy.to_json() if policy is not None else None


def _asked(ctx: Ctx, headers, owner: str, bucket_owner: str | None, for_bucket: bool) -> acl.Acl | None:
    if headers is ctx.headers and "x-amz-acl" not in headers and not ctx.header_names_starting(
            "x-amz-grant-"):
        return None
    return acl.from_headers(headers, owner, bucket_owner, for_bucket,
                            ctx.settings.users_by_id.__contains__)


def new_object_acl(ctx: Ctx, b: Bucket, writer: str, asked=None) -> tuple[str, str | None]:
    """The owner and JSON ACL (None: private) of an object written into b by `writer`, with the
    ACL the request's headers (or a POST form's fields, `asked`) name, under b's Object
    Ownership and Block Public Access (about-object-ownership.html)."""
    headers = ctx.headers if asked is None else asked
    policy = _asked(ctx, headers, writer, b.owner, False)
    if policy is None:
        return (b.owner if b.ownership == bc.ENFORCED else writer), None
    canned = headers.get("x-amz-acl")
    full_control = canned is not None and canned.strip() == bc.BUCKET_OWNER_FULL_CONTROL
    if b.ownership == bc.ENFORCED:
        if not full_control and (canned is not None or not bc.only_owner_full_control(policy, b.owner)):
            raise S3Error("AccessControlListNotSupported")
        return b.owner, None
    check_public_acl(b, policy)
    if full_control and b.ownership == bc.PREFERRED:
        return b.owner, None
    return writer, policy.to_json()


def check_acl_change(ctx: Ctx, b: Bucket, policy: acl.Acl) -> None:
    """PutBucketAcl / PutObjectAcl: refused when b has ACLs disabled (but for the bucket owner's
    FULL_CONTROL alone, bucket-owner-full-control or the same grant written out) or blocks public
    ACLs and this one is public."""
    if b.ownership == bc.ENFORCED:
        canned = ctx.headers.get("x-amz-acl")
        if (canned.strip() != bc.BUCKET_OWNER_FULL_CONTROL if canned is not None
                else not bc.only_owner_full_control(policy, b.owner)):
            raise S3Error("AccessControlListNotSupported")
    check_public_acl(b, policy)


def check_public_acl(b: Bucket, policy: acl.Acl) -> None:
    """BlockPublicAcls: a public ACL (grants to AllUsers or AuthenticatedUsers) is refused."""
    pab = bc.pab_from_row(b.public_access_block)
    if pab is not None and pab.block_public_acls and bc.is_public(policy):
        raise S3Error("AccessDenied")

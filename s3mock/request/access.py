"""Authorisation, every "may this principal do this" decision: the permission an operation needs
(from the operation table), checked against the bucket's or the object's ACL before the handler
runs, and the decisions handlers ask for once they know more (the copy source, a POST form's
signer, an existing bucket's owner, the tooling endpoints). Who the principal is (signatures) is
auth/'s business, not this module's."""

from __future__ import annotations

from multidict import istr

from s3mock import version_ids
from s3mock.auth import acl
from s3mock.auth import bucket_controls as bc
from s3mock.auth.identity import Principal, User
from s3mock.errors import S3Error
from s3mock.request.ctx import Ctx
from s3mock.operations import Op, Perm
from s3mock.storage.base import Bucket, ObjectMeta

# Canonical id S3 gives objects written anonymously.
ANONYMOUS_ID = acl.ANONYMOUS_ID
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


_ENFORCED = bc.ENFORCED


def _permits(who: str | None, resource: Bucket | ObjectMeta, perm: Perm, b: Bucket) -> bool:
    """The resource's ACL grants `perm`; its owner, under the default (private) ACL, is allowed
    everything without building the ACL. Bucket b's settings come first: BucketOwnerEnforced
    disables ACLs (the bucket owner alone, until bucket policies land), IgnorePublicAcls drops
    the ACL's public grants."""
    if b.ownership == _ENFORCED:
        return who is not None and who == b.owner
    if resource.acl is None and who is not None and who == resource.owner:
        return True
    policy = bucket_acl(resource) if isinstance(resource, Bucket) else object_acl(resource)
    if b.public_access_block is not None:
        pab = bc.pab_from_row(b.public_access_block)
        if pab is not None and pab.ignore_public_acls:
            policy = bc.without_public(policy)
    return allowed(who, policy, perm)


def allowed(who: str | None, policy: acl.Acl, perm: Perm) -> bool:
    if perm in (Perm.READ_ACP, Perm.WRITE_ACP) and (who or ANONYMOUS_ID) == policy.owner:
        return True  # an owner (anonymous too, of what it wrote) can always read and change the ACL
    return acl.allows(policy, who, perm.value)


def check_expected_owner(ctx: Ctx, b: Bucket, header: istr = EXPECTED_OWNER) -> None:
    """AccessDenied when the request names an expected bucket owner other than b's."""
    expected = ctx.headers.get(header)
    if expected is not None and expected != b.owner:
        raise S3Error("AccessDenied")


# authorize() tells these apart on every request: on Python 3.11 each Perm.X is a look-up through
# EnumType (about a microsecond), a module global is not.
_NONE, _USER, _OWNER = Perm.NONE, Perm.USER, Perm.OWNER


def authorize(ctx: Ctx, perm: Perm) -> None:
    """Raise AccessDenied unless the principal may do ctx.op. A missing bucket is left to the
    handler (NoSuchBucket); a missing key is NoSuchKey only for those who may list the bucket."""
    if perm is _NONE:
        return
    if perm is _USER:
        if ctx.principal.canonical_id is None:
            raise S3Error("AccessDenied")
        return
    if ctx.bucket is None:
        return
    b = ctx.bucket_row()
    ctx.keep_rows(bucket=b)
    if b is None:
        return
    check_expected_owner(ctx, b)
    who = ctx.principal.canonical_id
    if perm is _OWNER:
        if who != b.owner:
            raise S3Error("AccessDenied")
        return
    if ctx.op in INITIATOR_OPS:
        upload = ctx.store.get_upload(b.name, ctx.key or "", ctx.query.get("uploadId", ""))
        if upload is not None:
            # S3: only the initiator and the bucket owner; no ACL grants these.
            if who not in (upload.owner, b.owner):
                raise S3Error("AccessDenied")
            return
    if ctx.op in OBJECT_ACL_OPS:
        meta = ctx.store.get_object(b.name, ctx.key or "")
        ctx.keep_rows(obj=meta)
        if "versionId" in ctx.query and b.versioning is not None:
            meta = _version(ctx, b, meta)
        if meta is None:
            if not _permits(who, b, Perm.READ, b):
                raise S3Error("AccessDenied")
            return
        if not _permits(who, meta, perm, b):
            raise S3Error("AccessDenied")
        return
    if not _permits(who, b, perm, b):
        raise S3Error("AccessDenied")


def owns(ctx: Ctx, b: Bucket) -> bool:
    """The principal's account owns the bucket (CreateBucket of an existing name asks this)."""
    return ctx.principal.canonical_id == b.owner


def authorize_copy_source(ctx: Ctx, source_bucket: Bucket, src: ObjectMeta | None) -> None:
    """CopyObject's and UploadPartCopy's source (the target was authorize()'s): the source
    bucket's expected owner, then READ on the source object. A missing source is left to the
    caller (NoSuchKey) only for those who may list the source bucket."""
    check_expected_owner(ctx, source_bucket, SOURCE_EXPECTED_OWNER)
    who = ctx.principal.canonical_id
    if not _permits(who, src if src is not None else source_bucket, Perm.READ, source_bucket):
        raise S3Error("AccessDenied")


def authorize_post_object(signer: User | None, b: Bucket) -> None:
    """PostObject is routed with Perm.NONE: the form, not the request, names the signer. Once its
    signature and policy are checked, the signer (None: anonymous) needs WRITE on the bucket."""
    if not _permits(signer.canonical_id if signer else None, b, Perm.WRITE, b):
        raise S3Error("AccessDenied")


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
        return (b.owner if b.ownership == _ENFORCED else writer), None
    canned = headers.get("x-amz-acl")
    full_control = canned is not None and canned.strip() == bc.BUCKET_OWNER_FULL_CONTROL
    if b.ownership == _ENFORCED:
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
    if b.ownership == _ENFORCED:
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

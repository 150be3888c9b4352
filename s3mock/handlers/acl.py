"""ACL subresources: GetBucketAcl, PutBucketAcl, GetObjectAcl, PutObjectAcl."""

from __future__ import annotations

from aiohttp import web

from s3mock import notify
from s3mock.auth import acl
from s3mock.auth import bucket_controls as bc
from s3mock.errors import S3Error
from s3mock.handlers.registry import handles
from s3mock.request.ctx import Ctx
from s3mock.request.access import bucket_acl, check_acl_change, object_acl, requested_acl
from s3mock.storage.base import Bucket
from s3mock.request.body import read_all
from s3mock.request.common import empty
from s3mock.handlers.versioning import DELETE_MARKER, find, marker_not_allowed
from s3mock.operations import Op

MAX_ACL_BYTES = 64 * 1024


def _xml(policy: acl.Acl) -> web.Response:
    return web.Response(body=acl.render_policy(policy), content_type="application/xml")


async def _new_acl(ctx: Ctx, owner: str, b: Bucket, for_bucket: bool) -> str:
    """From headers (canned or grants) or an AccessControlPolicy body, never both; then b's
    Object Ownership and Block Public Access have their say."""
    policy = await _parse_acl(ctx, owner, None if for_bucket else b.owner, for_bucket)
    check_acl_change(ctx, b, acl.Acl.from_json(policy))
    return policy


async def _parse_acl(ctx: Ctx, owner: str, bucket_owner: str | None, for_bucket: bool) -> str:
    from_headers = requested_acl(ctx, owner, bucket_owner, for_bucket)
    body = await read_all(ctx, MAX_ACL_BYTES)
    if from_headers is not None:
        if body.strip():
            raise S3Error("UnexpectedContent")
        return from_headers
    if not body.strip():
        raise S3Error("MissingSecurityHeader", MissingHeaderName="x-amz-acl")
    policy = acl.parse_policy(body, ctx.settings.users_by_id.__contains__)
    if policy.owner != owner:
        raise S3Error("AccessDenied")
    return policy.to_json()


@handles(Op.GetBucketAcl)
async def get_bucket_acl(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAcl.html"""
    b = ctx.require_bucket()
    return _xml(acl.canned("private", b.owner) if b.ownership == bc.ENFORCED else bucket_acl(b))


@handles(Op.PutBucketAcl)
async def put_bucket_acl(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html"""
    b = ctx.require_bucket()
    ctx.store.set_bucket_config(b.name, acl=await _new_acl(ctx, b.owner, b, True))
    return empty(200)


@handles(Op.GetObjectAcl)
async def get_object_acl(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAcl.html
    The version's own ACL (versionId, else the current object's)."""
    b = ctx.require_bucket()
    meta = find(ctx, b)
    # ACLs disabled: the bucket owner owns every object and holds FULL_CONTROL alone.
    return _xml(acl.canned("private", b.owner) if b.ownership == bc.ENFORCED else object_acl(meta))


@handles(Op.PutObjectAcl)
async def put_object_acl(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html
    A key whose latest entry is a delete marker is 405 as a marker named by id is (LocalStack's
    AWS-recorded test_put_object_acl_on_delete_marker: Method PUT, ResourceType DeleteMarker)."""
    b = ctx.require_bucket()
    try:
        meta = find(ctx, b, "PUT")
    except S3Error as e:
        if e.code == "NoSuchKey" and DELETE_MARKER in e.headers:
            marker = ctx.store.latest_marker(b.name, ctx.key or "")
            if marker is not None:
                raise marker_not_allowed(marker, "PUT") from None
        raise
    policy = await _new_acl(ctx, meta.owner, b, False)
    current = ctx.store.get_object(meta.bucket, meta.key)
    if current is not None and current.version_id == meta.version_id:
        ctx.store.update_object_acl(meta.bucket, meta.key, policy)
    else:
        ctx.store.update_version_acl(meta.bucket, meta.key, meta.version_id, policy)
    notify.emit(ctx, "ObjectAcl:Put", meta.key, etag=meta.etag, version_id=meta.version_id,
                bucket=b)
    return empty(200)

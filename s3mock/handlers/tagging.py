"""Tagging subresources: Get/Put/DeleteObjectTagging (each version keeps its own tags) and
Get/Put/DeleteBucketTagging."""

from __future__ import annotations

from aiohttp import web

from s3mock import notify, tags
from s3mock.errors import S3Error
from s3mock.handlers.registry import handles
from s3mock.handlers.versioning import find
from s3mock.operations import Op, Perm
from s3mock.request.access import authorize
from s3mock.request.body import read_all
from s3mock.request.common import empty, xml_response
from s3mock.request.ctx import Ctx
from s3mock.storage.base import Bucket, ObjectMeta

MAX_TAGGING_BYTES = 64 * 1024
VERSION_ID = "x-amz-version-id"


def _version(bucket: Bucket, meta: ObjectMeta) -> dict[str, str]:
    """The object tagging answers name the version in a bucket that has been versioned (the
    GetObjectTagging/PutObjectTagging references; a never-versioned bucket's objects send none)."""
    return {VERSION_ID: meta.version_id} if bucket.versioning is not None else {}


@handles(Op.GetObjectTagging)
async def get_object_tagging(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectTagging.html
    An untagged object answers an empty TagSet (S3Mock#3149)."""
    b = ctx.require_bucket()
    meta = find(ctx, b)
    return xml_response("Tagging", tags.render(meta.tags), headers=_version(b, meta))


@handles(Op.PutObjectTagging)
async def put_object_tagging(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html"""
    b = ctx.require_bucket()
    new = tags.parse_document(await read_all(ctx, MAX_TAGGING_BYTES))
    if b.policy is not None:        # deferred by authorize() until the tag set was read
        authorize(ctx, Perm.WRITE, request_tags=new)
    meta = find(ctx, b, "PUT")
    ctx.store.set_tags(meta.bucket, meta.key, meta.version_id, new)
    notify.emit(ctx, "ObjectTagging:Put", meta.key, etag=meta.etag, version_id=meta.version_id,
                bucket=b)
    return empty(200, _version(b, meta))


@handles(Op.DeleteObjectTagging)
async def delete_object_tagging(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjectTagging.html (204)"""
    b = ctx.require_bucket()
    meta = find(ctx, b, "DELETE")
    ctx.store.set_tags(meta.bucket, meta.key, meta.version_id, {})
    notify.emit(ctx, "ObjectTagging:Delete", meta.key, etag=meta.etag,
                version_id=meta.version_id, bucket=b)
    return empty(204, _version(b, meta))


@handles(Op.GetBucketTagging)
async def get_bucket_tagging(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html
    A bucket without tags is 404 NoSuchTagSet, with BucketName."""
    b = ctx.require_bucket()
    found = ctx.store.get_bucket_tags(b.name)
    if found is None:
        raise S3Error("NoSuchTagSet", BucketName=b.name)
    return xml_response("Tagging", tags.render(found))


@handles(Op.PutBucketTagging)
async def put_bucket_tagging(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html (204)"""
    b = ctx.require_bucket()
    new = tags.parse_document(await read_all(ctx, MAX_TAGGING_BYTES), tags.BUCKET_LIMIT)
    ctx.store.set_bucket_tags(b.name, new)
    return empty(204)


@handles(Op.DeleteBucketTagging)
async def delete_bucket_tagging(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketTagging.html (204)"""
    b = ctx.require_bucket()
    ctx.store.set_bucket_tags(b.name, None)
    return empty(204)

"""Server-side copies: CopyObject, and the copy source shared with UploadPartCopy."""

from __future__ import annotations

import time
from urllib.parse import unquote

from aiohttp import web

from s3mock import conditions
from s3mock.dates import iso8601
from s3mock.errors import S3Error
from s3mock.handlers.registry import handles
from s3mock.request.ctx import Ctx
from s3mock.request.access import authorize_copy_source
from s3mock.request.common import check_key, checksum_elements, quoted, xml_response
from s3mock.request.integrity import requested_algorithm
from s3mock.handlers.object import new_meta, write_conditions
from s3mock.operations import Op
from s3mock.storage.base import Bucket, ObjectMeta


def copy_source(ctx: Ctx) -> ObjectMeta:
    """The object named by x-amz-copy-source, after its x-amz-copy-source-if-* conditions."""
    raw = ctx.headers.get("x-amz-copy-source", "")
    path, _, query = raw.partition("?")
    path = unquote(path).lstrip("/")
    bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise S3Error("InvalidArgument", "Copy Source must mention the source bucket and key: "
                      "sourcebucket/sourcekey", ArgumentName="x-amz-copy-source", ArgumentValue=raw)
    if query:
        name, _, version = query.partition("=")
        if name != "versionId" or version != "null":
            raise S3Error("InvalidArgument", "Invalid version id specified",
                          ArgumentName="x-amz-copy-source", ArgumentValue=raw)
    source_bucket = ctx.store.get_bucket(bucket)
    if source_bucket is None:
        raise S3Error("NoSuchBucket", BucketName=bucket)
    src = ctx.store.get_object(bucket, key)
    authorize_copy_source(ctx, source_bucket, src)
    if src is None:
        raise S3Error("NoSuchKey", Key=key)
    conditions.check_read(ctx.headers, src.etag, src.mtime, prefix="x-amz-copy-source-")
    return src


async def _copy_checksums(ctx: Ctx, src: ObjectMeta, meta: ObjectMeta, algorithm: str | None) -> None:
    """The copy's ETag and checksum. S3 writes a copy as one object, whatever the source: a copy
    of a multipart object gets the MD5 of its bytes as ETag, no parts, and a checksum of the whole
    object (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html:
    "the checksum value for the object might change if you copy it"; the ETag and parts as
    recorded on S3 in floci-io/floci#3093 and localstack/localstack#3729). A single-part source's
    ETag and checksum are the copy's, and a requested algorithm the source lacks is computed."""
    alg = algorithm or next(iter(src.checksums), None)
    multipart = src.parts_count is not None
    keep = alg is not None and alg in src.checksums and src.checksum_type != "COMPOSITE"
    if not multipart and (alg is None or alg in src.checksums):
        meta.etag, meta.checksums, meta.checksum_type = src.etag, dict(src.checksums), src.checksum_type
        return
    digest = await ctx.store.digest_object(src, [alg] if alg is not None and not keep else [])
    meta.etag = digest.etag if multipart else src.etag
    if alg is None:
        meta.checksums, meta.checksum_type = {}, None
    else:
        meta.checksums = {alg: src.checksums[alg] if keep else digest.checksums[alg]}
        meta.checksum_type = "FULL_OBJECT"


def _check_not_to_itself(ctx: Ctx, src: ObjectMeta, directive: str, algorithm: str | None) -> None:
    same = (src.bucket, src.key) == (ctx.bucket, ctx.key)
    changes = directive == "REPLACE" or any(h in ctx.headers for h in (
        "x-amz-storage-class", "x-amz-website-redirect-location", "x-amz-server-side-encryption"))
    if same and not changes and (algorithm is None or algorithm in src.checksums):
        raise S3Error("InvalidRequest", "This copy request is illegal because it is trying to copy "
                      "an object to itself without changing the object's metadata, storage class, "
                      "website redirect location or encryption attributes.")


async def _copy(ctx: Ctx, bucket: Bucket) -> ObjectMeta | None:
    """The copy, committed; None if its source was replaced or deleted while it was read."""
    src = copy_source(ctx)
    directive = ctx.headers.get("x-amz-metadata-directive", "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise S3Error("InvalidArgument", "Unknown metadata directive.",
                      ArgumentName="x-amz-metadata-directive", ArgumentValue=directive)
    algorithm = requested_algorithm(ctx.headers)
    _check_not_to_itself(ctx, src, directive, algorithm)
    expect, absent = write_conditions(ctx)
    meta = new_meta(ctx, bucket.owner)
    if directive == "COPY":
        meta.content_type, meta.headers, meta.metadata = src.content_type, src.headers, src.metadata
    meta.size = src.size
    try:
        await _copy_checksums(ctx, src, meta, algorithm)
        meta.mtime = time.time()
        written = await ctx.store.copy_object(src, meta, expect_etag=expect, expect_absent=absent)
    except FileNotFoundError:
        return None
    if not written:
        raise S3Error("PreconditionFailed", Condition="If-None-Match" if absent else "If-Match")
    return meta


@handles(Op.CopyObject)
async def copy_object(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html"""
    bucket = ctx.require_bucket()
    check_key(ctx.key or "")
    for _ in range(3):
        meta = await _copy(ctx, bucket)
        if meta is None:
            continue    # the source changed while it was copied: copy what it is now
        content = [("LastModified", iso8601(meta.mtime)), ("ETag", quoted(meta.etag))]
        content += checksum_elements(meta.checksums, meta.checksum_type)
        return xml_response("CopyObjectResult", content,
                            headers={"x-amz-server-side-encryption": "AES256"})
    raise S3Error("InternalError")

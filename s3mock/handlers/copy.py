"""Server-side copies: CopyObject, and the copy source shared with UploadPartCopy."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import unquote

from aiohttp import web

from s3mock import checksums, conditions
from s3mock.dates import iso8601
from s3mock.errors import S3Error, unsupported_checksum_algorithm
from s3mock.handlers.registry import handles
from s3mock.request.ctx import Ctx
from s3mock.request.access import (SOURCE_EXPECTED_OWNER, allowed, bucket_acl, can_read_object,
                                    check_expected_owner)
from s3mock.request.common import check_key, checksum_elements, quoted, xml_response
from s3mock.handlers.object import new_meta, write_conditions
from s3mock.operations import Op, Perm
from s3mock.storage.base import ObjectMeta


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
    check_expected_owner(ctx, source_bucket, SOURCE_EXPECTED_OWNER)
    src = ctx.store.get_object(bucket, key)
    if src is None:
        # Only those who may list the source bucket learn that the key does not exist.
        if not allowed(ctx.principal.canonical_id, bucket_acl(source_bucket), Perm.READ):
            raise S3Error("AccessDenied")
        raise S3Error("NoSuchKey", Key=key)
    if not can_read_object(ctx, src):
        raise S3Error("AccessDenied")
    conditions.check_read(ctx.headers, src.etag, src.mtime, prefix="x-amz-copy-source-")
    return src


def _hash_blobs(ctx: Ctx, segments: list[tuple[str, int]], algorithm: str) -> str:
    h = checksums.new(algorithm)
    for blob_id, _ in segments:
        with open(ctx.store.blobs.path(blob_id), "rb") as f:
            while data := f.read(1024 * 1024):
                h.update(data)
    return checksums.encode(h.digest())


@handles(Op.CopyObject)
async def copy_object(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html"""
    bucket = ctx.require_bucket()
    check_key(ctx.key or "")
    src = copy_source(ctx)
    directive = ctx.headers.get("x-amz-metadata-directive", "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise S3Error("InvalidArgument", "Unknown metadata directive.",
                      ArgumentName="x-amz-metadata-directive", ArgumentValue=directive)
    algorithm = ctx.headers.get("x-amz-checksum-algorithm", "").upper() or None
    if algorithm is not None and algorithm not in checksums.ALGORITHMS:
        raise unsupported_checksum_algorithm()
    same = (src.bucket, src.key) == (ctx.bucket, ctx.key)
    changes = directive == "REPLACE" or any(h in ctx.headers for h in (
        "x-amz-storage-class", "x-amz-website-redirect-location", "x-amz-server-side-encryption"))
    if same and not changes and (algorithm is None or algorithm in src.checksums):
        raise S3Error("InvalidRequest", "This copy request is illegal because it is trying to copy "
                      "an object to itself without changing the object's metadata, storage class, "
                      "website redirect location or encryption attributes.")
    expect, absent = write_conditions(ctx)
    segments: list[tuple[str, int]] = []
    try:
        for blob, size in src.segments:
            segments.append((ctx.store.blobs.link_copy(blob), size))
        meta = new_meta(ctx, bucket.owner, src.size, src.etag, segments)
        meta.parts_count = src.parts_count
        if directive == "COPY":
            meta.content_type, meta.headers, meta.metadata = src.content_type, src.headers, src.metadata
        meta.checksums, meta.checksum_type = dict(src.checksums), src.checksum_type
        if algorithm is not None and algorithm not in src.checksums:
            value = await asyncio.get_running_loop().run_in_executor(None, _hash_blobs, ctx, segments, algorithm)
            meta.checksums, meta.checksum_type = {algorithm: value}, "FULL_OBJECT"
    except BaseException:
        ctx.store.blobs.unlink(b for b, _ in segments)   # no orphan copies (EIO, source gone)
        raise
    meta.mtime = time.time()
    if not ctx.store.put_object(meta, expect_etag=expect, expect_absent=absent):
        raise S3Error("PreconditionFailed", Condition="If-None-Match" if absent else "If-Match")
    content = [("LastModified", iso8601(meta.mtime)), ("ETag", quoted(meta.etag))]
    content += checksum_elements(meta.checksums, meta.checksum_type)
    return xml_response("CopyObjectResult", content, headers={"x-amz-server-side-encryption": "AES256"})

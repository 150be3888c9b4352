"""Server-side copies: CopyObject, and the copy source shared with UploadPartCopy."""

from __future__ import annotations

import time
from urllib.parse import unquote

from aiohttp import web

from s3mock import conditions, notify
from s3mock.dates import iso8601
from s3mock.errors import S3Error
from s3mock.handlers.registry import handles
from s3mock.request.ctx import Ctx
from s3mock.request.access import authorize_copy_source
from s3mock.request.common import check_key, checksum_elements, quoted, xml_response
from s3mock.request.integrity import requested_algorithm
from s3mock.handlers.object import new_meta, write_conditions
from s3mock.handlers.versioning import VERSION_ID, invalid_version
from s3mock.operations import Op
from s3mock import version_ids
from s3mock.storage.base import Bucket, ObjectMeta
from s3mock.version_ids import NULL


def copy_source(ctx: Ctx) -> ObjectMeta:
    """The object named by x-amz-copy-source, after its x-amz-copy-source-if-* conditions."""
    raw = ctx.headers.get("x-amz-copy-source", "")
    path, _, query = raw.partition("?")
    path = unquote(path).lstrip("/")
    bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise S3Error("InvalidArgument", "Copy Source must mention the source bucket and key: "
                      "sourcebucket/sourcekey", ArgumentName="x-amz-copy-source", ArgumentValue=raw)
    version = None
    if query:
        name, _, version = query.partition("=")
        version = unquote(version)
        if name != "versionId" or not version_ids.valid(version):
            raise invalid_version(raw, "x-amz-copy-source")
    source_bucket = ctx.store.get_bucket(bucket)
    if source_bucket is None:
        raise S3Error("NoSuchBucket", BucketName=bucket)
    if version is None or (source_bucket.versioning is None and version == NULL):
        src = ctx.store.get_object(bucket, key)
    elif source_bucket.versioning is None:
        raise invalid_version(raw, "x-amz-copy-source")
    else:
        src = ctx.store.get_version(bucket, key, version)
    marker = src is not None and src.delete_marker
    authorize_copy_source(ctx, source_bucket, None if marker else src, key, version)
    if marker:
        # LocalStack's AWS-recorded test_s3_copy_object_src_not_exists.
        raise S3Error("InvalidRequest", "The source of a copy request may not specifically "
                      "refer to a delete marker by version id.")
    if src is None and version is not None and source_bucket.versioning is not None:
        raise S3Error("NoSuchVersion", Key=key, VersionId=version)
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


def source_version(ctx: Ctx, src: ObjectMeta) -> dict[str, str]:
    """x-amz-copy-source-version-id: the source's id, absent for a `null` source named without
    one (LocalStack's AWS-recorded test_s3_copy_object_in_place_versioned)."""
    if src.version_id != NULL or "versionId=" in ctx.headers.get("x-amz-copy-source", ""):
        return {"x-amz-copy-source-version-id": src.version_id}
    return {}


def _check_not_to_itself(ctx: Ctx, src: ObjectMeta, directive: str, algorithm: str | None) -> None:
    same = (src.bucket, src.key) == (ctx.bucket, ctx.key)
    if same and src.version_id != NULL:     # an older version copied over its key restores it
        current = ctx.store.get_object(src.bucket, src.key)
        same = current is not None and current.version_id == src.version_id
    changes = directive == "REPLACE" or any(h in ctx.headers for h in (
        "x-amz-storage-class", "x-amz-website-redirect-location", "x-amz-server-side-encryption"))
    if same and not changes and (algorithm is None or algorithm in src.checksums):
        raise S3Error("InvalidRequest", "This copy request is illegal because it is trying to copy "
                      "an object to itself without changing the object's metadata, storage class, "
                      "website redirect location or encryption attributes.")


async def _copy(ctx: Ctx, bucket: Bucket) -> tuple[ObjectMeta, ObjectMeta] | None:
    """(source, copy), the copy committed; None if its source was replaced or deleted while it
    was read."""
    src = copy_source(ctx)
    directive = ctx.headers.get("x-amz-metadata-directive", "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise S3Error("InvalidArgument", "Unknown metadata directive.",
                      ArgumentName="x-amz-metadata-directive", ArgumentValue=directive)
    tagging = ctx.headers.get("x-amz-tagging-directive", "COPY").upper()
    if tagging not in ("COPY", "REPLACE"):
        raise S3Error("InvalidArgument", "Unknown tagging directive.",
                      ArgumentName="x-amz-tagging-directive", ArgumentValue=tagging)
    algorithm = requested_algorithm(ctx.headers)
    _check_not_to_itself(ctx, src, directive, algorithm)
    expect, absent = write_conditions(ctx)
    meta = new_meta(ctx, bucket)
    if directive == "COPY":
        meta.content_type, meta.headers, meta.metadata = src.content_type, src.headers, src.metadata
    if tagging == "COPY":
        meta.tags = dict(src.tags)
    meta.size = src.size
    try:
        await _copy_checksums(ctx, src, meta, algorithm)
        meta.mtime = time.time()
        written = await ctx.store.copy_object(src, meta, expect_etag=expect, expect_absent=absent)
    except FileNotFoundError:
        return None
    if not written:
        raise S3Error("PreconditionFailed", Condition="If-None-Match" if absent else "If-Match")
    return src, meta


@handles(Op.CopyObject)
async def copy_object(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html"""
    bucket = ctx.require_bucket()
    check_key(ctx.key or "")
    for _ in range(3):
        copied = await _copy(ctx, bucket)
        if copied is None:
            continue    # the source changed while it was copied: copy what it is now
        src, meta = copied
        notify.emit(ctx, "ObjectCreated:Copy", meta.key, size=meta.size, etag=meta.etag,
                    version_id=meta.version_id, bucket=bucket)
        content = [("LastModified", iso8601(meta.mtime)), ("ETag", quoted(meta.etag))]
        content += checksum_elements(meta.checksums, meta.checksum_type)
        headers = {"x-amz-server-side-encryption": "AES256", **source_version(ctx, src)}
        if meta.version_id != NULL or bucket.versioning is not None:
            headers[VERSION_ID] = meta.version_id       # Suspended: `null` (LocalStack, as above)
        return xml_response("CopyObjectResult", content, headers=headers)
    raise S3Error("InternalError")

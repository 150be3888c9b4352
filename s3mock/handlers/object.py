"""Single objects: PutObject, GetObject, HeadObject, DeleteObject."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiohttp import hdrs, web

from s3mock import conditions, notify, tags
from s3mock.dates import http_date
from s3mock.errors import NOT_MODIFIED, S3Error, invalid_part_number
from s3mock.handlers.registry import handles
from s3mock.handlers.versioning import (DELETE_MARKER, VERSION_ID, find, version_arg,
                                        version_headers)
from s3mock.request.ctx import Ctx
from s3mock.request.access import new_object_acl, owner_id
from s3mock.request.body import integrity, object_body
from s3mock.request.common import (check_key, checksum_headers, content_headers,
                                    empty, object_headers, quoted, user_metadata)
from s3mock.request.integrity import DEFAULT_CHECKSUM
from s3mock.operations import Op
from s3mock.storage.base import Bucket, FileRanges, ObjectMeta

log = logging.getLogger("s3mock")
OVERRIDES = {
    "response-content-type": "Content-Type", "response-content-language": "Content-Language",
    "response-expires": "Expires", "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}




def stored_content_headers(ctx: Ctx) -> dict[str, str]:
    """Content-* headers to keep, without the transfer-only aws-chunked content coding."""
    out = content_headers(ctx.headers)
    if not out:
        return out
    redirect = out.get("x-amz-website-redirect-location")
    if redirect is not None and not redirect.startswith(("/", "http://", "https://")):
        # AWS's answer quoted in laurilehmijoki/s3_website#99 and aws/aws-cli#1130
        raise S3Error("InvalidRedirectLocation")
    enc = out.get("Content-Encoding")
    if enc is not None and "aws-chunked" in enc.lower():
        # "Amazon S3 stores the resulting object without the aws-chunked value in the
        # content-encoding header. If aws-chunked is the only value [...] S3 [...] does not return
        # this header" (sigv4-streaming.html). The other codings are kept as sent, separators
        # included ("deflate, aws-chunked, gzip" -> "deflate, gzip"); without aws-chunked the
        # value is stored verbatim (s3-tests test_object_content_encoding_aws_chunked: "deflate, gzip").
        kept = ",".join(e for e in enc.split(",")
                        if e.strip().lower() not in ("aws-chunked", "")).strip()
        if kept:
            out["Content-Encoding"] = kept
        else:
            del out["Content-Encoding"]
    return out


def write_conditions(ctx: Ctx) -> tuple[str | None, bool]:
    """(expected etag, must be absent) from If-Match / If-None-Match, checked now and at commit."""
    if_none = ctx.headers.get("If-None-Match")
    if_match = ctx.headers.get("If-Match")
    if if_none is not None and if_none.strip() != "*":
        raise S3Error("NotImplemented", Header="If-None-Match", additionalMessage=
                      "We don't accept the provided value of If-None-Match header for this API")
    expect = if_match.strip().strip('"') if if_match is not None else None
    absent = if_none is not None
    if expect is None and not absent:
        return None, False      # unconditional: no need to read the current object
    current = ctx.store.get_object(ctx.bucket or "", ctx.key or "")
    if absent and current is not None:
        raise S3Error("PreconditionFailed", Condition="If-None-Match")
    if expect is not None:
        if current is None:
            raise S3Error("NoSuchKey", Key=ctx.key)
        if expect != "*" and current.etag != expect:
            raise S3Error("PreconditionFailed", Condition="If-Match")
        if expect == "*":
            expect = current.etag
    return expect, absent


def new_meta(ctx: Ctx, bucket: Bucket) -> ObjectMeta:
    """The object the request writes, as its headers describe it (its body's size, ETag and
    checksums are the store's to fill in); its owner and ACL as the bucket's settings have them."""
    owner, acl = new_object_acl(ctx, bucket, owner_id(ctx))
    return ObjectMeta(
        bucket=ctx.bucket or "", key=ctx.key or "", size=0, etag="", mtime=time.time(),
        owner=owner, content_type=ctx.headers.get("Content-Type"),
        headers=stored_content_headers(ctx),
        metadata=user_metadata(ctx.headers, from_headers=True) if ctx.header_names_starting("x-amz-meta-")
        else {},
        acl=acl,
        # the names' string header_names_starting() searches is built once per request already
        tags=tags.parse_header(ctx.headers.get("x-amz-tagging", ""))
        if ctx.header_names_starting("x-amz-tagging") else {})


@handles(Op.PutObject)
async def put_object(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html"""
    bucket = ctx.require_bucket()
    check_key(ctx.key or "")
    expect, absent = write_conditions(ctx)
    want = integrity(ctx, default_algorithm=DEFAULT_CHECKSUM)
    meta = new_meta(ctx, bucket)
    meta.checksum_type = "FULL_OBJECT"
    body, size = object_body(ctx, want)
    if not await ctx.store.put_object(meta, body, size, want, expect_etag=expect, expect_absent=absent):
        raise S3Error("PreconditionFailed", Condition="If-None-Match" if absent else "If-Match")
    notify.emit(ctx, "ObjectCreated:Put", meta.key, size=meta.size, etag=meta.etag,
                version_id=meta.version_id, bucket=bucket)
    headers = {"ETag": quoted(meta.etag), "x-amz-server-side-encryption": "AES256"}
    headers.update(checksum_headers(meta.checksums, meta.checksum_type))
    if meta.version_id != "null":
        # Suspended: no header (API_PutObject's "versioning suspended" example; LocalStack's
        # test_delete_object_on_suspended_bucket).
        headers[VERSION_ID] = meta.version_id
    return empty(200, headers)


def lookup(ctx: Ctx, method: str = "GET") -> tuple[ObjectMeta, dict[str, str]]:
    """The object version the request names and its version header, or NoSuchBucket, NoSuchKey,
    NoSuchVersion, or MethodNotAllowed for a delete marker (versioning.find)."""
    bucket = ctx.require_bucket()
    meta = find(ctx, bucket, method)
    return meta, version_headers(bucket, meta)


def check_read_conditions(ctx: Ctx, meta: ObjectMeta) -> None:
    """If-Match, If-None-Match, If-(Un)Modified-Since of a read; a 304 carries the object's ETag
    and Last-Modified."""
    try:
        conditions.check_read(ctx.headers, meta.etag, meta.mtime)
    except S3Error as e:
        if e.code == NOT_MODIFIED:
            e.headers.update({"ETag": quoted(meta.etag), "Last-Modified": http_date(meta.mtime)})
        raise


def _prepare_read(ctx: Ctx, meta: ObjectMeta) -> tuple[int, dict[str, str], tuple[int, int] | None]:
    """(status, headers, byte range or None) for GET/HEAD after preconditions."""
    check_read_conditions(ctx, meta)
    part = ctx.query.get("partNumber")
    mode = ctx.headers.get("x-amz-checksum-mode", "").upper() == "ENABLED"
    rng: tuple[int, int] | None
    extra: dict[str, str] = {}
    if part is not None:
        rng, extra = _part_range(meta, part, mode)
        # A part that is the whole object has the object's checksum, unless the object's checksum
        # is COMPOSITE: then _part_range gave the part's own.
        full = rng is None or (rng == (0, meta.size) and meta.checksum_type != "COMPOSITE")
    else:
        rng = conditions.parse_range(ctx.headers.get("Range"), meta.size)
        full = rng is None or (rng == (0, meta.size) and meta.parts_count is None)
    headers = object_headers(meta, checksum_mode=mode and full)
    headers.update(extra)
    if not OVERRIDES.keys().isdisjoint(ctx.query):
        q = ctx.query
        for name, header in OVERRIDES.items():
            if name in q:
                headers[header] = q[name]
    if rng is not None:
        headers["Content-Range"] = f"bytes {rng[0]}-{rng[1] - 1}/{meta.size}"
        return 206, headers, rng
    return 200, headers, None


def _part_range(meta: ObjectMeta, value: str, checksum_mode: bool
                ) -> tuple[tuple[int, int] | None, dict[str, str]]:
    """The byte range of part `value` and the headers it adds: the parts count, and with
    checksum_mode a COMPOSITE object's part checksum. Localstack's AWS-recorded test_get_object_part
    and test_get_object_part_checksum snapshots: a part past the last is 416 InvalidPartNumber
    with PartNumberRequested and ActualPartCount (s3-tests' 400 InvalidPart is not what S3
    answers); part 1 of a single-part object is the whole object, 206; a part's read gets a
    checksum only if the object's is COMPOSITE (the part's) or the part is the whole object."""
    try:
        n = int(value)
    except ValueError:
        n = 0
    if not 1 <= n <= 10000:
        raise invalid_part_number(value)
    count = meta.parts_count or 1
    sizes = meta.part_sizes
    if n > count or (meta.parts_count is not None and n > len(sizes)):
        raise S3Error("InvalidPartNumber", PartNumberRequested=n, ActualPartCount=count)
    if meta.parts_count is None:
        return (0, meta.size) if meta.size else None, {}
    start = sum(sizes[: n - 1])
    extra = {"x-amz-mp-parts-count": str(meta.parts_count)}
    if checksum_mode and meta.checksum_type == "COMPOSITE" and len(meta.part_checksums) >= n:
        extra.update(checksum_headers({next(iter(meta.checksums)): meta.part_checksums[n - 1]},
                                      meta.checksum_type))
    return (start, start + sizes[n - 1]), extra


@handles(Op.HeadObject)
async def head_object(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html"""
    meta, version = lookup(ctx, "HEAD")
    status, headers, rng = _prepare_read(ctx, meta)
    headers.update(version)
    length = rng[1] - rng[0] if rng else meta.size
    headers[hdrs.CONTENT_LENGTH] = str(length)
    return web.Response(status=status, headers=headers)


@handles(Op.GetObject)
async def get_object(ctx: Ctx) -> web.StreamResponse:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html"""
    for attempt in range(3):
        meta, version = lookup(ctx)
        status, headers, rng = _prepare_read(ctx, meta)
        headers.update(version)
        start, end = rng if rng else (0, meta.size)
        body = ctx.store.open_object(meta, start, end)
        if body is None:
            continue  # replaced between reading its row and opening its blob: read the new one
        if isinstance(body, bytes):
            return web.Response(status=status, headers=headers, body=body)
        with contextlib.closing(body):
            return await _send(ctx, meta, status, headers, end - start, body)
    raise S3Error("InternalError")


async def _send(ctx: Ctx, meta: ObjectMeta, status: int, headers: dict[str, str], length: int,
                parts: FileRanges) -> web.StreamResponse:
    """Stream the blobs' bytes with sendfile: the kernel copies them, no buffer passes through
    Python (as aiohttp's FileResponse does, which cannot send parts of several files)."""
    resp = web.StreamResponse(status=status, headers=headers)
    resp.content_length = length
    await resp.prepare(ctx.request)
    transport = ctx.request.transport
    loop = asyncio.get_running_loop()
    try:
        for f, offset, count in parts:
            if transport is None or transport.is_closing():
                raise ConnectionResetError("connection lost")
            if await loop.sendfile(transport, f, offset, count) != count:
                raise OSError(f"a blob of {meta.bucket}/{meta.key} is shorter than recorded")
    except ConnectionError:
        # The client went away (a cancelled download): nothing is wrong here, and nobody to tell.
        log.info("GET %s/%s: the client closed the connection before the body's end",
                 meta.bucket, meta.key)
        if transport is not None:
            transport.close()
        return resp
    except OSError:
        # Too late for an error response: cut the connection so the client sees a short body.
        log.exception("GET %s/%s failed mid-stream", meta.bucket, meta.key)
        if transport is not None:
            transport.close()
        return resp
    await resp.write_eof()
    return resp


def removed_event(version: str | None) -> str:
    """A delete without a version id in a versioned bucket pushes a delete marker; with one, the
    version is gone for good (notification-how-to-event-types-and-destinations.html)."""
    return "ObjectRemoved:Delete" if version is not None else "ObjectRemoved:DeleteMarkerCreated"


@handles(Op.DeleteObject)
async def delete_object(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html"""
    bucket = ctx.require_bucket()
    version = version_arg(ctx, bucket)
    if bucket.versioning is None:
        ctx.store.delete_object(bucket.name, ctx.key or "")
        # S3 reports a delete of a key it does not have too (LocalStack's AWS-recorded
        # test_delete_objects: events for absent keys).
        notify.emit(ctx, "ObjectRemoved:Delete", ctx.key or "", bucket=bucket)
        return empty(204, {VERSION_ID: version} if version is not None else None)
    # Without a version id a delete marker is pushed (its id answered); with one, that entry goes
    # for good, and x-amz-delete-marker says it was a marker (LocalStack's
    # test_delete_object_versioned; ceph#23927's AWS transcript for Suspended: `null`).
    removed = ctx.store.delete_entry(bucket.name, ctx.key or "", version, owner_id(ctx))
    notify.emit(ctx, removed_event(version), ctx.key or "", version_id=removed.version_id,
                bucket=bucket)
    headers = {VERSION_ID: removed.version_id}
    if removed.marker:
        headers[DELETE_MARKER] = "true"
    return empty(204, headers)

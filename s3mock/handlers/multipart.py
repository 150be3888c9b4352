"""Multipart uploads: create, upload (and copy) parts, complete, abort, list parts and uploads."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

from aiohttp import web

from s3mock import checksums, conditions, notify, xml
from s3mock.dates import iso8601
from s3mock.errors import S3Error, invalid_part_number
from s3mock.handlers.registry import handles
from s3mock.request.ctx import Ctx
from s3mock.request.access import owner_id
from s3mock.request.body import integrity, object_body, read_all
from s3mock.request.common import (check_key, checksum_elements, checksum_headers, empty, int_arg,
                                    quoted, unquoted, xml_response)
from s3mock.request.integrity import DEFAULT_CHECKSUM, requested_algorithm, upload_checksum_type
from s3mock.handlers.copy import copy_source, source_version
from s3mock.handlers.object import new_meta, write_conditions
from s3mock.handlers.service import owner_element
from s3mock.operations import Op
from s3mock.storage.base import ObjectMeta, Part, Upload

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_SIZE = 5 * 1024**3
MAX_PARTS = 10000


@handles(Op.CreateMultipartUpload)
async def create_multipart_upload(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html"""
    bucket = ctx.require_bucket()
    check_key(ctx.key or "")
    algorithm = requested_algorithm(ctx.headers)
    kind = upload_checksum_type(algorithm, ctx.headers.get("x-amz-checksum-type"))
    # S3 lists a key's uploads by initiation time and pages them by upload id: ids sort by time.
    upload_id = f"{time.time_ns():016x}" + secrets.token_urlsafe(40)
    upload = Upload(upload_id, ctx.bucket or "", ctx.key or "", time.time(),
                    owner_id(ctx), new_meta(ctx, bucket), algorithm, kind)
    if not ctx.store.create_upload(upload):
        raise S3Error("NoSuchBucket", BucketName=upload.bucket)
    headers = {}
    if algorithm:
        headers = {"x-amz-checksum-algorithm": algorithm, "x-amz-checksum-type": kind or ""}
    return xml_response("InitiateMultipartUploadResult", [
        ("Bucket", upload.bucket), ("Key", upload.key), ("UploadId", upload.upload_id)], headers=headers)


def _upload(ctx: Ctx) -> Upload:
    ctx.require_bucket()
    up = ctx.store.get_upload(ctx.bucket or "", ctx.key or "", ctx.query.get("uploadId", ""))
    if up is None:
        raise S3Error("NoSuchUpload", UploadId=ctx.query.get("uploadId", ""))
    return up


def _part_number(ctx: Ctx) -> int:
    raw = ctx.query.get("partNumber", "")
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_PARTS:
        raise invalid_part_number(raw)
    return n


def _part_algorithm(up: Upload) -> str:
    """The checksum every part of the upload keeps: the upload's, else S3's default."""
    return up.checksum_algorithm or DEFAULT_CHECKSUM


@handles(Op.UploadPart)
async def upload_part(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html"""
    number = _part_number(ctx)
    up = _upload(ctx)
    want = integrity(ctx)
    if up.checksum_algorithm and want.algorithm and want.algorithm != up.checksum_algorithm:
        raise S3Error("InvalidRequest", "Checksum Type mismatch occurred, expected checksum Type: "
                      f"{up.checksum_algorithm.lower()}, actual checksum Type: {want.algorithm.lower()}")
    want.keep.add(_part_algorithm(up))
    body, size = object_body(ctx, want, max_size=MAX_PART_SIZE)
    part = await ctx.store.upload_part(up.upload_id, number, body, size, want)
    if part is None:
        raise S3Error("NoSuchUpload", UploadId=up.upload_id)
    headers = {"ETag": quoted(part.etag), "x-amz-server-side-encryption": "AES256"}
    if want.algorithm:
        headers.update(checksum_headers({want.algorithm: part.checksums[want.algorithm]}, None))
    return empty(200, headers)


@handles(Op.UploadPartCopy)
async def upload_part_copy(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html"""
    number = _part_number(ctx)
    up = _upload(ctx)
    src = copy_source(ctx)
    rng = ctx.headers.get("x-amz-copy-source-range")
    start, end = conditions.parse_copy_range(rng, src.size) if rng else (0, src.size)
    if end - start > MAX_PART_SIZE:
        raise S3Error("EntityTooLarge", ProposedSize=end - start, MaxSizeAllowed=MAX_PART_SIZE)
    try:
        part = await ctx.store.copy_part(up.upload_id, number, src, start, end, [_part_algorithm(up)])
    except FileNotFoundError:
        raise S3Error("NoSuchKey", Key=src.key) from None
    if part is None:
        raise S3Error("NoSuchUpload", UploadId=up.upload_id)
    content = [("LastModified", iso8601(part.mtime)), ("ETag", quoted(part.etag))]
    if up.checksum_algorithm:
        content += checksum_elements({up.checksum_algorithm: part.checksums[up.checksum_algorithm]}, None)
    return xml_response("CopyPartResult", content, headers=source_version(ctx, src))


def _requested_parts(body: bytes, upload_id: str) -> list[tuple[int, str, dict[str, str]]]:
    """(number, ETag, checksums) of each part the request lists, in ascending order."""
    if not body.strip():
        # AWS's answer to a request without the document (localstack's AWS-recorded
        # test_multipart_complete_multipart_too_small snapshot); an empty document is MalformedXML.
        raise S3Error("InvalidRequest", "You must specify at least one part")
    doc = xml.parse(body, "CompleteMultipartUpload")
    parts: list[tuple[int, str, dict[str, str]]] = []
    for el in xml.children(doc, "Part"):
        number, etag = xml.text(el, "PartNumber"), xml.text(el, "ETag")
        if number is None or etag is None:
            raise S3Error("MalformedXML")
        try:
            n = int(number)
        except ValueError:
            raise S3Error("MalformedXML") from None
        sums = {alg: v for alg in checksums.ALGORITHMS if (v := xml.text(el, "Checksum" + alg))}
        if parts and n < parts[-1][0]:
            raise S3Error("InvalidPartOrder", UploadId=upload_id)
        if parts and n == parts[-1][0]:
            # S3 quirk: a part listed twice in a row counts once, as listed last. A client that
            # re-sent a part while the first send was in flight lists both answers in the order
            # they finished; the later one is the part S3 keeps (s3-tests'
            # test_multipart_resend_first_finishes_last; RGW's map of parts does the same).
            parts[-1] = (n, unquoted(etag), sums)
        else:
            parts.append((n, unquoted(etag), sums))
    if not parts:
        raise S3Error("MalformedXML")
    return parts


def _multipart_etag(etags: list[str]) -> str | None:
    """"<md5 of the parts' binary MD5s>-<count>", or None if an ETag is not an MD5."""
    try:
        md5s = b"".join(bytes.fromhex(e) for e in etags)
    except ValueError:
        return None
    return f"{hashlib.md5(md5s).hexdigest()}-{len(etags)}"


def _chosen_parts(ctx: Ctx, up: Upload, requested) -> list[Part]:
    """The stored parts the request names, each with the ETag it gives (else InvalidPart), all but
    the last at least MIN_PART_SIZE (else EntityTooSmall)."""
    stored = {p.number: p for p in ctx.store.list_parts(up.upload_id)}
    chosen = []
    for number, etag, _ in requested:
        part = stored.get(number)
        if part is None or part.etag != etag:
            raise S3Error("InvalidPart", UploadId=up.upload_id, PartNumber=number, ETag=etag)
        chosen.append(part)
    for part in chosen[:-1]:
        if part.size < MIN_PART_SIZE:
            # Fields as AWS sends them: the ETag unquoted, no UploadId (localstack's AWS-recorded
            # test_multipart_complete_multipart_too_small snapshot).
            raise S3Error("EntityTooSmall", PartNumber=part.number, ProposedSize=part.size,
                          MinSizeAllowed=MIN_PART_SIZE, ETag=part.etag)
    return chosen


def _check_request(ctx: Ctx, up: Upload, size: int) -> None:
    """x-amz-checksum-type and x-amz-mp-object-size, if sent, must match the upload."""
    kind = ctx.headers.get("x-amz-checksum-type")
    if kind is not None and kind.upper() != (up.checksum_type or ""):
        # Not the BadDigest the API reference names: AWS's recorded answer (localstack's
        # test_multipart_parts_checksum_exceptions_* and test_complete_multipart_parts_checksum_default).
        raise S3Error("InvalidRequest", f"The upload was created using the {up.checksum_type or 'null'} "
                      "checksum mode. The complete request must use the same checksum mode.")
    declared = ctx.headers.get("x-amz-mp-object-size")
    if declared is not None and declared.strip() != str(size):
        raise S3Error("InvalidRequest", f"The provided 'x-amz-mp-object-size' header value {declared} "
                      f"does not match what was computed: {size}")


def _object_checksum(up: Upload, chosen: list[Part]) -> tuple[str, str, str]:
    """(algorithm, value, type) of the completed object: COMPOSITE is the checksum of the parts'
    checksums with "-<count>"; FULL_OBJECT the CRC of the whole body, from the parts' CRCs."""
    alg = _part_algorithm(up)
    kind = up.checksum_type or "FULL_OBJECT"
    if kind == "COMPOSITE":
        return alg, checksums.composite(alg, [p.checksums[alg] for p in chosen]), kind
    crc = checksums.new(alg).digest()
    for p in chosen:
        crc = checksums.combine(alg, crc, base64.b64decode(p.checksums[alg]), p.size)
    return alg, checksums.encode(crc), kind


def _check_checksums(ctx: Ctx, up: Upload, requested, chosen: list[Part], value: str) -> None:
    """The object's checksum headers, then each listed part's checksums, as AWS checks them
    (localstack's AWS-recorded TestS3MultipartUploadChecksum snapshots)."""
    alg = up.checksum_algorithm
    if alg is None:
        # The upload named no algorithm: the object's headers are ignored, and a part listed with
        # any checksum is InvalidPart (the default snapshot).
        for number, etag, sums in requested:
            if sums:
                raise S3Error("InvalidPart", UploadId=up.upload_id, PartNumber=number, ETag=etag)
        return
    for name in checksums.ALGORITHMS:
        given = ctx.headers.get(checksums.header_name(name))
        # Any algorithm's header is compared with the upload's, and the message names the upload's.
        if given is not None and given not in (value, value.partition("-")[0]):
            raise S3Error("BadDigest", f"The {alg.lower()} you specified did not match the "
                          "calculated checksum.")
    for (number, etag, sums), part in zip(requested, chosen):
        if alg in sums:
            if sums[alg] != part.checksums.get(alg):
                raise S3Error("InvalidPart", UploadId=up.upload_id, PartNumber=number, ETag=etag)
        elif sums:
            other = next(iter(sums)).lower()
            raise S3Error("BadDigest", f"The {other} you specified for part {number} did not match "
                          "what we received.")
        elif up.checksum_type == "COMPOSITE":
            raise S3Error("InvalidRequest", f"The upload was created using a {alg.lower()} checksum. "
                          "The complete request must include the checksum for each part. It was "
                          f"missing for part {number} in the request.")


def _completed(ctx: Ctx, meta: ObjectMeta) -> web.Response:
    host = ctx.request.host
    content = [("Location", f"{ctx.request.scheme}://{host}/{meta.bucket}/{meta.key}"),
               ("Bucket", meta.bucket), ("Key", meta.key), ("ETag", quoted(meta.etag))]
    content += checksum_elements(meta.checksums, meta.checksum_type)
    headers = {"x-amz-server-side-encryption": "AES256"}
    if meta.version_id != "null":
        # Suspended: none (s3-tests test_versioning_bucket_multipart_upload_return_version_id;
        # AWS unrecorded).
        headers["x-amz-version-id"] = meta.version_id
    return xml_response("CompleteMultipartUploadResult", content, headers=headers)


def _complete_again(ctx: Ctx, upload_id: str, requested) -> web.Response:
    """S3 quirk: an upload completed a moment ago can be completed again with the same parts, and
    the answer is the first one (a client whose first answer was lost retries). Recorded against
    S3 in minio/minio#13318 and adobe/S3Mock#2586; s3-tests' test_multipart_upload expects it.
    Once the object is replaced or deleted, or with another list of parts, it is NoSuchUpload
    (as RGW's check_previously_completed decides), and so it is for a day-old completion."""
    meta = ctx.store.completed_upload(ctx.bucket or "", ctx.key or "", upload_id)
    if meta is None or meta.etag != _multipart_etag([etag for _, etag, _ in requested]):
        raise S3Error("NoSuchUpload", UploadId=upload_id)
    return _completed(ctx, meta)


@handles(Op.CompleteMultipartUpload)
async def complete_multipart_upload(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html"""
    ctx.require_bucket()
    bucket, key, upload_id = ctx.bucket or "", ctx.key or "", ctx.query.get("uploadId", "")
    if ctx.store.get_upload(bucket, key, upload_id) is None and \
            ctx.store.completed_upload(bucket, key, upload_id) is None:
        raise S3Error("NoSuchUpload", UploadId=upload_id)
    # x-amz-checksum-* name the object's checksum, not the body's.
    requested = _requested_parts(await read_all(ctx, 4 * 1024 * 1024, flexible=False), upload_id)
    # Read after the body arrived: a Complete that won the race meanwhile is answered again.
    up = ctx.store.get_upload(bucket, key, upload_id)
    if up is None:
        return _complete_again(ctx, upload_id, requested)
    expect, absent = write_conditions(ctx)
    chosen = _chosen_parts(ctx, up, requested)
    meta = up.template
    meta.size = sum(p.size for p in chosen)
    _check_request(ctx, up, meta.size)
    alg, value, kind = _object_checksum(up, chosen)
    _check_checksums(ctx, up, requested, chosen, value)
    meta.etag = _multipart_etag([p.etag for p in chosen]) or ""
    meta.mtime, meta.parts_count = time.time(), len(chosen)
    meta.checksums, meta.checksum_type = {alg: value}, kind
    if kind == "COMPOSITE":
        meta.part_checksums = [p.checksums[alg] for p in chosen]
    result = ctx.store.complete_upload(up.upload_id, meta, chosen, expect_etag=expect,
                                       expect_absent=absent)
    if result is None:
        return _complete_again(ctx, upload_id, requested)
    if not result:
        raise S3Error("PreconditionFailed", Condition="If-None-Match" if absent else "If-Match")
    notify.emit(ctx, "ObjectCreated:CompleteMultipartUpload", meta.key, size=meta.size,
                etag=meta.etag, version_id=meta.version_id)
    return _completed(ctx, meta)


@handles(Op.AbortMultipartUpload)
async def abort_multipart_upload(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html"""
    up = _upload(ctx)
    if not ctx.store.abort_upload(up.upload_id):
        raise S3Error("NoSuchUpload", UploadId=up.upload_id)
    return empty(204)


@handles(Op.ListParts)
async def list_parts(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html"""
    up = _upload(ctx)
    marker = int_arg(ctx.query, "part-number-marker", 0, 0, MAX_PARTS)
    limit = int_arg(ctx.query, "max-parts", 1000, 0, 1000)
    parts = ctx.store.list_parts(up.upload_id, marker, limit + 1)
    truncated = len(parts) > limit
    parts = parts[:limit]
    who = owner_element(up.owner, ctx)
    content: list = [("Bucket", up.bucket), ("Key", up.key), ("UploadId", up.upload_id),
                     ("PartNumberMarker", marker)]
    if parts:
        content.append(("NextPartNumberMarker", parts[-1].number))
    content += [("MaxParts", limit), ("IsTruncated", truncated)]
    for p in parts:
        item = [("PartNumber", p.number), ("LastModified", iso8601(p.mtime)), ("ETag", quoted(p.etag)),
                ("Size", p.size)]
        if up.checksum_algorithm:
            item += checksum_elements({up.checksum_algorithm: p.checksums[up.checksum_algorithm]}, None)
        content.append(("Part", item))
    # Owner: the future object's (the bucket owner's under BucketOwnerEnforced, or Preferred with
    # bucket-owner-full-control: s3-tests get_multipart_acl_owner), Initiator: who started it.
    content += [("Initiator", who), ("Owner", owner_element(up.template.owner, ctx)),
                ("StorageClass", "STANDARD")]
    if up.checksum_algorithm:
        content += [("ChecksumAlgorithm", up.checksum_algorithm), ("ChecksumType", up.checksum_type)]
    return xml_response("ListPartsResult", content)


@handles(Op.ListMultipartUploads)
async def list_multipart_uploads(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html"""
    ctx.require_bucket()
    q = ctx.query
    prefix, delimiter = q.get("prefix", ""), q.get("delimiter", "")
    key_marker, id_marker = q.get("key-marker", ""), q.get("upload-id-marker", "")
    limit = int_arg(q, "max-uploads", 1000, 0, 1000)
    # A key marker alone skips every upload of that key; with an upload-id marker, only those up to it.
    after_id = (id_marker or "\U0010ffff") if key_marker else ""
    found = ctx.store.list_uploads(ctx.bucket or "", prefix, key_marker, after_id, MAX_PARTS)
    uploads, prefixes, truncated = [], [], False
    for up in found:
        common = None
        if delimiter and (pos := up.key.find(delimiter, len(prefix))) >= 0:
            common = up.key[: pos + len(delimiter)]
            if prefixes and prefixes[-1] == common:
                continue
        if len(uploads) + len(prefixes) == limit:
            truncated = True
            break
        if common is not None:
            prefixes.append(common)
        else:
            uploads.append(up)
    content: list = [("Bucket", ctx.bucket), ("KeyMarker", key_marker), ("UploadIdMarker", id_marker)]
    if truncated and uploads:
        content += [("NextKeyMarker", uploads[-1].key), ("NextUploadIdMarker", uploads[-1].upload_id)]
    if "prefix" in q:
        content.append(("Prefix", prefix))
    if "delimiter" in q:
        content.append(("Delimiter", delimiter))
    content += [("MaxUploads", limit), ("IsTruncated", truncated)]
    for up in uploads:
        who = owner_element(up.owner, ctx)
        item = [("Key", up.key), ("UploadId", up.upload_id), ("Initiator", who),
                ("Owner", owner_element(up.template.owner, ctx)),
                ("StorageClass", "STANDARD"), ("Initiated", iso8601(up.initiated))]
        if up.checksum_algorithm:
            item += [("ChecksumAlgorithm", up.checksum_algorithm), ("ChecksumType", up.checksum_type)]
        content.append(("Upload", item))
    content += [("CommonPrefixes", [("Prefix", p)]) for p in prefixes]
    return xml_response("ListMultipartUploadsResult", content)

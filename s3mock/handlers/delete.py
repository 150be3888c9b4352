"""DeleteObjects: up to 1000 keys in one XML document."""

from __future__ import annotations

from aiohttp import web

from s3mock import notify, xml
from s3mock.errors import ERRORS, S3Error, content_md5_required
from s3mock.handlers.object import removed_event
from s3mock.handlers.registry import handles
from s3mock.request.ctx import Ctx
from s3mock.request.body import read_all
from s3mock.request.common import xml_response
from s3mock.operations import Op
from s3mock.request.access import may_delete, owner_id
from s3mock import version_ids
from s3mock.storage.base import Bucket
from s3mock.version_ids import NULL

MAX_KEYS = 1000
MAX_BODY = 2 * 1024 * 1024


@handles(Op.DeleteObjects)
async def delete_objects(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html"""
    bucket = ctx.require_bucket()
    if "Content-MD5" not in ctx.headers and not any(
            h.lower().startswith("x-amz-checksum-") or h.lower() == "x-amz-sdk-checksum-algorithm"
            for h in ctx.headers):
        raise content_md5_required()
    doc = xml.parse(await read_all(ctx, MAX_BODY), "Delete")
    quiet = (xml.text(doc, "Quiet") or "").strip().lower() == "true"
    objects = xml.children(doc, "Object")
    if not objects or len(objects) > MAX_KEYS:
        raise S3Error("MalformedXML")
    content: list = []
    for obj in objects:
        key = xml.text(obj, "Key")
        if key is None:
            raise S3Error("MalformedXML")
        version = xml.text(obj, "VersionId")
        if version is not None and (not version_ids.valid(version) or (
                bucket.versioning is None and version != NULL)):
            # Not InvalidArgument as DeleteObject answers: LocalStack's AWS-recorded
            # test_delete_objects (an id S3 did not issue).
            content.append(("Error", [("Key", key), ("VersionId", version), ("Code", "NoSuchVersion"),
                                      ("Message", ERRORS["NoSuchVersion"][1])]))
            continue
        if not may_delete(ctx, bucket, key, version):
            content.append(("Error", [("Key", key), ("VersionId", version), ("Code", "AccessDenied"),
                                      ("Message", ERRORS["AccessDenied"][1])]))
            continue
        deleted = _delete(ctx, bucket, key, version)
        if not quiet:
            content.append(("Deleted", deleted))
    return xml_response("DeleteResult", content)


def _delete(ctx: Ctx, bucket: Bucket, key: str, version: str | None) -> list:
    """Delete one entry as DeleteObject does; its Deleted element's content. A marker pushed or
    removed is reported with DeleteMarker and DeleteMarkerVersionId (LocalStack's AWS-recorded
    test_delete_objects_versioned); an absent version is Deleted too (minio#11086 quotes AWS)."""
    if bucket.versioning is None:
        ctx.store.delete_object(bucket.name, key)
        notify.emit(ctx, "ObjectRemoved:Delete", key, bucket=bucket)
        return [("Key", key), ("VersionId", version)]
    removed = ctx.store.delete_entry(bucket.name, key, version, owner_id(ctx))
    notify.emit(ctx, removed_event(version), key, version_id=removed.version_id, bucket=bucket)
    content: list = [("Key", key), ("VersionId", version)]
    if removed.marker:
        content += [("DeleteMarker", True), ("DeleteMarkerVersionId", removed.version_id)]
    return content

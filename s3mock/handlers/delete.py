"""DeleteObjects: up to 1000 keys in one XML document."""

from __future__ import annotations

from aiohttp import web

from s3mock import xml
from s3mock.errors import ERRORS, S3Error, content_md5_required
from s3mock.handlers.registry import handles
from s3mock.request.ctx import Ctx
from s3mock.request.body import read_all
from s3mock.request.common import xml_response
from s3mock.operations import Op

MAX_KEYS = 1000
MAX_BODY = 2 * 1024 * 1024


@handles(Op.DeleteObjects)
async def delete_objects(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html"""
    ctx.require_bucket()
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
        if version is not None and version != "null":
            content.append(("Error", [("Key", key), ("VersionId", version), ("Code", "NoSuchVersion"),
                                      ("Message", ERRORS["NoSuchVersion"][1])]))
            continue
        ctx.store.delete_object(ctx.bucket or "", key)
        if not quiet:
            content.append(("Deleted", [("Key", key), ("VersionId", version)]))
    return xml_response("DeleteResult", content)

"""Service-level operations: ListBuckets."""

from __future__ import annotations

from aiohttp import web

from s3mock.dates import iso8601
from s3mock.errors import S3Error
from s3mock.handlers import Ctx, handles
from s3mock.handlers.common import xml_response
from s3mock.operations import Op


def owner_element(canonical_id: str, ctx: Ctx) -> list[tuple[str, str]]:
    user = ctx.settings.users_by_id.get(canonical_id)
    return [("ID", canonical_id), ("DisplayName", user.display_name if user else canonical_id)]


@handles(Op.ListBuckets)
async def list_buckets(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html"""
    me = ctx.principal.canonical_id
    if me is None:
        raise S3Error("AccessDenied")
    prefix = ctx.query.get("prefix", "")
    buckets = [b for b in ctx.store.list_buckets() if b.owner == me and b.name.startswith(prefix)]
    content = [
        ("Owner", owner_element(me, ctx)),
        ("Buckets", [("Bucket", [("Name", b.name), ("CreationDate", iso8601(b.created)),
                                 ("BucketRegion", b.region)]) for b in buckets]),
    ]
    if "prefix" in ctx.query:
        content.append(("Prefix", prefix))
    return xml_response("ListAllMyBucketsResult", content)

"""Website configuration subresources: Put/Get/DeleteBucketWebsite. The document is validated by
website.py and served from by website_http.py."""

from __future__ import annotations

from aiohttp import web

from s3mock import website
from s3mock.errors import S3Error
from s3mock.handlers.registry import handles
from s3mock.operations import Op
from s3mock.request.body import read_all
from s3mock.request.common import empty
from s3mock.request.ctx import Ctx

KIND = "website"


@handles(Op.PutBucketWebsite)
async def put_bucket_website(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketWebsite.html: 200; the
    document is kept as GetBucketWebsite renders it."""
    b = ctx.require_bucket()
    config = website.parse(await read_all(ctx, website.MAX_BYTES))
    ctx.store.set_bucket_document(b.name, KIND, website.render(config))
    return empty(200)


@handles(Op.GetBucketWebsite)
async def get_bucket_website(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketWebsite.html"""
    b = ctx.require_bucket()
    doc = ctx.store.get_bucket_document(b.name, KIND)
    if doc is None:
        raise S3Error("NoSuchWebsiteConfiguration", BucketName=b.name)
    return web.Response(body=doc, content_type="application/xml")


@handles(Op.DeleteBucketWebsite)
async def delete_bucket_website(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketWebsite.html: 204, also
    when there was none."""
    b = ctx.require_bucket()
    if ctx.store.get_bucket_document(b.name, KIND) is not None:
        ctx.store.set_bucket_document(b.name, KIND, None)
    return empty(204)

"""Bucket configuration subresources: PutBucketCors, GetBucketCors, DeleteBucketCors."""

from __future__ import annotations

from aiohttp import web

from s3mock import cors
from s3mock.errors import S3Error, content_md5_required
from s3mock.handlers.registry import handles
from s3mock.request.ctx import Ctx
from s3mock.request.body import read_all
from s3mock.request.common import empty
from s3mock.operations import Op


@handles(Op.PutBucketCors)
async def put_bucket_cors(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html"""
    ctx.require_bucket()
    if ctx.settings.auth == "strict" and "Content-MD5" not in ctx.headers and not any(
            h.lower().startswith("x-amz-checksum-") for h in ctx.headers):
        raise content_md5_required()                                          # spec C12
    body = await read_all(ctx, cors.MAX_BYTES)
    rules = cors.parse(body)
    ctx.store.set_bucket_config(ctx.bucket or "", cors=cors.render(rules))
    return empty(200)


@handles(Op.GetBucketCors)
async def get_bucket_cors(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketCors.html"""
    b = ctx.require_bucket()
    if not b.cors:
        raise S3Error("NoSuchCORSConfiguration", BucketName=b.name)
    return web.Response(body=b.cors, content_type="application/xml")


@handles(Op.DeleteBucketCors)
async def delete_bucket_cors(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketCors.html"""
    ctx.require_bucket()
    ctx.store.set_bucket_config(ctx.bucket or "", cors=None)
    return empty(204)

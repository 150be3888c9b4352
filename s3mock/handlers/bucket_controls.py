"""Object Ownership and Block Public Access subresources: Put/Get/DeleteBucketOwnershipControls,
Put/Get/DeletePublicAccessBlock. Their effects are decided in request/access.py."""

from __future__ import annotations

from aiohttp import web

from s3mock.auth import bucket_controls as bc
from s3mock.errors import S3Error
from s3mock.handlers.registry import handles
from s3mock.operations import Op
from s3mock.request.access import bucket_acl
from s3mock.request.body import read_all
from s3mock.request.common import empty
from s3mock.request.ctx import Ctx

MAX_BYTES = 64 * 1024


def _xml(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/xml")


@handles(Op.PutBucketOwnershipControls)
async def put_bucket_ownership_controls(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketOwnershipControls.html
    BucketOwnerEnforced is refused while the bucket's ACL grants anyone but its owner
    (object-ownership-migrating-acls-prerequisites.html; s3-tests
    test_put_bucket_ownership_bucket_owner_enforced)."""
    b = ctx.require_bucket()
    value = bc.parse_ownership(await read_all(ctx, MAX_BYTES))
    if value == bc.ENFORCED and not bc.only_owner_full_control(bucket_acl(b), b.owner):
        raise S3Error("InvalidBucketAclWithObjectOwnership")
    ctx.store.set_bucket_config(b.name, ownership=value)
    return empty(200)


@handles(Op.GetBucketOwnershipControls)
async def get_bucket_ownership_controls(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketOwnershipControls.html"""
    b = ctx.require_bucket()
    if b.ownership is None:
        raise S3Error("OwnershipControlsNotFoundError", BucketName=b.name)
    return _xml(bc.render_ownership(b.ownership))


@handles(Op.DeleteBucketOwnershipControls)
async def delete_bucket_ownership_controls(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketOwnershipControls.html
    Without controls the bucket behaves as ObjectWriter."""
    b = ctx.require_bucket()
    ctx.store.set_bucket_config(b.name, ownership=None)
    return empty(204)


@handles(Op.PutPublicAccessBlock)
async def put_public_access_block(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutPublicAccessBlock.html"""
    b = ctx.require_bucket()
    pab = bc.parse_public_access_block(await read_all(ctx, MAX_BYTES))
    ctx.store.set_bucket_config(b.name, public_access_block=bc.pab_to_row(pab))
    return empty(200)


@handles(Op.GetPublicAccessBlock)
async def get_public_access_block(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetPublicAccessBlock.html"""
    b = ctx.require_bucket()
    pab = bc.pab_from_row(b.public_access_block)
    if pab is None:
        raise S3Error("NoSuchPublicAccessBlockConfiguration", BucketName=b.name)
    return _xml(bc.render_public_access_block(pab))


@handles(Op.DeletePublicAccessBlock)
async def delete_public_access_block(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeletePublicAccessBlock.html"""
    b = ctx.require_bucket()
    ctx.store.set_bucket_config(b.name, public_access_block=None)
    return empty(204)

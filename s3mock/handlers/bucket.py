"""Bucket lifecycle: CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation."""

from __future__ import annotations

import time

from aiohttp import web

from s3mock import xml
from s3mock.bucket_names import valid_bucket_name
from s3mock.errors import S3Error
from s3mock.handlers.registry import handles
from s3mock.request.ctx import Ctx
from s3mock.auth import acl as acls, bucket_controls as bc
from s3mock.request.access import owns, requested_acl
from s3mock.request.body import read_all
from s3mock.request.common import empty
from s3mock.operations import Op
from s3mock.storage.base import Bucket

def _location(ctx: Ctx, body: bytes) -> str:
    """The bucket's region from CreateBucketConfiguration, checked as the regional endpoint does."""
    lc = None
    if body.strip():
        doc = xml.parse(body, "CreateBucketConfiguration")
        lc = xml.text(doc, "LocationConstraint")
    region = ctx.settings.region
    if lc == "us-east-1" or lc == "":
        raise S3Error("InvalidLocationConstraint", LocationConstraint=lc)
    if region == "us-east-1":
        return lc or region
    if lc is None:
        raise S3Error("IllegalLocationConstraintException")
    if lc != region:
        raise S3Error("IllegalLocationConstraintException",
                      f"The {lc} location constraint is incompatible for the region specific "
                      "endpoint this request was sent to.")
    return lc


@handles(Op.CreateBucket)
async def create_bucket(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html"""
    name = ctx.bucket or ""         # anonymous was refused by authorize() (Perm.USER)
    if not valid_bucket_name(name):
        raise S3Error("InvalidBucketName", BucketName=name)
    existing = ctx.store.get_bucket(name)
    if existing is not None:
        if not owns(ctx, existing):
            raise S3Error("BucketAlreadyExists", BucketName=name)
        # Legacy us-east-1: re-creating your own bucket there, for there, is a 200 no-op.
        if (existing.region == ctx.settings.region == "us-east-1"
                and _location(ctx, await read_all(ctx, 64 * 1024)) == "us-east-1"):
            return empty(200, {"Location": f"/{name}"})
        raise S3Error("BucketAlreadyOwnedByYou", BucketName=name)
    region = _location(ctx, await read_all(ctx, 64 * 1024))
    owner = ctx.principal.canonical_id or ""
    acl = requested_acl(ctx, owner, None, for_bucket=True)
    ownership = _ownership(ctx, owner, acl)
    bucket = Bucket(name, time.time(), owner, region, acl=acl, ownership=ownership)
    if not ctx.store.create_bucket(bucket):
        raise S3Error("BucketAlreadyOwnedByYou", BucketName=name)
    return empty(200, {"Location": f"/{name}"})


def _ownership(ctx: Ctx, owner: str, acl: str | None) -> str | None:
    """The new bucket's Object Ownership: x-amz-object-ownership, else the server's setting.
    ObjectWriter by default is stored as no controls: a bucket as S3 made them before April 2023
    (GetBucketOwnershipControls 404, s3-tests test_create_bucket_no_ownership_controls). With
    BucketOwnerEnforced, an ACL granting anyone but the owner is refused
    (API_CreateBucket.html, x-amz-object-ownership)."""
    header = ctx.headers.get("x-amz-object-ownership")
    if header is not None:
        value: str | None = bc.check_ownership_header(header)
    else:
        value = ctx.settings.object_ownership
        value = None if value == bc.OBJECT_WRITER else value
    if (value == bc.ENFORCED and acl is not None
            and not bc.only_owner_full_control(acls.Acl.from_json(acl), owner)):
        raise S3Error("InvalidBucketAclWithObjectOwnership")
    return value


@handles(Op.DeleteBucket)
async def delete_bucket(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html

    A bucket whose only content is uploads in progress is deleted, and the uploads with it: S3
    does so (tried on AWS in the review of ceph/ceph#15630; scality/cloudserver#1591,
    basho/riak_cs#475)."""
    b = ctx.require_bucket()
    if not ctx.store.delete_bucket(b.name):
        # A bucket that has been versioned says why (ministack#1496, an AWS transcript).
        raise S3Error("BucketNotEmpty", "The bucket you tried to delete is not empty. You must "
                      "delete all versions in the bucket." if b.versioning else None, BucketName=b.name)
    return empty(204)


@handles(Op.HeadBucket)
async def head_bucket(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html"""
    b = ctx.require_bucket()
    return empty(200, {"x-amz-bucket-region": b.region, "x-amz-access-point-alias": "false"})


@handles(Op.GetBucketLocation)
async def get_bucket_location(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html"""
    b = ctx.require_bucket()
    region = "" if b.region == "us-east-1" else b.region
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="{xml.S3_NS}">'
            f"{region}</LocationConstraint>").encode()
    return web.Response(body=body, content_type="application/xml")

"""Bucket settings an infrastructure tool reads on every refresh (Terraform's aws_s3_bucket):
request payment, accelerate, logging, replication, encryption, and the "not configured" answers
for lifecycle and Object Lock. Documents are parsed and rendered in s3mock/bucket_settings.py;
the configurations kept by id are in handlers/bucket_id_configs.py."""

from __future__ import annotations

from aiohttp import web

from s3mock import bucket_settings as bs
from s3mock.errors import S3Error
from s3mock.handlers.registry import handles
from s3mock.operations import Op
from s3mock.request.body import read_all
from s3mock.request.common import empty
from s3mock.request.ctx import Ctx

REQUEST_PAYMENT, ACCELERATE, LOGGING = "request-payment", "accelerate", "logging"
REPLICATION, ENCRYPTION = "replication", "encryption"


def _xml(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/xml")


async def _body(ctx: Ctx) -> bytes:
    return await read_all(ctx, bs.MAX_BYTES)


@handles(Op.PutBucketRequestPayment)
async def put_bucket_request_payment(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketRequestPayment.html"""
    b = ctx.require_bucket()
    payer = bs.parse_request_payment(await _body(ctx))
    ctx.store.set_bucket_document(b.name, REQUEST_PAYMENT, bs.render_request_payment(payer))
    return empty(200)


@handles(Op.GetBucketRequestPayment)
async def get_bucket_request_payment(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketRequestPayment.html"""
    b = ctx.require_bucket()
    doc = ctx.store.get_bucket_document(b.name, REQUEST_PAYMENT)
    return _xml(doc or bs.render_request_payment("BucketOwner"))


@handles(Op.PutBucketAccelerateConfiguration)
async def put_bucket_accelerate_configuration(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAccelerateConfiguration.html"""
    b = ctx.require_bucket()
    status = bs.parse_accelerate(await _body(ctx), b.name)
    ctx.store.set_bucket_document(b.name, ACCELERATE, bs.render_accelerate(status))
    return empty(200)


@handles(Op.GetBucketAccelerateConfiguration)
async def get_bucket_accelerate_configuration(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAccelerateConfiguration.html
    "If the transfer acceleration state has never been set on the bucket, the response does not
    contain the status element" (same page)."""
    b = ctx.require_bucket()
    doc = ctx.store.get_bucket_document(b.name, ACCELERATE)
    return _xml(doc or bs.render_accelerate(None))


@handles(Op.PutBucketLogging)
async def put_bucket_logging(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLogging.html
    "Both the source and destination buckets must be in the same AWS Region and owned by the
    same account" (ServerLogs.html). AWS's answers are recorded in
    hashicorp/terraform-provider-aws#23498 (no such target) and zalando-stups/sevenseconds#29 /
    scality/cloudserver#6015 (another owner's target)."""
    b = ctx.require_bucket()
    logging = bs.parse_logging(await _body(ctx))
    if logging.target_bucket is not None:
        target = ctx.store.get_bucket(logging.target_bucket)
        if target is None:
            raise S3Error("InvalidTargetBucketForLogging", "The target bucket for logging does "
                          "not exist", TargetBucket=logging.target_bucket)
        if target.owner != b.owner:
            raise S3Error("InvalidTargetBucketForLogging", "The owner for the bucket to be "
                          "logged and the target bucket must be the same.",
                          TargetBucket=logging.target_bucket)
    document = logging.document if logging.target_bucket is not None else None
    ctx.store.set_bucket_document(b.name, LOGGING, document)
    return empty(200)


@handles(Op.GetBucketLogging)
async def get_bucket_logging(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLogging.html"""
    b = ctx.require_bucket()
    return _xml(bs.render_logging(ctx.store.get_bucket_document(b.name, LOGGING)))


@handles(Op.PutBucketReplication)
async def put_bucket_replication(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketReplication.html
    "Both source and destination buckets must have versioning enabled" (replication.html);
    the destination's refusal is recorded in nozaq/terraform-aws-remote-state-s3-backend#107."""
    b = ctx.require_bucket()
    replication = bs.parse_replication(await _body(ctx))
    if b.versioning != "Enabled":
        raise S3Error("InvalidRequest", "Versioning must be 'Enabled' on the bucket to apply a "
                      "replication configuration")
    for name in replication.destinations:
        dest = ctx.store.get_bucket(name)
        if dest is not None and dest.versioning != "Enabled":
            raise S3Error("InvalidRequest", "Destination bucket must have versioning enabled.")
    ctx.store.set_bucket_document(b.name, REPLICATION, replication.document)
    return empty(200)


@handles(Op.GetBucketReplication)
async def get_bucket_replication(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketReplication.html"""
    b = ctx.require_bucket()
    doc = ctx.store.get_bucket_document(b.name, REPLICATION)
    if doc is None:
        raise S3Error("ReplicationConfigurationNotFoundError", BucketName=b.name)
    return _xml(doc)


@handles(Op.DeleteBucketReplication)
async def delete_bucket_replication(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketReplication.html"""
    b = ctx.require_bucket()
    ctx.store.set_bucket_document(b.name, REPLICATION, None)
    return empty(204)


@handles(Op.PutBucketEncryption)
async def put_bucket_encryption(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html
    The setting is kept and returned; s3mock stores object bytes as sent whatever it says."""
    b = ctx.require_bucket()
    document = bs.parse_encryption(await _body(ctx))
    ctx.store.set_bucket_document(b.name, ENCRYPTION, document)
    return empty(200)


@handles(Op.GetBucketEncryption)
async def get_bucket_encryption(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html"""
    b = ctx.require_bucket()
    return _xml(bs.render_encryption(ctx.store.get_bucket_document(b.name, ENCRYPTION)))


@handles(Op.DeleteBucketEncryption)
async def delete_bucket_encryption(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketEncryption.html
    The bucket goes back to the SSE-S3 default."""
    b = ctx.require_bucket()
    ctx.store.set_bucket_document(b.name, ENCRYPTION, None)
    return empty(204)


@handles(Op.GetBucketLifecycleConfiguration)
async def get_bucket_lifecycle_configuration(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLifecycleConfiguration.html
    s3mock keeps no lifecycle rules yet (PutBucketLifecycleConfiguration answers 501), so every
    bucket has none."""
    b = ctx.require_bucket()
    raise S3Error("NoSuchLifecycleConfiguration", BucketName=b.name)


@handles(Op.GetObjectLockConfiguration)
async def get_object_lock_configuration(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectLockConfiguration.html
    No bucket has Object Lock in s3mock yet. AWS body with BucketName: versity/versitygw#2071."""
    b = ctx.require_bucket()
    raise S3Error("ObjectLockConfigurationNotFoundError", BucketName=b.name)

"""Notification configuration subresources: Put/GetBucketNotificationConfiguration. The document
is validated by notification.py; the events it asks for are emitted by notify.py."""

from __future__ import annotations

import time

from aiohttp import web

from s3mock import event_records, notification, notify
from s3mock.handlers.registry import handles
from s3mock.operations import Op
from s3mock.request.body import read_all
from s3mock.request.common import empty
from s3mock.request.ctx import Ctx
from s3mock.request.ids import host_id

SKIP_VALIDATION = "x-amz-skip-destination-validation"


@handles(Op.PutBucketNotificationConfiguration)
async def put_bucket_notification_configuration(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
    Replaces the configuration (an empty one removes it). Each destination is first sent
    s3:TestEvent, as S3 does to check it; with x-amz-skip-destination-validation: true S3 skips
    that check (recorded by LocalStack: "skip_destination_validation")."""
    b = ctx.require_bucket()
    config = notification.parse(await read_all(ctx, notification.MAX_BYTES))
    skip = ctx.headers.get(SKIP_VALIDATION, "").strip().lower() == "true"
    if not skip:
        notification.check_destinations(config)
    ctx.store.set_bucket_document(b.name, notify.KIND,
                                  None if config.empty else notification.render(config))
    targets = [] if skip else notification.destinations(config)
    if targets:
        test = event_records.test_event(bucket=b.name, request_id=ctx.request_id,
                                        host_id=host_id(ctx.request_id), now=time.time())
        notify.publish(ctx.store, [(arn, test) for arn in targets])
    return empty(200)


@handles(Op.GetBucketNotificationConfiguration)
async def get_bucket_notification_configuration(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketNotificationConfiguration.html
    A bucket without one answers an empty NotificationConfiguration (200), not an error."""
    b = ctx.require_bucket()
    doc = ctx.store.get_bucket_document(b.name, notify.KIND)
    body = doc if doc is not None else notification.render(notification.Config())
    return web.Response(body=body, content_type="application/xml")

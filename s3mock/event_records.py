"""The JSON S3 delivers for an event: the event record (to SQS, SNS and Lambda), the s3:TestEvent
sent when a configuration is put, and the EventBridge event. Pure: no aiohttp, no I/O.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html

Which fields each event carries follows AWS's messages as LocalStack recorded them
(tests/aws/services/s3/test_s3_notifications_sqs.snapshot.json, AWS-validated): ObjectCreated
has key, size, eTag, versionId (versioned buckets only) and sequencer; ObjectRemoved key,
versionId (versioned) and sequencer; ObjectTagging and ObjectAcl key, eTag and versionId
(versioned), with eventVersion 2.3 where the others have 2.1.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone
from urllib.parse import quote_plus

SCHEMA_VERSION = "1.0"
# Recorded AWS messages carry 2.1, and 2.3 for tagging and ACL events. AWS's page now describes
# versions 2.4 and later as one version for every type; records seen from S3 still say these.
VERSION_23 = ("ObjectTagging:", "ObjectAcl:", "LifecycleExpiration:", "LifecycleTransition",
              "IntelligentTiering", "ObjectRestore:Delete")


def event_time(now: float) -> str:
    """ISO 8601 with milliseconds, as S3 writes eventTime: 1970-01-01T00:00:00.000Z."""
    dt = datetime.fromtimestamp(now, timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def encode_key(key: str) -> str:
    """The key as S3 writes it in a record: URL-encoded, a space as "+", "/" kept (recorded:
    "a@b" -> "a%40b", "testupload/dir1/testfile.txt" as it is; AWS's Lambda examples decode it
    with unquote_plus)."""
    return quote_plus(key, safe="/")


def record(*, event_name: str, region: str, now: float, principal_id: str, source_ip: str,
           request_id: str, host_id: str, config_id: str, bucket: str, owner_id: str, key: str,
           size: int | None = None, etag: str | None = None, version_id: str | None = None,
           sequencer: str | None = None) -> dict:
    """One record ("Records": [record] is the message). event_name without "s3:"."""
    obj: dict = {"key": encode_key(key)}
    if size is not None:
        obj["size"] = size
    if etag is not None:
        obj["eTag"] = etag
    if version_id is not None:
        obj["versionId"] = version_id
    if sequencer is not None:
        obj["sequencer"] = sequencer
    return {
        "eventVersion": "2.3" if event_name.startswith(VERSION_23) else "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": event_time(now),
        "eventName": event_name,
        "userIdentity": {"principalId": principal_id},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {"x-amz-request-id": request_id, "x-amz-id-2": host_id},
        "s3": {
            "s3SchemaVersion": SCHEMA_VERSION,
            "configurationId": config_id,
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": owner_id},
                       "arn": f"arn:aws:s3:::{bucket}"},
            "object": obj,
        },
    }


def test_event(*, bucket: str, request_id: str, host_id: str, now: float) -> dict:
    """What S3 sends each destination when a configuration is put (notification-content-
    structure.html, "test message")."""
    return {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": event_time(now),
            "Bucket": bucket, "RequestId": request_id, "HostId": host_id}


# EventBridge's detail-type and reason per event (ev-events.html, EventBridge.html). Only Object
# Created and Object Deleted carry a reason: AWS's recorded "Object ACL Updated" event has none
# (LocalStack's AWS-validated tests/aws/services/s3/test_s3_notifications_eventbridge.snapshot.json,
# test_object_put_acl), and EventBridge.html describes a reason only for those two types.
_BRIDGE = {
    "ObjectCreated:Put": ("Object Created", "PutObject"),
    "ObjectCreated:Post": ("Object Created", "POST Object"),
    "ObjectCreated:Copy": ("Object Created", "CopyObject"),
    "ObjectCreated:CompleteMultipartUpload": ("Object Created", "CompleteMultipartUpload"),
    "ObjectRemoved:Delete": ("Object Deleted", "DeleteObject"),
    "ObjectRemoved:DeleteMarkerCreated": ("Object Deleted", "DeleteObject"),
    "ObjectTagging:Put": ("Object Tags Added", None),
    "ObjectTagging:Delete": ("Object Tags Deleted", None),
    "ObjectAcl:Put": ("Object ACL Updated", None),
}


def bridge_event(*, event_name: str, region: str, account: str, now: float, requester: str,
                 source_ip: str, request_id: str, bucket: str, key: str,
                 size: int | None = None, etag: str | None = None,
                 version_id: str | None = None, sequencer: str | None = None) -> dict | None:
    """The event S3 sends EventBridge for an event of these types (None for any other). The key
    is not URL-encoded there (ev-events.html's examples)."""
    kind = _BRIDGE.get(event_name)
    if kind is None:
        return None
    detail_type, reason = kind
    obj: dict = {"key": key}
    for name, value in (("size", size), ("etag", etag), ("version-id", version_id),
                        ("sequencer", sequencer)):
        if value is not None:
            obj[name] = value
    detail: dict = {"version": "0", "bucket": {"name": bucket}, "object": obj,
                    "request-id": request_id, "requester": requester,
                    "source-ip-address": source_ip}
    if reason is not None:
        detail["reason"] = reason
    if event_name.startswith("ObjectRemoved:"):
        detail["deletion-type"] = ("Delete Marker Created" if event_name.endswith("Created")
                                   else "Permanently Deleted")
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type,
            "source": "aws.s3", "account": account,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)), "region": region,
            "resources": [f"arn:aws:s3:::{bucket}"], "detail": detail}

"""Event notifications end to end (#24's "done when"): real S3 requests from boto3 against a
live server whose settings map the configuration's destination ARN to a local webhook
(--webhook ARN=URL); each event arrives at the webhook (an aiohttp server on 127.0.0.1) and in
the event stream with S3's fields, EventBridge's events in EventBridge's shape; and events
acknowledged while the webhook was down survive a SIGKILL and a restart (at least once).
Runs in both auth modes (S3MOCK_TEST_AUTH=strict: every request, the stream's too, signed)."""

from __future__ import annotations

import os
import re
import time

import pytest

from s3mock.config import make_user
from s3mock.testing import EventLog
from support import ACCESS_KEY, SECRET_KEY, client, start_server
from webhook_receiver import Receiver, free_port

QUEUE = "arn:aws:sqs:us-east-1:123456789012:uploads"
EVENTS = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:ObjectTagging:*", "s3:ObjectAcl:Put"]
TIMEOUT = 45
BRIDGE_TYPES = {"ObjectCreated:Put": "Object Created", "ObjectCreated:Copy": "Object Created",
                "ObjectCreated:CompleteMultipartUpload": "Object Created",
                "ObjectTagging:Put": "Object Tags Added", "ObjectAcl:Put": "Object ACL Updated",
                "ObjectRemoved:Delete": "Object Deleted"}


def auth_args() -> tuple[str, ...]:
    return ("--auth", "strict") if os.environ.get("S3MOCK_TEST_AUTH") == "strict" else ()


def serve(data_dir, url: str, *more: str):
    return start_server(data_dir, *auth_args(), "--webhook", f"{QUEUE}={url}", *more)


def configure(s3, bucket: str, **extra) -> None:
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"Id": "uploads", "QueueArn": QUEUE, "Events": EVENTS}], **extra})


def every_write(s3, bucket: str) -> list[tuple[str, str, str]]:
    """The writes the issue names, each acknowledged; returns (eventName, key, request id)."""
    done: list[tuple[str, str, str]] = []

    def did(name: str, key: str, resp: dict) -> None:
        done.append((name, key, resp["ResponseMetadata"]["RequestId"]))

    did("ObjectCreated:Put", "in/report 1.csv",
        s3.put_object(Bucket=bucket, Key="in/report 1.csv", Body=b"a,b\n"))
    did("ObjectCreated:Copy", "copy.csv", s3.copy_object(
        Bucket=bucket, Key="copy.csv", CopySource={"Bucket": bucket, "Key": "in/report 1.csv"}))
    up = s3.create_multipart_upload(Bucket=bucket, Key="big.bin")
    part = s3.upload_part(Bucket=bucket, Key="big.bin", UploadId=up["UploadId"], PartNumber=1,
                          Body=b"part")
    did("ObjectCreated:CompleteMultipartUpload", "big.bin", s3.complete_multipart_upload(
        Bucket=bucket, Key="big.bin", UploadId=up["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}))
    did("ObjectTagging:Put", "in/report 1.csv", s3.put_object_tagging(
        Bucket=bucket, Key="in/report 1.csv", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]}))
    did("ObjectAcl:Put", "in/report 1.csv",
        s3.put_object_acl(Bucket=bucket, Key="in/report 1.csv", ACL="private"))
    did("ObjectRemoved:Delete", "copy.csv", s3.delete_object(Bucket=bucket, Key="copy.csv"))
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "big.bin"},
                                                                {"Key": "in/report 1.csv"}]})
    for key in ("big.bin", "in/report 1.csv"):
        did("ObjectRemoved:Delete", key, resp)
    return done


def decoded_key(rec: dict) -> str:
    return rec["s3"]["object"]["key"].replace("+", " ")


def test_each_write_reaches_the_webhook_and_the_stream_with_s3s_fields(tmp_path):
    receiver, bridge = Receiver().start(), Receiver().start()
    bus = f"arn:aws:events:us-east-1:{make_user(ACCESS_KEY, SECRET_KEY).account_id}:event-bus/default"
    srv = serve(tmp_path, receiver.url, "--webhook", f"{bus}={bridge.url}")
    try:
        s3 = client(srv.endpoint)
        stream = EventLog(srv.endpoint, ACCESS_KEY, SECRET_KEY)
        configure(s3, "inbox", EventBridgeConfiguration={})
        done = every_write(s3, "inbox")
        posted = receiver.wait_for(1 + len(done), timeout=TIMEOUT)
        entries = [stream.wait(destination=QUEUE, timeout=TIMEOUT) for _ in range(1 + len(done))]
        bridged = bridge.wait_for(len(done), timeout=TIMEOUT)   # EventBridge gets no test event
        bridge_entries = [stream.wait(destination=bus, timeout=TIMEOUT) for _ in done]
    finally:
        srv.stop()
        receiver.stop()
        bridge.stop()
    assert posted == entries                        # the same messages, in the same order
    assert bridged == bridge_entries
    assert [(e["detail-type"], e["detail"]["object"]["key"], e["detail"]["request-id"])
            for e in bridged] == [(BRIDGE_TYPES[name], key, rid) for name, key, rid in done]
    assert receiver.content_types == ["application/json"] * len(posted)
    test, records = posted[0], [m["Records"][0] for m in posted[1:]]
    assert (test["Service"], test["Event"], test["Bucket"]) == ("Amazon S3", "s3:TestEvent", "inbox")
    assert [(r["eventName"], decoded_key(r), r["responseElements"]["x-amz-request-id"])
            for r in records] == done
    for rec in records:
        assert rec["eventSource"] == "aws:s3" and rec["awsRegion"] == "us-east-1"
        assert rec["eventVersion"] == ("2.3" if rec["eventName"].startswith("ObjectTagging:")
                                       or rec["eventName"].startswith("ObjectAcl:") else "2.1")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", rec["eventTime"])
        assert rec["requestParameters"] == {"sourceIPAddress": "127.0.0.1"}
        assert rec["userIdentity"]["principalId"] == rec["s3"]["bucket"]["ownerIdentity"]["principalId"]
        assert rec["s3"]["configurationId"] == "uploads"
        assert rec["s3"]["bucket"]["name"] == "inbox"
        assert rec["s3"]["bucket"]["arn"] == "arn:aws:s3:::inbox"
    objects = [r["s3"]["object"] for r in records]
    assert objects[0]["key"] == "in/report+1.csv" and objects[0]["size"] == 4    # as S3 encodes it
    assert objects[2]["eTag"].endswith("-1") and objects[2]["size"] == 4         # multipart
    assert set(objects[3]) == set(objects[4]) == {"key", "eTag"}                 # tagging, ACL
    assert all(set(o) == {"key", "sequencer"} for o in objects[5:])             # removals
    created_and_removed = [o["sequencer"] for o in objects[:3] + objects[5:]]
    assert created_and_removed == sorted(created_and_removed)    # later events compare greater


def test_eventbridge_events_take_eventbridges_shape_in_the_stream(tmp_path):
    srv = start_server(tmp_path, *auth_args())
    try:
        s3 = client(srv.endpoint)
        stream = EventLog(srv.endpoint, ACCESS_KEY, SECRET_KEY)
        s3.create_bucket(Bucket="bridged")
        s3.put_bucket_notification_configuration(Bucket="bridged", NotificationConfiguration={
            "EventBridgeConfiguration": {}})
        put = s3.put_object(Bucket="bridged", Key="a b.txt", Body=b"hello")
        s3.put_object_acl(Bucket="bridged", Key="a b.txt", ACL="private")
        s3.put_object_tagging(Bucket="bridged", Key="a b.txt",
                              Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
        s3.delete_object(Bucket="bridged", Key="a b.txt")
        created = stream.wait("Object Created", key="a b.txt", bucket="bridged")
        acl = stream.wait("Object ACL Updated", key="a b.txt", bucket="bridged")
        tags = stream.wait("Object Tags Added", key="a b.txt", bucket="bridged")
        deleted = stream.wait("Object Deleted", key="a b.txt", bucket="bridged")
        entries = list(stream.entries)
    finally:
        srv.stop()
    # the stream's `event` is the message's detail-type; `key` the key itself
    assert [(e["event"], e["bucket"], e["key"]) for e in entries] == [
        (name, "bridged", "a b.txt") for name in
        ("Object Created", "Object ACL Updated", "Object Tags Added", "Object Deleted")]
    account = created["account"]
    assert re.fullmatch(r"\d{12}", account)
    assert {e["destination"] for e in entries} == {f"arn:aws:events:us-east-1:{account}:event-bus/default"}
    # ev-events.html's "Object created" example, field by field
    assert set(created) == {"version", "id", "detail-type", "source", "account", "time", "region",
                            "resources", "detail"}
    assert (created["version"], created["source"], created["region"]) == ("0", "aws.s3", "us-east-1")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created["time"])
    assert created["resources"] == ["arn:aws:s3:::bridged"]
    assert created["detail"] == {
        "version": "0", "bucket": {"name": "bridged"},
        "object": {"key": "a b.txt", "size": 5, "etag": put["ETag"].strip('"'),
                   "sequencer": created["detail"]["object"]["sequencer"]},
        "request-id": put["ResponseMetadata"]["RequestId"], "requester": account,
        "source-ip-address": "127.0.0.1", "reason": "PutObject"}
    # recorded (LocalStack's AWS-validated test_object_put_acl): key and etag, no reason
    assert set(acl["detail"]) == set(tags["detail"]) == {
        "version", "bucket", "object", "request-id", "requester", "source-ip-address"}
    assert set(acl["detail"]["object"]) == {"key", "etag"}
    assert deleted["detail"]["reason"] == "DeleteObject"
    assert deleted["detail"]["deletion-type"] == "Permanently Deleted"
    assert set(deleted["detail"]["object"]) == {"key", "sequencer"}


def refused_once(endpoint: str) -> list[dict]:
    """Every message in the outbox, once the webhook has refused the first (bounded wait)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        items = EventLog(endpoint, ACCESS_KEY, SECRET_KEY, after=0).poll()
        if items[0]["attempts"] >= 1 or time.monotonic() > deadline:
            assert items[0]["attempts"] >= 1, items[0]
            return items
        time.sleep(0.05)


def test_acknowledged_events_survive_a_sigkill_while_the_webhook_is_down(tmp_path):
    """The webhook is down while the requests are made; the server is SIGKILLed and restarted;
    once the webhook comes up, every acknowledged event arrives (at least once: counted distinct
    by key, sequencer and eventName, none missing)."""
    receiver = Receiver(port=free_port())           # not started: connections are refused
    srv = serve(tmp_path, receiver.url)
    try:
        s3 = client(srv.endpoint)
        configure(s3, "durable")
        done = every_write(s3, "durable")
        done += [("ObjectCreated:Put", f"n/{i}", s3.put_object(
            Bucket="durable", Key=f"n/{i}", Body=b"x")["ResponseMetadata"]["RequestId"])
            for i in range(20)]
        published = refused_once(srv.endpoint)
        assert len(published) == 1 + len(done)      # committed before each answer
        assert not any(e["delivered"] for e in published)
    finally:
        srv.stop("KILL")
    srv = serve(tmp_path, receiver.url)
    receiver.start()
    try:
        got = receiver.wait_for(1 + len(done), timeout=TIMEOUT)
    finally:
        srv.stop()
        receiver.stop()
    records = [m["Records"][0] for m in got if "Records" in m]
    distinct = {(r["s3"]["object"]["key"], r["s3"]["object"].get("sequencer"), r["eventName"],
                 r["responseElements"]["x-amz-request-id"]) for r in records}
    assert sorted((name, key.replace("+", " "), rid) for key, _, name, rid in distinct) == \
        sorted(done)                                # every acknowledged event, none lost
    assert sum(1 for m in got if m.get("Event") == "s3:TestEvent") >= 1

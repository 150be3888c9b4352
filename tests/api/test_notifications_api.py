"""Event notifications in-process: the configuration's subresource, and the messages each write
publishes (notify.publish captured), field by field."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from s3mock import notify

Q = "arn:aws:sqs:us-east-1:123456789012:jobs"
T = "arn:aws:sns:us-east-1:123456789012:news"
NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


@pytest.fixture
def published(monkeypatch) -> list:
    out: list = []
    monkeypatch.setattr(notify, "publish", lambda store, messages: out.extend(messages))
    return out


def config_doc(*configs: str) -> bytes:
    return f"<NotificationConfiguration {NS}>{''.join(configs)}</NotificationConfiguration>".encode()


def queue(arn: str = Q, *events: str, id_: str = "cfg", rules: str = "") -> str:
    evs = "".join(f"<Event>{e}</Event>" for e in events or ("s3:ObjectCreated:*",))
    flt = f"<Filter><S3Key>{rules}</S3Key></Filter>" if rules else ""
    return f"<QueueConfiguration><Id>{id_}</Id><Queue>{arn}</Queue>{evs}{flt}</QueueConfiguration>"


async def configure(api, bucket: str, *configs: str, headers=None) -> None:
    resp = await api.put(f"/{bucket}?notification", data=config_doc(*configs), headers=headers)
    assert resp.status == 200, await resp.text()


def records(published: list) -> list[dict]:
    return [m["Records"][0] for _, m in published if "Records" in m]


async def test_fresh_bucket_answers_an_empty_configuration(api, api_bucket):
    resp = await api.get(f"/{api_bucket}?notification")
    assert resp.status == 200
    assert await resp.read() == (f'<?xml version="1.0" encoding="UTF-8"?>\n'
                                 f"<NotificationConfiguration {NS}></NotificationConfiguration>"
                                 ).encode()


async def test_put_sends_each_destination_the_test_event(api, api_bucket, published):
    resp = await api.put(f"/{api_bucket}?notification", data=config_doc(
        queue(), f"<TopicConfiguration><Topic>{T}</Topic><Event>s3:ObjectRemoved:*</Event>"
                 "</TopicConfiguration>"))
    assert resp.status == 200
    assert [arn for arn, _ in published] == [Q, T]
    test = published[0][1]
    assert test["Event"] == "s3:TestEvent" and test["Bucket"] == api_bucket
    assert test["RequestId"] == resp.headers["x-amz-request-id"]
    assert test["HostId"] == resp.headers["x-amz-id-2"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", test["Time"])
    body = (await (await api.get(f"/{api_bucket}?notification")).read()).decode()
    assert f"<QueueConfiguration><Id>cfg</Id><Queue>{Q}</Queue>" in body
    assert re.search(r"<TopicConfiguration><Id>[A-Za-z0-9+/=]+</Id><Topic>", body)


async def test_skip_destination_validation(api, api_bucket, published):
    wrong = queue(T)        # an SNS topic named as a queue
    resp = await api.put(f"/{api_bucket}?notification", data=config_doc(wrong))
    assert resp.status == 400
    body = await resp.text()
    assert "<Message>Unable to validate the following destination configurations</Message>" in body
    assert f"<ArgumentName1>{T}</ArgumentName1>" in body
    assert "<ArgumentValue1>The destination queue does not exist</ArgumentValue1>" in body
    await configure(api, api_bucket, wrong, headers={"x-amz-skip-destination-validation": "true"})
    assert published == []      # no test event when validation is skipped


async def test_empty_configuration_removes_it(api, api_bucket, published):
    await configure(api, api_bucket, queue())
    await configure(api, api_bucket)
    assert b"<QueueConfiguration>" not in await (await api.get(f"/{api_bucket}?notification")).read()
    published.clear()
    await api.put(f"/{api_bucket}/k", data=b"x")
    assert published == []


async def test_put_object_record(api, api_settings, api_bucket, published):
    owner = api_settings.owner.canonical_id     # the default user, who signs these requests
    await configure(api, api_bucket, queue())
    published.clear()
    resp = await api.put(f"/{api_bucket}/dir/my file@1.txt", data=b"hello")
    assert resp.status == 200
    [(arn, message)] = published
    assert arn == Q
    [rec] = message["Records"]
    assert rec["eventName"] == "ObjectCreated:Put" and rec["eventVersion"] == "2.1"
    assert rec["eventSource"] == "aws:s3" and rec["awsRegion"] == "us-east-1"
    assert rec["userIdentity"] == {"principalId": owner}
    assert rec["requestParameters"] == {"sourceIPAddress": "127.0.0.1"}
    assert rec["responseElements"] == {"x-amz-request-id": resp.headers["x-amz-request-id"],
                                       "x-amz-id-2": resp.headers["x-amz-id-2"]}
    s3 = rec["s3"]
    assert s3["configurationId"] == "cfg" and s3["s3SchemaVersion"] == "1.0"
    assert s3["bucket"] == {"name": api_bucket, "ownerIdentity": {"principalId": owner},
                            "arn": f"arn:aws:s3:::{api_bucket}"}
    obj = s3["object"]
    assert obj["key"] == "dir/my+file%401.txt"
    assert obj["size"] == 5 and obj["eTag"] == hashlib.md5(b"hello").hexdigest()
    assert "versionId" not in obj        # never versioned (recorded: Copy in such a bucket)
    assert re.fullmatch(r"[0-9A-F]{18}", obj["sequencer"])


async def test_filters_and_event_types_select_messages(api, api_bucket, published):
    rules = ("<FilterRule><Name>prefix</Name><Value>in/</Value></FilterRule>"
             "<FilterRule><Name>suffix</Name><Value>.csv</Value></FilterRule>")
    await configure(api, api_bucket, queue(Q, "s3:ObjectCreated:Put", rules=rules))
    published.clear()
    for key in ("in/a.csv", "in/a.txt", "out/a.csv"):
        await api.put(f"/{api_bucket}/{key}", data=b"x")
    await api.delete(f"/{api_bucket}/in/a.csv")
    assert [r["s3"]["object"]["key"] for r in records(published)] == ["in/a.csv"]


async def test_versioned_bucket_put_and_deletes(api, api_bucket, published):
    await api.put(f"/{api_bucket}?versioning", data=(
        f"<VersioningConfiguration {NS}><Status>Enabled</Status></VersioningConfiguration>"))
    await configure(api, api_bucket, queue(Q, "s3:ObjectCreated:*", "s3:ObjectRemoved:*"))
    published.clear()
    put = await api.put(f"/{api_bucket}/k", data=b"v1")
    marker = await api.delete(f"/{api_bucket}/k")
    gone = await api.delete(f"/{api_bucket}/k?versionId={put.headers['x-amz-version-id']}")
    assert gone.status == 204
    created, removed_marker, removed = records(published)
    assert created["s3"]["object"]["versionId"] == put.headers["x-amz-version-id"]
    assert removed_marker["eventName"] == "ObjectRemoved:DeleteMarkerCreated"
    assert removed_marker["s3"]["object"]["versionId"] == marker.headers["x-amz-version-id"]
    assert removed["eventName"] == "ObjectRemoved:Delete"
    assert removed["s3"]["object"]["versionId"] == put.headers["x-amz-version-id"]
    assert set(removed["s3"]["object"]) == {"key", "versionId", "sequencer"}
    seqs = [r["s3"]["object"]["sequencer"] for r in records(published)]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3      # later events on a key sort later


async def test_copy_multipart_tagging_acl(api, api_bucket, published):
    await configure(api, api_bucket, queue(Q, "s3:ObjectCreated:*", "s3:ObjectTagging:*",
                                           "s3:ObjectAcl:Put"))
    await api.put(f"/{api_bucket}/src", data=b"abc")
    published.clear()
    await api.put(f"/{api_bucket}/dst", headers={"x-amz-copy-source": f"/{api_bucket}/src"})
    up = await api.post(f"/{api_bucket}/mp?uploads")
    upload_id = re.search(r"<UploadId>(.+)</UploadId>", await up.text()).group(1)
    part = await api.put(f"/{api_bucket}/mp?partNumber=1&uploadId={upload_id}", data=b"part")
    done = (f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"
            f"{part.headers['ETag']}</ETag></Part></CompleteMultipartUpload>")
    assert (await api.post(f"/{api_bucket}/mp?uploadId={upload_id}", data=done)).status == 200
    tagging = "<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>"
    assert (await api.put(f"/{api_bucket}/src?tagging", data=tagging)).status == 200
    assert (await api.delete(f"/{api_bucket}/src?tagging")).status == 204
    assert (await api.put(f"/{api_bucket}/src?acl", headers={"x-amz-acl": "private"})).status == 200
    names = [(r["eventName"], r["s3"]["object"]["key"]) for r in records(published)]
    assert names == [("ObjectCreated:Copy", "dst"), ("ObjectCreated:CompleteMultipartUpload", "mp"),
                     ("ObjectTagging:Put", "src"), ("ObjectTagging:Delete", "src"),
                     ("ObjectAcl:Put", "src")]
    copy, complete, tag_put, tag_delete, acl = records(published)
    assert copy["s3"]["object"]["size"] == 3
    assert complete["s3"]["object"]["eTag"].endswith("-1")
    assert complete["s3"]["object"]["size"] == 4
    for rec in (tag_put, tag_delete, acl):     # recorded: key and eTag only, eventVersion 2.3
        assert rec["eventVersion"] == "2.3"
        assert rec["s3"]["object"] == {"key": "src", "eTag": hashlib.md5(b"abc").hexdigest()}


async def test_delete_objects_reports_each_key(api, api_bucket, published):
    await configure(api, api_bucket, queue(Q, "s3:ObjectRemoved:*"))
    await api.put(f"/{api_bucket}/there", data=b"x")
    published.clear()
    body = (b"<Delete><Quiet>true</Quiet><Object><Key>there</Key></Object>"
            b"<Object><Key>never</Key></Object></Delete>")
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    assert (await api.post(f"/{api_bucket}?delete", data=body,
                           headers={"Content-MD5": md5})).status == 200
    # recorded (LocalStack test_delete_objects): absent keys are reported as deleted too
    assert [(r["eventName"], r["s3"]["object"]["key"]) for r in records(published)] == [
        ("ObjectRemoved:Delete", "there"), ("ObjectRemoved:Delete", "never")]


async def test_eventbridge_gets_every_event(api, api_bucket, published):
    await configure(api, api_bucket, "<EventBridgeConfiguration/>")
    assert published == []          # S3 sends EventBridge no test event
    await api.put(f"/{api_bucket}/a b", data=b"xy")
    [(arn, event)] = published
    assert re.fullmatch(r"arn:aws:events:us-east-1:\d{12}:event-bus/default", arn)
    assert event["detail-type"] == "Object Created" and event["source"] == "aws.s3"
    assert event["detail"]["object"]["key"] == "a b"
    assert event["detail"]["reason"] == "PutObject"
    assert event["resources"] == [f"arn:aws:s3:::{api_bucket}"]

"""notification.py and event_records.py: the configuration's parse, validation, rendering and
matching, and the event JSON, as tables."""

from __future__ import annotations

import pytest

from s3mock import event_records, notification
from s3mock.errors import S3Error

Q = "arn:aws:sqs:us-east-1:123456789012:jobs"
Q2 = "arn:aws:sqs:us-east-1:123456789012:other"
T = "arn:aws:sns:us-east-1:123456789012:topic"
L = "arn:aws:lambda:us-east-1:123456789012:function:f"


def doc(*configs: str) -> bytes:
    return ("<NotificationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            + "".join(configs) + "</NotificationConfiguration>").encode()


def queue(arn=Q, events=("s3:ObjectCreated:*",), rules=(), id_=None, kind="Queue") -> str:
    el = f"{kind}Configuration"
    body = f"<Id>{id_}</Id>" if id_ else ""
    body += f"<{kind}>{arn}</{kind}>" + "".join(f"<Event>{e}</Event>" for e in events)
    if rules:
        body += "<Filter><S3Key>" + "".join(
            f"<FilterRule><Name>{n}</Name><Value>{v}</Value></FilterRule>" for n, v in rules
        ) + "</S3Key></Filter>"
    return f"<{el}>{body}</{el}>"


def error(body: bytes) -> S3Error:
    with pytest.raises(S3Error) as e:
        notification.parse(body)
    return e.value


def test_parse_render_round_trip_keeps_ids_and_normalises_rule_names():
    config = notification.parse(doc(
        queue(id_="q1", rules=[("suffix", ".txt"), ("PREFIX", "in/")]),
        queue(T, ["s3:ObjectRemoved:Delete"], kind="Topic"),
        queue(L, ["s3:ObjectTagging:*"], kind="CloudFunction", id_="fn"),
        "<EventBridgeConfiguration/>"))
    assert [r.kind for r in config.rules] == ["QueueConfiguration", "TopicConfiguration",
                                              "CloudFunctionConfiguration"]
    assert config.rules[0].filters == (("Suffix", ".txt"), ("Prefix", "in/"))
    assert config.rules[1].id        # generated
    assert config.eventbridge
    again = notification.parse(notification.render(config))
    assert set(again.rules) == set(config.rules) and again.eventbridge
    assert notification.render(again) == notification.render(config)
    text = notification.render(config).decode()
    # Topic, Queue, CloudFunction, EventBridge: the order of S3's model
    assert text.index("<TopicConfiguration>") < text.index("<QueueConfiguration>") \
        < text.index("<CloudFunctionConfiguration>") < text.index("<EventBridgeConfiguration>")
    assert "<Name>Suffix</Name><Value>.txt</Value>" in text


def test_empty_configuration():
    config = notification.parse(doc())
    assert config.empty
    assert notification.render(config).endswith(
        b'<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        b"</NotificationConfiguration>")


@pytest.mark.parametrize("body, message, fields", [
    (doc(queue("invalid-queue")), "The ARN could not be parsed",
     {"ArgumentName": "Queue", "ArgumentValue": "invalid-queue"}),
    (doc(queue(events=["s3:ObjectCreated:Nope"])), "The event is not supported for notifications",
     {"ArgumentName": "Event", "ArgumentValue": "s3:ObjectCreated:Nope"}),
    (doc(queue(events=["s3:ObjectAcl:*"])), "The event is not supported for notifications",
     {"ArgumentName": "Event", "ArgumentValue": "s3:ObjectAcl:*"}),
    (doc(queue(rules=[("INVALID", "x")])), "filter rule name must be either prefix or suffix",
     {"ArgumentName": "FilterRule.Name", "ArgumentValue": "INVALID"}),
    (doc(queue(rules=[("prefix", "a"), ("Prefix", "b")])),
     "Cannot specify more than one prefix rule in a filter.",
     {"ArgumentName": "FilterRule.Name", "ArgumentValue": "Prefix"}),
    (doc(queue(rules=[("suffix", "a"), ("suffix", "b")])),
     "Cannot specify more than one suffix rule in a filter.",
     {"ArgumentName": "FilterRule.Name", "ArgumentValue": "suffix"}),
    (doc(queue(rules=[("prefix", "x" * 1025)])),
     "The size of filter rule value cannot exceed 1024 bytes in UTF-8 representation",
     {"ArgumentName": "FilterRule.Value", "ArgumentValue": "x" * 1025}),
    (doc(queue(), queue(Q, ["s3:ObjectCreated:Put"])),
     "Configurations overlap. Configurations on the same bucket cannot share a common event type.",
     {"ArgumentName": "Event", "ArgumentValue": "s3:ObjectCreated:*, s3:ObjectCreated:Put"}),
    (doc(queue(), queue(Q2)), "Configuration is ambiguously defined. Cannot have overlapping "
     "suffixes in two rules if the prefixes are overlapping for the same event type.", {}),
    (doc(queue(rules=[("prefix", "images/")]), queue(Q2, rules=[("prefix", "images/big/")])),
     "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the "
     "prefixes are overlapping for the same event type.", {}),
    (doc(queue(rules=[("suffix", "jpg")]), queue(Q2, rules=[("suffix", ".jpg")])),
     "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the "
     "prefixes are overlapping for the same event type.", {}),
])
def test_invalid_argument(body, message, fields):
    err = error(body)
    assert (err.code, err.status, err.message) == ("InvalidArgument", 400, message)
    assert err.fields == fields


@pytest.mark.parametrize("configs", [
    # notification-how-to-filtering.html's valid examples: disjoint prefixes, disjoint
    # suffixes, or different event types
    [queue(rules=[("prefix", "images/")]), queue(Q2, rules=[("prefix", "logs/")])],
    [queue(rules=[("suffix", ".jpg")]), queue(Q2, rules=[("suffix", ".png")])],
    [queue(rules=[("prefix", "images/"), ("suffix", ".jpg")]),
     queue(Q2, rules=[("prefix", "images/"), ("suffix", ".png")])],
    [queue(events=["s3:ObjectCreated:*"]), queue(events=["s3:ObjectRemoved:*"])],
    [queue(events=["s3:ObjectCreated:Put"]), queue(Q2, events=["s3:ObjectCreated:Copy"])],
])
def test_valid_configurations(configs):
    assert len(notification.parse(doc(*configs)).rules) == len(configs)


@pytest.mark.parametrize("body", [
    b"<NotificationConfiguration><Unknown/></NotificationConfiguration>",
    doc("<QueueConfiguration><Queue>" + Q + "</Queue></QueueConfiguration>"),   # no Event
    doc("<QueueConfiguration><Event>s3:ObjectCreated:*</Event></QueueConfiguration>"),
    doc("<EventBridgeConfiguration/><EventBridgeConfiguration/>"),
    b"<Other/>",
])
def test_malformed(body):
    assert error(body).code == "MalformedXML"


def test_destinations_of_another_service_cannot_be_validated():
    config = notification.parse(doc(queue(T), queue(L, kind="Topic", events=["s3:ObjectRemoved:*"]),
                                    queue(L, kind="CloudFunction", events=["s3:ObjectTagging:*"]),
                                    queue(Q, kind="CloudFunction", events=["s3:ObjectAcl:Put"])))
    with pytest.raises(S3Error) as e:
        notification.check_destinations(config)
    assert e.value.message == "Unable to validate the following destination configurations"
    # a missing function as AWS answers it (recorded: LocalStack's test_invalid_lambda_arn)
    assert e.value.fields == {"ArgumentName1": T,
                              "ArgumentValue1": "The destination queue does not exist",
                              "ArgumentName2": L,
                              "ArgumentValue2": "The destination topic does not exist",
                              "ArgumentName3": f"{Q}, null",
                              "ArgumentValue3": f"Not authorized to invoke function [{Q}]"}
    notification.check_destinations(notification.parse(doc(queue(), queue(T, kind="Topic",
                                                           events=["s3:ObjectRemoved:*"]))))


@pytest.mark.parametrize("event, key, matched", [
    ("ObjectCreated:Put", "in/a.txt", ["all-created", "txt-in"]),
    ("s3:ObjectCreated:Copy", "in/a.txt", ["all-created", "txt-in"]),
    ("ObjectCreated:Put", "in/a.png", ["all-created"]),
    ("ObjectCreated:Put", "out/a.txt", ["all-created"]),
    ("ObjectRemoved:Delete", "in/a.txt", ["deletes"]),
    ("ObjectRemoved:DeleteMarkerCreated", "in/a.txt", []),
    ("ObjectTagging:Put", "x", []),
])
def test_match(event, key, matched):
    config = notification.Config((
        notification.Rule("QueueConfiguration", "all-created", Q, ("s3:ObjectCreated:*",)),
        notification.Rule("TopicConfiguration", "txt-in", T, ("s3:ObjectCreated:Put",
                                                              "s3:ObjectCreated:Copy"),
                          (("Prefix", "in/"), ("Suffix", ".txt"))),
        notification.Rule("QueueConfiguration", "deletes", Q2, ("s3:ObjectRemoved:Delete",)),
    ))
    assert [r.id for r in config.match(event, key)] == matched


@pytest.mark.parametrize("key, encoded", [
    ("a@b", "a%40b"),                       # recorded (LocalStack test_key_encoding)
    ("testupload/dir1/testfile.txt", "testupload/dir1/testfile.txt"),   # recorded
    ("my file.txt", "my+file.txt"),
    ("a+b", "a%2Bb"),
    ("café", "caf%C3%A9"),
])
def test_key_encoding(key, encoded):
    assert event_records.encode_key(key) == encoded


def test_record_fields():
    rec = event_records.record(
        event_name="ObjectCreated:Put", region="us-east-1", now=0.5, principal_id="me",
        source_ip="127.0.0.1", request_id="R", host_id="H", config_id="c", bucket="b",
        owner_id="owner", key="k", size=3, etag="e", sequencer="0A")
    assert rec == {
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "1970-01-01T00:00:00.500Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "me"}, "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": "R", "x-amz-id-2": "H"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "c",
               "bucket": {"name": "b", "ownerIdentity": {"principalId": "owner"},
                          "arn": "arn:aws:s3:::b"},
               "object": {"key": "k", "size": 3, "eTag": "e", "sequencer": "0A"}}}
    tagging = event_records.record(
        event_name="ObjectTagging:Put", region="r", now=0, principal_id="p", source_ip="",
        request_id="R", host_id="H", config_id="c", bucket="b", owner_id="o", key="k", etag="e")
    assert tagging["eventVersion"] == "2.3"
    assert tagging["s3"]["object"] == {"key": "k", "eTag": "e"}


def test_test_event():
    assert event_records.test_event(bucket="b", request_id="R", host_id="H", now=0) == {
        "Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "1970-01-01T00:00:00.000Z",
        "Bucket": "b", "RequestId": "R", "HostId": "H"}

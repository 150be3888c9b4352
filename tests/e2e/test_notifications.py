"""Event notifications against a live server with boto3: the configuration as S3 validates and
answers it, and each operation's event arriving in the server's event stream (GET
/_s3mock/events, read with s3mock.event_client) with S3's fields.

Recorded AWS answers quoted here are LocalStack's AWS-validated snapshots
(tests/aws/services/s3/test_s3_notifications_sqs.snapshot.json)."""

from __future__ import annotations

import hashlib
import re
import uuid

import pytest
import requests

from s3mock.testing import EventLog
from support import ACCESS_KEY, SECRET_KEY, error_of, status

QUEUE = "arn:aws:sqs:us-east-1:123456789012:jobs"
TOPIC = "arn:aws:sns:us-east-1:123456789012:news"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:thumbnail"

def put_config(s3, bucket: str, skip: bool = False, **config) -> dict:
    return s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=config, SkipDestinationValidation=skip)


def test_a_fresh_bucket_has_an_empty_configuration(s3, bucket):
    resp = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert status(resp) == 200
    assert set(resp) == {"ResponseMetadata"}


def test_configuration_round_trip(s3, bucket):
    put_config(s3, bucket,
               QueueConfigurations=[{"Id": "jobs", "QueueArn": QUEUE,
                                     "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
                                     "Filter": {"Key": {"FilterRules": [
                                         {"Name": "prefix", "Value": "in/"},
                                         {"Name": "SUFFIX", "Value": ".csv"}]}}}],
               TopicConfigurations=[{"TopicArn": TOPIC, "Events": ["s3:ObjectTagging:*"]}],
               LambdaFunctionConfigurations=[{"Id": "fn", "LambdaFunctionArn": FUNCTION,
                                              "Events": ["s3:ObjectAcl:Put"]}],
               EventBridgeConfiguration={})
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    # rule names answered capitalized (recorded: test_filter_rules_case_insensitive)
    assert got["QueueConfigurations"] == [{
        "Id": "jobs", "QueueArn": QUEUE, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
        "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "in/"},
                                           {"Name": "Suffix", "Value": ".csv"}]}}}]
    [topic] = got["TopicConfigurations"]
    assert topic["TopicArn"] == TOPIC and topic["Id"]        # an Id is made for one put without
    assert got["LambdaFunctionConfigurations"] == [
        {"Id": "fn", "LambdaFunctionArn": FUNCTION, "Events": ["s3:ObjectAcl:Put"]}]
    assert got["EventBridgeConfiguration"] == {}
    put_config(s3, bucket)          # an empty configuration removes it
    assert set(s3.get_bucket_notification_configuration(Bucket=bucket)) == {"ResponseMetadata"}


@pytest.mark.parametrize("config, message, fields", [
    # recorded: invalid_not_skip
    ({"QueueConfigurations": [{"QueueArn": "invalid-queue", "Events": ["s3:ObjectCreated:*"]}]},
     "The ARN could not be parsed", {"ArgumentName": "Queue", "ArgumentValue": "invalid-queue"}),
    # recorded: invalid_filter_name
    ({"QueueConfigurations": [{"QueueArn": QUEUE, "Events": ["s3:ObjectCreated:*"], "Filter": {
        "Key": {"FilterRules": [{"Name": "INVALID", "Value": "does not matter"}]}}}]},
     "filter rule name must be either prefix or suffix",
     {"ArgumentName": "FilterRule.Name", "ArgumentValue": "INVALID"}),
    ({"QueueConfigurations": [{"QueueArn": QUEUE, "Events": ["s3:ObjectCreated:Everything"]}]},
     "The event is not supported for notifications",
     {"ArgumentName": "Event", "ArgumentValue": "s3:ObjectCreated:Everything"}),
    # aws/aws-cli#1465
    ({"LambdaFunctionConfigurations": [{"LambdaFunctionArn": FUNCTION, "Events": ["s3:ObjectCreated:*"],
      "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": "jpg"},
                                         {"Name": "suffix", "Value": "png"}]}}}]},
     "Cannot specify more than one suffix rule in a filter.",
     {"ArgumentName": "FilterRule.Name", "ArgumentValue": "suffix"}),
    # hashicorp/terraform-provider-aws#19912: two functions for one event, no filters
    ({"LambdaFunctionConfigurations": [
        {"LambdaFunctionArn": FUNCTION, "Events": ["s3:ObjectCreated:*"]},
        {"LambdaFunctionArn": FUNCTION + "-stage", "Events": ["s3:ObjectCreated:*"]}]},
     "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the "
     "prefixes are overlapping for the same event type.", {}),
    # minio/minio#2472: one destination twice for one event type
    ({"QueueConfigurations": [{"QueueArn": QUEUE, "Events": ["s3:ObjectRemoved:*"]},
                              {"QueueArn": QUEUE, "Events": ["s3:ObjectRemoved:*"]}]},
     "Configurations overlap. Configurations on the same bucket cannot share a common event type.",
     {"ArgumentName": "Event", "ArgumentValue": "s3:ObjectRemoved:*, s3:ObjectRemoved:*"}),
])
def test_invalid_configurations(s3, bucket, config, message, fields):
    err = error_of(s3.put_bucket_notification_configuration, Bucket=bucket,
                   NotificationConfiguration=config)
    assert status(err) == 400
    assert err["Error"]["Code"] == "InvalidArgument" and err["Error"]["Message"] == message
    assert {k: v for k, v in err["Error"].items() if k.startswith("Argument")} == fields
    assert set(s3.get_bucket_notification_configuration(Bucket=bucket)) == {"ResponseMetadata"}


def test_a_destination_that_cannot_exist_unless_validation_is_skipped(s3, bucket):
    config = {"QueueConfigurations": [{"Id": "id123", "QueueArn": TOPIC,
                                       "Events": ["s3:ObjectCreated:*"]}]}
    err = error_of(s3.put_bucket_notification_configuration, Bucket=bucket,
                   NotificationConfiguration=config)
    # recorded: queue-does-not-exist
    assert err["Error"]["Message"] == "Unable to validate the following destination configurations"
    assert err["Error"]["ArgumentName1"] == TOPIC
    assert err["Error"]["ArgumentValue1"] == "The destination queue does not exist"
    put_config(s3, bucket, skip=True, **config)     # recorded: skip_destination_validation
    assert s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"] == [
        {"Id": "id123", "QueueArn": TOPIC, "Events": ["s3:ObjectCreated:*"]}]


def test_a_lambda_destination_that_cannot_exist(s3, bucket):
    err = error_of(s3.put_bucket_notification_configuration, Bucket=bucket,
                   NotificationConfiguration={"LambdaFunctionConfigurations": [
                       {"LambdaFunctionArn": QUEUE, "Events": ["s3:ObjectCreated:*"]}]})
    # recorded (LocalStack's AWS-validated test_invalid_lambda_arn: "lambda-does-not-exist";
    # the same body from AWS in awslabs/aws-lambda-redshift-loader#219)
    assert status(err) == 400 and err["Error"]["Code"] == "InvalidArgument"
    assert err["Error"]["Message"] == "Unable to validate the following destination configurations"
    assert err["Error"]["ArgumentName1"] == f"{QUEUE}, null"
    assert err["Error"]["ArgumentValue1"] == f"Not authorized to invoke function [{QUEUE}]"
    assert set(s3.get_bucket_notification_configuration(Bucket=bucket)) == {"ResponseMetadata"}


@pytest.fixture
def events(endpoint):
    return EventLog(endpoint, ACCESS_KEY, SECRET_KEY)


def test_test_event_then_object_created(s3, bucket, events):
    put = put_config(s3, bucket, QueueConfigurations=[
        {"Id": "jobs", "QueueArn": QUEUE, "Events": ["s3:ObjectCreated:*"]}])
    test = events.wait("s3:TestEvent", bucket=bucket)
    assert test["Service"] == "Amazon S3" and test["Bucket"] == bucket
    assert test["RequestId"] == put["ResponseMetadata"]["RequestId"]
    resp = s3.put_object(Bucket=bucket, Key="reports/q1 2026.csv", Body=b"a,b\n")
    [rec] = events.wait("ObjectCreated:Put", key="reports/q1 2026.csv", bucket=bucket)["Records"]
    assert rec["eventVersion"] == "2.1" and rec["eventSource"] == "aws:s3"
    assert rec["awsRegion"] == "us-east-1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", rec["eventTime"])
    assert rec["requestParameters"] == {"sourceIPAddress": "127.0.0.1"}
    assert rec["responseElements"]["x-amz-request-id"] == resp["ResponseMetadata"]["RequestId"]
    assert rec["responseElements"]["x-amz-id-2"] == resp["ResponseMetadata"]["HostId"]
    assert rec["userIdentity"]["principalId"] == rec["s3"]["bucket"]["ownerIdentity"]["principalId"]
    assert rec["s3"]["configurationId"] == "jobs"
    assert rec["s3"]["bucket"]["name"] == bucket
    assert rec["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    obj = rec["s3"]["object"]
    assert obj["key"] == "reports/q1+2026.csv"      # URL-encoded as S3 does, a space as "+"
    assert obj["size"] == 4 and f'"{obj["eTag"]}"' == resp["ETag"]
    assert "versionId" not in obj and re.fullmatch(r"[0-9A-F]+", obj["sequencer"])


def test_each_operation_emits_its_event(s3, endpoint, bucket, events):
    put_config(s3, bucket, QueueConfigurations=[{"QueueArn": QUEUE, "Events": [
        "s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:ObjectTagging:*", "s3:ObjectAcl:Put"]}])
    s3.put_object(Bucket=bucket, Key="src", Body=b"abc")
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "src"})
    up = s3.create_multipart_upload(Bucket=bucket, Key="big")
    part = s3.upload_part(Bucket=bucket, Key="big", UploadId=up["UploadId"], PartNumber=1, Body=b"p")
    s3.complete_multipart_upload(Bucket=bucket, Key="big", UploadId=up["UploadId"], MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    post = s3.generate_presigned_post(bucket, "posted")
    assert requests.post(post["url"], data=post["fields"], files={"file": b"form"},
                         timeout=10).status_code == 204
    s3.put_object_tagging(Bucket=bucket, Key="src", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    s3.delete_object_tagging(Bucket=bucket, Key="src")
    s3.put_object_acl(Bucket=bucket, Key="src", ACL="private")
    s3.delete_object(Bucket=bucket, Key="copy")
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "big"}, {"Key": "absent"}]})
    expected = [("ObjectCreated:Put", "src"), ("ObjectCreated:Copy", "copy"),
                ("ObjectCreated:CompleteMultipartUpload", "big"), ("ObjectCreated:Post", "posted"),
                ("ObjectTagging:Put", "src"), ("ObjectTagging:Delete", "src"),
                ("ObjectAcl:Put", "src"), ("ObjectRemoved:Delete", "copy"),
                ("ObjectRemoved:Delete", "big"), ("ObjectRemoved:Delete", "absent")]
    got = [events.wait(name, key=key, bucket=bucket)["Records"][0] for name, key in expected]
    etag = hashlib.md5(b"abc").hexdigest()
    assert got[1]["s3"]["object"]["size"] == 3 and got[1]["s3"]["object"]["eTag"] == etag
    assert got[2]["s3"]["object"]["eTag"].endswith("-1")
    assert got[3]["s3"]["object"]["size"] == 4
    for rec in got[4:7]:        # recorded: tagging and ACL events carry key and eTag, 2.3
        assert rec["eventVersion"] == "2.3" and rec["s3"]["object"] == {"key": "src", "eTag": etag}
    for rec in got[7:]:         # recorded: removals carry key and sequencer
        assert set(rec["s3"]["object"]) == {"key", "sequencer"}


def test_versioned_bucket_events_name_versions(s3, bucket, events):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    put_config(s3, bucket, TopicConfigurations=[{"TopicArn": TOPIC, "Events": [
        "s3:ObjectCreated:Put", "s3:ObjectRemoved:*"]}])
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"1")
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"2")
    marker = s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_object(Bucket=bucket, Key="k", VersionId=first["VersionId"])
    recs = [events.wait(name, key="k", bucket=bucket)["Records"][0]["s3"]["object"] for name in (
        "ObjectCreated:Put", "ObjectCreated:Put", "ObjectRemoved:DeleteMarkerCreated",
        "ObjectRemoved:Delete")]
    assert [r["versionId"] for r in recs] == [first["VersionId"], second["VersionId"],
                                              marker["VersionId"], first["VersionId"]]
    sequencers = [r["sequencer"] for r in recs]
    assert sequencers == sorted(sequencers) and len(set(sequencers)) == 4


def test_filters_decide_which_keys_are_reported(s3, bucket, events):
    put_config(s3, bucket, LambdaFunctionConfigurations=[{
        "LambdaFunctionArn": FUNCTION, "Events": ["s3:ObjectCreated:Put"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "img/"},
                                           {"Name": "suffix", "Value": ".jpg"}]}}}])
    marker = f"img/{uuid.uuid4().hex}.jpg"
    for key in ("img/a.png", "doc/a.jpg", marker):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    events.wait("ObjectCreated:Put", key=marker, bucket=bucket)
    reported = [e["key"] for e in events.entries if e["bucket"] == bucket and e["key"]]
    assert reported == [marker]

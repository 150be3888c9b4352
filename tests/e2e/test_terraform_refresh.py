"""A scripted replay of what Terraform's `aws_s3_bucket` reads on every refresh, in its order,
each call answered as S3 answers it: for a fresh bucket and for one with settings.

Source: hashicorp/terraform-provider-aws, internal/service/s3/bucket.go, `resourceBucketRead`
(the aws-sdk-go-v2 provider, v5 line; the stored copy read carries no commit id, so the steps
are named by the section comments of that function, in order). Each step tolerates the error
codes listed; any other error fails the refresh:

 1. findBucket                    HeadBucket                        (NotFound: drop from state)
 2. // Bucket Policy.             GetBucketPolicy                   NoSuchBucketPolicy
 3. // Bucket ACL.                GetBucketAcl                      -
 4. // Bucket CORS Configuration. GetBucketCors                     NoSuchCORSConfiguration
 5. // Bucket Website Config...   GetBucketWebsite                  NoSuchWebsiteConfiguration, MethodNotAllowed
 6. // Bucket Versioning.         GetBucketVersioning               -
 7. // Bucket Accelerate Config.  GetBucketAccelerateConfiguration  MethodNotAllowed, UnsupportedArgument
 8. // Bucket Request Payment.    GetBucketRequestPayment           -
 9. // Bucket Logging.            GetBucketLogging                  -
10. // Bucket Lifecycle Config.   GetBucketLifecycleConfiguration   NoSuchLifecycleConfiguration
11. // Bucket Replication Config. GetBucketReplication              ReplicationConfigurationNotFoundError
12. // Bucket Server-side Enc...  GetBucketEncryption               (only ReplicationConfigurationNotFound,
                                                                    a copy slip: S3 always answers 200)
13. // Bucket Object Lock Config. GetObjectLockConfiguration        ObjectLockConfigurationNotFoundError, MethodNotAllowed
14. // Bucket Region etc.         manager.GetBucketRegion: HEAD bucket, reads x-amz-bucket-region
15. // Bucket Tags.               GetBucketTagging (BucketListTags) NoSuchTagSet
(every step also tolerates NotImplemented / XNotImplemented, which is not what S3 answers)
"""

from __future__ import annotations

import pytest
import requests
from botocore.exceptions import ClientError

from s3mock.handlers import load_all
from s3mock.operations import Op

WEBSITE_DONE = Op.GetBucketWebsite in load_all()


def answer(call, **params) -> tuple[int, str]:
    try:
        resp = call(**params)
    except ClientError as e:
        return e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]
    return resp["ResponseMetadata"]["HTTPStatusCode"], ""


def refresh(s3, endpoint: str, bucket: str) -> dict[str, tuple[int, str]]:
    """The 15 calls, in resourceBucketRead's order; (status, error code) of each."""
    b = {"Bucket": bucket}
    out = {"HeadBucket": answer(s3.head_bucket, **b)}
    for name in ("GetBucketPolicy", "GetBucketAcl", "GetBucketCors", "GetBucketWebsite",
                 "GetBucketVersioning", "GetBucketAccelerateConfiguration",
                 "GetBucketRequestPayment", "GetBucketLogging", "GetBucketLifecycleConfiguration",
                 "GetBucketReplication", "GetBucketEncryption", "GetObjectLockConfiguration"):
        method = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
        out[name] = answer(getattr(s3, method), **b)
    # manager.GetBucketRegion: a HEAD whose x-amz-bucket-region S3 sends even on a 403
    head = requests.head(f"{endpoint}/{bucket}", timeout=10)
    out["GetBucketRegion"] = (head.status_code, head.headers.get("x-amz-bucket-region", ""))
    out["GetBucketTagging"] = answer(s3.get_bucket_tagging, **b)
    return out


FRESH = {
    "HeadBucket": (200, ""),
    "GetBucketPolicy": (404, "NoSuchBucketPolicy"),
    "GetBucketAcl": (200, ""),
    "GetBucketCors": (404, "NoSuchCORSConfiguration"),
    # S3: NoSuchWebsiteConfiguration. Until website hosting lands (issue #24, another part) the
    # answer is NotImplemented, which resourceBucketRead also tolerates.
    "GetBucketWebsite": (404, "NoSuchWebsiteConfiguration") if WEBSITE_DONE else (501, "NotImplemented"),
    "GetBucketVersioning": (200, ""),
    "GetBucketAccelerateConfiguration": (200, ""),
    "GetBucketRequestPayment": (200, ""),
    "GetBucketLogging": (200, ""),
    "GetBucketLifecycleConfiguration": (404, "NoSuchLifecycleConfiguration"),
    "GetBucketReplication": (404, "ReplicationConfigurationNotFoundError"),
    "GetBucketEncryption": (200, ""),
    "GetObjectLockConfiguration": (404, "ObjectLockConfigurationNotFoundError"),
    "GetBucketRegion": (403, "us-east-1"),
    "GetBucketTagging": (404, "NoSuchTagSet"),
}


def test_refresh_of_a_fresh_bucket_answers_as_s3(s3, endpoint, bucket):
    got = refresh(s3, endpoint, bucket)
    assert list(got) == list(FRESH)
    assert got == FRESH
    # the values Terraform stores from the 200s
    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket=bucket)
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def test_refresh_of_a_configured_bucket_answers_as_s3(s3, endpoint, bucket):
    logs = f"{bucket}-logs"
    s3.create_bucket(Bucket=logs)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_accelerate_configuration(Bucket=bucket, AccelerateConfiguration={"Status": "Enabled"})
    s3.put_bucket_request_payment(Bucket=bucket, RequestPaymentConfiguration={"Payer": "Requester"})
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": "access/"}})
    s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration={
        "Role": "arn:aws:iam::123456789012:role/r",
        "Rules": [{"Status": "Enabled", "Prefix": "", "Destination": {"Bucket": "arn:aws:s3:::elsewhere"}}]})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "env", "Value": "dev"}]})
    got = refresh(s3, endpoint, bucket)
    assert got == {**FRESH, "GetBucketReplication": (200, ""), "GetBucketTagging": (200, "")}
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "Requester"
    assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"] == {"TargetBucket": logs,
                                                                       "TargetPrefix": "access/"}
    rules = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]
    assert rules == [{"Status": "Enabled", "Prefix": "", "Destination": {"Bucket": "arn:aws:s3:::elsewhere"}}]


def test_refresh_of_a_deleted_bucket_drops_it(s3, endpoint, bucket):
    s3.delete_bucket(Bucket=bucket)
    # findBucket's HeadBucket: 404 -> "S3 Bucket not found, removing from state"
    assert answer(s3.head_bucket, Bucket=bucket) == (404, "404")
    assert answer(s3.get_bucket_logging, Bucket=bucket) == (404, "NoSuchBucket")


def test_bucket_notification_read_answers_as_s3(s3, bucket):
    """aws_s3_bucket_notification's read (internal/service/s3/bucket_notification.go,
    findBucketNotificationConfiguration): GetBucketNotificationConfiguration, which S3 answers
    200 with an empty NotificationConfiguration for a bucket that has none (the API reference:
    "By default, your bucket has no event notifications configured. That is, the notification
    configuration will be an empty NotificationConfiguration"); the provider then finds no
    configurations to store."""
    assert answer(s3.get_bucket_notification_configuration, Bucket=bucket) == (200, "")
    assert set(s3.get_bucket_notification_configuration(Bucket=bucket)) == {"ResponseMetadata"}
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{
            "Id": "tf-s3-lambda-1", "Events": ["s3:ObjectCreated:*"],
            "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "AWSLogs/"},
                                               {"Name": "suffix", "Value": ".log"}]}}}]})
    read = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert read["LambdaFunctionConfigurations"] == [{
        "Id": "tf-s3-lambda-1", "Events": ["s3:ObjectCreated:*"],
        "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "AWSLogs/"},
                                           {"Name": "Suffix", "Value": ".log"}]}}}]

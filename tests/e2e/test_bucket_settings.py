"""Bucket settings an infrastructure tool reads (issue #24): request payment, accelerate, logging,
replication, encryption, lifecycle and Object Lock "not configured" answers, and the
configurations kept by id (inventory, analytics, metrics, intelligent-tiering). boto3 against a
strict-mode server with a second user; each answer as S3 gives it, with the evidence named.
"""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from signing import error_of, send
from strict_users import srv, owner, second  # noqa: F401 (fixtures)

NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def new_bucket(client, prefix: str = "set") -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def bkt(owner) -> str:
    return new_bucket(owner)


def raw_body(client, operation: str, **params) -> bytes:
    """The XML S3 sent, not boto3's reading of it."""
    seen: list[bytes] = []
    event = f"after-call.s3.{operation}"
    handler = lambda http_response, **_: seen.append(http_response.content)  # noqa: E731
    client.meta.events.register(event, handler)
    try:
        method = getattr(client, "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_"))
        method(**params)
    finally:
        client.meta.events.unregister(event, handler)
    return seen[0]


def error(call, **params) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as e:
        call(**params)
    r = e.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"], r["Error"].get("Message", "")


# ====================================================================== request payment

def test_request_payment_defaults_to_bucket_owner_and_round_trips(owner, bkt):
    # "By default, the bucket owner pays" (API_GetBucketRequestPayment.html)
    assert owner.get_bucket_request_payment(Bucket=bkt)["Payer"] == "BucketOwner"
    owner.put_bucket_request_payment(Bucket=bkt, RequestPaymentConfiguration={"Payer": "Requester"})
    assert owner.get_bucket_request_payment(Bucket=bkt)["Payer"] == "Requester"
    body = raw_body(owner, "GetBucketRequestPayment", Bucket=bkt).decode()
    assert f"<RequestPaymentConfiguration {NS}><Payer>Requester</Payer></RequestPaymentConfiguration>" in body


@pytest.mark.parametrize("body", [
    b"<RequestPaymentConfiguration><Payer>Nobody</Payer></RequestPaymentConfiguration>",
    b"<RequestPaymentConfiguration></RequestPaymentConfiguration>",
    b"<Payment><Payer>Requester</Payer></Payment>",
    b"not xml",
])
def test_request_payment_refuses_a_malformed_document(srv, owner, bkt, body):
    # Payer is required and one of BucketOwner | Requester (API_RequestPaymentConfiguration.html)
    resp, _ = send(srv, "PUT", f"/{bkt}", query="requestPayment=", body=body)
    assert resp.status_code == 400
    assert error_of(resp)[:2] == [("Code", "MalformedXML"), (
        "Message", "The XML you provided was not well-formed or did not validate against our published schema")]
    assert owner.get_bucket_request_payment(Bucket=bkt)["Payer"] == "BucketOwner"


# ====================================================================== accelerate

def test_accelerate_never_set_is_empty_then_round_trips(owner, bkt):
    # "If the transfer acceleration state has never been set on the bucket, the response does
    # not contain the status element" (API_GetBucketAccelerateConfiguration.html)
    body = raw_body(owner, "GetBucketAccelerateConfiguration", Bucket=bkt).decode()
    assert body.endswith(f"<AccelerateConfiguration {NS}></AccelerateConfiguration>")
    assert "Status" not in owner.get_bucket_accelerate_configuration(Bucket=bkt)
    for status in ("Enabled", "Suspended"):
        owner.put_bucket_accelerate_configuration(Bucket=bkt, AccelerateConfiguration={"Status": status})
        assert owner.get_bucket_accelerate_configuration(Bucket=bkt)["Status"] == status


def test_accelerate_is_refused_for_a_bucket_name_with_dots(owner):
    # "Buckets used with Amazon S3 Transfer Acceleration can't have dots (.) in their names"
    # (bucketnamingrules.html); terraform-provider-aws#25048 is about this refusal.
    name = f"dotted.{uuid.uuid4().hex[:12]}"
    owner.create_bucket(Bucket=name)
    status, code, message = error(owner.put_bucket_accelerate_configuration, Bucket=name,
                                  AccelerateConfiguration={"Status": "Enabled"})
    assert (status, code) == (400, "InvalidRequest")
    assert "periods" in message


# ====================================================================== logging

def test_logging_off_is_an_empty_status_then_round_trips_and_turns_off(owner, bkt):
    body = raw_body(owner, "GetBucketLogging", Bucket=bkt).decode()
    assert body.endswith(f"<BucketLoggingStatus {NS}></BucketLoggingStatus>")
    target = new_bucket(owner, "logs")
    enabled = {"TargetBucket": target, "TargetPrefix": "log/",
               "TargetObjectKeyFormat": {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}}}
    owner.put_bucket_logging(Bucket=bkt, BucketLoggingStatus={"LoggingEnabled": enabled})
    assert owner.get_bucket_logging(Bucket=bkt)["LoggingEnabled"] == enabled
    owner.put_bucket_logging(Bucket=bkt, BucketLoggingStatus={})
    assert "LoggingEnabled" not in owner.get_bucket_logging(Bucket=bkt)


def test_logging_target_must_exist_and_have_the_same_owner(owner, second, bkt):
    # AWS: hashicorp/terraform-provider-aws#23498 (missing target), zalando-stups/sevenseconds#29
    # and scality/cloudserver#6015 (target of another account).
    missing = f"nope-{uuid.uuid4().hex[:12]}"
    status, code, message = error(owner.put_bucket_logging, Bucket=bkt, BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": missing, "TargetPrefix": "x/"}})
    assert (status, code, message) == (400, "InvalidTargetBucketForLogging",
                                       "The target bucket for logging does not exist")
    theirs = new_bucket(second, "theirs")
    status, code, message = error(owner.put_bucket_logging, Bucket=bkt, BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": theirs, "TargetPrefix": "x/"}})
    assert (status, code, message) == (
        400, "InvalidTargetBucketForLogging",
        "The owner for the bucket to be logged and the target bucket must be the same.")
    assert "LoggingEnabled" not in owner.get_bucket_logging(Bucket=bkt)


def test_logging_is_the_owners_alone(owner, second, bkt):
    assert error(second.get_bucket_logging, Bucket=bkt)[:2] == (403, "AccessDenied")


# ====================================================================== replication

REPLICATION = {"Role": "arn:aws:iam::123456789012:role/replication",
               "Rules": [{"ID": "all", "Status": "Enabled", "Priority": 1, "Filter": {"Prefix": ""},
                          "DeleteMarkerReplication": {"Status": "Disabled"},
                          "Destination": {"Bucket": "arn:aws:s3:::dest-bucket"}}]}


def test_replication_none_then_needs_versioning_then_round_trips(owner, bkt):
    status, code, message = error(owner.get_bucket_replication, Bucket=bkt)
    assert (status, code, message) == (404, "ReplicationConfigurationNotFoundError",
                                       "The replication configuration was not found.")
    # "Both source and destination buckets must have versioning enabled" (replication.html)
    status, code, message = error(owner.put_bucket_replication, Bucket=bkt,
                                  ReplicationConfiguration=REPLICATION)
    assert (status, code) == (400, "InvalidRequest")
    assert message == "Versioning must be 'Enabled' on the bucket to apply a replication configuration"
    owner.put_bucket_versioning(Bucket=bkt, VersioningConfiguration={"Status": "Enabled"})
    owner.put_bucket_replication(Bucket=bkt, ReplicationConfiguration=REPLICATION)
    got = owner.get_bucket_replication(Bucket=bkt)["ReplicationConfiguration"]
    assert got == REPLICATION
    owner.delete_bucket_replication(Bucket=bkt)
    assert error(owner.get_bucket_replication, Bucket=bkt)[1] == "ReplicationConfigurationNotFoundError"


def test_replication_destination_here_must_be_versioned(owner, bkt):
    # AWS's answer recorded in nozaq/terraform-aws-remote-state-s3-backend#107
    owner.put_bucket_versioning(Bucket=bkt, VersioningConfiguration={"Status": "Enabled"})
    dest = new_bucket(owner, "dest")
    config = {**REPLICATION, "Rules": [{**REPLICATION["Rules"][0],
                                        "Destination": {"Bucket": f"arn:aws:s3:::{dest}"}}]}
    status, code, message = error(owner.put_bucket_replication, Bucket=bkt,
                                  ReplicationConfiguration=config)
    assert (status, code, message) == (400, "InvalidRequest", "Destination bucket must have versioning enabled.")


# ====================================================================== encryption, lifecycle, object lock

def test_encryption_defaults_to_sse_s3_and_round_trips(owner, bkt):
    # "all new buckets ... have default encryption (SSE-S3)" since January 2023
    # (default-bucket-encryption.html); GetBucketEncryption says so.
    rules = owner.get_bucket_encryption(Bucket=bkt)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules == [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                      "BucketKeyEnabled": False}]
    kms = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k1"},
            "BucketKeyEnabled": True}]
    owner.put_bucket_encryption(Bucket=bkt, ServerSideEncryptionConfiguration={"Rules": kms})
    assert owner.get_bucket_encryption(Bucket=bkt)["ServerSideEncryptionConfiguration"]["Rules"] == kms
    owner.delete_bucket_encryption(Bucket=bkt)
    assert owner.get_bucket_encryption(Bucket=bkt)["ServerSideEncryptionConfiguration"]["Rules"] == rules


def test_lifecycle_and_object_lock_not_configured(owner, bkt):
    assert error(owner.get_bucket_lifecycle_configuration, Bucket=bkt) == (
        404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist.")
    assert error(owner.get_object_lock_configuration, Bucket=bkt) == (
        404, "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket")


# ====================================================================== configurations by id

def inventory(config_id: str) -> dict:
    return {"Id": config_id, "IsEnabled": True, "IncludedObjectVersions": "Current",
            "Destination": {"S3BucketDestination": {"Bucket": "arn:aws:s3:::inv-dest", "Format": "CSV"}},
            "Schedule": {"Frequency": "Daily"}}


KINDS = {
    "inventory": ("InventoryConfiguration", inventory),
    "analytics": ("AnalyticsConfiguration", lambda i: {"Id": i, "StorageClassAnalysis": {}}),
    "metrics": ("MetricsConfiguration", lambda i: {"Id": i, "Filter": {"Prefix": "p/"}}),
    "intelligent_tiering": ("IntelligentTieringConfiguration", lambda i: {
        "Id": i, "Status": "Enabled", "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"}]}),
}


def _calls(owner, kind: str):
    put = getattr(owner, f"put_bucket_{kind}_configuration")
    get = getattr(owner, f"get_bucket_{kind}_configuration")
    delete = getattr(owner, f"delete_bucket_{kind}_configuration")
    lister = getattr(owner, f"list_bucket_{kind}_configurations")
    return put, get, delete, lister


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_configuration_by_id_round_trip(owner, bkt, kind):
    field, make = KINDS[kind]
    put, get, delete, lister = _calls(owner, kind)
    listed = lister(Bucket=bkt)
    assert listed["IsTruncated"] is False and f"{field}List" not in listed
    assert error(get, Bucket=bkt, Id="a") == (404, "NoSuchConfiguration", "The specified configuration does not exist.")
    for config_id in ("b", "a"):
        put(Bucket=bkt, Id=config_id, **{field: make(config_id)})
    assert get(Bucket=bkt, Id="a")[field] == make("a")
    listed = lister(Bucket=bkt)
    assert [c["Id"] for c in listed[f"{field}List"]] == ["a", "b"]
    delete(Bucket=bkt, Id="a")
    assert error(get, Bucket=bkt, Id="a")[1] == "NoSuchConfiguration"
    assert error(delete, Bucket=bkt, Id="a")[1] == "NoSuchConfiguration"


def test_inventory_list_pages_by_100_with_a_continuation_token(owner, bkt):
    put, _, _, lister = _calls(owner, "inventory")
    ids = [f"id{i:03}" for i in range(105)]
    for config_id in ids:
        put(Bucket=bkt, Id=config_id, InventoryConfiguration=inventory(config_id))
    first = lister(Bucket=bkt)
    assert first["IsTruncated"] is True and len(first["InventoryConfigurationList"]) == 100
    rest = lister(Bucket=bkt, ContinuationToken=first["NextContinuationToken"])
    assert rest["IsTruncated"] is False
    assert [c["Id"] for c in first["InventoryConfigurationList"] + rest["InventoryConfigurationList"]] == ids


def test_intelligent_tiering_days_out_of_range(owner, bkt):
    # "ARCHIVE_ACCESS ... minimum 90 days and maximum 730 days" (API_Tiering.html)
    put = owner.put_bucket_intelligent_tiering_configuration
    status, code, _ = error(put, Bucket=bkt, Id="t", IntelligentTieringConfiguration={
        "Id": "t", "Status": "Enabled", "Tierings": [{"Days": 10, "AccessTier": "ARCHIVE_ACCESS"}]})
    assert (status, code) == (400, "InvalidArgument")


def test_inventory_needs_a_destination(owner, bkt):
    config = inventory("x")
    config["Destination"]["S3BucketDestination"]["Format"] = "JSON"
    status, code, _ = error(owner.put_bucket_inventory_configuration, Bucket=bkt, Id="x",
                            InventoryConfiguration=config)
    assert (status, code) == (400, "MalformedXML")

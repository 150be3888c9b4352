"""Bucket settings kept as documents (storage's bucket_documents): request payment, transfer
acceleration, server access logging, replication, default encryption, and the configurations
kept by id (inventory, analytics, metrics, intelligent-tiering). Each is parsed and validated as
S3 validates it, then stored as the XML S3 sends back. Pure: no aiohttp, no I/O.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
"""

from __future__ import annotations

from typing import NamedTuple

from lxml import etree

from s3mock import xml
from s3mock.errors import S3Error

MAX_BYTES = 256 * 1024

PAYERS = ("BucketOwner", "Requester")
ACCELERATE = ("Enabled", "Suspended")
SSE_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")
LOGGING_PERMISSIONS = ("FULL_CONTROL", "READ", "WRITE")
PARTITION_DATE_SOURCES = ("EventTime", "DeliveryTime")


def as_content(el: etree._Element) -> list:
    """An element's children as xml.render content (namespace dropped, order kept)."""
    out = []
    for c in el:
        name = xml.local(c)
        if not name:
            continue
        out.append((name, as_content(c) if len(c) else (c.text or "").strip()))
    return out


def required(el: etree._Element | None, name: str) -> etree._Element:
    c = None if el is None else xml.child(el, name)
    if c is None:
        raise S3Error("MalformedXML")
    return c


def one_of(el: etree._Element, name: str, allowed: tuple[str, ...], must: bool = True) -> str | None:
    c = xml.child(el, name)
    if c is None:
        if must:
            raise S3Error("MalformedXML")
        return None
    value = (c.text or "").strip()
    if value not in allowed:
        raise S3Error("MalformedXML")
    return value


# Request payment: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketRequestPayment.html

def parse_request_payment(body: bytes) -> str:
    doc = xml.parse(body, "RequestPaymentConfiguration")
    return one_of(doc, "Payer", PAYERS) or ""


def render_request_payment(payer: str) -> bytes:
    """Every bucket pays its own requests until told otherwise: BucketOwner."""
    return xml.render("RequestPaymentConfiguration", [("Payer", payer)])


# Transfer acceleration: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAccelerateConfiguration.html

def parse_accelerate(body: bytes, bucket: str) -> str:
    doc = xml.parse(body, "AccelerateConfiguration")
    status = one_of(doc, "Status", ACCELERATE) or ""
    if "." in bucket:
        # "Buckets used with Amazon S3 Transfer Acceleration can't have dots (.) in their names"
        # (bucketnamingrules.html; transfer-acceleration.html).
        raise S3Error("InvalidRequest", "S3 Transfer Acceleration is not supported for buckets "
                      "with periods (.) in their names")
    return status


def render_accelerate(status: str | None) -> bytes:
    """A bucket never configured answers an empty AccelerateConfiguration (no Status)."""
    return xml.render("AccelerateConfiguration", [("Status", status)])


# Server access logging: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLogging.html

class Logging(NamedTuple):
    target_bucket: str | None      # None: logging turned off (an empty BucketLoggingStatus)
    document: bytes


def parse_logging(body: bytes) -> Logging:
    doc = xml.parse(body, "BucketLoggingStatus")
    enabled = xml.child(doc, "LoggingEnabled")
    if enabled is None:
        return Logging(None, render_logging(None))
    target = (required(enabled, "TargetBucket").text or "").strip()
    required(enabled, "TargetPrefix")
    if not target:
        raise S3Error("MalformedXML")
    grants = xml.child(enabled, "TargetGrants")
    for grant in [] if grants is None else xml.children(grants, "Grant"):
        required(grant, "Grantee")
        one_of(grant, "Permission", LOGGING_PERMISSIONS)
    key_format = xml.child(enabled, "TargetObjectKeyFormat")
    if key_format is not None:
        simple, partitioned = (xml.child(key_format, n) for n in ("SimplePrefix", "PartitionedPrefix"))
        if (simple is None) == (partitioned is None):
            raise S3Error("MalformedXML")
        if partitioned is not None:
            one_of(partitioned, "PartitionDateSource", PARTITION_DATE_SOURCES, must=False)
    return Logging(target, xml.render("BucketLoggingStatus", [("LoggingEnabled", as_content(enabled))]))


def render_logging(document: bytes | None) -> bytes:
    """Logging never enabled (or turned off): an empty BucketLoggingStatus."""
    return document if document is not None else xml.render("BucketLoggingStatus", [])


# Replication: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketReplication.html

class Replication(NamedTuple):
    destinations: list[str]        # bucket names from the rules' Destination ARNs
    document: bytes


def parse_replication(body: bytes) -> Replication:
    doc = xml.parse(body, "ReplicationConfiguration")
    required(doc, "Role")
    rules = xml.children(doc, "Rule")
    if not rules or len(rules) > 1000:
        raise S3Error("MalformedXML")
    destinations, ids = [], set()
    for rule in rules:
        one_of(rule, "Status", ("Enabled", "Disabled"))
        rule_id = xml.text(rule, "ID")
        if rule_id is not None:
            if len(rule_id) > 255:
                raise S3Error("InvalidArgument", "ID length should not exceed allowed limit of 255")
            if rule_id in ids:
                raise S3Error("InvalidRequest", "Rule Id must be unique")
            ids.add(rule_id)
        arn = (required(required(rule, "Destination"), "Bucket").text or "").strip()
        if not arn.startswith("arn:aws:s3:::") or len(arn) == len("arn:aws:s3:::"):
            raise S3Error("InvalidArgument", "Invalid bucket ARN.")
        destinations.append(arn.removeprefix("arn:aws:s3:::"))
    return Replication(destinations, xml.render("ReplicationConfiguration", as_content(doc)))


# Default encryption: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html

def parse_encryption(body: bytes) -> bytes:
    doc = xml.parse(body, "ServerSideEncryptionConfiguration")
    rules = xml.children(doc, "Rule")
    if not rules:
        raise S3Error("MalformedXML")
    for rule in rules:
        default = xml.child(rule, "ApplyServerSideEncryptionByDefault")
        if default is not None:
            algorithm = one_of(default, "SSEAlgorithm", SSE_ALGORITHMS)
            if algorithm == "AES256" and xml.child(default, "KMSMasterKeyID") is not None:
                raise S3Error("InvalidArgument", "a KMSMasterKeyID is not applicable if the default "
                              "sse algorithm is not aws:kms or aws:kms:dsse")
    return xml.render("ServerSideEncryptionConfiguration", as_content(doc))


def render_encryption(document: bytes | None) -> bytes:
    """Since January 2023 every bucket encrypts new objects with SSE-S3 unless configured
    otherwise, and GetBucketEncryption says so (default-bucket-encryption.html)."""
    if document is not None:
        return document
    return xml.render("ServerSideEncryptionConfiguration", [("Rule", [
        ("ApplyServerSideEncryptionByDefault", [("SSEAlgorithm", "AES256")]),
        ("BucketKeyEnabled", False)])])

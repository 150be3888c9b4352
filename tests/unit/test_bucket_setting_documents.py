"""The bucket settings documents (s3mock/bucket_settings.py, s3mock/bucket_id_configs.py): what
each parser accepts and refuses, and how each is rendered back. Tables of cases."""

from __future__ import annotations

import pytest

from s3mock import bucket_id_configs as ids
from s3mock import bucket_settings as bs
from s3mock.errors import S3Error

NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def code_of(fn, *args) -> str:
    with pytest.raises(S3Error) as e:
        fn(*args)
    return e.value.code


@pytest.mark.parametrize("fn,body,code", [
    (bs.parse_request_payment, b"<RequestPaymentConfiguration/>", "MalformedXML"),
    (bs.parse_request_payment, b"<RequestPaymentConfiguration><Payer>me</Payer></RequestPaymentConfiguration>", "MalformedXML"),
    (bs.parse_logging, b"<BucketLoggingStatus><LoggingEnabled><TargetBucket>x</TargetBucket></LoggingEnabled></BucketLoggingStatus>", "MalformedXML"),
    (bs.parse_logging, b"<BucketLoggingStatus><LoggingEnabled><TargetBucket>x</TargetBucket><TargetPrefix/>"
                       b"<TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>kaboom</PartitionDateSource>"
                       b"</PartitionedPrefix></TargetObjectKeyFormat></LoggingEnabled></BucketLoggingStatus>", "MalformedXML"),
    (bs.parse_logging, b"<BucketLoggingStatus><LoggingEnabled><TargetBucket>x</TargetBucket><TargetPrefix/>"
                       b"<TargetObjectKeyFormat/></LoggingEnabled></BucketLoggingStatus>", "MalformedXML"),
    (bs.parse_replication, b"<ReplicationConfiguration><Role>r</Role></ReplicationConfiguration>", "MalformedXML"),
    (bs.parse_replication, b"<ReplicationConfiguration><Role>r</Role><Rule><Status>Enabled</Status>"
                           b"<Destination><Bucket>dest</Bucket></Destination></Rule></ReplicationConfiguration>", "InvalidArgument"),
    (bs.parse_encryption, b"<ServerSideEncryptionConfiguration/>", "MalformedXML"),
    (bs.parse_encryption, b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
                          b"<SSEAlgorithm>rot13</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>"
                          b"</ServerSideEncryptionConfiguration>", "MalformedXML"),
])
def test_refused(fn, body, code):
    assert code_of(fn, body) == code


def test_accelerate_status_and_dots():
    body = b"<AccelerateConfiguration><Status>Enabled</Status></AccelerateConfiguration>"
    assert bs.parse_accelerate(body, "plain") == "Enabled"
    assert code_of(bs.parse_accelerate, body, "with.dot") == "InvalidRequest"
    assert code_of(bs.parse_accelerate, body.replace(b"Enabled", b"On"), "plain") == "MalformedXML"
    assert bs.render_accelerate(None).endswith(f"<AccelerateConfiguration {NS}></AccelerateConfiguration>".encode())


def test_logging_off_and_on():
    off = bs.parse_logging(b"<BucketLoggingStatus/>")
    assert off.target_bucket is None
    on = bs.parse_logging(f"<BucketLoggingStatus {NS}><LoggingEnabled><TargetBucket>logs</TargetBucket>"
                          "<TargetPrefix>p/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>".encode())
    assert on.target_bucket == "logs"
    assert on.document.endswith(f"<BucketLoggingStatus {NS}><LoggingEnabled><TargetBucket>logs</TargetBucket>"
                                "<TargetPrefix>p/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>".encode())


INVENTORY = ("<InventoryConfiguration><Id>{id}</Id><IsEnabled>true</IsEnabled><Destination><S3BucketDestination>"
             "<Bucket>arn:aws:s3:::d</Bucket><Format>CSV</Format></S3BucketDestination></Destination>"
             "<IncludedObjectVersions>All</IncludedObjectVersions><Schedule><Frequency>Daily</Frequency>"
             "</Schedule></InventoryConfiguration>")


def test_id_must_match_and_limit_holds():
    assert code_of(ids.parse, ids.INVENTORY, INVENTORY.format(id="a").encode(), "b") == "InvalidArgument"
    one = ids.parse(ids.INVENTORY, INVENTORY.format(id="a").encode(), "a")
    full = {str(i): one for i in range(ids.MAX_CONFIGS)}
    assert code_of(ids.put, ids.INVENTORY, full, "new", one) == "TooManyConfigurations"
    assert ids.put(ids.INVENTORY, full, "0", one) == full           # replacing one is no new one


@pytest.mark.parametrize("days,ok", [(89, False), (90, True), (730, True), (731, False)])
def test_archive_tier_days(days, ok):
    body = (f"<IntelligentTieringConfiguration><Id>t</Id><Status>Enabled</Status><Tiering><Days>{days}</Days>"
            "<AccessTier>ARCHIVE_ACCESS</AccessTier></Tiering></IntelligentTieringConfiguration>").encode()
    if ok:
        assert ids.parse(ids.TIERING, body, "t")
    else:
        assert code_of(ids.parse, ids.TIERING, body, "t") == "InvalidArgument"


def test_list_rejects_a_garbage_token():
    assert code_of(ids.render_list, ids.METRICS, {}, "%%%") == "InvalidArgument"

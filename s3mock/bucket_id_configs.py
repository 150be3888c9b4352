"""The bucket configurations S3 keeps by id: inventory, analytics, metrics and S3
Intelligent-Tiering (Put/Get/Delete/List...Configuration). One stored document per kind holds
them all ({id: XML}). Pure: no aiohttp, no I/O.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketInventoryConfiguration.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAnalyticsConfiguration.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketMetricsConfiguration.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketIntelligentTieringConfiguration.html
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Callable, NamedTuple

from lxml import etree

from s3mock import xml
from s3mock.bucket_settings import as_content, one_of, required
from s3mock.errors import S3Error

MAX_CONFIGS = 1000     # "up to 1,000 ... configurations per bucket" (TooManyConfigurations)
LIST_PAGE = 100        # the List... operations "return up to 100 configurations" a page


def _s3_destination(parent: etree._Element, formats: tuple[str, ...]) -> None:
    dest = required(required(parent, "Destination"), "S3BucketDestination")
    required(dest, "Bucket")
    one_of(dest, "Format", formats)


def _inventory(doc: etree._Element) -> None:
    one_of(doc, "IsEnabled", ("true", "false"))
    _s3_destination(doc, ("CSV", "ORC", "Parquet"))
    one_of(doc, "IncludedObjectVersions", ("All", "Current"))
    one_of(required(doc, "Schedule"), "Frequency", ("Daily", "Weekly"))


def _analytics(doc: etree._Element) -> None:
    export = xml.child(required(doc, "StorageClassAnalysis"), "DataExport")
    if export is not None:
        one_of(export, "OutputSchemaVersion", ("V_1",))
        _s3_destination(export, ("CSV",))


def _metrics(doc: etree._Element) -> None:
    return None     # Id and an optional Filter: nothing more to check


# "Days ... ARCHIVE_ACCESS: 90 to 730, DEEP_ARCHIVE_ACCESS: 180 to 730" (API_Tiering.html).
_TIER_DAYS = {"ARCHIVE_ACCESS": 90, "DEEP_ARCHIVE_ACCESS": 180}


def _intelligent_tiering(doc: etree._Element) -> None:
    one_of(doc, "Status", ("Enabled", "Disabled"))
    tierings = xml.children(doc, "Tiering")
    if not tierings:
        raise S3Error("MalformedXML")
    for tiering in tierings:
        tier = one_of(tiering, "AccessTier", tuple(_TIER_DAYS)) or ""
        days = (required(tiering, "Days").text or "").strip()
        if not days.isdigit():
            raise S3Error("MalformedXML")
        if not _TIER_DAYS[tier] <= int(days) <= 730:
            raise S3Error("InvalidArgument", f"Invalid days specified for {tier} tier: "
                          f"must be between {_TIER_DAYS[tier]} and 730")


class Kind(NamedTuple):
    name: str                                  # the stored document's kind
    element: str                               # one configuration's element
    list_root: str                             # the List... result's root
    check: Callable[[etree._Element], None]


INVENTORY = Kind("inventory", "InventoryConfiguration", "ListInventoryConfigurationsResult", _inventory)
ANALYTICS = Kind("analytics", "AnalyticsConfiguration", "ListBucketAnalyticsConfigurationResult", _analytics)
METRICS = Kind("metrics", "MetricsConfiguration", "ListMetricsConfigurationsResult", _metrics)
TIERING = Kind("intelligent-tiering", "IntelligentTieringConfiguration",
               "ListBucketIntelligentTieringConfigurationsOutput", _intelligent_tiering)


def load(document: bytes | None) -> dict[str, str]:
    return json.loads(document) if document else {}


def dump(configs: dict[str, str]) -> bytes | None:
    return json.dumps(configs, sort_keys=True).encode() if configs else None


def parse(kind: Kind, body: bytes, config_id: str) -> str:
    """One configuration, validated; returned as the XML a Get sends."""
    doc = xml.parse(body, kind.element)
    body_id = (required(doc, "Id").text or "").strip()
    if body_id != config_id:
        raise S3Error("InvalidArgument", "Configuration ID does not match the ID in the query",
                      ArgumentName="id", ArgumentValue=config_id)
    kind.check(doc)
    return xml.render(kind.element, as_content(doc)).decode()


def put(kind: Kind, configs: dict[str, str], config_id: str, rendered: str) -> dict[str, str]:
    if config_id not in configs and len(configs) >= MAX_CONFIGS:
        raise S3Error("TooManyConfigurations")
    return {**configs, config_id: rendered}


def check_id(config_id: str | None) -> str:
    if not config_id:
        raise S3Error("InvalidArgument", "Missing required parameter: id", ArgumentName="id")
    return config_id


def _body(rendered: str) -> str:
    """A stored configuration without its XML declaration and namespace, to embed in a list."""
    inner = rendered.split("?>", 1)[1]
    return inner.replace(f' xmlns="{xml.S3_NS}"', "", 1)


def render_list(kind: Kind, configs: dict[str, str], token: str | None) -> bytes:
    """A page of configurations in id order; the continuation token names the next id."""
    ids = sorted(configs)
    start = 0
    if token is not None:
        try:
            after = base64.b64decode(token.encode(), altchars=b"-_", validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise S3Error("InvalidArgument", "The continuation token provided is incorrect",
                          ArgumentName="continuation-token") from None
        start = next((i for i, k in enumerate(ids) if k >= after), len(ids))
    page = ids[start:start + LIST_PAGE]
    truncated = start + LIST_PAGE < len(ids)
    content: list = [(None, xml.Raw([_body(configs[i]) for i in page]))]
    content.append(("IsTruncated", truncated))
    if token is not None:
        content.append(("ContinuationToken", token))
    if truncated:
        nxt = base64.urlsafe_b64encode(ids[start + LIST_PAGE].encode()).decode()
        content.append(("NextContinuationToken", nxt))
    return xml.render(kind.list_root, content)

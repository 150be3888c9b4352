"""Service-level operations: ListBuckets (its paging and filters), and the Owner element every
listing shows."""

from __future__ import annotations

import base64
import binascii
import re

from aiohttp import web

from s3mock.dates import iso8601
from s3mock.errors import S3Error
from s3mock.handlers.registry import handles
from s3mock.request.ctx import Ctx
from s3mock.request.common import xml_response
from s3mock.operations import Op

MAX_BUCKETS = 10000
_PAGING = ("max-buckets", "continuation-token", "prefix", "bucket-region")
_INTEGER = re.compile(r"-?0*([0-9]{1,10})")
# Every region code of the aws partitions (botocore's endpoints.json): `bucket-region` naming one
# of these other than the endpoint's own is "must be made to the corresponding regional endpoint";
# any other value is "not a valid AWS Region".
AWS_REGIONS = frozenset("""
    af-south-1 ap-east-1 ap-east-2 ap-northeast-1 ap-northeast-2 ap-northeast-3 ap-south-1
    ap-south-2 ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-4 ap-southeast-5
    ap-southeast-6 ap-southeast-7 ca-central-1 ca-west-1 cn-north-1 cn-northwest-1 eu-central-1
    eu-central-2 eu-isoe-west-1 eu-north-1 eu-south-1 eu-south-2 eu-west-1 eu-west-2 eu-west-3
    eusc-de-east-1 il-central-1 me-central-1 me-south-1 mx-central-1 sa-east-1 us-east-1 us-east-2
    us-gov-east-1 us-gov-west-1 us-iso-east-1 us-iso-west-1 us-isob-east-1 us-isob-west-1
    us-isof-east-1 us-isof-south-1 us-west-1 us-west-2""".split())


def owner_element(canonical_id: str, ctx: Ctx) -> list[tuple[str, str]]:
    """An Owner (or Initiator): its ID alone. S3 stopped returning DisplayName on 2025-11-21
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Owner.html, end of support notice)."""
    return [("ID", canonical_id)]


def _max_buckets(value: str | None) -> int:
    """`max-buckets` as S3 reads it (measured by brekkylab/backlot, 2026-09): absent or empty is
    10000; digits with an optional `-` are read for their value (`05` is 5), a value outside 1 to
    10000 named as parsed (`-01` as -1); anything else (a word, a space, past an int32) refused."""
    if not value:
        return MAX_BUCKETS
    m = _INTEGER.fullmatch(value)
    n = int(m.group(1)) * (-1 if value[0] == "-" else 1) if m else None
    if n is None or not -2**31 <= n < 2**31:
        raise S3Error("InvalidArgument", "Provided max-buckets not an integer or within integer range",
                      ArgumentName="max-buckets", ArgumentValue=value)
    if not 1 <= n <= MAX_BUCKETS:
        raise S3Error("InvalidArgument", f"Argument max-buckets must be an integer between 1 and {MAX_BUCKETS}",
                      ArgumentName="max-buckets", ArgumentValue=n)
    return n


def _region(value: str | None, endpoint: str) -> str | None:
    """The region `bucket-region` filters on: only the endpoint's own, compared without case."""
    if value is None:
        return None
    if value.lower() == endpoint.lower():
        return endpoint
    if value.lower() in AWS_REGIONS:
        raise S3Error("InvalidArgument", "Requests with bucket-region specified must be made to the "
                      "corresponding regional endpoint", ArgumentName="bucket-region")
    raise S3Error("InvalidArgument", f"Argument value {value} is not a valid AWS Region",
                  ArgumentName="bucket-region")


def _token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def _after(token: str | None) -> str:
    """The bucket name a ContinuationToken resumes after ("" or absent: the first page)."""
    if not token:
        return ""
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, ValueError):
        raise S3Error("InvalidArgument", "The continuation token provided is incorrect",
                      ArgumentName="continuation-token") from None


@handles(Op.ListBuckets)
async def list_buckets(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
    Owner, then Buckets (Name, CreationDate, BucketRegion, BucketArn), then Prefix and
    ContinuationToken: the order S3 sends (recorded in versitygw#1399; botocore's Bucket shape).
    BucketRegion only once any of the four parameters is sent ("If the request contains at least
    one valid parameter, it is included in the response", API_Bucket.html)."""
    q = ctx.query
    limit = _max_buckets(q.get("max-buckets"))
    region = _region(q.get("bucket-region"), ctx.settings.region)
    me = ctx.principal.canonical_id
    if me is None:
        raise S3Error("AccessDenied")
    after, prefix = _after(q.get("continuation-token")), q.get("prefix", "")
    buckets = [b for b in ctx.store.list_buckets() if b.owner == me and b.name > after
               and b.name.startswith(prefix) and (region is None or b.region == region)]
    page = buckets[:limit]
    paged = any(p in q for p in _PAGING)

    def entry(b) -> list:
        out = [("Name", b.name), ("CreationDate", iso8601(b.created))]
        if paged:
            out.append(("BucketRegion", b.region))
        return out + [("BucketArn", f"arn:aws:s3:::{b.name}")]

    content: list = [("Owner", owner_element(me, ctx)),
                     ("Buckets", [("Bucket", entry(b)) for b in page])]
    if "prefix" in q:
        content.append(("Prefix", prefix))
    if len(buckets) > limit:
        content.append(("ContinuationToken", _token(page[-1].name)))
    return xml_response("ListAllMyBucketsResult", content)

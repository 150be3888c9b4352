"""AWS Signature Version 2 for S3 (Authorization `AWS key:signature` and presigned
AWSAccessKeyId/Signature/Expires), still produced by older clients. Pure: no aiohttp, no I/O.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timezone
from typing import Iterable, Mapping

from s3mock.errors import S3Error, invalid_date

MAX_SKEW = 15 * 60

SUBRESOURCES = frozenset(
    "accelerate acl analytics cors defaultObjectAcl delete inventory lifecycle location logging metrics "
    "notification object-lock partNumber policy replication requestPayment select select-type storageClass "
    "response-cache-control response-content-disposition response-content-encoding "
    "response-content-language response-content-type response-expires restore tagging torrent "
    "uploadId uploads versionId versioning versions website".split())


def parse_header(auth: str) -> tuple[str, str]:
    """`AWS <key>:<signature>` -> (key, signature), or S3's 400 InvalidArgument, with S3's
    messages: `AWS invalid` recorded on AWS in storj/edge#142 (two spaces included), the spacing
    one quoted from S3 by an AWS SDK error in laurilehmijoki/s3_website#178."""
    rest = auth[4:]
    if " " in rest:
        message = "Authorization header is invalid -- one and only one ' ' (space) required"
    else:
        key, colon, signature = rest.partition(":")
        if colon and signature and ":" not in signature:
            return key, signature
        message = "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature"
    raise S3Error("InvalidArgument", message, ArgumentName="Authorization", ArgumentValue=auth)


def check_date(headers: Mapping[str, str], now: float) -> None:
    """The request's time: x-amz-date when the header is sent, even empty, else Date ("When an
    x-amz-date header is present in a request, the system will ignore any Date header",
    RESTAuthentication.html). A date S3 cannot read, or one before 1970, is AccessDenied (s3-tests'
    *_bad_date_before_epoch_aws2, recorded with boto2 when the date reached the wire);
    one more than 15 minutes away is RequestTimeTooSkewed."""
    from email.utils import parsedate_to_datetime
    value = headers["x-amz-date"] if "x-amz-date" in headers else headers.get("Date")
    try:
        t = parsedate_to_datetime(value).timestamp() if value else -1.0
    except (TypeError, ValueError, OverflowError):       # OverflowError: a year like 99999999999
        t = -1.0
    if t < 0:
        raise invalid_date()
    if abs(now - t) > MAX_SKEW:
        raise S3Error("RequestTimeTooSkewed", RequestTime=value, ServerTime=_iso(now),
                      MaxAllowedSkewMilliseconds=MAX_SKEW * 1000)


def string_to_sign(method: str, headers: Mapping[str, str], resource_path: str,
                   query_pairs: Iterable[tuple[str, str]], expires: str | None = None) -> str:
    """`resource_path` is /bucket/key as sent (still percent-encoded), path style."""
    amz: dict[str, list[str]] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower.startswith("x-amz-"):
            # Trimmed only: S3 unfolds folded lines but keeps runs of spaces inside a value.
            amz.setdefault(lower, []).append(value.strip())
    date = expires if expires is not None else ("" if "x-amz-date" in amz else headers.get("Date", ""))
    amz_lines = "".join(f"{k}:{','.join(v)}\n" for k, v in sorted(amz.items()))
    subs = sorted((k, v) for k, v in query_pairs if k in SUBRESOURCES)
    resource = resource_path
    if subs:
        resource += "?" + "&".join(f"{k}={v}" if v else k for k, v in subs)
    return (f"{method}\n{headers.get('Content-MD5', '')}\n{headers.get('Content-Type', '')}\n"
            f"{date}\n{amz_lines}{resource}")


def sign(secret: str, sts: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), sts.encode("utf-8", "surrogateescape"), hashlib.sha1).digest()).decode()


def verify(access_key: str, secret: str, provided: str, sts: str) -> None:
    if not hmac.compare_digest(sign(secret, sts).encode(), provided.encode("utf-8", "surrogateescape")):
        raise S3Error("SignatureDoesNotMatch", AWSAccessKeyId=access_key, StringToSign=sts,
                      SignatureProvided=provided,
                      StringToSignBytes=" ".join(f"{b:02x}" for b in sts.encode("utf-8", "surrogateescape")))


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_expires(expires: str, now: float) -> None:
    """A presigned URL's Expires (seconds since 1970): past it, 403 "Request has expired". SigV2
    has no one-week limit: that is X-Amz-Expires' (SigV4)."""
    try:
        when = int(expires)
    except ValueError:
        # Wording as s3rver reproduces S3's.
        raise S3Error("AccessDenied", f"Invalid date (should be seconds since epoch): {expires}") from None
    if now > when:
        raise S3Error("AccessDenied", "Request has expired", Expires=_iso(max(when, 0)), ServerTime=_iso(now))

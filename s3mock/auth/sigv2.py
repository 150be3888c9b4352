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

from s3mock.errors import S3Error

SUBRESOURCES = frozenset(
    "accelerate acl analytics cors defaultObjectAcl delete inventory lifecycle location logging metrics "
    "notification object-lock partNumber policy replication requestPayment select select-type storageClass "
    "response-cache-control response-content-disposition response-content-encoding "
    "response-content-language response-content-type response-expires restore tagging torrent "
    "uploadId uploads versionId versioning versions website".split())


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


def check_expires(expires: str, now: float) -> None:
    try:
        when = int(expires)
    except ValueError:
        raise S3Error("AccessDenied", "Query-string authentication requires the Signature, Expires "
                      "and AWSAccessKeyId parameters") from None
    if now > when:
        iso = lambda t: datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        raise S3Error("AccessDenied", "Request has expired", Expires=iso(max(when, 0)), ServerTime=iso(now))

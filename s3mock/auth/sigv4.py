"""AWS Signature Version 4 for S3: header and presigned-query authentication, chunk and trailer
signatures, and S3's exact errors. Pure: no aiohttp, no I/O.

https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Mapping, NamedTuple
from urllib.parse import quote, unquote

from s3mock.errors import S3Error, invalid_date

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_SKEW = 15 * 60
MAX_EXPIRES = 604800
_DATE = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class Credential:
    access_key: str
    date: str          # YYYYMMDD
    region: str
    service: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


class Signed(NamedTuple):      # built per request: cheaper than a frozen dataclass
    """What a request claims: parsed from the Authorization header or the presigned query."""
    credential: Credential
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    presigned: bool
    expires: int | None = None


_DAY = re.compile(r"\d{8}")
_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")


def _malformed(message: str) -> S3Error:
    return S3Error("AuthorizationHeaderMalformed", f"The authorization header is malformed; {message}")


# Credentials already found valid: the same few come back on every request.
_valid_credentials: dict[str, Credential] = {}


def parse_credential(value: str, error) -> Credential:
    known = _valid_credentials.get(value)
    if known is not None:
        return known
    parts = value.split("/")
    if len(parts) != 5:
        raise error("the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
    if not _DAY.fullmatch(parts[1]):
        raise error(f"incorrect date format \"{parts[1]}\". This date in the credential must be in the "
                    "format \"yyyyMMdd\".")
    if parts[3] != "s3":
        raise error(f"incorrect service \"{parts[3]}\". This endpoint belongs to \"s3\".")
    if parts[4] != "aws4_request":
        raise error(f"incorrect terminal \"{parts[4]}\". This endpoint uses \"aws4_request\".")
    if len(_valid_credentials) >= 1024:
        _valid_credentials.clear()
    cred = _valid_credentials[value] = Credential(*parts[:4])
    return cred


def parse_header(auth: str, headers: Mapping[str, str]) -> Signed:
    """Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."""
    rest = auth[len(ALGORITHM):].strip()
    fields: dict[str, str] = {}
    for item in rest.split(","):
        name, sep, value = item.strip().partition("=")
        if sep:
            fields[name] = value
    if "Credential" not in fields:
        raise _malformed("missing Credential.")
    cred = parse_credential(fields["Credential"], _malformed)
    if "SignedHeaders" not in fields:
        raise _malformed("missing SignedHeaders.")
    if "Signature" not in fields:
        raise _malformed("missing Signature.")
    amz_date = headers.get("x-amz-date") or ""
    if not amz_date:
        date_header = headers.get("Date")
        if not date_header:
            raise invalid_date()
        amz_date = _from_http_date(date_header)
    return Signed(cred, tuple(fields["SignedHeaders"].split(";")), fields["Signature"], amz_date, False)


def _from_http_date(value: str) -> str:
    from email.utils import parsedate_to_datetime
    try:
        return parsedate_to_datetime(value).astimezone(timezone.utc).strftime(_DATE)
    except (TypeError, ValueError, OverflowError):      # OverflowError: a year like 99999999999
        raise invalid_date() from None


def _query_error(message: str) -> S3Error:
    return S3Error("AuthorizationQueryParametersError", message)


_PRESIGNED_PARAMS = frozenset({"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date",
                               "X-Amz-SignedHeaders", "X-Amz-Expires"})


def parse_query(query: Mapping[str, str]) -> Signed:
    """Presigned URL: X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders, -Signature."""
    if not _PRESIGNED_PARAMS.issubset(query):
        raise _query_error("Query-string authentication version 4 requires the X-Amz-Algorithm, "
                           "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
                           "X-Amz-Expires parameters.")
    if query["X-Amz-Algorithm"] != ALGORITHM:
        # Wording as S3 answers it (versitygw's s3err/presigned-url.go, checked against AWS).
        raise _query_error("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256 and AWS4-ECDSA-P256-SHA256\"")
    cred = parse_credential(query["X-Amz-Credential"],
                            lambda m: _query_error("Error parsing the X-Amz-Credential parameter; " + m))
    try:
        expires = int(query["X-Amz-Expires"])
    except ValueError:
        raise _query_error("X-Amz-Expires should be a number") from None
    if expires < 0:
        raise _query_error("X-Amz-Expires must be non-negative")
    if expires > MAX_EXPIRES:
        # S3's words, recorded in aws-cli#5464 and bryanjos/aws_auth#31.
        raise _query_error("X-Amz-Expires must be less than a week (in seconds); that is, the given "
                           "X-Amz-Expires must be less than 604800 seconds")
    if not _AMZ_DATE.fullmatch(query["X-Amz-Date"]):
        raise _query_error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
    return Signed(cred, tuple(query["X-Amz-SignedHeaders"].split(";")), query["X-Amz-Signature"],
                  query["X-Amz-Date"], True, expires)


def parse_time(amz_date: str) -> float:
    try:
        return datetime.strptime(amz_date, _DATE).replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        raise invalid_date() from None


def check_time(signed: Signed, now: float) -> None:
    """Presigned: not before its date and not after expiry. Header: within 15 minutes."""
    t = parse_time(signed.amz_date)
    server = datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if signed.presigned:
        if now > t + (signed.expires or 0):
            raise S3Error("AccessDenied", "Request has expired", **{
                "X-Amz-Expires": signed.expires,
                "Expires": datetime.fromtimestamp(t + (signed.expires or 0), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "ServerTime": server})
        if t > now + MAX_SKEW:
            raise S3Error("AccessDenied", "Request is not valid yet")
        return
    if abs(now - t) > MAX_SKEW:
        raise S3Error("RequestTimeTooSkewed", RequestTime=signed.amz_date, ServerTime=server,
                      MaxAllowedSkewMilliseconds=MAX_SKEW * 1000)


def canonical_uri(raw_path: str) -> str:
    """Each segment of the decoded path, URI-encoded once (S3 does not normalise or double-encode)."""
    return quote(unquote(raw_path.split("?", 1)[0]), safe="/~")


def canonical_query(pairs: Iterable[tuple[str, str]], presigned: bool) -> str:
    encoded = sorted((quote(k, safe="~"), quote(v, safe="~")) for k, v in pairs
                     if not (presigned and k == "X-Amz-Signature"))
    return "&".join(f"{k}={v}" for k, v in encoded)


def canonical_headers(headers: Mapping[str, str], names: Iterable[str], host: str) -> str:
    lines = []
    for name in names:
        if name == "host":
            value = host
        else:
            values = headers.getall(name, []) if hasattr(headers, "getall") else (
                [headers[name]] if name in headers else [])
            value = ",".join(" ".join(v.split()) for v in values)
        lines.append(f"{name}:{value}\n")
    return "".join(lines)


def canonical_request(method: str, raw_path: str, query_pairs: Iterable[tuple[str, str]],
                      headers: Mapping[str, str], signed: Signed, host: str, payload_hash: str) -> str:
    return "\n".join([
        method, canonical_uri(raw_path), canonical_query(query_pairs, signed.presigned),
        canonical_headers(headers, signed.signed_headers, host), ";".join(signed.signed_headers),
        payload_hash])


def string_to_sign(signed: Signed, creq: str) -> str:
    return "\n".join([ALGORITHM, signed.amz_date, signed.credential.scope,
                      hashlib.sha256(creq.encode("utf-8", "surrogateescape")).hexdigest()])


def signing_key(secret: str, cred: Credential) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (cred.date, cred.region, cred.service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8", "surrogateescape"), hashlib.sha256).digest()
    return key


def sign(key: bytes, sts: str) -> str:
    return hmac.new(key, sts.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()


def _hexbytes(s: str) -> str:
    return " ".join(f"{b:02x}" for b in s.encode("utf-8", "surrogateescape"))


def mismatch(access_key: str, sts: str, provided: str, creq: str) -> S3Error:
    return S3Error("SignatureDoesNotMatch", AWSAccessKeyId=access_key, StringToSign=sts,
                   SignatureProvided=provided, StringToSignBytes=_hexbytes(sts),
                   CanonicalRequest=creq, CanonicalRequestBytes=_hexbytes(creq))


def verify(method: str, raw_path: str, query_pairs: list[tuple[str, str]], headers: Mapping[str, str],
           signed: Signed, secret: str, host: str, now: float) -> bytes:
    """Check a request's signature; returns the signing key (for chunk signatures)."""
    check_time(signed, now)
    if signed.credential.date != signed.amz_date[:8]:
        message = (f'Invalid credential date "{signed.credential.date}". This date is not the same '
                   f'as X-Amz-Date: "{signed.amz_date[:8]}".')
        raise _query_error(message) if signed.presigned else _malformed(message)
    if "host" not in signed.signed_headers:
        raise (_query_error if signed.presigned else _malformed)(
            "Host header is required to be signed" if signed.presigned else "missing Host in SignedHeaders.")
    if signed.presigned:
        payload = "UNSIGNED-PAYLOAD"
        if "x-amz-content-sha256" in signed.signed_headers:
            payload = headers.get("x-amz-content-sha256", payload)
    else:
        payload = headers.get("x-amz-content-sha256")
        if payload is None:
            raise S3Error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
    creq = canonical_request(method, raw_path, query_pairs, headers, signed, host, payload)
    sts = string_to_sign(signed, creq)
    key = signing_key(secret, signed.credential)
    if not hmac.compare_digest(sign(key, sts).encode(), signed.signature.encode("utf-8", "surrogateescape")):
        raise mismatch(signed.credential.access_key, sts, signed.signature, creq)
    return key


class ChunkVerifier:
    """Per-chunk signatures of STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] bodies, chained from the
    seed (the request's own signature)."""

    def __init__(self, key: bytes, signed: Signed):
        self.key = key
        self.signed = signed
        self.previous = signed.signature

    def chunk(self, signature: str | None, data: bytes) -> None:
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", self.signed.amz_date, self.signed.credential.scope,
                         self.previous, EMPTY_SHA256, hashlib.sha256(data).hexdigest()])
        expected = sign(self.key, sts)
        if signature is None or not hmac.compare_digest(expected, signature):
            raise S3Error("SignatureDoesNotMatch")
        self.previous = expected

    def trailer(self, signature: str | None, trailer_bytes: bytes) -> None:
        sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", self.signed.amz_date, self.signed.credential.scope,
                         self.previous, hashlib.sha256(trailer_bytes).hexdigest()])
        if signature is None or not hmac.compare_digest(sign(self.key, sts), signature):
            raise S3Error("SignatureDoesNotMatch")

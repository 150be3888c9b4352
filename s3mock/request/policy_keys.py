"""A request's condition keys for bucket policies, computed only when a statement's Condition asks
for one (a bucket without a policy never builds them). The keys S3 documents:
https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html, the global keys
of https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html, and
the Signature Version 4 keys of API/bucket-policy-s3-sigv4-conditions.html."""

from __future__ import annotations

import calendar
import math
import time
from datetime import datetime
from typing import Callable, Mapping, Sequence
from urllib.parse import parse_qsl, unquote

from s3mock.auth.identity import Principal, User, account_id_of
from s3mock.operations import Op
from s3mock.request.ctx import Ctx
from s3mock.storage.base import Bucket, ObjectMeta

Values = Sequence[str] | None
Keys = Callable[[str], Values]

SIGV4, SIGV2 = "AWS4-HMAC-SHA256", "AWS"
HEADER, QUERY, POST = "REST-HEADER", "REST-QUERY-STRING", "POST"

# s3:<header> keys whose value is the request header's, as sent (userguide/amazon-s3-policy-keys.html).
_HEADER_KEYS = {f"s3:{h}": h for h in (
    "x-amz-acl", "x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
    "x-amz-grant-write-acp", "x-amz-grant-full-control", "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-metadata-directive", "x-amz-storage-class", "x-amz-content-sha256",
    "x-amz-website-redirect-location", "x-amz-object-ownership")}
_LOCK_KEYS = {"s3:object-lock-mode": "x-amz-object-lock-mode",
              "s3:object-lock-retain-until-date": "x-amz-object-lock-retain-until-date",
              "s3:object-lock-legal-hold": "x-amz-object-lock-legal-hold"}
_HEADERS = {**_HEADER_KEYS, **_LOCK_KEYS}
# The list operations' query keys (s3:ListBucket, s3:ListBucketVersions).
_LIST_KEYS = {"s3:prefix": "prefix", "s3:delimiter": "delimiter", "s3:max-keys": "max-keys"}
_LISTS = frozenset({Op.ListObjects, Op.ListObjectsV2, Op.ListObjectVersions})
# s3:if-match / s3:if-none-match: conditional writes (userguide/conditional-writes-enforce.html).
_CONDITIONAL_WRITES = frozenset({Op.PutObject, Op.CompleteMultipartUpload})
_COPIES = frozenset({Op.CopyObject, Op.UploadPartCopy})
_EXISTING_TAG, _REQUEST_TAG = "s3:existingobjecttag/", "s3:requestobjecttag/"


def signing(ctx: Ctx) -> tuple[str, str, str | None] | None:
    """(s3:signatureversion, s3:authType, the signing time as sent) of a signed request, None for
    an anonymous one. Read from the request in authenticate()'s order: a non-empty Authorization
    header, else a presigned SigV4 query, else a presigned SigV2 one."""
    if ctx.principal.user is None:
        return None
    auth = ctx.headers.get("Authorization")
    if auth:
        if auth.startswith(SIGV4):
            return SIGV4, HEADER, ctx.headers.get("x-amz-date")
        return SIGV2, HEADER, None
    q = ctx.query
    if "X-Amz-Algorithm" in q or "X-Amz-Credential" in q:
        return SIGV4, QUERY, q.get("X-Amz-Date")
    if "AWSAccessKeyId" in q:
        return SIGV2, QUERY, None
    return None     # a POST form's signer: the handler passes its keys in (`extra`)


def _amz_date_seconds(value: str) -> float | None:
    """An x-amz-date (20130524T000000Z) as epoch seconds."""
    try:
        return float(calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ")))
    except (ValueError, OverflowError):
        return None


class RequestKeys:
    """Keys(name) -> values: one request's condition keys, each computed when asked. `extra`
    supplies keys only the handler knows (a body's or a POST form's: "s3:locationconstraint",
    "s3:object-lock-mode" of PutObjectRetention, "s3:authtype" POST, ...), normalized as asked."""
    __slots__ = ("ctx", "obj", "bucket", "request_tags", "extra", "_now", "user", "_tags")

    def __init__(self, ctx: Ctx, obj, bucket: Bucket | None = None,
                 request_tags: Mapping[str, str] | None = None,
                 extra: Mapping[str, Sequence[str]] | None = None, now: float | None = None,
                 principal: Principal | None = None) -> None:
        self.ctx, self.obj, self.bucket = ctx, obj, bucket
        self.user: User | None = (principal or ctx.principal).user
        self.request_tags = request_tags
        self.extra = extra
        self._now = now
        self._tags: Mapping[str, str] | None = request_tags

    @property
    def now(self) -> float:
        """The request's time, read once when a key first needs it (most requests never do)."""
        if self._now is None:
            self._now = time.time()
        return self._now

    def __call__(self, name: str) -> Values:
        if self.extra is not None and name in self.extra:
            return self.extra[name]
        header = _HEADERS.get(name)
        if header is not None:
            return _header(self.ctx, header)
        fixed = _FIXED.get(name)
        if fixed is not None:
            return fixed(self)
        if name in _LIST_KEYS:
            if self.ctx.op not in _LISTS or _LIST_KEYS[name] not in self.ctx.query:
                return None
            return (self.ctx.query[_LIST_KEYS[name]],)
        if name.startswith(_EXISTING_TAG):
            if callable(self.obj):      # read only now that a condition asks (see keys())
                self.obj = self.obj()
            value = self.obj.tags.get(name[len(_EXISTING_TAG):]) if self.obj is not None else None
            return None if value is None else (value,)
        if name.startswith(_REQUEST_TAG):
            value = self.tags().get(name[len(_REQUEST_TAG):])
            return None if value is None else (value,)
        return None

    def tags(self) -> Mapping[str, str]:
        """The tag set the request writes: PutObjectTagging's body (handed in), else x-amz-tagging."""
        if self._tags is None:
            raw = self.ctx.headers.get("x-amz-tagging")
            self._tags = dict(parse_qsl(raw, keep_blank_values=True)) if raw is not None else {}
        return self._tags

    def resource_account(self) -> Values:
        b = self.bucket
        if b is None and self.ctx.bucket is not None:
            b = self.bucket = self.ctx.store.get_bucket(self.ctx.bucket)
        return None if b is None else (account_id_of(b.owner),)


def _header(ctx: Ctx, name: str) -> Values:
    value = ctx.headers.get(name)
    return None if value is None else (value,)


def _user_value(get: Callable) -> Callable[[RequestKeys], Values]:
    def key(k: RequestKeys) -> Values:
        return None if k.user is None else (get(k.user),)
    return key


def _principal_type(k: RequestKeys) -> Values:
    # Every s3mock user is an account's root: "Account" (IAM's principal key values table).
    return ("Anonymous",) if k.user is None else ("Account",)


def _signed(k: RequestKeys, value: str) -> Values:
    return None if k.user is None else (value,)


def _signature_version(k: RequestKeys) -> Values:
    how = signing(k.ctx) if k.user is not None else None
    return None if how is None else (how[0],)


def _auth_type(k: RequestKeys) -> Values:
    how = signing(k.ctx) if k.user is not None else None
    return None if how is None else (how[1],)


def _signature_age(k: RequestKeys) -> Values:
    """Milliseconds since a presigned URL was signed; "works only for presigned URLs", and is
    always 0 for Signature Version 2 (API/bucket-policy-s3-sigv4-conditions.html)."""
    how = signing(k.ctx) if k.user is not None else None
    if how is None or how[1] != QUERY:
        return None
    if how[0] == SIGV2:
        return ("0",)
    signed = _amz_date_seconds(how[2] or "")
    return None if signed is None else (str(max(0, int((k.now - signed) * 1000))),)


def _tls_version(k: RequestKeys) -> Values:
    transport = k.ctx.request.transport
    ssl = transport.get_extra_info("ssl_object") if transport is not None else None
    version = ssl.version() if ssl is not None else None      # "TLSv1.3"
    return None if not version or not version.startswith("TLSv") else (version[4:],)


def _copy_source(k: RequestKeys) -> Values:
    """The copy source as the policy examples write it, bucket/key: without the leading "/" and
    percent-decoded, as S3 reads the header."""
    if k.ctx.op not in _COPIES:
        return None
    raw = k.ctx.headers.get("x-amz-copy-source")
    if raw is None:
        return None
    source = raw.partition("?")[0]          # ?versionId= names the version, not the object
    return (unquote(source[1:] if source.startswith("/") else source),)


def _conditional(header: str) -> Callable[[RequestKeys], Values]:
    def key(k: RequestKeys) -> Values:
        return _header(k.ctx, header) if k.ctx.op in _CONDITIONAL_WRITES else None
    return key


def _remaining_retention_days(k: RequestKeys) -> Values:
    """Whole days (rounded up) from now to x-amz-object-lock-retain-until-date."""
    until = k.ctx.headers.get("x-amz-object-lock-retain-until-date")
    try:
        parsed = datetime.fromisoformat(until.replace("Z", "+00:00")).timestamp() if until else None
    except ValueError:
        return None
    return None if parsed is None else (str(max(0, math.ceil((parsed - k.now) / 86400))),)


def _request_tag_keys(k: RequestKeys) -> Values:
    """The keys of the tag set the request writes (a multivalued key); absent when it writes none."""
    if k.request_tags is None and "x-amz-tagging" not in k.ctx.headers:
        return None
    return tuple(k.tags())


_FIXED: dict[str, Callable[[RequestKeys], Values]] = {
    "aws:sourceip": lambda k: None if k.ctx.request.remote is None else (k.ctx.request.remote,),
    "aws:securetransport": lambda k: ("true",) if k.ctx.request.secure else ("false",),
    "aws:referer": lambda k: _header(k.ctx, "Referer"),
    "aws:useragent": lambda k: _header(k.ctx, "User-Agent"),
    "aws:currenttime": lambda k: (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(k.now)),),
    "aws:epochtime": lambda k: (str(int(k.now)),),
    "aws:requestedregion": lambda k: (k.ctx.settings.region,),
    "aws:principalarn": _user_value(lambda u: u.arn),
    "aws:principalaccount": _user_value(lambda u: u.account_id),
    "aws:userid": _user_value(lambda u: u.account_id),     # a root's user id is its account id
    "aws:principaltype": _principal_type,
    "aws:principalisawsservice": lambda k: _signed(k, "false"),
    "aws:viaawsservice": lambda k: ("false",),
    "aws:resourceaccount": RequestKeys.resource_account,
    "s3:resourceaccount": RequestKeys.resource_account,
    "s3:signatureversion": _signature_version,
    "s3:authtype": _auth_type,
    "s3:signatureage": _signature_age,
    "s3:tlsversion": _tls_version,
    "s3:x-amz-copy-source": _copy_source,
    "s3:versionid": lambda k: (k.ctx.query["versionId"],) if "versionId" in k.ctx.query else None,
    "s3:if-match": _conditional("If-Match"),
    "s3:if-none-match": _conditional("If-None-Match"),
    "s3:object-lock-remaining-retention-days": _remaining_retention_days,
    "s3:requestobjecttagkeys": _request_tag_keys,
}


def keys(ctx: Ctx, obj: ObjectMeta | None | Callable[[], ObjectMeta | None], *,
         bucket: Bucket | None = None,
         request_tags: Mapping[str, str] | None = None,
         extra: Mapping[str, Sequence[str]] | None = None,
         principal: Principal | None = None) -> Keys:
    """The request's condition keys, each computed when first asked for. obj: the object whose
    tags s3:ExistingObjectTag/<key> reads; bucket: its owner is s3:ResourceAccount (read from the
    store when not given); request_tags: PutObjectTagging's parsed body (or a POST form's
    tagging); principal: who the keys describe when not ctx.principal (a POST form's signer).
    obj may be a function that reads it: called once, when a condition first asks for a tag."""
    return RequestKeys(ctx, obj, bucket, request_tags, extra, principal=principal)


def post_form_keys(fields: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """PostObject's keys from its form (pass as `extra`): s3:authType POST and the signature
    version of a signed form, and the form's fields that stand for headers (acl is x-amz-acl)."""
    lower = {name.lower(): value for name, value in fields.items()}
    out: dict[str, tuple[str, ...]] = {}
    if "x-amz-algorithm" in lower or "awsaccesskeyid" in lower:
        out["s3:authtype"] = (POST,)
        out["s3:signatureversion"] = (SIGV4,) if "x-amz-algorithm" in lower else (SIGV2,)
    if "acl" in lower:
        out["s3:x-amz-acl"] = (lower["acl"],)
    for key, header in (*_HEADER_KEYS.items(), *_LOCK_KEYS.items()):
        if header in lower and header != "x-amz-content-sha256":
            out[key] = (lower[header],)
    return out

"""POST Object: browser form uploads (multipart/form-data) to the bucket URL, authorised by the
form's own signed policy (or anonymous, on a publicly writable bucket).

https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-UsingHTTPPOST.html
The policy language and the signature are pure logic in auth/post_policy.py.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import AsyncIterator
from urllib.parse import quote, urlencode, urlsplit

from aiohttp import web
from aiohttp.helpers import parse_mimetype
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.multipart import BodyPartReader, MultipartReader

from s3mock import notify, tags, xml
from s3mock.auth import acl, post_policy
from s3mock.auth.identity import User
from s3mock.errors import S3Error
from s3mock.handlers.registry import handles
from s3mock.request.ctx import Ctx
from s3mock.request.access import ANONYMOUS_ID, authorize_post_object, new_object_acl
from s3mock.request.body import MAX_OBJECT_SIZE, send_continue
from s3mock.request.common import CONTENT_HEADERS, check_key, checksum_headers, quoted, user_metadata
from s3mock.request.integrity import Integrity, from_form
from s3mock.operations import Op, is_virtual_host
from s3mock.storage.base import Bucket, Digest, ObjectMeta

# "The form data and boundaries (excluding the contents of the file) cannot exceed 20KB";
# recorded as MaxPostPreDataLengthBytes 20480.
MAX_PRE_DATA = 20480
CHUNK = 256 * 1024
_FILENAME = re.compile(r'(?:^|;)\s*filename\s*=\s*(?:"([^"]*)"|([^;\s]*))', re.IGNORECASE)


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)    # lower-case name -> value
    names: dict[str, str] = field(default_factory=dict)     # lower-case name -> as sent
    file: BodyPartReader | None = None
    filename: str | None = None


def _malformed() -> S3Error:
    return S3Error("MalformedPOSTRequest")


def _boundary(ctx: Ctx) -> str:
    return parse_mimetype(ctx.headers.get("Content-Type", "")).parameters.get("boundary", "")


async def _reader(ctx: Ctx) -> MultipartReader:
    ctype = ctx.headers.get("Content-Type", "")
    if ctype.split(";", 1)[0].strip().lower() != "multipart/form-data":
        # Recorded (LocalStack, AWS-validated): 412 with a Condition, not the documented code.
        raise S3Error("PreconditionFailed", Condition="Bucket POST must be of the enclosure-type "
                      "multipart/form-data")
    try:
        reader = await ctx.request.multipart()
    except (ValueError, AssertionError):
        raise _malformed() from None      # no boundary, or an invalid one
    return reader


async def _read_form(reader: MultipartReader, boundary: int) -> Form:
    """The fields before the `file` part (bounded), and the file part itself, unread.
    `boundary`: the bytes a delimiter line takes, counted against the 20 KB limit."""
    form, used = Form(), 0
    while True:
        part = await reader.next()
        if part is None:
            return form
        if not isinstance(part, BodyPartReader):
            raise _malformed()
        used += boundary + sum(len(k) + len(v) + 4 for k, v in part.headers.items())
        name = part.name
        if name is not None and name.lower() == "file":
            form.file, form.filename = part, _filename(part.headers.get("Content-Disposition", ""))
            return form
        value = bytearray()
        while True:
            data = await part.read_chunk(8192)
            if not data:
                break
            value += data
            if used + len(value) > MAX_PRE_DATA:
                raise S3Error("MaxPostPreDataLengthExceeded", MaxPostPreDataLengthBytes=MAX_PRE_DATA)
        used += len(value)
        if used > MAX_PRE_DATA:
            raise S3Error("MaxPostPreDataLengthExceeded", MaxPostPreDataLengthBytes=MAX_PRE_DATA)
        if not name:
            continue
        text = value.decode("utf-8", "replace")
        lower = name.lower()
        # Repeated fields: their values joined by commas (HTTPPOSTForms).
        form.fields[lower] = f"{form.fields[lower]},{text}" if lower in form.fields else text
        form.names.setdefault(lower, name)


def _filename(disposition: str) -> str | None:
    """The raw filename parameter. Browsers escape only CR, LF and `"` (as %0D %0A %22, WHATWG
    HTML); a backslash is a Windows path separator, not the quoted-pair escape aiohttp decodes."""
    m = _FILENAME.search(disposition)
    if m is None:
        return None
    return m.group(1) if m.group(1) is not None else m.group(2)


def _expand(form: Form) -> None:
    """${filename}: the file's name after its last / or \\, in every field (before the policy is
    checked). A file part without a filename parameter leaves it as is (recorded)."""
    if form.filename is None:
        return
    base = form.filename.replace("\\", "/").rsplit("/", 1)[-1]
    for name, value in form.fields.items():
        if "${filename}" in value:
            form.fields[name] = value.replace("${filename}", base)


def _authorise(ctx: Ctx, form: Form, bucket: Bucket) -> tuple[User | None, tuple[int, int] | None]:
    """The signer (None: anonymous) after the signature and the policy are checked, and the
    policy's content-length-range."""
    who = post_policy.signer(form.fields)
    if who is None:
        # Unsigned form: anonymous, unless the request itself was signed (header SigV4/SigV2).
        user = ctx.principal.user
    else:
        user = ctx.settings.users_by_key.get(who.access_key)
        strict = ctx.settings.auth == "strict"
        if user is None:
            if strict:
                raise S3Error("InvalidAccessKeyId", AWSAccessKeyId=who.access_key)
            user = ctx.settings.owner
        if strict:
            post_policy.verify(who, user.secret_key, form.fields["policy"])
    authorize_post_object(ctx, user, bucket, form.fields)
    if who is None:
        return user, None
    policy = post_policy.decode(form.fields["policy"])
    return user, post_policy.check(policy, form.fields, bucket.name, time.time(), form.names)


def _new_meta(ctx: Ctx, form: Form, key: str, user: User | None, bucket: Bucket) -> ObjectMeta:
    f = form.fields
    asked = {"x-amz-acl": f["acl"]} if "acl" in f else {}
    asked.update({n: v for n, v in f.items() if n in acl.GRANT_HEADERS})
    owner, policy = new_object_acl(ctx, bucket, user.canonical_id if user else ANONYMOUS_ID, asked)
    return ObjectMeta(
        bucket=ctx.bucket or "", key=key, size=0, etag="", mtime=time.time(), owner=owner,
        content_type=f.get("content-type"),
        headers={h: f[h.lower()] for h in CONTENT_HEADERS if h.lower() in f},
        metadata=user_metadata({n: v for n, v in f.items() if n.startswith("x-amz-meta-")}),
        acl=policy,
        tags=tags.parse_document(f["tagging"].encode()) if f.get("tagging") else {})


class _File:
    """The form's file part as the store reads it (past `limit` bytes counted, not handed on),
    and its check: the policy's content-length-range, then the form's integrity fields."""

    def __init__(self, part: BodyPartReader, limit: int, length_range: tuple[int, int] | None,
                 want: Integrity):
        self.part, self.limit, self.length_range, self.want = part, limit, length_range, want
        self.size = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            try:
                data = await self.part.read_chunk(CHUNK)
            except (ValueError, AssertionError, HttpProcessingError):
                raise _malformed() from None
            if not data:
                return
            self.size += len(data)
            if self.size <= self.limit:
                yield data
            elif self.size > MAX_OBJECT_SIZE:
                raise S3Error("EntityTooLarge", ProposedSize=self.size, MaxSizeAllowed=self.limit)

    @property
    def algorithms(self) -> list[str]:
        return self.want.algorithms

    def verify(self, digest: Digest) -> dict[str, str]:
        if self.length_range is not None:
            lo, hi = self.length_range
            if self.size > hi:
                raise S3Error("EntityTooLarge", ProposedSize=self.size, MaxSizeAllowed=hi)
            if self.size < lo:
                raise S3Error("EntityTooSmall", ProposedSize=self.size, MinSizeAllowed=lo)
        return self.want.verify(digest)


def _location(ctx: Ctx, key: str) -> str:
    """The object's URL, its key percent-encoded with `/` as %2F (recorded PostResponse bodies)."""
    req = ctx.request
    base = f"{req.scheme}://{req.host}"
    if not is_virtual_host(req.host, ctx.settings.domain):
        base += "/" + quote(ctx.bucket or "", safe="")
    return f"{base}/{quote(key, safe='')}"


def _respond(ctx: Ctx, form: Form, meta: ObjectMeta) -> web.Response:
    location = _location(ctx, meta.key)
    headers = {"ETag": quoted(meta.etag), "Location": location,
               "x-amz-server-side-encryption": "AES256"}
    headers.update(checksum_headers(meta.checksums, meta.checksum_type))
    if meta.version_id != "null":
        headers["x-amz-version-id"] = meta.version_id     # as PutObject (UNVERIFIED on AWS)
    redirect = form.fields.get("success_action_redirect", form.fields.get("redirect"))
    if redirect:
        parts = urlsplit(redirect)
        if parts.scheme in ("http", "https") and parts.netloc:
            # "Amazon S3 appends the bucket, key, and etag values as query string parameters";
            # recorded form-encoded: key's / as %2F, space as +, etag as %22...%22.
            query = urlencode([("bucket", meta.bucket), ("key", meta.key), ("etag", quoted(meta.etag))])
            sep = "" if redirect.endswith(("?", "&")) else ("&" if parts.query or "?" in redirect else "?")
            headers["Location"] = redirect + sep + query
            return web.Response(status=303, headers=headers)
        # S3 quirk: a URL it cannot interpret is as if the field were absent.
    status = form.fields.get("success_action_status")
    if status == "201":
        body = xml.render("PostResponse", [("Location", location), ("Bucket", meta.bucket),
                                           ("Key", meta.key), ("ETag", quoted(meta.etag))],
                          namespace=False)
        return web.Response(status=201, body=body, headers=headers, content_type="application/xml")
    return web.Response(status=200 if status == "200" else 204, headers=headers)


@handles(Op.PostObject)
async def post_object(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html"""
    bucket = ctx.require_bucket()
    reader = await _reader(ctx)
    await send_continue(ctx)
    try:
        form = await _read_form(reader, len(_boundary(ctx)) + 6)
    except (ValueError, AssertionError, HttpProcessingError):
        raise _malformed() from None
    if form.file is None:
        raise S3Error("InvalidArgument", "POST requires exactly one file upload per request.",
                      ArgumentName="file", ArgumentValue=0)
    _expand(form)
    key = form.fields.get("key", "")
    if not key:
        raise S3Error("InvalidArgument", "Bucket POST must contain a field named 'key'.  If it is "
                      "specified, please check the order of the fields.", ArgumentName="key",
                      ArgumentValue="")
    check_key(key)
    user, length_range = _authorise(ctx, form, bucket)
    meta = _new_meta(ctx, form, key, user, bucket)
    limit = length_range[1] if length_range is not None else MAX_OBJECT_SIZE
    file = _File(form.file, max(limit, 0), length_range, from_form(form.fields))
    meta.checksum_type = "FULL_OBJECT"
    await ctx.store.put_object(meta, file, 0, file)
    notify.emit(ctx, "ObjectCreated:Post", meta.key, size=meta.size, etag=meta.etag,
                version_id=meta.version_id, bucket=bucket)
    return _respond(ctx, form, meta)

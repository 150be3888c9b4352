"""Listing keys: ListObjects, ListObjectsV2 and ListObjectVersions (every version is `null`)."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote_plus

from aiohttp import web

from s3mock import xml
from s3mock.errors import S3Error
from s3mock.handlers import Ctx, handles
from s3mock.handlers.common import int_arg, xml_response
from s3mock.handlers.service import owner_element
from s3mock.operations import Op
from s3mock.storage.base import Listed


def _plain(s: str) -> str:
    return s


def _url(s: str | None) -> str | None:
    return None if s is None else quote_plus(s, safe="/~-_.")


# A character _url changes (quote_plus leaves letters, digits and "/~-_." as they are).
_URL_CHANGES = re.compile(r"[^A-Za-z0-9/~_.-]")


def encoder(ctx: Ctx):
    kind = ctx.query.get("encoding-type")
    if kind is None:
        return _plain
    if kind != "url":
        raise S3Error("InvalidArgument", "Invalid Encoding Method specified in Request",
                      ArgumentName="encoding-type", ArgumentValue=kind)
    return _url


def _as_is(keys: list[str], enc) -> bool:
    """Whether every key goes into the page unchanged: nothing to encode and nothing to escape."""
    joined = "".join(keys)
    if enc is _plain:
        return "&" not in joined and "<" not in joined and ">" not in joined
    return enc is _url and _URL_CHANGES.search(joined) is None


def _owner_xml(canonical_id: str, ctx: Ctx) -> str:
    return "<Owner>" + "".join(f"<{t}>{xml.text_of(v)}</{t}>"
                               for t, v in owner_element(canonical_id, ctx)) + "</Owner>"


def _entries(ctx: Ctx, page: Listed, enc, owner: bool, tag: str = "Contents",
             version: str = "") -> xml.Raw:
    """Every entry of a page: a page holds a thousand of them, and each is its key plus the entry
    stored with the row (listing_entry). Keys are encoded and escaped one by one only when one
    of them needs it."""
    rows = page.entries
    keys = [row[0] for row in rows]
    if not _as_is(keys, enc):
        keys = [xml.text_of(enc(key)) for key in keys]
    if not owner:
        return xml.Raw([f"<{tag}><Key>{key}</Key>{version}{entry}</{tag}>"
                        for key, (_, _, entry) in zip(keys, rows)])
    owners = {who: _owner_xml(who, ctx) for who in {row[1] for row in rows}}
    return xml.Raw([f"<{tag}><Key>{key}</Key>{version}{entry}{owners[who]}</{tag}>"
                    for key, (_, who, entry) in zip(keys, rows)])


def _page(ctx: Ctx, after: str, owners: bool = True):
    q = ctx.query
    limit = int_arg(q, "max-keys", 1000, 0, 1000)
    prefix, delimiter = q.get("prefix", ""), q.get("delimiter", "")
    return ctx.store.list_objects(ctx.bucket or "", prefix, delimiter, after, limit, owners), limit


def _common(page: Listed, enc) -> list:
    return [("CommonPrefixes", [("Prefix", enc(p))]) for p in page.prefixes]


@handles(Op.ListObjects)
async def list_objects(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html"""
    ctx.require_bucket()
    q, enc = ctx.query, encoder(ctx)
    marker = q.get("marker", "")
    page, limit = _page(ctx, marker)
    content: list = [("Name", ctx.bucket), ("Prefix", enc(q.get("prefix", ""))),
                     ("Marker", enc(marker)), ("MaxKeys", limit)]
    if "delimiter" in q:
        content.append(("Delimiter", enc(q["delimiter"])))
    content.append(("IsTruncated", page.truncated))
    if page.truncated and q.get("delimiter"):
        content.append(("NextMarker", enc(page.last)))
    content.append((None, _entries(ctx, page, enc, True)))
    content += _common(page, enc)
    if "encoding-type" in q:
        content.append(("EncodingType", q["encoding-type"]))
    return xml_response("ListBucketResult", content)


def _token(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode("utf-8", "surrogatepass")).decode()


def _untoken(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode("utf-8", "surrogatepass")
    except (binascii.Error, ValueError):
        raise S3Error("InvalidArgument", "The continuation token provided is incorrect",
                      ArgumentName="continuation-token", ArgumentValue=token) from None


@handles(Op.ListObjectsV2)
async def list_objects_v2(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html"""
    ctx.require_bucket()
    q, enc = ctx.query, encoder(ctx)
    if q.get("list-type") != "2":
        raise S3Error("InvalidArgument", "Invalid List Type specified in Request",
                      ArgumentName="list-type", ArgumentValue=q.get("list-type"))
    token = q.get("continuation-token")
    start_after = q.get("start-after", "")
    after = _untoken(token) if token is not None else start_after
    if token is not None and start_after > after:
        after = start_after
    owner = q.get("fetch-owner", "").lower() == "true"
    page, limit = _page(ctx, after, owner)
    content: list = [("Name", ctx.bucket), ("Prefix", enc(q.get("prefix", "")))]
    if "delimiter" in q:
        content.append(("Delimiter", enc(q["delimiter"])))
    content += [("MaxKeys", limit), ("KeyCount", len(page.entries) + len(page.prefixes)),
                ("IsTruncated", page.truncated)]
    if token is not None:
        content.append(("ContinuationToken", token))
    if page.truncated and page.last is not None:
        content.append(("NextContinuationToken", _token(page.last)))
    if "start-after" in q:
        content.append(("StartAfter", enc(start_after)))
    content.append((None, _entries(ctx, page, enc, owner)))
    content += _common(page, enc)
    if "encoding-type" in q:
        content.append(("EncodingType", q["encoding-type"]))
    return xml_response("ListBucketResult", content)


@handles(Op.ListObjectVersions)
async def list_object_versions(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
    The bucket is never versioned: each object is its only version, `null`."""
    ctx.require_bucket()
    q, enc = ctx.query, encoder(ctx)
    key_marker = q.get("key-marker", "")
    version_marker = q.get("version-id-marker", "")
    if version_marker and not key_marker:
        raise S3Error("InvalidArgument", "A version-id marker cannot be specified without a key marker.",
                      ArgumentName="version-id-marker", ArgumentValue=version_marker)
    limit = int_arg(q, "max-keys", 1000, 0, 1000)
    # After key-marker with version `null` (the only version) comes the next key.
    page = ctx.store.list_objects(ctx.bucket or "", q.get("prefix", ""), q.get("delimiter", ""),
                                  key_marker, limit)
    content: list = [("Name", ctx.bucket), ("Prefix", enc(q.get("prefix", ""))),
                     ("KeyMarker", enc(key_marker)), ("VersionIdMarker", version_marker),
                     ("MaxKeys", limit)]
    if "delimiter" in q:
        content.append(("Delimiter", enc(q["delimiter"])))
    content.append(("IsTruncated", page.truncated))
    if page.truncated:
        content.append(("NextKeyMarker", enc(page.last)))
        if page.entries and page.last == page.entries[-1][0]:
            content.append(("NextVersionIdMarker", "null"))
    content.append((None, _entries(ctx, page, enc, True, "Version",
                                   "<VersionId>null</VersionId><IsLatest>true</IsLatest>")))
    content += _common(page, enc)
    if "encoding-type" in q:
        content.append(("EncodingType", q["encoding-type"]))
    return xml_response("ListVersionsResult", content)

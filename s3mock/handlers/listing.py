"""Listing keys: ListObjects and ListObjectsV2 (ListObjectVersions, in list_versions.py, shares
the encoding and the tail).

What S3 sends, element by element and in its order (recorded bodies: versitygw#1985 for V1 under
encoding-type=url; the examples on the API reference pages; brekkylab/backlot's measurements of
2026-09 for the rest):
  V1  Name Prefix Marker NextMarker? MaxKeys Delimiter? EncodingType? IsTruncated Contents* CommonPrefixes*
  V2  Name Prefix StartAfter? ContinuationToken? NextContinuationToken? KeyCount MaxKeys Delimiter?
      EncodingType? IsTruncated Contents* CommonPrefixes*
An empty `delimiter` groups nothing and the two object listings do not echo it (s3-tests
test_bucket_list_delimiter_empty); ListObjectVersions does.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote_plus

from aiohttp import web

from s3mock import xml
from s3mock.errors import S3Error
from s3mock.handlers.registry import handles
from s3mock.request.ctx import Ctx
from s3mock.request.common import int_arg, xml_response
from s3mock.handlers.service import owner_element
from s3mock.operations import Op
from s3mock.storage.base import Listed


def _plain(s: str) -> str:
    return s


def _url(s: str | None) -> str | None:
    """encoding-type=url as S3 applies it: Java's URLEncoder with `/` kept, so UTF-8 bytes as
    %XX except letters, digits and `-_.*/`, and a space as `+` (measured on S3: `a b.txt` ->
    `a+b.txt`, `a+b.txt` -> `a%2Bb.txt`, `~` -> `%7E`, `*` kept; botocore decodes with
    unquote_plus). Every key-valued element is encoded: Prefix (V1's too: the AWS SDKs for Java
    decode it, aws-sdk-java#611), Delimiter, Marker, NextMarker, StartAfter, KeyMarker,
    NextKeyMarker, each Key and each CommonPrefixes/Prefix; continuation tokens never."""
    if s is None:
        return None
    s = quote_plus(s, safe="/*")
    return s.replace("~", "%7E") if "~" in s else s     # quote_plus always keeps "~"


# A character _url changes: all but letters, digits and "/*_.-".
_URL_CHANGES = re.compile(r"[^A-Za-z0-9/*_.-]")


def encoder(ctx: Ctx):
    kind = ctx.query.get("encoding-type")
    if kind is None:
        return _plain
    if kind.lower() != "url":
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
    of them needs it. An Owner goes between Size and StorageClass, where S3 puts it."""
    rows = page.entries
    keys = [row[0] for row in rows]
    if not _as_is(keys, enc):
        keys = [xml.text_of(enc(key)) for key in keys]
    if not owner:
        return xml.Raw([f"<{tag}><Key>{key}</Key>{version}{entry}</{tag}>"
                        for key, (_, _, entry) in zip(keys, rows)])
    owners = {who: _owner_xml(who, ctx) for who in {row[1] for row in rows}}
    out = []
    for key, (_, who, entry) in zip(keys, rows):
        cut = entry.rfind("<StorageClass>")
        if cut < 0:
            cut = len(entry)
        out.append(f"<{tag}><Key>{key}</Key>{version}{entry[:cut]}{owners[who]}{entry[cut:]}</{tag}>")
    return xml.Raw(out)


def _page(ctx: Ctx, after: str, owners: bool = True):
    q = ctx.query
    limit = int_arg(q, "max-keys", 1000, 0, 1000)
    prefix, delimiter = q.get("prefix", ""), q.get("delimiter", "")
    return ctx.store.list_objects(ctx.bucket or "", prefix, delimiter, after, limit, owners), limit


def _tail(ctx: Ctx, limit: int, page: Listed, enc, empty_delimiter: bool = False) -> list:
    """MaxKeys to IsTruncated, the same in every listing."""
    q = ctx.query
    content: list = [("MaxKeys", limit)]
    if q.get("delimiter") or (empty_delimiter and "delimiter" in q):
        content.append(("Delimiter", enc(q["delimiter"])))
    if "encoding-type" in q:
        content.append(("EncodingType", q["encoding-type"]))
    content.append(("IsTruncated", page.truncated))
    return content


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
                     ("Marker", enc(marker))]
    if page.truncated and q.get("delimiter"):
        content.append(("NextMarker", enc(page.last)))
    content += _tail(ctx, limit, page, enc)
    content.append((None, _entries(ctx, page, enc, True)))
    content += _common(page, enc)
    return xml_response("ListBucketResult", content)


def _token(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode("utf-8", "surrogatepass")).decode()


def _untoken(token: str) -> str:
    """The key a NextContinuationToken resumes after. S3 refuses a token it cannot read, an empty
    one too, naming the argument without its value (LocalStack's
    test_list_objects_v2_continuation_start_after, recorded on AWS 2026-02)."""
    try:
        if token:
            return base64.urlsafe_b64decode(token.encode()).decode("utf-8", "surrogatepass")
    except (binascii.Error, ValueError):
        pass
    raise S3Error("InvalidArgument", "The continuation token provided is incorrect",
                  ArgumentName="continuation-token")


@handles(Op.ListObjectsV2)
async def list_objects_v2(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html"""
    ctx.require_bucket()
    q, enc = ctx.query, encoder(ctx)
    if q.get("list-type") != "2":
        raise S3Error("InvalidArgument", "Invalid List Type specified in Request",
                      ArgumentName="list-type", ArgumentValue=q.get("list-type"))
    token = q.get("continuation-token")
    start_after = q.get("start-after")
    # A token wins: the page resumes after it, whatever start-after says, and start-after is not
    # echoed (LocalStack's test_list_objects_v2_continuation_start_after, recorded on AWS 2026-02).
    after = _untoken(token) if token is not None else start_after or ""
    owner = q.get("fetch-owner") == "true"
    page, limit = _page(ctx, after, owner)
    content: list = [("Name", ctx.bucket), ("Prefix", enc(q.get("prefix", "")))]
    if token is None and start_after is not None:
        content.append(("StartAfter", enc(start_after)))
    if token is not None:
        content.append(("ContinuationToken", token))
    if page.truncated and page.last is not None:
        content.append(("NextContinuationToken", _token(page.last)))
    content.append(("KeyCount", len(page.entries) + len(page.prefixes)))
    content += _tail(ctx, limit, page, enc)
    content.append((None, _entries(ctx, page, enc, owner)))
    content += _common(page, enc)
    return xml_response("ListBucketResult", content)

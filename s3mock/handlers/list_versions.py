"""ListObjectVersions: every version and delete marker, newest first within a key.

What S3 sends, in its order (a raw AWS body in versitygw#2178; botocore's members):
  Name Prefix KeyMarker VersionIdMarker NextKeyMarker? NextVersionIdMarker? MaxKeys Delimiter?
  EncodingType? IsTruncated (Version|DeleteMarker)* CommonPrefixes*
  Version:      Key VersionId IsLatest LastModified ETag Checksum*? Size Owner StorageClass
  DeleteMarker: Key VersionId IsLatest LastModified Owner
Versions and markers interleave as they happened (aws-sdk-java-v2#1620), max-keys counts both and
each common prefix (LocalStack's AWS-recorded test_list_objects_versions_markers), and IsLatest
is the entry's, never the page's (moto#9503).
"""

from __future__ import annotations

from aiohttp import web

from s3mock import xml
from s3mock.dates import iso8601
from s3mock.errors import S3Error
from s3mock.handlers.listing import _common, _owner_xml, _tail, encoder
from s3mock.handlers.registry import handles
from s3mock.handlers.versioning import invalid_version
from s3mock.operations import Op
from s3mock.request.common import int_arg, xml_response
from s3mock.request.ctx import Ctx
from s3mock import version_ids


def _entries(ctx: Ctx, entries: list, enc) -> xml.Raw:
    owners: dict[str, str] = {}
    out = []
    for key, who, entry, vid, latest, marker, mtime in entries:
        owner = owners.get(who)
        if owner is None:
            owner = owners[who] = _owner_xml(who, ctx)
        head = (f"<Key>{xml.text_of(enc(key))}</Key><VersionId>{vid}</VersionId>"
                f"<IsLatest>{'true' if latest else 'false'}</IsLatest>")
        if marker:
            out.append(f"<DeleteMarker>{head}<LastModified>{iso8601(mtime)}</LastModified>"
                       f"{owner}</DeleteMarker>")
            continue
        cut = entry.rfind("<StorageClass>")
        if cut < 0:
            cut = len(entry)
        out.append(f"<Version>{head}{entry[:cut]}{owner}{entry[cut:]}</Version>")
    return xml.Raw(out)


@handles(Op.ListObjectVersions)
async def list_object_versions(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html"""
    ctx.require_bucket()
    q, enc = ctx.query, encoder(ctx)
    key_marker = q.get("key-marker", "")
    version_marker = q.get("version-id-marker", "")
    if version_marker and not key_marker:
        raise S3Error("InvalidArgument", "A version-id marker cannot be specified without a key marker.",
                      ArgumentName="version-id-marker", ArgumentValue=version_marker)
    if version_marker and not version_ids.valid(version_marker):
        # vgw#1811 quotes S3's message; the argument's name is s3mock's reading (UNVERIFIED).
        raise invalid_version(version_marker, "version-id-marker")
    limit = int_arg(q, "max-keys", 1000, 0, 1000)
    prefix = q.get("prefix", "")
    page = ctx.store.list_versions(ctx.bucket or "", prefix, q.get("delimiter", ""), key_marker,
                                   version_marker or None, limit)
    content: list = [("Name", ctx.bucket), ("Prefix", enc(prefix)),
                     ("KeyMarker", enc(key_marker)), ("VersionIdMarker", version_marker)]
    if page.truncated:
        # The last entry returned, or the last common prefix alone (LocalStack's
        # test_list_object_versions_pagination_common_prefixes).
        if isinstance(page.last, tuple):
            content += [("NextKeyMarker", enc(page.last[0])), ("NextVersionIdMarker", page.last[1])]
        else:
            content.append(("NextKeyMarker", enc(page.last)))
    content += _tail(ctx, limit, page, enc, empty_delimiter=True)    # measured: echoed empty
    content.append((None, _entries(ctx, page.entries, enc)))
    content += _common(page, enc)
    return xml_response("ListVersionsResult", content)

"""Helpers shared by handlers: XML responses, ETags, object headers in and out."""

from __future__ import annotations

from typing import Iterable, Mapping

from aiohttp import hdrs, web
from multidict import istr

from s3mock import checksums, mime_words, xml
from s3mock.dates import http_date
from s3mock.errors import S3Error
from s3mock.storage.base import ObjectMeta

# Stored with the object and returned on GET/HEAD; the response-* query overrides them.
CONTENT_HEADERS = ("Content-Disposition", "Content-Encoding", "Content-Language", "Cache-Control",
                   "Expires", "x-amz-website-redirect-location")
DEFAULT_CONTENT_TYPE = "binary/octet-stream"
# Header names as aiohttp keeps them (istr): a response built from them skips a conversion each.
# (aiohttp's hdrs.ETAG is spelt "Etag"; S3 sends "ETag", and some clients match it exactly.)
ETAG, SSE = istr("ETag"), istr("x-amz-server-side-encryption")
MAX_METADATA_BYTES = 2048
MAX_KEY_BYTES = 1024


def quoted(etag: str) -> str:
    return f'"{etag}"'


def unquoted(etag: str) -> str:
    etag = etag.strip()
    if etag.startswith("W/"):
        etag = etag[2:]
    return etag.strip('"')


def xml_response(root: str, content: Iterable, status: int = 200,
                 headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=xml.render(root, content), headers=headers,
                        content_type="application/xml")


def empty(status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    resp = web.Response(status=status, headers=headers)
    return resp


def check_key(key: str) -> None:
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise S3Error("KeyTooLongError", Size=len(key.encode("utf-8", "surrogatepass")),
                      MaxSizeAllowed=MAX_KEY_BYTES)


def user_metadata(fields: Mapping[str, str], from_headers: bool = False) -> dict[str, str]:
    """x-amz-meta-* as S3 stores them, names lower-cased. Repeated names are joined with commas
    ("S3 combines headers that have the same name (ignoring case) into a comma-delimited list",
    UsingMetadata.html; aws/aws-cli#2733: two x-amz-meta-test headers read back "a,c").
    `from_headers`: HTTP header values, which S3 reads as ISO-8859-1 and RFC 2047-decodes
    (mime_words); a POST form's fields are text already, stored as sent."""
    meta: dict[str, str] = {}
    for name, value in fields.items():
        lower = name.lower()
        if lower.startswith("x-amz-meta-"):
            short = lower[len("x-amz-meta-"):]
            if from_headers:
                value = mime_words.from_header(value)
            meta[short] = f"{meta[short]},{value}" if short in meta else value
    # "measured by taking the sum of the number of bytes in the UTF-8 encoding of each key and value"
    size = sum(len(k) + len(v.encode("utf-8", "surrogatepass")) for k, v in meta.items())
    if size > MAX_METADATA_BYTES:
        raise S3Error("MetadataTooLarge", Size=size, MaxSizeAllowed=MAX_METADATA_BYTES)
    return meta


# CONTENT_HEADERS as aiohttp's header type: a request's headers look an istr up without
# case-folding it first, and most requests are asked for all six names and have none of them.
_CONTENT_LOOKUPS = tuple((istr(h), h) for h in CONTENT_HEADERS)


def content_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The Content-* headers stored with an object; one sent twice is joined with commas, as S3
    joins repeated metadata headers."""
    out = {}
    for key, h in _CONTENT_LOOKUPS:
        if key in headers:
            values = headers.getall(key) if hasattr(headers, "getall") else [headers[key]]
            out[h] = values[0] if len(values) == 1 else ",".join(values)
    return out


def object_headers(meta: ObjectMeta, checksum_mode: bool = False) -> dict[str, str]:
    """The headers GET and HEAD return for an object (without Content-Length / Range)."""
    out = {
        hdrs.LAST_MODIFIED: http_date(meta.mtime),
        ETAG: quoted(meta.etag),
        hdrs.CONTENT_TYPE: meta.content_type or DEFAULT_CONTENT_TYPE,
        hdrs.ACCEPT_RANGES: "bytes",
        SSE: "AES256",
    }
    out.update(meta.headers)
    for k, v in meta.metadata.items():
        out["x-amz-meta-" + k] = mime_words.to_header(v)
    if meta.tags:
        out["x-amz-tagging-count"] = str(len(meta.tags))
    if checksum_mode:
        out.update(checksum_headers(meta.checksums, meta.checksum_type))
    return out


def checksum_headers(values: Mapping[str, str], checksum_type: str | None) -> dict[str, str]:
    out = {}
    for alg, v in values.items():       # one, mostly: a loop costs less than a comprehension
        out[checksums.header_name(alg)] = v
    if values and checksum_type:
        out["x-amz-checksum-type"] = checksum_type
    return out


def checksum_elements(values: Mapping[str, str], checksum_type: str | None) -> list[tuple[str, str]]:
    out = [("Checksum" + alg, v) for alg, v in values.items()]
    if values and checksum_type:
        out.append(("ChecksumType", checksum_type))
    return out


def int_arg(query: Mapping[str, str], name: str, default: int, lo: int = 0, hi: int = 2**31 - 1) -> int:
    value = query.get(name)
    if value is None or value == "":
        return default
    try:
        n = int(value)
    except ValueError:
        raise S3Error("InvalidArgument", f"Provided {name} not an integer or within integer range",
                      ArgumentName=name, ArgumentValue=value) from None
    if n < lo:
        raise S3Error("InvalidArgument", f"Argument {name} must be an integer between {lo} and {hi}",
                      ArgumentName=name, ArgumentValue=value)
    return min(n, hi)

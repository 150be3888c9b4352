"""Object and bucket tags as S3 validates them: the Tagging XML document (PutObjectTagging,
PutBucketTagging, PostObject's `tagging` field) and the `x-amz-tagging` header's query string.

Pure: no aiohttp, no I/O. Limits and messages are Amazon S3's: 10 tags per object, 50 per
bucket, keys of 1-128 and values of 0-256 Unicode characters, no `aws:` prefix, no duplicate key
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html; messages as S3 sends
them, quoted in versity/versitygw#1205, #1232 and open-io/swift3#92).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote

from s3mock import xml
from s3mock.errors import S3Error

# The object limit's answer is AWS's own (boto/boto3#1213: "An error occurred (BadRequest) when
# calling the PutObjectTagging operation: Object tags cannot be greater than 10"); s3-tests'
# test_put_excess_tags expects InvalidTag, and AWS wins.
OBJECT_LIMIT = 10
BUCKET_LIMIT = 50
HEADER_INVALID = ("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
                  "parameters without tag name duplicates.")


def _check(pairs: list[tuple[str, str]], limit: int) -> dict[str, str]:
    if len(pairs) > limit:
        if limit == OBJECT_LIMIT:
            raise S3Error("BadRequest", "Object tags cannot be greater than 10")
        raise S3Error("InvalidTag", "Bucket tag count cannot be greater than 50")
    tags: dict[str, str] = {}
    for key, value in pairs:
        if key in tags:
            raise S3Error("InvalidTag", "Cannot provide multiple Tags with the same key", TagKey=key)
        if key.lower().startswith("aws:"):
            raise S3Error("InvalidTag", "Your TagKey cannot be prefixed with aws:", TagKey=key)
        if not key or len(key) > 128:
            raise S3Error("InvalidTag", "The TagKey you have provided is invalid", TagKey=key)
        if len(value) > 256:
            raise S3Error("InvalidTag", "The TagValue you have provided is invalid", TagKey=key,
                          TagValue=value)
        tags[key] = value
    # S3 keeps no order (boto/boto3#1171: neither the order sent nor alphabetical); s3mock
    # answers in key order, stable, and what s3-tests' test_put_obj_with_tags expects.
    return dict(sorted(tags.items()))


def parse_document(body: bytes, limit: int = OBJECT_LIMIT) -> dict[str, str]:
    """<Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>; anything else is
    MalformedXML (a Tag without Key or Value too, as S3's schema requires both)."""
    doc = xml.parse(body, "Tagging")
    tag_set = xml.child(doc, "TagSet")
    if tag_set is None:
        raise S3Error("MalformedXML")
    pairs = []
    for tag in xml.children(tag_set, "Tag"):
        key, value = xml.text(tag, "Key"), xml.text(tag, "Value")
        if key is None or value is None:
            raise S3Error("MalformedXML")
        pairs.append((key, value))
    return _check(pairs, limit)


def parse_header(value: str) -> dict[str, str]:
    """x-amz-tagging: `k1=v1&k2=v2`, URL-encoded; a name without `=` has an empty value."""
    try:
        pairs = parse_qsl(value, keep_blank_values=True, strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise S3Error("InvalidArgument", HEADER_INVALID, ArgumentName="x-amz-tagging",
                      ArgumentValue=value) from None
    if len({k for k, _ in pairs}) != len(pairs):
        raise S3Error("InvalidArgument", HEADER_INVALID, ArgumentName="x-amz-tagging",
                      ArgumentValue=value)
    return _check(pairs, OBJECT_LIMIT)


def render(tags: dict[str, str]) -> list[tuple[str, object]]:
    """The TagSet element's content (an empty TagSet when there are none, S3Mock#3149)."""
    return [("TagSet", [("Tag", [("Key", k), ("Value", v)]) for k, v in tags.items()])]


def to_header(tags: dict[str, str]) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in tags.items())

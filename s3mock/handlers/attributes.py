"""GetObjectAttributes: an object's ETag, checksum, parts, storage class and size in one XML answer.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html. What the reference
leaves open was taken from recorded AWS answers, cited where each decision is made.
"""

from __future__ import annotations

from aiohttp import hdrs, web

from s3mock.dates import http_date
from s3mock.errors import S3Error
from s3mock.handlers.registry import handles
from s3mock.request.ctx import Ctx
from s3mock.request.common import checksum_elements, xml_response
from s3mock.handlers.object import check_read_conditions, lookup
from s3mock.operations import Op
from s3mock.storage.base import ObjectMeta

ATTRIBUTES = ("ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize")
HEADER = "x-amz-object-attributes"
DEFAULT_MAX_PARTS = 1000


def requested(ctx: Ctx) -> set[str]:
    """The attribute names asked for. SDKs send one comma-separated header (botocore) or one header
    per name (Java, Go), with or without a space after each comma (localstack's AWS-validated
    test_get_object_attributes_with_space): all are accepted."""
    names = [name.strip() for value in ctx.headers.getall(HEADER, ()) for name in value.split(",")]
    names = [name for name in names if name]
    if not names:
        # AWS's answer quoted in versity/versitygw#915.
        raise S3Error("InvalidRequest", "The x-amz-object-attributes header specifying the "
                      "attributes to be retrieved is either missing or empty")
    for name in names:
        if name not in ATTRIBUTES:
            # AWS's answer quoted in versity/versitygw#917 and #1000: the unknown name as the value.
            raise S3Error("InvalidArgument", "Invalid attribute name specified.",
                          ArgumentName=HEADER, ArgumentValue=name)
    return set(names)


def check_encryption_headers(ctx: Ctx) -> None:
    """The reference's Encryption section: x-amz-server-side-encryption on a read is 400 (AWS's
    code and message quoted in ClickHouse/ClickHouse#64570). SSE-C headers are accepted and ignored,
    as GetObject and HeadObject do here: s3mock keeps every object SSE-S3 (AES256), and PutObject
    accepts SSE-C headers without encrypting with them, so refusing them here would break a read
    back that works against S3."""
    value = ctx.headers.get("x-amz-server-side-encryption")
    if value is not None:
        raise S3Error("InvalidArgument", "x-amz-server-side-encryption header is not supported for "
                      "this operation.", ArgumentName="x-amz-server-side-encryption",
                      ArgumentValue=value)


def _header_int(ctx: Ctx, name: str, default: int) -> int:
    """A paging header's integer. S3 ignores a value it cannot use instead of refusing it
    (versity/versitygw#1806, checked against S3): the default then."""
    raw = ctx.headers.get(name, "").strip()
    try:
        value = int(raw)
    except ValueError:
        return default
    return value if value >= 0 else default


def paging(ctx: Ctx) -> tuple[int, int]:
    """(max parts, part number marker) from x-amz-max-parts and x-amz-part-number-marker. A page
    holds at most 1000 parts, as ListParts' does (S3's answer above 1000 is not recorded)."""
    max_parts = _header_int(ctx, "x-amz-max-parts", DEFAULT_MAX_PARTS) or DEFAULT_MAX_PARTS
    return min(max_parts, DEFAULT_MAX_PARTS), _header_int(ctx, "x-amz-part-number-marker", 0)


def checksum_content(meta: ObjectMeta) -> list[tuple[str, str]]:
    """The object's checksum and its type. S3 quirk: a COMPOSITE checksum comes without the "-N"
    part count that CompleteMultipartUpload, GetObject and HeadObject show (localstack's
    AWS-recorded test_complete_multipart_parts_checksum_composite snapshot; floci-io/floci#3083)."""
    values = meta.checksums
    if meta.checksum_type == "COMPOSITE":
        values = {alg: value.partition("-")[0] for alg, value in values.items()}
    return checksum_elements(values, meta.checksum_type)


def parts_content(meta: ObjectMeta, max_parts: int, marker: int) -> list:
    """ObjectParts of a multipart object. Its parts are listed only when its checksum is COMPOSITE:
    each part then has a checksum of its own. For a FULL_OBJECT checksum (S3's default CRC64NVME
    included) S3 gives the count alone (localstack's AWS-recorded snapshots of
    test_get_object_attributes and test_complete_multipart_parts_checksum_full_object;
    versity/versitygw#1001; boto/boto3#3509, where AWS support says so)."""
    count = meta.parts_count or 0
    content: list = [("PartsCount", count)]
    if meta.checksum_type != "COMPOSITE" or not meta.checksums:
        return content
    algorithm = next(iter(meta.checksums))
    # A completed object's parts are numbered from 1 as GetObject's partNumber numbers them;
    # their checksums were kept when the upload completed (a data dir from before
    # that has none: its parts are listed without).
    sizes = meta.part_sizes
    sums = meta.part_checksums if len(meta.part_checksums) == len(sizes) else None
    page = list(enumerate(sizes, start=1))[marker:marker + max_parts]
    truncated = marker + len(page) < len(sizes)
    # NextPartNumberMarker is the page's last part, truncated or not (AWS's answer in the
    # composite snapshot above); 0 for an empty page, as localstack answers.
    content += [("PartNumberMarker", marker), ("NextPartNumberMarker", page[-1][0] if page else 0),
                ("MaxParts", max_parts), ("IsTruncated", truncated)]
    for number, size in page:
        item: list = [("PartNumber", number), ("Size", size)]
        if sums is not None:
            item.append(("Checksum" + algorithm, sums[number - 1]))
        content.append(("Part", item))
    return content


@handles(Op.GetObjectAttributes)
async def get_object_attributes(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html"""
    names = requested(ctx)
    check_encryption_headers(ctx)
    max_parts, marker = paging(ctx)
    meta, version = lookup(ctx)
    check_read_conditions(ctx, meta)   # as GetObject evaluates them
    # S3 writes the elements in this order whatever the header's order (localstack's
    # AWS-validated test_response_structure_get_obj_attrs). The ETag has no quotes here.
    content: list = []
    if "ETag" in names:
        content.append(("ETag", meta.etag))
    if "Checksum" in names and meta.checksums:
        content.append(("Checksum", checksum_content(meta)))
    if "ObjectParts" in names and meta.parts_count is not None:
        content.append(("ObjectParts", parts_content(meta, max_parts, marker)))
    if "StorageClass" in names:
        content.append(("StorageClass", "STANDARD"))
    if "ObjectSize" in names:
        content.append(("ObjectSize", meta.size))
    return xml_response("GetObjectAttributesResponse", content,
                        headers={hdrs.LAST_MODIFIED: http_date(meta.mtime), **version})

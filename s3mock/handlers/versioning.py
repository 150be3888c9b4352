"""Bucket versioning: PutBucketVersioning, GetBucketVersioning, and how a request's `versionId`
names an object version (the look-up GET, HEAD, the ACLs and GetObjectAttributes share).

What S3 answers, with the AWS evidence for each point: /work/versioning-spec.md (issue #21),
summarised at each function.
"""

from __future__ import annotations

from aiohttp import hdrs, web

from s3mock import xml
from s3mock.dates import http_date
from s3mock.errors import S3Error
from s3mock.handlers.registry import handles
from s3mock.operations import Op
from s3mock.request.body import read_all
from s3mock.request.common import empty, xml_response
from s3mock.request.ctx import Ctx
from s3mock import version_ids
from s3mock.storage.base import Bucket, ObjectMeta
from s3mock.version_ids import NULL

MAX_CONFIG_BYTES = 64 * 1024
VERSION_ID = "x-amz-version-id"
DELETE_MARKER = "x-amz-delete-marker"


def invalid_version(value: str, name: str = "versionId") -> S3Error:
    # LocalStack's AWS-recorded test_get_object_with_version_unversioned_bucket, test_delete_object
    # (a 32-character id S3 did not issue is refused too: ids have a structure S3 checks).
    return S3Error("InvalidArgument", "Invalid version id specified", ArgumentName=name,
                   ArgumentValue=value)


def version_arg(ctx: Ctx, bucket: Bucket) -> str | None:
    """The request's versionId, checked: None when absent; 400 InvalidArgument when it is not an
    id s3mock issued, or (a bucket never versioned holds only `null`) any id but `null`."""
    value = ctx.query.get("versionId")
    if value is None:
        return None
    if value == "":
        raise S3Error("InvalidArgument", "Version id cannot be the empty string",
                      ArgumentName="versionId", ArgumentValue="")
    if not version_ids.valid(value) or (bucket.versioning is None and value != NULL):
        raise invalid_version(value)
    return value


def version_headers(bucket: Bucket, meta: ObjectMeta) -> dict[str, str]:
    """x-amz-version-id on a read: once a bucket has been versioned, `null` versions say so too;
    a bucket never versioned sends none (LocalStack's test_s3_put_object_versioned,
    test_get_object_with_version_unversioned_bucket)."""
    return {VERSION_ID: meta.version_id} if bucket.versioning is not None else {}


def marker_not_allowed(meta: ObjectMeta, method: str) -> S3Error:
    """A request naming a delete marker by version id, other than DELETE: 405 with the marker's
    headers and `Allow: DELETE` (LocalStack's test_delete_object_versioned, get-delete-marker;
    moto#6837; Last-Modified per the GetObject/HeadObject reference)."""
    return S3Error("MethodNotAllowed", Method=method, ResourceType="DeleteMarker", headers={
        DELETE_MARKER: "true", VERSION_ID: meta.version_id, hdrs.ALLOW: "DELETE",
        hdrs.LAST_MODIFIED: http_date(meta.mtime)})


def find(ctx: Ctx, bucket: Bucket, method: str = "GET") -> ObjectMeta:
    """The object version a request names: its versionId's, else the current object. A key
    whose latest entry is a delete marker is 404 NoSuchKey with `x-amz-delete-marker: true` and
    the marker's id; an absent version 404 NoSuchVersion (without those headers)."""
    version = version_arg(ctx, bucket)
    key = ctx.key or ""
    if version is None or (bucket.versioning is None and version == NULL):
        meta = ctx.object_row()
        if meta is not None:
            return meta
        marker = ctx.store.latest_marker(bucket.name, key) if bucket.versioning is not None else None
        if marker is not None:
            raise S3Error("NoSuchKey", Key=key, headers={DELETE_MARKER: "true",
                                                          VERSION_ID: marker.version_id})
        raise S3Error("NoSuchKey", Key=key)
    meta = ctx.store.get_version(bucket.name, key, version)
    if meta is None:
        raise S3Error("NoSuchVersion", Key=key, VersionId=version)
    if meta.delete_marker:
        raise marker_not_allowed(meta, method)
    return meta


@handles(Op.PutBucketVersioning)
async def put_bucket_versioning(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html
    LocalStack's AWS-recorded test_bucket_versioning_crud: a Status other than Enabled/Suspended
    (case counts) is MalformedXML; no Status is IllegalVersioningConfigurationException. MFA
    delete cannot be turned on without x-amz-mfa (403, as S3 answers); with one, s3mock, which
    cannot check a token, answers NotImplemented (s3mock's choice)."""
    bucket = ctx.require_bucket()
    doc = xml.parse(await read_all(ctx, MAX_CONFIG_BYTES), "VersioningConfiguration")
    status, mfa = xml.text(doc, "Status"), xml.text(doc, "MfaDelete")
    if status not in (None, "Enabled", "Suspended") or mfa not in (None, "Enabled", "Disabled"):
        raise S3Error("MalformedXML")
    if status is None and mfa is None:
        raise S3Error("IllegalVersioningConfigurationException")
    if mfa == "Enabled":
        if "x-amz-mfa" not in ctx.headers:
            raise S3Error("AccessDenied", "Mfa Authentication must be used for this request")
        raise S3Error("NotImplemented", "MFA delete is not implemented by s3mock")
    values: dict[str, object] = {}
    if status is not None:
        values["versioning"] = status
    if mfa is not None:
        values["mfa_delete"] = mfa
    ctx.store.set_bucket_config(bucket.name, **values)
    return empty(200)


@handles(Op.GetBucketVersioning)
async def get_bucket_versioning(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html
    A bucket never versioned: an empty VersioningConfiguration. MfaDelete only once a request
    named it (API_VersioningConfiguration: "only returned if the bucket has been configured")."""
    b = ctx.require_bucket()
    return xml_response("VersioningConfiguration", [("Status", b.versioning),
                                                    ("MfaDelete", b.mfa_delete)])

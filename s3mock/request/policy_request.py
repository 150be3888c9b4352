"""A request as a bucket policy sees it: the IAM actions its operation needs, the resource's ARN,
and its condition keys (looked up lazily, so a bucket without a policy pays nothing). The actions
are AWS's "Required permissions for Amazon S3 API operations"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html) and each
API page's Permissions section (botocore's model carries the same text)."""

from __future__ import annotations

from typing import Callable, Mapping

from s3mock.auth.identity import Principal
from s3mock.operations import Op
from s3mock.request.ctx import Ctx
from s3mock.request.policy_keys import Keys, keys, post_form_keys

__all__ = ["ACTIONS", "VERSION_ACTIONS", "Keys", "actions", "copy_source_actions", "keys",
           "policy_who", "post_form_keys", "post_object_actions", "resource"]

# The bucket's and the object's actions, one tuple each (built once: a request's look-up
# allocates nothing). Configuration deletes need the Put action where S3 has no Delete one.
ACTIONS: dict[Op, tuple[str, ...]] = {op: (action,) if isinstance(action, str) else action
                                      for op, action in {
    # service
    Op.ListBuckets: "s3:ListAllMyBuckets",
    Op.ListDirectoryBuckets: "s3express:ListAllMyDirectoryBuckets",
    Op.WriteGetObjectResponse: "s3-object-lambda:WriteGetObjectResponse",
    # buckets and their contents
    Op.CreateBucket: "s3:CreateBucket",
    Op.DeleteBucket: "s3:DeleteBucket",
    Op.HeadBucket: "s3:ListBucket",
    Op.ListObjects: "s3:ListBucket",
    Op.ListObjectsV2: "s3:ListBucket",
    Op.ListObjectVersions: "s3:ListBucketVersions",
    Op.ListMultipartUploads: "s3:ListBucketMultipartUploads",
    Op.DeleteObjects: "s3:DeleteObject",        # each key's own check (DeleteObjectVersion) aside
    Op.PostObject: "s3:PutObject",              # the form's fields add more: post_object_actions
    Op.CreateSession: "s3express:CreateSession",
    # bucket configuration
    Op.GetBucketAbac: "s3:GetBucketAbac",
    Op.PutBucketAbac: "s3:PutBucketAbac",
    Op.GetBucketAccelerateConfiguration: "s3:GetAccelerateConfiguration",
    Op.PutBucketAccelerateConfiguration: "s3:PutAccelerateConfiguration",
    Op.GetBucketAcl: "s3:GetBucketAcl",
    Op.PutBucketAcl: "s3:PutBucketAcl",
    Op.DeleteBucketAnalyticsConfiguration: "s3:PutAnalyticsConfiguration",
    Op.GetBucketAnalyticsConfiguration: "s3:GetAnalyticsConfiguration",
    Op.ListBucketAnalyticsConfigurations: "s3:GetAnalyticsConfiguration",
    Op.PutBucketAnalyticsConfiguration: "s3:PutAnalyticsConfiguration",
    Op.DeleteBucketCors: "s3:PutBucketCORS",
    Op.GetBucketCors: "s3:GetBucketCORS",
    Op.PutBucketCors: "s3:PutBucketCORS",
    Op.GetBucketDefaultStorageClass: "s3:GetBucketDefaultStorageClass",
    Op.PutBucketDefaultStorageClass: "s3:PutBucketDefaultStorageClass",
    Op.DeleteBucketEncryption: "s3:PutEncryptionConfiguration",
    Op.GetBucketEncryption: "s3:GetEncryptionConfiguration",
    Op.PutBucketEncryption: "s3:PutEncryptionConfiguration",
    Op.DeleteBucketIntelligentTieringConfiguration: "s3:PutIntelligentTieringConfiguration",
    Op.GetBucketIntelligentTieringConfiguration: "s3:GetIntelligentTieringConfiguration",
    Op.ListBucketIntelligentTieringConfigurations: "s3:GetIntelligentTieringConfiguration",
    Op.PutBucketIntelligentTieringConfiguration: "s3:PutIntelligentTieringConfiguration",
    Op.DeleteBucketInventoryConfiguration: "s3:PutInventoryConfiguration",
    Op.GetBucketInventoryConfiguration: "s3:GetInventoryConfiguration",
    Op.ListBucketInventoryConfigurations: "s3:GetInventoryConfiguration",
    Op.PutBucketInventoryConfiguration: "s3:PutInventoryConfiguration",
    Op.DeleteBucketLifecycle: "s3:PutLifecycleConfiguration",
    Op.GetBucketLifecycleConfiguration: "s3:GetLifecycleConfiguration",
    Op.PutBucketLifecycleConfiguration: "s3:PutLifecycleConfiguration",
    Op.GetBucketLocation: "s3:GetBucketLocation",
    Op.GetBucketLogging: "s3:GetBucketLogging",
    Op.PutBucketLogging: "s3:PutBucketLogging",
    Op.CreateBucketMetadataConfiguration: "s3:CreateBucketMetadataTableConfiguration",
    Op.DeleteBucketMetadataConfiguration: "s3:DeleteBucketMetadataTableConfiguration",
    Op.GetBucketMetadataConfiguration: "s3:GetBucketMetadataTableConfiguration",
    Op.UpdateBucketMetadataAnnotationTableConfiguration:
        "s3:UpdateBucketMetadataAnnotationTableConfiguration",
    Op.UpdateBucketMetadataInventoryTableConfiguration:
        "s3:UpdateBucketMetadataInventoryTableConfiguration",
    Op.UpdateBucketMetadataJournalTableConfiguration: "s3:UpdateBucketMetadataJournalTableConfiguration",
    Op.CreateBucketMetadataTableConfiguration: "s3:CreateBucketMetadataTableConfiguration",
    Op.DeleteBucketMetadataTableConfiguration: "s3:DeleteBucketMetadataTableConfiguration",
    Op.GetBucketMetadataTableConfiguration: "s3:GetBucketMetadataTableConfiguration",
    Op.DeleteBucketMetricsConfiguration: "s3:PutMetricsConfiguration",
    Op.GetBucketMetricsConfiguration: "s3:GetMetricsConfiguration",
    Op.ListBucketMetricsConfigurations: "s3:GetMetricsConfiguration",
    Op.PutBucketMetricsConfiguration: "s3:PutMetricsConfiguration",
    Op.GetBucketNotificationConfiguration: "s3:GetBucketNotification",
    Op.PutBucketNotificationConfiguration: "s3:PutBucketNotification",
    Op.GetObjectLockConfiguration: "s3:GetBucketObjectLockConfiguration",
    Op.PutObjectLockConfiguration: "s3:PutBucketObjectLockConfiguration",
    Op.DeleteBucketOwnershipControls: "s3:PutBucketOwnershipControls",
    Op.GetBucketOwnershipControls: "s3:GetBucketOwnershipControls",
    Op.PutBucketOwnershipControls: "s3:PutBucketOwnershipControls",
    Op.DeleteBucketPolicy: "s3:DeleteBucketPolicy",
    Op.GetBucketPolicy: "s3:GetBucketPolicy",
    Op.PutBucketPolicy: "s3:PutBucketPolicy",
    Op.GetBucketPolicyStatus: "s3:GetBucketPolicyStatus",
    Op.DeletePublicAccessBlock: "s3:PutBucketPublicAccessBlock",
    Op.GetPublicAccessBlock: "s3:GetBucketPublicAccessBlock",
    Op.PutPublicAccessBlock: "s3:PutBucketPublicAccessBlock",
    Op.DeleteBucketReplication: "s3:PutReplicationConfiguration",
    Op.GetBucketReplication: "s3:GetReplicationConfiguration",
    Op.PutBucketReplication: "s3:PutReplicationConfiguration",
    Op.GetBucketRequestPayment: "s3:GetBucketRequestPayment",
    Op.PutBucketRequestPayment: "s3:PutBucketRequestPayment",
    Op.DeleteBucketTagging: "s3:PutBucketTagging",
    Op.GetBucketTagging: "s3:GetBucketTagging",
    Op.PutBucketTagging: "s3:PutBucketTagging",
    Op.GetBucketVersioning: "s3:GetBucketVersioning",
    Op.PutBucketVersioning: "s3:PutBucketVersioning",
    Op.DeleteBucketWebsite: "s3:DeleteBucketWebsite",
    Op.GetBucketWebsite: "s3:GetBucketWebsite",
    Op.PutBucketWebsite: "s3:PutBucketWebsite",
    # objects
    Op.PutObject: "s3:PutObject",
    Op.CopyObject: "s3:PutObject",              # the source's read: copy_source_actions
    Op.GetObject: "s3:GetObject",
    Op.HeadObject: "s3:GetObject",
    Op.DeleteObject: "s3:DeleteObject",
    Op.RenameObject: "s3express:CreateSession",     # directory buckets only
    Op.GetObjectAcl: "s3:GetObjectAcl",
    Op.PutObjectAcl: "s3:PutObjectAcl",
    Op.DeleteObjectAnnotation: "s3:DeleteObjectAnnotation",
    Op.GetObjectAnnotation: "s3:GetObjectAnnotation",
    Op.ListObjectAnnotations: "s3:ListObjectAnnotations",
    Op.PutObjectAnnotation: "s3:PutObjectAnnotation",
    Op.GetObjectAttributes: ("s3:GetObject", "s3:GetObjectAttributes"),
    Op.UpdateObjectEncryption: "s3:UpdateObjectEncryption",
    Op.GetObjectLegalHold: "s3:GetObjectLegalHold",
    Op.PutObjectLegalHold: "s3:PutObjectLegalHold",
    Op.RestoreObject: "s3:RestoreObject",
    Op.GetObjectRetention: "s3:GetObjectRetention",
    Op.PutObjectRetention: "s3:PutObjectRetention",
    Op.SelectObjectContent: "s3:GetObject",
    Op.DeleteObjectTagging: "s3:DeleteObjectTagging",
    Op.GetObjectTagging: "s3:GetObjectTagging",
    Op.PutObjectTagging: "s3:PutObjectTagging",
    Op.GetObjectTorrent: "s3:GetObjectTorrent",
    # multipart uploads (userguide/mpuoverview.html#mpuAndPermissions)
    Op.CreateMultipartUpload: "s3:PutObject",
    Op.UploadPart: "s3:PutObject",
    Op.UploadPartCopy: "s3:PutObject",          # the source's read: copy_source_actions
    Op.CompleteMultipartUpload: "s3:PutObject",
    Op.AbortMultipartUpload: "s3:AbortMultipartUpload",
    Op.ListParts: "s3:ListMultipartUploadParts",
    Op.GetPart: "s3:GetObject",
    # answered before authentication (DESIGN.md): no action, nothing for a policy to decide
    Op.Preflight: (),
}.items()}

# With a versionId in the query, these name the version's action instead.
VERSION_ACTIONS: dict[Op, tuple[str, ...]] = {
    Op.GetObject: ("s3:GetObjectVersion",),
    Op.HeadObject: ("s3:GetObjectVersion",),
    Op.GetPart: ("s3:GetObjectVersion",),
    Op.DeleteObject: ("s3:DeleteObjectVersion",),
    Op.GetObjectAcl: ("s3:GetObjectVersionAcl",),
    Op.PutObjectAcl: ("s3:PutObjectVersionAcl",),
    Op.GetObjectTagging: ("s3:GetObjectVersionTagging",),
    Op.PutObjectTagging: ("s3:PutObjectVersionTagging",),
    Op.DeleteObjectTagging: ("s3:DeleteObjectVersionTagging",),
    Op.GetObjectAttributes: ("s3:GetObjectVersion", "s3:GetObjectVersionAttributes"),
    Op.GetObjectTorrent: ("s3:GetObjectVersionTorrent",),
}

_GRANTS = frozenset(("x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
                     "x-amz-grant-write-acp", "x-amz-grant-full-control"))
_BYPASS = "x-amz-bypass-governance-retention"


def _object_write(ctx: Ctx) -> tuple[str, ...]:
    """PutObject, CopyObject, CreateMultipartUpload: s3:PutObject, and s3:PutObjectTagging for a
    tag set, s3:PutObjectAcl for an ACL (API_PutObject.html, Permissions)."""
    h = ctx.headers
    # One search of the names' string the handler builds anyway, not five look-ups of the grants.
    tagging = "x-amz-tagging" in h
    grants = ctx.header_names_starting("x-amz-grant-")
    acl = "x-amz-acl" in h or (bool(grants) and not _GRANTS.isdisjoint(grants))
    if not tagging and not acl:
        return ACTIONS[ctx.op]
    return ("s3:PutObject",) + (("s3:PutObjectTagging",) if tagging else ()) + (
        ("s3:PutObjectAcl",) if acl else ())


def _bypassing(ctx: Ctx) -> bool:
    return ctx.headers.get(_BYPASS, "").strip().lower() == "true"


def _delete_object(ctx: Ctx) -> tuple[str, ...]:
    base = VERSION_ACTIONS[Op.DeleteObject] if "versionId" in ctx.query else ACTIONS[Op.DeleteObject]
    return base + ("s3:BypassGovernanceRetention",) if _bypassing(ctx) else base


def _governed(ctx: Ctx) -> tuple[str, ...]:
    """PutObjectRetention, DeleteObjects: s3:BypassGovernanceRetention with the bypass header."""
    base = ACTIONS[ctx.op]
    return base + ("s3:BypassGovernanceRetention",) if _bypassing(ctx) else base


def _create_bucket(ctx: Ctx) -> tuple[str, ...]:
    """API_CreateBucket.html, Permissions: s3:PutBucketAcl for an ACL other than private, the
    Object Lock pair for x-amz-bucket-object-lock-enabled: true, s3:PutBucketOwnershipControls
    for x-amz-object-ownership."""
    h = ctx.headers
    extra: tuple[str, ...] = ()
    canned = h.get("x-amz-acl")
    if (canned is not None and canned.strip() != "private") or any(g in h for g in _GRANTS):
        extra += ("s3:PutBucketAcl",)
    if h.get("x-amz-bucket-object-lock-enabled", "").strip().lower() == "true":
        extra += ("s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning")
    if "x-amz-object-ownership" in h:
        extra += ("s3:PutBucketOwnershipControls",)
    return ACTIONS[Op.CreateBucket] + extra if extra else ACTIONS[Op.CreateBucket]


_DEPENDENT: dict[Op, Callable[[Ctx], tuple[str, ...]]] = {
    Op.PutObject: _object_write,
    Op.CopyObject: _object_write,
    Op.CreateMultipartUpload: _object_write,
    Op.DeleteObject: _delete_object,
    Op.DeleteObjects: _governed,
    Op.PutObjectRetention: _governed,
    Op.CreateBucket: _create_bucket,
}


def actions(ctx: Ctx) -> tuple[str, ...]:
    """The IAM actions ctx.op needs, every one of them (a policy must allow each)."""
    op = ctx.op
    dependent = _DEPENDENT.get(op)
    if dependent is not None:
        return dependent(ctx)
    if op in VERSION_ACTIONS and "versionId" in ctx.query:
        return VERSION_ACTIONS[op]
    return ACTIONS[op]


_COPY_SOURCE = ("s3:GetObject",), ("s3:GetObjectVersion",)


def copy_source_actions(version_given: bool) -> tuple[str, ...]:
    """CopyObject's and UploadPartCopy's check on the source object (a separate resource)."""
    return _COPY_SOURCE[version_given]


def post_object_actions(fields: Mapping[str, str]) -> tuple[str, ...]:
    """PostObject's, from the form's fields: s3:PutObject, with s3:PutObjectAcl for an `acl`
    field and s3:PutObjectTagging for a `tagging` field, as PutObject's headers would."""
    names = {name.lower() for name in fields}
    return ("s3:PutObject",) + (("s3:PutObjectTagging",) if "tagging" in names else ()) + (
        ("s3:PutObjectAcl",) if "acl" in names or any(g[6:] in names for g in _GRANTS) else ())


def resource(bucket: str | None, key: str | None = None) -> str:
    """The ARN a statement's Resource is matched against ("*" for the service's operations)."""
    if bucket is None:
        return "*"
    return f"arn:aws:s3:::{bucket}" if key is None else f"arn:aws:s3:::{bucket}/{key}"


def policy_who(principal: Principal) -> tuple[str | None, str | None, str | None]:
    """(canonical id, account, ARN): auth/policy.py's Who(*policy_who(p)); all None: anonymous."""
    user = principal.user
    if user is None:
        return (None, None, None)
    return (user.canonical_id, user.account_id, user.arn)

"""The S3 IAM action names a bucket policy may name, and the resource each applies to. Pure data.

PutBucketPolicy refuses a name S3 does not define ("Policy has invalid action") and a statement
whose actions apply to none of its resources ("Action does not apply to any resource(s) in
statement", https://github.com/versity/versitygw/issues/645). The kinds follow the Service
Authorization Reference's resource column for Amazon S3
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html):
"bucket" acts on arn:aws:s3:::bucket, "object" on arn:aws:s3:::bucket/key, "other" on neither
(account, access point, job, Storage Lens...), so no bucket-policy resource can match it.
"""

from __future__ import annotations

_BUCKET = """
CreateBucket DeleteBucket DeleteBucketPolicy DeleteBucketWebsite DeleteBucketOwnershipControls
GetAccelerateConfiguration GetAnalyticsConfiguration GetBucketAcl GetBucketCORS GetBucketLocation
GetBucketLogging GetBucketNotification GetBucketObjectLockConfiguration GetBucketOwnershipControls
GetBucketPolicy GetBucketPolicyStatus GetBucketPublicAccessBlock GetBucketRequestPayment
GetBucketTagging GetBucketVersioning GetBucketWebsite GetEncryptionConfiguration
GetIntelligentTieringConfiguration GetInventoryConfiguration GetLifecycleConfiguration
GetMetricsConfiguration GetReplicationConfiguration GetBucketMetadataTableConfiguration
CreateBucketMetadataTableConfiguration DeleteBucketMetadataTableConfiguration
ListBucket ListBucketMultipartUploads ListBucketVersions
PutAccelerateConfiguration PutAnalyticsConfiguration PutBucketAcl PutBucketCORS PutBucketLogging
PutBucketNotification PutBucketObjectLockConfiguration PutBucketOwnershipControls PutBucketPolicy
PutBucketPublicAccessBlock PutBucketRequestPayment PutBucketTagging PutBucketVersioning
PutBucketWebsite PutEncryptionConfiguration PutIntelligentTieringConfiguration
PutInventoryConfiguration PutLifecycleConfiguration PutMetricsConfiguration
PutReplicationConfiguration
"""

_OBJECT = """
AbortMultipartUpload BypassGovernanceRetention DeleteObject DeleteObjectTagging DeleteObjectVersion
DeleteObjectVersionTagging GetObject GetObjectAcl GetObjectAttributes GetObjectLegalHold
GetObjectRetention GetObjectTagging GetObjectTorrent GetObjectVersion GetObjectVersionAcl
GetObjectVersionAttributes GetObjectVersionForReplication GetObjectVersionTagging
GetObjectVersionTorrent InitiateReplication ListMultipartUploadParts ObjectOwnerOverrideToBucketOwner
PutObject PutObjectAcl PutObjectLegalHold PutObjectRetention PutObjectTagging PutObjectVersionAcl
PutObjectVersionTagging ReplicateDelete ReplicateObject ReplicateTags RestoreObject
"""

_OTHER = """
ListAllMyBuckets GetAccountPublicAccessBlock PutAccountPublicAccessBlock
CreateAccessPoint DeleteAccessPoint GetAccessPoint ListAccessPoints GetAccessPointPolicy
PutAccessPointPolicy DeleteAccessPointPolicy GetAccessPointPolicyStatus
CreateAccessPointForObjectLambda DeleteAccessPointForObjectLambda GetAccessPointForObjectLambda
ListAccessPointsForObjectLambda CreateMultiRegionAccessPoint DeleteMultiRegionAccessPoint
GetMultiRegionAccessPoint ListMultiRegionAccessPoints
CreateJob DescribeJob ListJobs UpdateJobPriority UpdateJobStatus
GetStorageLensConfiguration PutStorageLensConfiguration DeleteStorageLensConfiguration
ListStorageLensConfigurations GetStorageLensDashboard
"""


def _table() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for kind, names in (("bucket", _BUCKET), ("object", _OBJECT), ("other", _OTHER)):
        for name in names.split():
            table["s3:" + name.lower()] = ("s3:" + name, kind)
    return table


ACTIONS: dict[str, tuple[str, str]] = _table()
"""lower-cased action -> (the action as AWS spells it, "bucket" | "object" | "other")."""


def kind(action: str) -> str | None:
    """The resource kind `action` applies to, None when S3 has no such action."""
    entry = ACTIONS.get(action.lower())
    return entry[1] if entry else None


# S3's own condition keys (Service Authorization Reference, "Condition keys for Amazon S3"),
# lower-cased; a key ending in "/" takes any suffix (a tag key). aws:* global keys are all valid.
S3_CONDITION_KEYS = frozenset("""
s3:accesspointnetworkorigin s3:authtype s3:dataaccesspointaccount s3:dataaccesspointarn
s3:delimiter s3:existingobjecttag/ s3:locationconstraint s3:max-keys s3:object-lock-legal-hold
s3:object-lock-mode s3:object-lock-remaining-retention-days s3:object-lock-retain-until-date
s3:prefix s3:requestobjecttag/ s3:requestobjecttagkeys s3:resourceaccount s3:signatureage
s3:signatureversion s3:tlsversion s3:versionid s3:x-amz-acl s3:x-amz-content-sha256
s3:x-amz-copy-source s3:x-amz-grant-full-control s3:x-amz-grant-read s3:x-amz-grant-read-acp
s3:x-amz-grant-write s3:x-amz-grant-write-acp s3:x-amz-metadata-directive
s3:x-amz-server-side-encryption s3:x-amz-server-side-encryption-aws-kms-key-id
s3:x-amz-server-side-encryption-customer-algorithm s3:x-amz-storage-class
s3:x-amz-website-redirect-location s3:x-amz-object-ownership s3:if-match s3:if-none-match
s3:objectcreationoperation s3:x-amz-checksum-algorithm s3:bucketTag/ s3:existingjobpriority
s3:existingjoboperation s3:jobsuspendedcause s3:requestjobpriority s3:requestjoboperation
""".lower().split())


def valid_condition_key(key: str) -> bool:
    """aws:<anything>, or one of S3's keys (compared case-insensitively, as IAM compares key
    names)."""
    lowered = key.lower()
    if lowered.startswith("aws:") and len(lowered) > 4:
        return True
    if lowered in S3_CONDITION_KEYS:
        return True
    head, sep, tail = lowered.partition("/")
    return bool(sep and tail) and head + "/" in S3_CONDITION_KEYS

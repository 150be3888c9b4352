"""S3 operations as data: the Op enum (every operation of S3's API, implemented or not), the
routing table with the permission each needs, and resolve() for path and virtual-host style
and for absolute-form targets. Pure: no aiohttp, no I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Collection, Iterable
from urllib.parse import unquote

from s3mock.errors import S3Error


class Perm(enum.Enum):
    # Members are singletons compared by identity, so identity's hash (in C) is as good as
    # Enum's own (a Python call hashing the name): every request looks Ops and Perms up in
    # sets and dicts several times.
    __hash__ = object.__hash__

    NONE = "NONE"            # no check (preflight, service listing filters by owner)
    USER = "USER"            # any signed-in user, never anonymous (no bucket to check against)
    READ = "READ"            # on the bucket or object named by the target
    WRITE = "WRITE"          # on the bucket (object writes need WRITE on the bucket)
    READ_ACP = "READ_ACP"
    WRITE_ACP = "WRITE_ACP"
    OWNER = "OWNER"          # bucket owner only (configuration, deletion)


class Op(enum.Enum):
    """Every operation of Amazon S3's API, named as AWS names it (botocore's service model,
    without the four deprecated aliases that send the same request as their successor:
    Get/PutBucketLifecycle, Get/PutBucketNotification), and the two that are not in it."""
    __hash__ = object.__hash__      # as Perm's


    @staticmethod
    def _generate_next_value_(name: str, start: int, count: int, last: list) -> str:
        return name

    # service
    ListBuckets = enum.auto()
    ListDirectoryBuckets = enum.auto()
    WriteGetObjectResponse = enum.auto()
    # buckets and their contents
    CreateBucket = enum.auto()
    DeleteBucket = enum.auto()
    HeadBucket = enum.auto()
    ListObjects = enum.auto()
    ListObjectsV2 = enum.auto()
    ListObjectVersions = enum.auto()
    ListMultipartUploads = enum.auto()
    DeleteObjects = enum.auto()
    PostObject = enum.auto()             # browser form upload: not in the SDK's model
    CreateSession = enum.auto()
    # bucket configuration
    GetBucketAbac = enum.auto()
    PutBucketAbac = enum.auto()
    GetBucketAccelerateConfiguration = enum.auto()
    PutBucketAccelerateConfiguration = enum.auto()
    GetBucketAcl = enum.auto()
    PutBucketAcl = enum.auto()
    DeleteBucketAnalyticsConfiguration = enum.auto()
    GetBucketAnalyticsConfiguration = enum.auto()
    ListBucketAnalyticsConfigurations = enum.auto()
    PutBucketAnalyticsConfiguration = enum.auto()
    DeleteBucketCors = enum.auto()
    GetBucketCors = enum.auto()
    PutBucketCors = enum.auto()
    GetBucketDefaultStorageClass = enum.auto()
    PutBucketDefaultStorageClass = enum.auto()
    DeleteBucketEncryption = enum.auto()
    GetBucketEncryption = enum.auto()
    PutBucketEncryption = enum.auto()
    DeleteBucketIntelligentTieringConfiguration = enum.auto()
    GetBucketIntelligentTieringConfiguration = enum.auto()
    ListBucketIntelligentTieringConfigurations = enum.auto()
    PutBucketIntelligentTieringConfiguration = enum.auto()
    DeleteBucketInventoryConfiguration = enum.auto()
    GetBucketInventoryConfiguration = enum.auto()
    ListBucketInventoryConfigurations = enum.auto()
    PutBucketInventoryConfiguration = enum.auto()
    DeleteBucketLifecycle = enum.auto()
    GetBucketLifecycleConfiguration = enum.auto()
    PutBucketLifecycleConfiguration = enum.auto()
    GetBucketLocation = enum.auto()
    GetBucketLogging = enum.auto()
    PutBucketLogging = enum.auto()
    CreateBucketMetadataConfiguration = enum.auto()
    DeleteBucketMetadataConfiguration = enum.auto()
    GetBucketMetadataConfiguration = enum.auto()
    UpdateBucketMetadataAnnotationTableConfiguration = enum.auto()
    UpdateBucketMetadataInventoryTableConfiguration = enum.auto()
    UpdateBucketMetadataJournalTableConfiguration = enum.auto()
    CreateBucketMetadataTableConfiguration = enum.auto()
    DeleteBucketMetadataTableConfiguration = enum.auto()
    GetBucketMetadataTableConfiguration = enum.auto()
    DeleteBucketMetricsConfiguration = enum.auto()
    GetBucketMetricsConfiguration = enum.auto()
    ListBucketMetricsConfigurations = enum.auto()
    PutBucketMetricsConfiguration = enum.auto()
    GetBucketNotificationConfiguration = enum.auto()
    PutBucketNotificationConfiguration = enum.auto()
    GetObjectLockConfiguration = enum.auto()
    PutObjectLockConfiguration = enum.auto()
    DeleteBucketOwnershipControls = enum.auto()
    GetBucketOwnershipControls = enum.auto()
    PutBucketOwnershipControls = enum.auto()
    DeleteBucketPolicy = enum.auto()
    GetBucketPolicy = enum.auto()
    PutBucketPolicy = enum.auto()
    GetBucketPolicyStatus = enum.auto()
    DeletePublicAccessBlock = enum.auto()
    GetPublicAccessBlock = enum.auto()
    PutPublicAccessBlock = enum.auto()
    DeleteBucketReplication = enum.auto()
    GetBucketReplication = enum.auto()
    PutBucketReplication = enum.auto()
    GetBucketRequestPayment = enum.auto()
    PutBucketRequestPayment = enum.auto()
    DeleteBucketTagging = enum.auto()
    GetBucketTagging = enum.auto()
    PutBucketTagging = enum.auto()
    GetBucketVersioning = enum.auto()
    PutBucketVersioning = enum.auto()
    DeleteBucketWebsite = enum.auto()
    GetBucketWebsite = enum.auto()
    PutBucketWebsite = enum.auto()
    # objects
    PutObject = enum.auto()
    CopyObject = enum.auto()
    GetObject = enum.auto()
    HeadObject = enum.auto()
    DeleteObject = enum.auto()
    RenameObject = enum.auto()
    GetObjectAcl = enum.auto()
    PutObjectAcl = enum.auto()
    DeleteObjectAnnotation = enum.auto()
    GetObjectAnnotation = enum.auto()
    ListObjectAnnotations = enum.auto()
    PutObjectAnnotation = enum.auto()
    GetObjectAttributes = enum.auto()
    UpdateObjectEncryption = enum.auto()
    GetObjectLegalHold = enum.auto()
    PutObjectLegalHold = enum.auto()
    RestoreObject = enum.auto()
    GetObjectRetention = enum.auto()
    PutObjectRetention = enum.auto()
    SelectObjectContent = enum.auto()
    DeleteObjectTagging = enum.auto()
    GetObjectTagging = enum.auto()
    PutObjectTagging = enum.auto()
    GetObjectTorrent = enum.auto()
    # multipart uploads
    CreateMultipartUpload = enum.auto()
    UploadPart = enum.auto()
    UploadPartCopy = enum.auto()
    CompleteMultipartUpload = enum.auto()
    AbortMultipartUpload = enum.auto()
    ListParts = enum.auto()
    GetPart = enum.auto()
    # CORS preflight (OPTIONS): not an operation of the API, answered before authentication
    Preflight = enum.auto()


@dataclass(frozen=True)
class Route:
    method: str
    target: str                      # "service" | "bucket" | "object"
    keys: frozenset[str]             # the subresources that name the operation, all of them
    params: frozenset[str]           # other query parameters (`name` or `name=value`) it needs
    header: str | None               # a request header that must be present
    op: Op
    perm: Perm


def _r(method: str, target: str, keys: str, op: Op, perm: Perm, header: str | None = None,
       params: str = "") -> Route:
    return Route(method, target, frozenset(keys.split()), frozenset(params.split()), header, op, perm)


B, O, S = "bucket", "object", "service"
COPY_SOURCE, RENAME_SOURCE = "x-amz-copy-source", "x-amz-rename-source"
OLAMBDA = "x-amz-request-route"      # WriteGetObjectResponse's (its path looks like a bucket or key)

# https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
# The permission is the ACL model's: bucket configuration belongs to the bucket owner; object
# reads need READ (on the object's ACL where request/access.py says so), writes WRITE on the
# bucket; ACLs READ_ACP / WRITE_ACP. tests/unit/test_operations.py holds this table to botocore's.
ROUTES: tuple[Route, ...] = (
    _r("GET", S, "", Op.ListBuckets, Perm.NONE),
    # a directory-bucket endpoint's request; the JS and Go SDKs add x-id, botocore does not
    _r("GET", S, "", Op.ListDirectoryBuckets, Perm.USER, params="x-id=ListDirectoryBuckets"),
    _r("GET", S, "", Op.ListDirectoryBuckets, Perm.USER, params="max-directory-buckets"),
    _r("POST", B, "", Op.WriteGetObjectResponse, Perm.USER, header=OLAMBDA),   # path style
    _r("POST", O, "", Op.WriteGetObjectResponse, Perm.USER, header=OLAMBDA),   # {route}.<domain>
    _r("PUT", B, "", Op.CreateBucket, Perm.USER),
    _r("DELETE", B, "", Op.DeleteBucket, Perm.OWNER),
    _r("HEAD", B, "", Op.HeadBucket, Perm.READ),
    _r("GET", B, "", Op.ListObjects, Perm.READ),
    _r("GET", B, "list-type", Op.ListObjectsV2, Perm.READ),
    _r("GET", B, "versions", Op.ListObjectVersions, Perm.READ),
    _r("GET", B, "uploads", Op.ListMultipartUploads, Perm.READ),
    _r("POST", B, "delete", Op.DeleteObjects, Perm.WRITE),
    _r("POST", B, "", Op.PostObject, Perm.NONE),     # the form's policy names the signer
    _r("GET", B, "session", Op.CreateSession, Perm.OWNER),
    _r("GET", B, "abac", Op.GetBucketAbac, Perm.OWNER),
    _r("PUT", B, "abac", Op.PutBucketAbac, Perm.OWNER),
    _r("GET", B, "accelerate", Op.GetBucketAccelerateConfiguration, Perm.OWNER),
    _r("PUT", B, "accelerate", Op.PutBucketAccelerateConfiguration, Perm.OWNER),
    _r("GET", B, "acl", Op.GetBucketAcl, Perm.READ_ACP),
    _r("PUT", B, "acl", Op.PutBucketAcl, Perm.WRITE_ACP),
    _r("DELETE", B, "analytics", Op.DeleteBucketAnalyticsConfiguration, Perm.OWNER),
    _r("GET", B, "analytics", Op.GetBucketAnalyticsConfiguration, Perm.OWNER, params="id"),
    _r("GET", B, "analytics", Op.ListBucketAnalyticsConfigurations, Perm.OWNER),
    _r("PUT", B, "analytics", Op.PutBucketAnalyticsConfiguration, Perm.OWNER),
    _r("DELETE", B, "cors", Op.DeleteBucketCors, Perm.OWNER),
    _r("GET", B, "cors", Op.GetBucketCors, Perm.OWNER),
    _r("PUT", B, "cors", Op.PutBucketCors, Perm.OWNER),
    _r("GET", B, "default-storage-class", Op.GetBucketDefaultStorageClass, Perm.OWNER),
    _r("PUT", B, "default-storage-class", Op.PutBucketDefaultStorageClass, Perm.OWNER),
    _r("DELETE", B, "encryption", Op.DeleteBucketEncryption, Perm.OWNER),
    _r("GET", B, "encryption", Op.GetBucketEncryption, Perm.OWNER),
    _r("PUT", B, "encryption", Op.PutBucketEncryption, Perm.OWNER),
    _r("DELETE", B, "intelligent-tiering", Op.DeleteBucketIntelligentTieringConfiguration, Perm.OWNER),
    _r("GET", B, "intelligent-tiering", Op.GetBucketIntelligentTieringConfiguration, Perm.OWNER,
       params="id"),
    _r("GET", B, "intelligent-tiering", Op.ListBucketIntelligentTieringConfigurations, Perm.OWNER),
    _r("PUT", B, "intelligent-tiering", Op.PutBucketIntelligentTieringConfiguration, Perm.OWNER),
    _r("DELETE", B, "inventory", Op.DeleteBucketInventoryConfiguration, Perm.OWNER),
    _r("GET", B, "inventory", Op.GetBucketInventoryConfiguration, Perm.OWNER, params="id"),
    _r("GET", B, "inventory", Op.ListBucketInventoryConfigurations, Perm.OWNER),
    _r("PUT", B, "inventory", Op.PutBucketInventoryConfiguration, Perm.OWNER),
    _r("DELETE", B, "lifecycle", Op.DeleteBucketLifecycle, Perm.OWNER),
    _r("GET", B, "lifecycle", Op.GetBucketLifecycleConfiguration, Perm.OWNER),
    _r("PUT", B, "lifecycle", Op.PutBucketLifecycleConfiguration, Perm.OWNER),
    _r("GET", B, "location", Op.GetBucketLocation, Perm.OWNER),
    _r("GET", B, "logging", Op.GetBucketLogging, Perm.OWNER),
    _r("PUT", B, "logging", Op.PutBucketLogging, Perm.OWNER),
    _r("POST", B, "metadataConfiguration", Op.CreateBucketMetadataConfiguration, Perm.OWNER),
    _r("DELETE", B, "metadataConfiguration", Op.DeleteBucketMetadataConfiguration, Perm.OWNER),
    _r("GET", B, "metadataConfiguration", Op.GetBucketMetadataConfiguration, Perm.OWNER),
    _r("PUT", B, "metadataAnnotationTable", Op.UpdateBucketMetadataAnnotationTableConfiguration,
       Perm.OWNER),
    _r("PUT", B, "metadataInventoryTable", Op.UpdateBucketMetadataInventoryTableConfiguration,
       Perm.OWNER),
    _r("PUT", B, "metadataJournalTable", Op.UpdateBucketMetadataJournalTableConfiguration, Perm.OWNER),
    _r("POST", B, "metadataTable", Op.CreateBucketMetadataTableConfiguration, Perm.OWNER),
    _r("DELETE", B, "metadataTable", Op.DeleteBucketMetadataTableConfiguration, Perm.OWNER),
    _r("GET", B, "metadataTable", Op.GetBucketMetadataTableConfiguration, Perm.OWNER),
    _r("DELETE", B, "metrics", Op.DeleteBucketMetricsConfiguration, Perm.OWNER),
    _r("GET", B, "metrics", Op.GetBucketMetricsConfiguration, Perm.OWNER, params="id"),
    _r("GET", B, "metrics", Op.ListBucketMetricsConfigurations, Perm.OWNER),
    _r("PUT", B, "metrics", Op.PutBucketMetricsConfiguration, Perm.OWNER),
    _r("GET", B, "notification", Op.GetBucketNotificationConfiguration, Perm.OWNER),
    _r("PUT", B, "notification", Op.PutBucketNotificationConfiguration, Perm.OWNER),
    _r("GET", B, "object-lock", Op.GetObjectLockConfiguration, Perm.OWNER),
    _r("PUT", B, "object-lock", Op.PutObjectLockConfiguration, Perm.OWNER),
    _r("DELETE", B, "ownershipControls", Op.DeleteBucketOwnershipControls, Perm.OWNER),
    _r("GET", B, "ownershipControls", Op.GetBucketOwnershipControls, Perm.OWNER),
    _r("PUT", B, "ownershipControls", Op.PutBucketOwnershipControls, Perm.OWNER),
    _r("DELETE", B, "policy", Op.DeleteBucketPolicy, Perm.OWNER),
    _r("GET", B, "policy", Op.GetBucketPolicy, Perm.OWNER),
    _r("PUT", B, "policy", Op.PutBucketPolicy, Perm.OWNER),
    _r("GET", B, "policyStatus", Op.GetBucketPolicyStatus, Perm.OWNER),
    _r("DELETE", B, "publicAccessBlock", Op.DeletePublicAccessBlock, Perm.OWNER),
    _r("GET", B, "publicAccessBlock", Op.GetPublicAccessBlock, Perm.OWNER),
    _r("PUT", B, "publicAccessBlock", Op.PutPublicAccessBlock, Perm.OWNER),
    _r("DELETE", B, "replication", Op.DeleteBucketReplication, Perm.OWNER),
    _r("GET", B, "replication", Op.GetBucketReplication, Perm.OWNER),
    _r("PUT", B, "replication", Op.PutBucketReplication, Perm.OWNER),
    _r("GET", B, "requestPayment", Op.GetBucketRequestPayment, Perm.OWNER),
    _r("PUT", B, "requestPayment", Op.PutBucketRequestPayment, Perm.OWNER),
    _r("DELETE", B, "tagging", Op.DeleteBucketTagging, Perm.OWNER),
    _r("GET", B, "tagging", Op.GetBucketTagging, Perm.OWNER),
    _r("PUT", B, "tagging", Op.PutBucketTagging, Perm.OWNER),
    _r("GET", B, "versioning", Op.GetBucketVersioning, Perm.OWNER),
    _r("PUT", B, "versioning", Op.PutBucketVersioning, Perm.OWNER),
    _r("DELETE", B, "website", Op.DeleteBucketWebsite, Perm.OWNER),
    _r("GET", B, "website", Op.GetBucketWebsite, Perm.OWNER),
    _r("PUT", B, "website", Op.PutBucketWebsite, Perm.OWNER),
    _r("PUT", O, "", Op.PutObject, Perm.WRITE),
    _r("PUT", O, "", Op.CopyObject, Perm.WRITE, header=COPY_SOURCE),
    _r("GET", O, "", Op.GetObject, Perm.READ),
    _r("HEAD", O, "", Op.HeadObject, Perm.READ),
    _r("DELETE", O, "", Op.DeleteObject, Perm.WRITE),
    _r("PUT", O, "renameObject", Op.RenameObject, Perm.WRITE),
    _r("GET", O, "acl", Op.GetObjectAcl, Perm.READ_ACP),
    _r("PUT", O, "acl", Op.PutObjectAcl, Perm.WRITE_ACP),
    _r("DELETE", O, "annotation", Op.DeleteObjectAnnotation, Perm.WRITE),
    _r("GET", O, "annotation", Op.GetObjectAnnotation, Perm.READ, params="annotationName"),
    _r("GET", O, "annotation", Op.ListObjectAnnotations, Perm.READ),
    _r("PUT", O, "annotation", Op.PutObjectAnnotation, Perm.WRITE),
    _r("GET", O, "attributes", Op.GetObjectAttributes, Perm.READ),
    _r("PUT", O, "encryption", Op.UpdateObjectEncryption, Perm.WRITE),
    _r("GET", O, "legal-hold", Op.GetObjectLegalHold, Perm.READ),
    _r("PUT", O, "legal-hold", Op.PutObjectLegalHold, Perm.WRITE),
    _r("POST", O, "restore", Op.RestoreObject, Perm.WRITE),
    _r("GET", O, "retention", Op.GetObjectRetention, Perm.READ),
    _r("PUT", O, "retention", Op.PutObjectRetention, Perm.WRITE),
    _r("POST", O, "select select-type", Op.SelectObjectContent, Perm.READ),
    _r("DELETE", O, "tagging", Op.DeleteObjectTagging, Perm.WRITE),
    _r("GET", O, "tagging", Op.GetObjectTagging, Perm.READ),
    _r("PUT", O, "tagging", Op.PutObjectTagging, Perm.WRITE),
    _r("GET", O, "torrent", Op.GetObjectTorrent, Perm.READ),
    _r("POST", O, "uploads", Op.CreateMultipartUpload, Perm.WRITE),
    _r("PUT", O, "uploadId", Op.UploadPart, Perm.WRITE),
    _r("PUT", O, "uploadId", Op.UploadPartCopy, Perm.WRITE, header=COPY_SOURCE),
    _r("POST", O, "uploadId", Op.CompleteMultipartUpload, Perm.WRITE),
    _r("DELETE", O, "uploadId", Op.AbortMultipartUpload, Perm.WRITE),
    _r("GET", O, "uploadId", Op.ListParts, Perm.READ),
    _r("GET", O, "part uploadId", Op.GetPart, Perm.READ),
)

# Query names that name an S3 operation (every route's keys): a request whose set of them no
# route takes is NotImplemented. Any other parameter (x-id, response-content-type, ...) is not.
SUBRESOURCES = frozenset().union(*(route.keys for route in ROUTES))


def _weight(route: Route) -> int:
    """Among routes with the same subresources, the one that needs more wins."""
    return len(route.params) + (route.header is not None)


# The routes of each (method, target, subresources), most specific first (table order among
# equals): a request's routes are one dict look-up away, and the scan among them short.
_ROUTES_OF: dict[tuple[str, str, frozenset[str]], list[Route]] = {}
for _route in ROUTES:
    _ROUTES_OF.setdefault((_route.method, _route.target, _route.keys), []).append(_route)
for _routes in _ROUTES_OF.values():
    _routes.sort(key=_weight, reverse=True)
KNOWN_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS"})


_NO_PARAMS: frozenset[str] = frozenset()


class Resolved:
    """What a request is: its operation, the permission it needs, its bucket and key."""
    __slots__ = ("op", "perm", "bucket", "key", "virtual_host", "query_names")

    def __init__(self, op: Op, perm: Perm, bucket: str | None, key: str | None,
                 virtual_host: bool = False, query_names: Collection[str] = ()) -> None:
        self.op = op
        self.perm = perm
        self.bucket = bucket
        self.key = key
        self.virtual_host = virtual_host
        self.query_names = query_names      # the query's parameter names, decoded


_VIRTUAL: dict[tuple[str, str], bool] = {}     # is_virtual_host's answers: a client sends one Host
_VIRTUAL_LIMIT = 256                            # (forgotten all at once past this many)


def is_virtual_host(host: str, domain: str) -> bool:
    try:
        return _VIRTUAL[host, domain]
    except KeyError:
        pass
    virtual = False
    if domain:
        hostname = (host.rsplit(":", 1)[0] if not host.endswith("]") else host).lower()
        suffix = "." + domain.lower()
        virtual = hostname.endswith(suffix) and len(hostname) > len(suffix)
    if len(_VIRTUAL) >= _VIRTUAL_LIMIT:
        _VIRTUAL.clear()
    _VIRTUAL[host, domain] = virtual
    return virtual


def split_target(host: str, raw_path: str, domain: str,
                 virtual: bool | None = None) -> tuple[str | None, str | None]:
    """(bucket, key) from the Host header and the raw (still percent-encoded) path."""
    path = raw_path.partition("?")[0] if "?" in raw_path else raw_path
    if virtual if virtual is not None else is_virtual_host(host, domain):
        hostname = (host.rsplit(":", 1)[0] if not host.endswith("]") else host).lower()
        bucket = hostname[: -len(domain) - 1]
        key = _decode(path[1:]) if len(path) > 1 else None
        return bucket, key
    rest = path[1:]
    if not rest:
        return None, None
    bucket, sep, key = rest.partition("/")
    if "%" in bucket:
        bucket = unquote(bucket)        # not UTF-8: an invalid name (U+FFFD), InvalidBucketName
    if not key:
        return bucket, None
    return bucket, _decode(key) if "%" in key else key


def _decode(part: str) -> str:
    """A percent-decoded key. Escapes that are not UTF-8 are S3's 400 InvalidURI: HEAD
    /bucket/%AE%8A- recorded on AWS in gaul/s3proxy#201 (s3-tests' test_object_read_unreadable
    dates from boto2, which sent those bytes; boto3 sends the UTF-8 %C2%AE%C2%8A-, a key like any)."""
    try:
        return unquote(part, errors="strict")
    except UnicodeDecodeError:
        raise S3Error("InvalidURI") from None


def split_absolute(target: str) -> tuple[str, str] | None:
    """(authority, path) of an absolute-form request target, `http://host:port/path` (what every
    client sends to a forward proxy), or None for any other form. RFC 9112 §3.2.2: a server MUST
    accept it, and MUST take the host from it rather than from the Host header."""
    scheme, sep, rest = target.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    authority, _, path = rest.partition("/")
    authority = authority.rpartition("@")[2]        # userinfo is never the host
    if not authority:
        return None
    return authority, "/" + path


def query_names(raw_query: str) -> set[str]:
    """The parameter names of a raw query string, decoded as aiohttp's request.query decodes them
    (`+` is a space): what routing needs, without decoding every value."""
    names = set()
    for item in raw_query.split("&"):
        if item:
            name = item.partition("=")[0]
            if "+" in name:
                name = name.replace("+", " ")
            names.add(unquote(name) if "%" in name else name)
    return names


def _has(params: frozenset[str], names: Iterable[str], raw_query: str) -> bool:
    """The query has every one of a route's params: a name, or a `name=value` item as sent."""
    for param in params:
        if param not in (raw_query.split("&") if "=" in param else names):
            return False
    return True


def resolve(method: str, host: str, raw_path: str, query_keys: Collection[str],
            headers: dict[str, str] | object, domain: str, raw_query: str = "") -> Resolved:
    """Find the operation of a request. Raises S3Error for unknown methods or subresources."""
    virtual = is_virtual_host(host, domain)
    bucket, key = split_target(host, raw_path, domain, virtual)
    target = "object" if key is not None else "bucket" if bucket is not None else "service"
    if method == "OPTIONS":
        return Resolved(Op.Preflight, Perm.NONE, bucket, key, virtual)
    if method not in KNOWN_METHODS:
        raise S3Error("MethodNotAllowed", Method=method, ResourceType=target.upper())
    present = SUBRESOURCES.intersection(query_keys) if query_keys else _NO_PARAMS
    for route in _ROUTES_OF.get((method, target, present), ()):
        header = route.header
        if (header is None or header in headers) and (  # type: ignore[operator]
                not route.params or _has(route.params, query_keys, raw_query)):
            return Resolved(route.op, route.perm, bucket, key, virtual, query_keys)
    if present:
        raise S3Error("NotImplemented")         # subresources no S3 operation takes together
    raise S3Error("MethodNotAllowed", Method=method, ResourceType=target.upper())

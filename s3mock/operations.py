"""S3 operations as data: the Op enum, the routing table, and resolve() for path and virtual-host style.

Pure: no aiohttp, no I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import unquote

from s3mock.errors import S3Error


class Perm(enum.Enum):
    NONE = "NONE"            # no check (preflight, service listing filters by owner)
    READ = "READ"            # on the bucket or object named by the target
    WRITE = "WRITE"          # on the bucket (object writes need WRITE on the bucket)
    READ_ACP = "READ_ACP"
    WRITE_ACP = "WRITE_ACP"
    OWNER = "OWNER"          # bucket owner only (configuration, deletion)


class Op(enum.Enum):
    ListBuckets = "ListBuckets"
    CreateBucket = "CreateBucket"
    DeleteBucket = "DeleteBucket"
    HeadBucket = "HeadBucket"
    GetBucketLocation = "GetBucketLocation"
    GetBucketVersioning = "GetBucketVersioning"
    ListObjects = "ListObjects"
    ListObjectsV2 = "ListObjectsV2"
    ListObjectVersions = "ListObjectVersions"
    ListMultipartUploads = "ListMultipartUploads"
    DeleteObjects = "DeleteObjects"
    PostObject = "PostObject"
    PutBucketCors = "PutBucketCors"
    GetBucketCors = "GetBucketCors"
    DeleteBucketCors = "DeleteBucketCors"
    PutBucketAcl = "PutBucketAcl"
    GetBucketAcl = "GetBucketAcl"
    PutObject = "PutObject"
    CopyObject = "CopyObject"
    GetObject = "GetObject"
    HeadObject = "HeadObject"
    DeleteObject = "DeleteObject"
    PutObjectAcl = "PutObjectAcl"
    GetObjectAcl = "GetObjectAcl"
    GetObjectAttributes = "GetObjectAttributes"
    CreateMultipartUpload = "CreateMultipartUpload"
    UploadPart = "UploadPart"
    UploadPartCopy = "UploadPartCopy"
    CompleteMultipartUpload = "CompleteMultipartUpload"
    AbortMultipartUpload = "AbortMultipartUpload"
    ListParts = "ListParts"
    Preflight = "Preflight"


@dataclass(frozen=True)
class Route:
    method: str
    target: str                      # "service" | "bucket" | "object"
    keys: frozenset[str]             # query subresources that must be present
    header: str | None               # a request header that must be present
    op: Op
    perm: Perm


def _r(method: str, target: str, keys: str, op: Op, perm: Perm, header: str | None = None) -> Route:
    return Route(method, target, frozenset(keys.split()), header, op, perm)


# https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
ROUTES: tuple[Route, ...] = (
    _r("GET", "service", "", Op.ListBuckets, Perm.NONE),
    _r("PUT", "bucket", "", Op.CreateBucket, Perm.NONE),
    _r("DELETE", "bucket", "", Op.DeleteBucket, Perm.OWNER),
    _r("HEAD", "bucket", "", Op.HeadBucket, Perm.READ),
    _r("GET", "bucket", "location", Op.GetBucketLocation, Perm.OWNER),
    _r("GET", "bucket", "versioning", Op.GetBucketVersioning, Perm.OWNER),
    _r("GET", "bucket", "", Op.ListObjects, Perm.READ),
    _r("GET", "bucket", "list-type", Op.ListObjectsV2, Perm.READ),
    _r("GET", "bucket", "versions", Op.ListObjectVersions, Perm.READ),
    _r("GET", "bucket", "uploads", Op.ListMultipartUploads, Perm.READ),
    _r("POST", "bucket", "delete", Op.DeleteObjects, Perm.WRITE),
    _r("POST", "bucket", "", Op.PostObject, Perm.NONE),     # the form's policy names the signer
    _r("PUT", "bucket", "cors", Op.PutBucketCors, Perm.OWNER),
    _r("GET", "bucket", "cors", Op.GetBucketCors, Perm.OWNER),
    _r("DELETE", "bucket", "cors", Op.DeleteBucketCors, Perm.OWNER),
    _r("PUT", "bucket", "acl", Op.PutBucketAcl, Perm.WRITE_ACP),
    _r("GET", "bucket", "acl", Op.GetBucketAcl, Perm.READ_ACP),
    _r("PUT", "object", "", Op.PutObject, Perm.WRITE),
    _r("PUT", "object", "", Op.CopyObject, Perm.WRITE, header="x-amz-copy-source"),
    _r("GET", "object", "", Op.GetObject, Perm.READ),
    _r("HEAD", "object", "", Op.HeadObject, Perm.READ),
    _r("DELETE", "object", "", Op.DeleteObject, Perm.WRITE),
    _r("PUT", "object", "acl", Op.PutObjectAcl, Perm.WRITE_ACP),
    _r("GET", "object", "acl", Op.GetObjectAcl, Perm.READ_ACP),
    _r("GET", "object", "attributes", Op.GetObjectAttributes, Perm.READ),
    _r("POST", "object", "uploads", Op.CreateMultipartUpload, Perm.WRITE),
    _r("PUT", "object", "uploadId", Op.UploadPart, Perm.WRITE),
    _r("PUT", "object", "uploadId", Op.UploadPartCopy, Perm.WRITE, header="x-amz-copy-source"),
    _r("POST", "object", "uploadId", Op.CompleteMultipartUpload, Perm.WRITE),
    _r("DELETE", "object", "uploadId", Op.AbortMultipartUpload, Perm.WRITE),
    _r("GET", "object", "uploadId", Op.ListParts, Perm.READ),
)

# Query keys that name an S3 subresource or operation; one we do not route is NotImplemented.
SUBRESOURCES = frozenset(
    "accelerate acl analytics attributes cors delete encryption intelligent-tiering inventory "
    "legal-hold lifecycle list-type location logging metadataTable metrics notification "
    "object-lock ownershipControls policy policyStatus publicAccessBlock replication "
    "requestPayment restore retention select session tagging torrent uploadId uploads "
    "versioning versions website renameObject".split()
)


def _weight(route: Route) -> int:
    """The most specific route wins: each subresource it needs counts twice, a header once."""
    return len(route.keys) * 2 + (route.header is not None)


# Each (method, target)'s routes, most specific first (the table's order among equals).
_BY_METHOD_TARGET: dict[tuple[str, str], list[Route]] = {}
for _route in ROUTES:
    _BY_METHOD_TARGET.setdefault((_route.method, _route.target), []).append(_route)
for _routes in _BY_METHOD_TARGET.values():
    _routes.sort(key=_weight, reverse=True)
# Op.X and Perm.X cost a microsecond each on Python 3.11 (EnumType's __getattr__ keeps class
# attribute look-ups off the fast path): the request path uses these module constants.
OP_PREFLIGHT, PERM_NONE, PERM_OWNER = Op.Preflight, Perm.NONE, Perm.OWNER
KNOWN_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS"})


_NO_PARAMS: frozenset[str] = frozenset()


class Resolved:
    """What a request is: its operation, the permission it needs, its bucket and key."""
    __slots__ = ("op", "perm", "bucket", "key", "virtual_host", "params")

    def __init__(self, op: Op, perm: Perm, bucket: str | None, key: str | None,
                 virtual_host: bool = False, params: frozenset[str] = _NO_PARAMS) -> None:
        self.op = op
        self.perm = perm
        self.bucket = bucket
        self.key = key
        self.virtual_host = virtual_host
        self.params = params        # the query's parameter names


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


def resolve(method: str, host: str, raw_path: str, query_keys: Iterable[str],
            headers: dict[str, str] | object, domain: str) -> Resolved:
    """Find the operation of a request. Raises S3Error for unknown methods or subresources."""
    virtual = is_virtual_host(host, domain)
    bucket, key = split_target(host, raw_path, domain, virtual)
    target = "object" if key is not None else "bucket" if bucket is not None else "service"
    if method == "OPTIONS":
        return Resolved(OP_PREFLIGHT, PERM_NONE, bucket, key, virtual)
    if method not in KNOWN_METHODS:
        raise S3Error("MethodNotAllowed", Method=method, ResourceType=target.upper())
    present = SUBRESOURCES.intersection(query_keys) if query_keys else _NO_PARAMS
    best: Route | None = None
    for route in _BY_METHOD_TARGET.get((method, target), ()):
        header = route.header
        if route.keys <= present and (header is None or header in headers):  # type: ignore[operator]
            best = route
            break
    if best is None:
        if present:
            raise S3Error("NotImplemented")
        raise S3Error("MethodNotAllowed", Method=method, ResourceType=target.upper())
    if present - best.keys:
        raise S3Error("NotImplemented")
    return Resolved(best.op, best.perm, bucket, key, virtual,
                    frozenset(query_keys) if query_keys else _NO_PARAMS)

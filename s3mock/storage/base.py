"""What storage holds (buckets, objects, uploads, parts) and the Store protocol handlers call.

No aiohttp, no HTTP: handlers translate between HTTP and these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Protocol


@dataclass
class Bucket:
    name: str
    created: float
    owner: str
    region: str
    acl: str | None = None
    cors: bytes | None = None
    version: int = 0          # bumped on every configuration change (CORS, ACL): cache key


@dataclass
class ObjectMeta:
    bucket: str
    key: str
    size: int
    etag: str                 # without quotes
    mtime: float
    owner: str
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)     # content-disposition, cache-control, ...
    metadata: dict[str, str] = field(default_factory=dict)    # user metadata, names lower-case
    checksums: dict[str, str] = field(default_factory=dict)   # "CRC32" -> base64
    checksum_type: str | None = None                          # FULL_OBJECT | COMPOSITE
    segments: list[tuple[str, int]] = field(default_factory=list)   # (blob id, size)
    parts_count: int | None = None
    acl: str | None = None


@dataclass
class Upload:
    upload_id: str
    bucket: str
    key: str
    initiated: float
    owner: str
    template: ObjectMeta      # content headers, metadata, acl and checksum algorithm of the future object
    checksum_algorithm: str | None = None
    checksum_type: str | None = None


@dataclass
class Part:
    number: int
    size: int
    etag: str
    mtime: float
    blob: str
    checksums: dict[str, str] = field(default_factory=dict)


@dataclass
class Listed:
    """One page of a listing: entries and common prefixes, in key order. Entries of objects are
    (key, owner, listing entry) tuples."""
    entries: list = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    last: str | None = None   # the last key or prefix returned (next marker)


class Store(Protocol):
    def list_buckets(self) -> list[Bucket]: ...
    def get_bucket(self, name: str) -> Bucket | None: ...
    def create_bucket(self, bucket: Bucket) -> bool: ...
    def delete_bucket(self, name: str) -> None: ...
    def set_bucket_config(self, name: str, **values: object) -> None: ...
    def get_object(self, bucket: str, key: str) -> ObjectMeta | None: ...
    def put_object(self, meta: ObjectMeta) -> None: ...
    def delete_object(self, bucket: str, key: str) -> bool: ...
    def list_objects(self, bucket: str, prefix: str, delimiter: str, after: str,
                     limit: int, owners: bool = True) -> Listed: ...
    def iter_blob(self, segments: list[tuple[str, int]], start: int, end: int) -> Iterator[bytes]: ...

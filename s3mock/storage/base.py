"""What storage holds (buckets, objects, uploads, parts) and the Store protocol handlers call.

No aiohttp, no HTTP: handlers translate between HTTP and these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from s3mock.storage.blobs import BlobDir


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
    # A COMPOSITE multipart object's part checksums, in part order (what GetObject/HeadObject with
    # partNumber and x-amz-checksum-mode answer); empty for any other object.
    part_checksums: list[str] = field(default_factory=list)


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
    """What handlers call on storage (storage/sqlite_fs.py's SqliteStore is the one there is; a unit
    test holds the two to the same signatures)."""

    blobs: BlobDir

    def close(self) -> None: ...
    def recover(self) -> int: ...
    def mark_clean(self) -> None: ...
    def list_buckets(self) -> list[Bucket]: ...
    def get_bucket(self, name: str) -> Bucket | None: ...
    def create_bucket(self, b: Bucket) -> bool: ...
    def bucket_is_empty(self, name: str) -> bool: ...
    def delete_bucket(self, name: str) -> bool: ...
    def set_bucket_config(self, name: str, **values: object) -> None: ...
    def get_object(self, bucket: str, key: str) -> ObjectMeta | None: ...
    def put_object(self, meta: ObjectMeta, expect_etag: str | None = None,
                   expect_absent: bool = False) -> bool: ...
    async def put_object_grouped(self, meta: ObjectMeta, expect_etag: str | None = None,
                                 expect_absent: bool = False) -> bool: ...
    def update_object_acl(self, bucket: str, key: str, acl: str) -> None: ...
    def delete_object(self, bucket: str, key: str) -> bool: ...
    def list_objects(self, bucket: str, prefix: str = "", delimiter: str = "", after: str = "",
                     limit: int = 1000, owners: bool = True) -> Listed: ...
    def create_upload(self, up: Upload) -> bool: ...
    def get_upload(self, bucket: str, key: str, upload_id: str) -> Upload | None: ...
    def put_part(self, upload_id: str, part: Part) -> bool: ...
    def list_parts(self, upload_id: str, after: int = 0, limit: int = 10000) -> list[Part]: ...
    def complete_upload(self, upload_id: str, meta: ObjectMeta, expect_etag: str | None = None,
                        expect_absent: bool = False) -> bool | None: ...
    def completed_upload(self, bucket: str, key: str, upload_id: str) -> ObjectMeta | None: ...
    def abort_upload(self, upload_id: str) -> bool: ...
    def list_uploads(self, bucket: str, prefix: str, key_marker: str, upload_marker: str,
                     limit: int) -> list[Upload]: ...

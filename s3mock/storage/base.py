"""What storage holds (buckets, objects, uploads, parts) and the Store protocol handlers call.

No aiohttp, no HTTP, no S3 XML: handlers translate between HTTP and these types. The protocol is
the boundary: bodies go in as async iterators of bytes and come out as bytes or file ranges, and
nothing above storage sees a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import AsyncIterable, BinaryIO, Callable, Collection, Iterator, Protocol, Sequence


@dataclass
class Bucket:
    name: str
    created: float
    owner: str
    region: str
    acl: str | None = None
    cors: bytes | None = None
    version: int = 0          # bumped on every configuration change (CORS, ACL): cache key
    versioning: str | None = None     # None (never versioned), "Enabled" or "Suspended"
    mfa_delete: str | None = None     # "Disabled" once a PutBucketVersioning named it
    ownership: str | None = None      # Object Ownership rule; None: none set (ObjectWriter)
    public_access_block: str | None = None   # four 0/1 characters (auth/bucket_controls.py)
    policy: str | None = None         # the bucket policy's JSON, as PUT (auth/policy.py)


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
    # Its version: "null" (written unversioned or while Suspended) or an id (version_ids.py), and
    # its place in its key's stack (newer is larger; 0 for a never-versioned bucket's objects).
    version_id: str = "null"
    seq: int = 0
    delete_marker: bool = False
    tags: dict[str, str] = field(default_factory=dict)       # object tags, in the order given

    @property
    def part_sizes(self) -> list[int]:
        """A multipart object's part sizes, in part order (its segments are its parts); the one
        body's size, or none for an empty object, otherwise."""
        return [size for _, size in self.segments]


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


@dataclass
class Removed:
    """What DeleteObject did in a versioned bucket, or by version id: the version id its answer
    names (the new delete marker's, or the one asked for) and whether that is a delete marker."""
    version_id: str
    marker: bool


@dataclass
class Digest:
    """What the store computed of a body as it wrote or read it."""
    size: int
    md5: bytes
    checksums: dict[str, str] = field(default_factory=dict)     # algorithm -> base64, as asked

    @property
    def etag(self) -> str:
        return self.md5.hex()


class BodyCheck(Protocol):
    """The caller's part in writing a body: which checksums to compute besides MD5, and a verdict
    once the last byte is written and before anything is committed. verify() raises to refuse the
    body (nothing of it is kept), else returns the checksums to store with it."""

    @property
    def algorithms(self) -> Collection[str]: ...
    def verify(self, digest: Digest) -> dict[str, str]: ...


# A request's body: its bytes when it had all arrived before the store was called (the usual
# small PUT), else an async iterator of them, asked for only once the store accepts the body.
Body = bytes | AsyncIterable[bytes]
# An object's listing entry from its row (what a listing page shows after the key), rendered by
# the layer that knows the listing's format and handed to the store, which keeps it with the row.
EntryRenderer = Callable[[ObjectMeta], str]


class FileRanges(Protocol):
    """An object's bytes as (file, offset, count) ranges in order, to send with sendfile; close()
    after. The first files are open already: a later overwrite cannot cut the read short."""

    def __iter__(self) -> Iterator[tuple[BinaryIO, int, int]]: ...
    def close(self) -> None: ...


class Store(Protocol):
    """What handlers call on storage: rows, and operations on bodies (storage/sqlite_fs.py's
    SqliteStore is the one there is; a unit test holds it to these signatures). Methods taking a
    body read it to the end before they commit; a condition that fails or a check that refuses
    leaves nothing behind."""

    def close(self) -> None: ...
    def recover(self) -> int: ...
    def mark_clean(self) -> None: ...
    def list_buckets(self) -> list[Bucket]: ...
    def get_bucket(self, name: str) -> Bucket | None: ...
    def create_bucket(self, b: Bucket) -> bool: ...
    def bucket_is_empty(self, name: str) -> bool: ...
    def delete_bucket(self, name: str) -> bool: ...
    def set_bucket_config(self, name: str, **values: object) -> None: ...
    def get_bucket_document(self, name: str, kind: str) -> bytes | None: ...
    def set_bucket_document(self, name: str, kind: str, document: bytes | None) -> None: ...
    def get_bucket_tags(self, name: str) -> dict[str, str] | None: ...
    def set_bucket_tags(self, name: str, tags: dict[str, str] | None) -> None: ...
    def get_object(self, bucket: str, key: str) -> ObjectMeta | None: ...
    async def put_object(self, meta: ObjectMeta, body: Body, size: int, check: BodyCheck,
                         expect_etag: str | None = None, expect_absent: bool = False) -> bool: ...
    async def copy_object(self, src: ObjectMeta, meta: ObjectMeta, expect_etag: str | None = None,
                          expect_absent: bool = False) -> bool: ...
    async def digest_object(self, meta: ObjectMeta, algorithms: Collection[str]) -> Digest: ...
    def open_object(self, meta: ObjectMeta, start: int, end: int) -> bytes | FileRanges | None: ...
    def update_object_acl(self, bucket: str, key: str, acl: str) -> None: ...
    def delete_object(self, bucket: str, key: str) -> bool: ...
    # versions (storage/versions.py)
    def delete_entry(self, bucket: str, key: str, version_id: str | None, owner: str) -> Removed: ...
    def get_version(self, bucket: str, key: str, version_id: str) -> ObjectMeta | None: ...
    def latest_marker(self, bucket: str, key: str) -> ObjectMeta | None: ...
    def update_version_acl(self, bucket: str, key: str, version_id: str, acl: str) -> None: ...
    def set_tags(self, bucket: str, key: str, version_id: str, tags: dict[str, str]) -> None: ...
    def list_versions(self, bucket: str, prefix: str, delimiter: str, key_marker: str,
                      version_marker: str | None, limit: int) -> Listed: ...
    def list_objects(self, bucket: str, prefix: str = "", delimiter: str = "", after: str = "",
                     limit: int = 1000, owners: bool = True) -> Listed: ...
    def create_upload(self, up: Upload) -> bool: ...
    def get_upload(self, bucket: str, key: str, upload_id: str) -> Upload | None: ...
    async def upload_part(self, upload_id: str, number: int, body: Body, size: int,
                          check: BodyCheck) -> Part | None: ...
    async def copy_part(self, upload_id: str, number: int, src: ObjectMeta, start: int, end: int,
                        algorithms: Collection[str]) -> Part | None: ...
    def list_parts(self, upload_id: str, after: int = 0, limit: int = 10000) -> list[Part]: ...
    def complete_upload(self, upload_id: str, meta: ObjectMeta, parts: list[Part],
                        expect_etag: str | None = None, expect_absent: bool = False) -> bool | None: ...
    def completed_upload(self, bucket: str, key: str, upload_id: str) -> ObjectMeta | None: ...
    def abort_upload(self, upload_id: str) -> bool: ...
    def list_uploads(self, bucket: str, prefix: str, key_marker: str, upload_marker: str,
                     limit: int) -> list[Upload]: ...
    # the event outbox (storage/events.py)
    def add_events(self, messages: Sequence[tuple[str, str]], now: float) -> list[int]: ...
    def events_after(self, after: int, limit: int) -> list[tuple[int, float, str, str]]: ...
    def last_event_seq(self) -> int: ...
    def event_delivery(self, seqs: Collection[int]) -> dict[int, tuple[int, float | None]]: ...
    def settle_events(self, destinations: Collection[str], now: float) -> int: ...
    def claim_events(self, destinations: Collection[str], now: float, lease: float,
                     limit: int) -> list[tuple[int, str, str, int]]: ...
    def event_delivered(self, seq: int, now: float) -> None: ...
    def defer_event(self, seq: int, next_attempt: float, attempted: bool) -> None: ...
    def next_event_due(self, destinations: Collection[str]) -> float | None: ...
    def release_event_leases(self) -> None: ...
    def prune_events(self) -> int: ...

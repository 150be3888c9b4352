"""How SqliteStore's rows are written and read: the schema, ObjectMeta to and from a row, the
object cache's copies, and the write transaction. No aiohttp, no HTTP."""

from __future__ import annotations

import json
import json.encoder
import re
import sqlite3

from s3mock.storage.base import ObjectMeta, Upload

SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets(
  name TEXT PRIMARY KEY, created REAL NOT NULL, owner TEXT NOT NULL, region TEXT NOT NULL,
  acl TEXT, cors BLOB, version INTEGER NOT NULL DEFAULT 0, versioning TEXT, mfa_delete TEXT,
  ownership TEXT, public_access_block TEXT, policy TEXT);
CREATE TABLE IF NOT EXISTS objects(
  bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
  mtime REAL NOT NULL, owner TEXT NOT NULL, content_type TEXT, headers TEXT NOT NULL,
  metadata TEXT NOT NULL, checksums TEXT NOT NULL, checksum_type TEXT, segments TEXT NOT NULL,
  parts_count INTEGER, acl TEXT, entry TEXT NOT NULL DEFAULT '',
  part_checksums TEXT NOT NULL DEFAULT '[]', vid TEXT NOT NULL DEFAULT 'null',
  seq INTEGER NOT NULL DEFAULT 0, tags TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY(bucket, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS versions(
  bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
  mtime REAL NOT NULL, owner TEXT NOT NULL, content_type TEXT, headers TEXT NOT NULL,
  metadata TEXT NOT NULL, checksums TEXT NOT NULL, checksum_type TEXT, segments TEXT NOT NULL,
  parts_count INTEGER, acl TEXT, entry TEXT NOT NULL DEFAULT '',
  part_checksums TEXT NOT NULL DEFAULT '[]', vid TEXT NOT NULL, seq INTEGER NOT NULL,
  marker INTEGER NOT NULL DEFAULT 0, tags TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY(bucket, key, seq DESC)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS versions_null ON versions(bucket, key) WHERE vid = 'null';
CREATE TABLE IF NOT EXISTS uploads(
  upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, initiated REAL NOT NULL,
  owner TEXT NOT NULL, template TEXT NOT NULL, checksum_algorithm TEXT, checksum_type TEXT);
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads(bucket, key, upload_id);
CREATE TABLE IF NOT EXISTS parts(
  upload_id TEXT NOT NULL, number INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
  mtime REAL NOT NULL, blob TEXT NOT NULL, checksums TEXT NOT NULL,
  PRIMARY KEY(upload_id, number)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS completed_uploads(
  upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, etag TEXT NOT NULL,
  mtime REAL NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS completed_uploads_by_time ON completed_uploads(mtime);
CREATE TABLE IF NOT EXISTS bucket_tags(name TEXT PRIMARY KEY, tags TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bucket_documents(
  name TEXT NOT NULL, kind TEXT NOT NULL, document BLOB NOT NULL,
  PRIMARY KEY(name, kind)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state(name TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, destination TEXT NOT NULL,
  message TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt REAL NOT NULL,
  lease_until REAL NOT NULL DEFAULT 0, delivered REAL);
CREATE INDEX IF NOT EXISTS events_pending ON events(destination, next_attempt)
  WHERE delivered IS NULL;
"""

CACHED_TEXT = 4096             # rows whose key, headers and metadata are longer are not cached
OBJ_COLS = ("bucket, key, size, etag, mtime, owner, content_type, headers, metadata, checksums, "
            "checksum_type, segments, parts_count, acl, part_checksums, vid, seq, tags")
# A row is written with its listing entry (rendered outside storage), which only listings read.
INSERT_OBJ = f"INSERT OR REPLACE INTO objects({OBJ_COLS}, entry) VALUES ({','.join('?' * 19)})"
BUCKET_COLS = ("name, created, owner, region, acl, cors, version, versioning, mfa_delete, "
               "ownership, public_access_block, policy")

# sqlite3 binds a None parameter only after its adapter protocol found nothing for it (a registry
# look-up by type, then `__adapt__` and `__conform__` looked for): dearer than binding the value
# itself, and an object row has several (content type, ACL, parts count). An adapter registered
# for None is found at the first step, and gives None back (an empty dict's get): still NULL.
sqlite3.register_adapter(type(None), {}.get)


# The C scanner behind json.loads, without its Python wrappers: the columns hold json.dumps()
# output, and a listing page decodes four per key, so the wrappers would dominate a page's time.
_scan = json.JSONDecoder().scan_once


def obj_from_row(row: tuple) -> ObjectMeta:
    (bucket, key, size, etag, mtime, owner, ctype, headers, metadata, sums, stype, segs, pc, acl,
     part_sums, vid, seq, tags) = row[:18]
    return ObjectMeta(bucket, key, size, etag, mtime, owner, ctype,
                      {} if headers == "{}" else _scan(headers, 0)[0],
                      {} if metadata == "{}" else _scan(metadata, 0)[0],
                      {} if sums == "{}" else _scan(sums, 0)[0], stype,
                      list(map(tuple, _scan(segs, 0)[0])), pc, acl,
                      [] if part_sums == "[]" else _scan(part_sums, 0)[0], vid, seq,
                      tags={} if tags == "{}" else _scan(tags, 0)[0])


# json.dumps() builds an encoder per call; one built once writes the same text, without that cost.
_encode = json.encoder.c_make_encoder(       # type: ignore[attr-defined]
    None, None, json.encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True
) if json.encoder.c_make_encoder is not None else None  # type: ignore[attr-defined]


def to_json(value: dict | list) -> str:
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    return "".join(_encode(value, 0)) if _encode is not None else json.dumps(value)


# Every object row has one or a few segments and checksums: their JSON text is formatted here as
# json.dumps writes it (", " and ": " separators), since the encoder costs several times more than
# an f-string for a container this small. Blob ids are hex and sizes integers; checksum values are
# base64 (a multipart one ends "-N"), checked, since the encoder would escape anything else.
_PLAIN = re.compile(r"[A-Za-z0-9+/=-]*").fullmatch


def segments_json(segments: list[tuple[str, int]]) -> str:
    if len(segments) == 1:
        (blob, size), = segments
        return f'[["{blob}", {size}]]'
    return to_json(segments) if segments else "[]"


def checksums_json(sums: dict[str, str]) -> str:
    if len(sums) == 1:
        (alg, value), = sums.items()
        if _PLAIN(alg) and _PLAIN(value):
            return f'{{"{alg}": "{value}"}}'
    return to_json(sums) if sums else "{}"


def obj_row(m: ObjectMeta, entry: str) -> tuple:
    """m's row for INSERT_OBJ, with its listing entry (the store's renderer made it). Most rows'
    headers, metadata, part checksums and tags are empty: their text is written without a call."""
    return (m.bucket, m.key, m.size, m.etag, m.mtime, m.owner, m.content_type,
            to_json(m.headers) if m.headers else "{}",
            to_json(m.metadata) if m.metadata else "{}",
            checksums_json(m.checksums), m.checksum_type,
            segments_json(m.segments), m.parts_count, m.acl,
            to_json(m.part_checksums) if m.part_checksums else "[]",
            m.version_id, m.seq, to_json(m.tags) if m.tags else "{}", entry)


def cache_fields(m: ObjectMeta) -> tuple:
    """What the object cache keeps of m: its fields, the containers copied, so that no change to
    an ObjectMeta handed out reaches the cache (copying them is cheaper than decoding the
    row's JSON columns again on every read)."""
    return (m.bucket, m.key, m.size, m.etag, m.mtime, m.owner, m.content_type, dict(m.headers),
            dict(m.metadata), dict(m.checksums), m.checksum_type, tuple(m.segments),
            m.parts_count, m.acl, tuple(m.part_checksums), m.version_id, m.seq, dict(m.tags))


def from_cache_fields(f: tuple) -> ObjectMeta:
    """A new ObjectMeta, with containers of its own, from the object cache's fields."""
    (bucket, key, size, etag, mtime, owner, ctype, headers, metadata, sums, stype, segs, pc, acl,
     part_sums, vid, seq, tags) = f
    return ObjectMeta(bucket, key, size, etag, mtime, owner, ctype, dict(headers), dict(metadata),
                      dict(sums), stype, list(segs), pc, acl, list(part_sums), vid, seq,
                      tags=dict(tags))


def cacheable(row: tuple) -> bool:
    """Short enough to keep in memory: key, headers and metadata within CACHED_TEXT."""
    return len(row[1]) + len(row[7]) + len(row[8]) <= CACHED_TEXT


UPLOAD_COLS = "upload_id, bucket, key, initiated, owner, template, checksum_algorithm, checksum_type"


def upload_from_row(row: tuple) -> Upload:
    uid, bucket, key, initiated, owner, template, alg, ctype = row
    t = json.loads(template)
    meta = ObjectMeta(bucket, key, 0, "", initiated, t["owner"], t["content_type"],
                      t["headers"], t["metadata"], acl=t["acl"], tags=t.get("tags", {}))
    return Upload(uid, bucket, key, initiated, owner, meta, alg, ctype)


def template_json(m: ObjectMeta) -> str:
    return json.dumps({"content_type": m.content_type, "headers": m.headers,
                       "metadata": m.metadata, "acl": m.acl, "owner": m.owner, "tags": m.tags})


def successor(prefix: str) -> str | None:
    """The smallest string greater than every string starting with prefix (None: no bound)."""
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            # U+D800-DFFF are surrogates, not encodable in UTF-8: U+D7FF is followed by U+E000.
            return prefix[:-1] + chr(0xE000 if last == 0xD7FF else last + 1)
        prefix = prefix[:-1]
    return None


class Tx:
    """BEGIN IMMEDIATE ... COMMIT/ROLLBACK: one writer at a time, across processes too."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                self.db.execute("COMMIT")
                return False
            except sqlite3.Error:
                # A failed COMMIT (busy, full, I/O) may leave the transaction open: end it, or
                # every later BEGIN fails with "cannot start a transaction within a transaction".
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        return False


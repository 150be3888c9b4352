"""The store: metadata in SQLite (WAL), bodies in blob files. The metadata row is the commit point.

No aiohttp, no HTTP. Point look-ups run on the event loop; blob I/O of large bodies does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import json.encoder
import sqlite3
import time
from pathlib import Path

from s3mock import listing_entry
from s3mock.storage.base import Bucket, Listed, ObjectMeta, Part, Upload
from s3mock.storage.blobs import BlobDir
from s3mock.storage.generation import MISSING, RowCache

SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets(
  name TEXT PRIMARY KEY, created REAL NOT NULL, owner TEXT NOT NULL, region TEXT NOT NULL,
  acl TEXT, cors BLOB, version INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS objects(
  bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
  mtime REAL NOT NULL, owner TEXT NOT NULL, content_type TEXT, headers TEXT NOT NULL,
  metadata TEXT NOT NULL, checksums TEXT NOT NULL, checksum_type TEXT, segments TEXT NOT NULL,
  parts_count INTEGER, acl TEXT, entry TEXT NOT NULL DEFAULT '',
  part_checksums TEXT NOT NULL DEFAULT '[]', PRIMARY KEY(bucket, key)) WITHOUT ROWID;
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
CREATE TABLE IF NOT EXISTS state(name TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
"""

BUCKET_CACHE_SIZE = 10_000     # rows (and misses) a process keeps between bucket changes
OBJECT_CACHE_SIZE = 10_000     # object rows (and misses) likewise
CACHED_TEXT = 4096             # rows whose key, headers and metadata are longer are not cached
# How long a completed upload id can be completed again with the same answer (s3mock's choice:
# S3 documents no period). A record also ends when its object is replaced or deleted.
COMPLETED_KEPT = 24 * 3600
_OBJ_COLS = ("bucket, key, size, etag, mtime, owner, content_type, headers, metadata, checksums, "
             "checksum_type, segments, parts_count, acl, part_checksums")
# A row is written with its listing entry (listing_entry.render), which only listings read.
_INSERT_OBJ = f"INSERT OR REPLACE INTO objects({_OBJ_COLS}, entry) VALUES ({','.join('?' * 16)})"


# The C scanner behind json.loads, without its Python wrappers: the columns hold json.dumps()
# output, and a listing page decodes four per key, so the wrappers would dominate a page's time.
_scan = json.JSONDecoder().scan_once


def _obj(row: tuple) -> ObjectMeta:
    (bucket, key, size, etag, mtime, owner, ctype, headers, metadata, sums, stype, segs, pc, acl,
     part_sums) = row
    return ObjectMeta(bucket, key, size, etag, mtime, owner, ctype,
                      {} if headers == "{}" else _scan(headers, 0)[0],
                      {} if metadata == "{}" else _scan(metadata, 0)[0],
                      {} if sums == "{}" else _scan(sums, 0)[0], stype,
                      list(map(tuple, _scan(segs, 0)[0])), pc, acl,
                      [] if part_sums == "[]" else _scan(part_sums, 0)[0])


# json.dumps() builds an encoder per call; one built once writes the same text, without that cost.
_encode = json.encoder.c_make_encoder(       # type: ignore[attr-defined]
    None, None, json.encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True
) if json.encoder.c_make_encoder is not None else None  # type: ignore[attr-defined]


def _json(value: dict | list) -> str:
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    return "".join(_encode(value, 0)) if _encode is not None else json.dumps(value)


def _obj_row(m: ObjectMeta) -> tuple:
    return (m.bucket, m.key, m.size, m.etag, m.mtime, m.owner, m.content_type,
            _json(m.headers), _json(m.metadata), _json(m.checksums),
            m.checksum_type, _json(m.segments), m.parts_count, m.acl, _json(m.part_checksums),
            listing_entry.render(m))


def _fields(m: ObjectMeta) -> tuple:
    """What the object cache keeps of m: its fields, the containers copied, so that no change to
    an ObjectMeta handed out reaches the cache (copying them is cheaper than decoding the
    row's JSON columns again on every read)."""
    return (m.bucket, m.key, m.size, m.etag, m.mtime, m.owner, m.content_type, dict(m.headers),
            dict(m.metadata), dict(m.checksums), m.checksum_type, tuple(m.segments),
            m.parts_count, m.acl, tuple(m.part_checksums))


def _from_fields(f: tuple) -> ObjectMeta:
    """A new ObjectMeta, with containers of its own, from the object cache's fields."""
    (bucket, key, size, etag, mtime, owner, ctype, headers, metadata, sums, stype, segs, pc, acl,
     part_sums) = f
    return ObjectMeta(bucket, key, size, etag, mtime, owner, ctype, dict(headers), dict(metadata),
                      dict(sums), stype, list(segs), pc, acl, list(part_sums))


def _cacheable(row: tuple) -> bool:
    """Short enough to keep in memory: key, headers and metadata within CACHED_TEXT."""
    return len(row[1]) + len(row[7]) + len(row[8]) <= CACHED_TEXT


def _meta_to_json(m: ObjectMeta) -> str:
    return json.dumps({"content_type": m.content_type, "headers": m.headers,
                       "metadata": m.metadata, "acl": m.acl, "owner": m.owner})


def _successor(prefix: str) -> str | None:
    """The smallest string greater than every string starting with prefix (None: no bound)."""
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            # U+D800-DFFF are surrogates, not encodable in UTF-8: U+D7FF is followed by U+E000.
            return prefix[:-1] + chr(0xE000 if last == 0xD7FF else last + 1)
        prefix = prefix[:-1]
    return None


class SqliteStore:
    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.blobs = BlobDir(self.data_dir)
        self.db = sqlite3.connect(self.data_dir / "meta.sqlite3", isolation_level=None,
                                  check_same_thread=False, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=30000")
        self.db.executescript(SCHEMA)
        self._group: list = []      # PUTs waiting for their shared commit (put_object_grouped)
        self._buckets = RowCache(self.data_dir / "buckets.gen", BUCKET_CACHE_SIZE)
        self._objects = RowCache(self.data_dir / "objects.gen", OBJECT_CACHE_SIZE)
        self._changed: dict = {}    # object rows the write transaction changed (_object_write)
        self._add_part_checksums()
        self._add_listing_entries()

    def close(self) -> None:
        self.db.close()
        self._buckets.close()
        self._objects.close()

    def _add_listing_entries(self) -> None:
        """A data dir from before objects carried their listing entry gets the column, filled once."""
        if self._has_entry_column():
            return
        with self._write():
            if self._has_entry_column():       # another process did it first
                return
            self.db.execute("ALTER TABLE objects ADD COLUMN entry TEXT NOT NULL DEFAULT ''")
            after: tuple = ("", "")
            while rows := self.db.execute(f"SELECT {_OBJ_COLS} FROM objects WHERE (bucket, key) > (?, ?) "
                                          "ORDER BY bucket, key LIMIT 10000", after).fetchall():
                self.db.executemany("UPDATE objects SET entry=? WHERE bucket=? AND key=?",
                                    [(listing_entry.render(m), m.bucket, m.key) for m in map(_obj, rows)])
                after = rows[-1][:2]

    def _has_entry_column(self) -> bool:
        return self._has_column("entry")

    def _has_column(self, name: str) -> bool:
        return any(col[1] == name for col in self.db.execute("PRAGMA table_info(objects)"))

    def _add_part_checksums(self) -> None:
        """A data dir from before objects kept their part checksums gets the column (empty: its
        COMPOSITE objects then answer a part's read without the part's checksum)."""
        if self._has_column("part_checksums"):
            return
        with self._write():
            if not self._has_column("part_checksums"):     # another process may have added it
                self.db.execute("ALTER TABLE objects ADD COLUMN part_checksums TEXT NOT NULL DEFAULT '[]'")

    def recover(self) -> int:
        """Remove the blobs no row points to (what a crash left). Returns blobs removed. Skipped
        after a clean shutdown (mark_clean): the sweep reads every row and lists every blob, which
        would make start-up O(objects)."""
        with self._write():
            clean = self.db.execute("DELETE FROM state WHERE name='clean' RETURNING 1").fetchone()
        if clean:
            return 0
        live: set[str] = set()
        for (segs,) in self.db.execute("SELECT segments FROM objects"):
            live.update(s[0] for s in json.loads(segs))
        live.update(b for (b,) in self.db.execute("SELECT blob FROM parts"))
        orphans = self.blobs.all_ids() - live
        self.blobs.unlink(orphans)
        return len(orphans)

    def mark_clean(self) -> None:
        """Every process using the data dir stopped cleanly: the next recover() need not sweep."""
        with self._write():
            self.db.execute("INSERT OR REPLACE INTO state VALUES ('clean', '1')")

    def _write(self):
        return _Tx(self.db)

    # buckets
    def list_buckets(self) -> list[Bucket]:
        return [Bucket(*r) for r in self.db.execute(
            "SELECT name, created, owner, region, acl, cors, version FROM buckets ORDER BY name")]

    def get_bucket(self, name: str) -> Bucket | None:
        """The bucket's row, from the cache while no process has changed a bucket since."""
        bucket = self._buckets.get(name)
        if bucket is MISSING:
            row = self.db.execute("SELECT name, created, owner, region, acl, cors, version FROM "
                                  "buckets WHERE name=?", (name,)).fetchone()
            bucket = Bucket(*row) if row else None
            self._buckets.fill(name, bucket)
        return bucket

    @contextlib.contextmanager
    def _bucket_write(self, name: str):
        """A write transaction that changes the bucket's row; every cache of it is stale after."""
        try:
            with self._write():
                yield
        finally:
            self._buckets.changed({name: MISSING})

    @contextlib.contextmanager
    def _object_write(self):
        """A write transaction that changes object rows, each recorded in _changed (the row as
        written, None when deleted, MISSING when unknown); the caches learn them after it ends."""
        self._changed = {}
        try:
            with self._write():
                yield
        except BaseException:
            self._changed = dict.fromkeys(self._changed, MISSING)
            raise
        finally:
            changed, self._changed = self._changed, {}
            self._objects.changed(changed)

    def create_bucket(self, b: Bucket) -> bool:
        """False if it already exists."""
        with self._bucket_write(b.name):
            cur = self.db.execute("INSERT OR IGNORE INTO buckets(name, created, owner, region, acl, "
                                  "cors) VALUES (?,?,?,?,?,?)",
                                  (b.name, b.created, b.owner, b.region, b.acl, b.cors))
            return cur.rowcount == 1

    def bucket_is_empty(self, name: str) -> bool:
        """No objects (uploads in progress do not count: S3 deletes a bucket that has only those)."""
        return not self.db.execute("SELECT 1 FROM objects WHERE bucket=? LIMIT 1", (name,)).fetchone()

    def delete_bucket(self, name: str) -> bool:
        """Delete the bucket with its uploads in progress; False if it has objects. The rows go in
        one commit, the parts' blobs after it (a crash between leaves orphans recover() removes)."""
        with self._bucket_write(name):
            if not self.bucket_is_empty(name):
                return False
            uploads = "SELECT upload_id FROM uploads WHERE bucket=?"
            blobs = [b for (b,) in self.db.execute(
                f"DELETE FROM parts WHERE upload_id IN ({uploads}) RETURNING blob", (name,))]
            self.db.execute("DELETE FROM uploads WHERE bucket=?", (name,))
            self.db.execute("DELETE FROM completed_uploads WHERE bucket=?", (name,))
            self.db.execute("DELETE FROM buckets WHERE name=?", (name,))
        self.blobs.unlink(blobs)
        return True

    def set_bucket_config(self, name: str, **values: object) -> None:
        cols = ", ".join(f"{k}=?" for k in values)
        with self._bucket_write(name):
            self.db.execute(f"UPDATE buckets SET {cols}, version=version+1 WHERE name=?",
                            (*values.values(), name))

    # objects
    def get_object(self, bucket: str, key: str) -> ObjectMeta | None:
        """The object's row, from the cache while no other process has changed an object since."""
        fields = self._objects.get((bucket, key))
        if fields is not MISSING:
            return _from_fields(fields) if fields is not None else None
        row = self.db.execute(f"SELECT {_OBJ_COLS} FROM objects WHERE bucket=? AND key=?",
                              (bucket, key)).fetchone()
        if row is None:
            self._objects.fill((bucket, key), None)
            return None
        meta = _obj(row)
        if _cacheable(row):
            self._objects.fill((bucket, key), _fields(meta))
        return meta

    def put_object(self, meta: ObjectMeta, expect_etag: str | None = None,
                   expect_absent: bool = False) -> bool:
        """Commit the row, then drop the blobs of what it replaced. False if a condition failed
        (meta's blobs are removed then). If the commit fails (disk full, I/O error, lock timeout)
        meta's blobs are removed and the error raised."""
        return self._commit_rows([(meta, expect_etag, expect_absent)])[0]

    def _commit_rows(self, rows: list[tuple[ObjectMeta, str | None, bool]]) -> list[bool]:
        """One transaction writing every (meta, expect_etag, expect_absent) whose conditions hold;
        then the replaced objects' blobs go, and so do the blobs of rows not written."""
        try:
            with self._object_write():
                results = [self._write_row(*row) for row in rows]
        except sqlite3.Error:
            for meta, _, _ in rows:
                self.blobs.unlink(s[0] for s in meta.segments)
            raise
        for (meta, _, _), (written, old) in zip(rows, results):
            if written:
                self._drop_replaced(meta, old)
            else:
                self.blobs.unlink(s[0] for s in meta.segments)
        return [written for written, _ in results]

    def _write_row(self, meta: ObjectMeta, expect_etag: str | None,
                   expect_absent: bool) -> tuple[bool, str | None]:
        """In a write transaction: write meta's row if the conditions on the current object hold.
        (written, the segments of the object it replaced or None)."""
        old = self.db.execute("SELECT etag, segments FROM objects WHERE bucket=? AND key=?",
                              (meta.bucket, meta.key)).fetchone()
        if (expect_absent and old is not None) or (
                expect_etag is not None and (old is None or old[0] != expect_etag)):
            return False, None
        row = _obj_row(meta)
        self.db.execute(_INSERT_OBJ, row)
        self._changed[meta.bucket, meta.key] = _fields(meta) if _cacheable(row) else MISSING
        return True, old[1] if old is not None else None

    def _drop_replaced(self, meta: ObjectMeta, old_segments: str | None) -> None:
        """After the commit: the blobs of the replaced object that meta does not reuse."""
        if old_segments is not None:
            keep = {s[0] for s in meta.segments}
            self.blobs.unlink(s[0] for s in json.loads(old_segments) if s[0] not in keep)

    async def put_object_grouped(self, meta: ObjectMeta, expect_etag: str | None = None,
                                 expect_absent: bool = False) -> bool:
        """put_object, committed in one transaction with the others that reach this point in the
        same event-loop iteration (one BEGIN/COMMIT and one WAL write for all). A row whose
        condition failed has its blobs removed here, whatever became of its caller."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._group.append((meta, expect_etag, expect_absent, done))
        if len(self._group) == 1:
            loop.call_soon(self._commit_group)
        return await done

    def _commit_group(self) -> None:
        group, self._group = self._group, []
        try:
            results = self._commit_rows([(meta, etag, absent) for meta, etag, absent, _ in group])
        except sqlite3.Error as e:
            for *_, done in group:
                if not done.done():
                    done.set_exception(e)
            return
        for (*_, done), written in zip(group, results):
            if not done.done():
                done.set_result(written)

    def update_object_acl(self, bucket: str, key: str, acl: str) -> None:
        with self._object_write():
            self.db.execute("UPDATE objects SET acl=? WHERE bucket=? AND key=?", (acl, bucket, key))
            self._changed[bucket, key] = MISSING

    def delete_object(self, bucket: str, key: str) -> bool:
        with self._object_write():
            row = self.db.execute("DELETE FROM objects WHERE bucket=? AND key=? RETURNING segments",
                                  (bucket, key)).fetchone()
            self._changed[bucket, key] = None
        if row:
            self.blobs.unlink(s[0] for s in json.loads(row[0]))
        return row is not None

    def list_objects(self, bucket: str, prefix: str = "", delimiter: str = "", after: str = "",
                     limit: int = 1000, owners: bool = True) -> Listed:
        """Keys and common prefixes after `after`, in UTF-8 order: a range scan. Entries are
        (key, owner, entry) tuples, the entry rendered when the row was written (listing_entry):
        what a listing shows, nothing to decode. Without `owners` the owner is None (not read)."""
        out = Listed()
        if limit <= 0:
            return out      # S3: max-keys=0 is an empty page that is not truncated
        upper = _successor(prefix) if prefix else None
        sql = (f"SELECT key, {'owner' if owners else 'NULL'}, entry FROM objects WHERE bucket=? AND key >= ? "
               f"{'AND key < ?' if upper is not None else ''} ORDER BY key LIMIT ?")
        # key + NUL is the smallest string after key: every bound below is inclusive.
        cursor = max(prefix, after + "\0") if after else prefix
        bounds = [upper] if upper is not None else []
        if not delimiter:
            rows = self.db.execute(sql, [bucket, cursor, *bounds, limit + 1]).fetchall()
            out.truncated = len(rows) > limit
            out.entries = rows[:limit]
            out.last = out.entries[-1][0] if out.entries else None
            return out
        if after.startswith(prefix) and delimiter in after[len(prefix):]:
            idx = after.index(delimiter, len(prefix)) + len(delimiter)
            cursor = max(cursor, _successor(after[:idx]) or cursor)
        batch = min(limit + 1, 1000)
        while True:
            # Step lazily: after a common prefix the rest of the batch is never read.
            rows = self.db.execute(sql, [bucket, cursor, *bounds, batch])
            seen = 0
            for row in rows:
                seen += 1
                key = row[0]
                if len(out.entries) + len(out.prefixes) == limit:
                    out.truncated = True
                    return out
                pos = key.find(delimiter, len(prefix))
                if pos < 0:
                    out.entries.append(row)
                    out.last = key
                    cursor = key + "\0"
                    continue
                common = key[: pos + len(delimiter)]
                out.prefixes.append(common)
                out.last = common
                nxt = _successor(common)
                if nxt is None:
                    return out
                cursor = nxt
                break
            else:
                if seen < batch:
                    return out

    # multipart uploads
    def create_upload(self, up: Upload) -> bool:
        """False if the bucket is gone (deleted since the handler read it)."""
        with self._write():
            cur = self.db.execute("INSERT INTO uploads SELECT ?,?,?,?,?,?,?,? WHERE EXISTS "
                                  "(SELECT 1 FROM buckets WHERE name=?)",
                                  (up.upload_id, up.bucket, up.key, up.initiated, up.owner,
                                   _meta_to_json(up.template), up.checksum_algorithm,
                                   up.checksum_type, up.bucket))
            return cur.rowcount == 1

    def get_upload(self, bucket: str, key: str, upload_id: str) -> Upload | None:
        row = self.db.execute("SELECT upload_id, bucket, key, initiated, owner, template, "
                              "checksum_algorithm, checksum_type FROM uploads WHERE upload_id=? "
                              "AND bucket=? AND key=?", (upload_id, bucket, key)).fetchone()
        return self._upload(row) if row else None

    @staticmethod
    def _upload(row: tuple) -> Upload:
        uid, bucket, key, initiated, owner, template, alg, ctype = row
        t = json.loads(template)
        meta = ObjectMeta(bucket, key, 0, "", initiated, t["owner"], t["content_type"],
                          t["headers"], t["metadata"], acl=t["acl"])
        return Upload(uid, bucket, key, initiated, owner, meta, alg, ctype)

    def put_part(self, upload_id: str, part: Part) -> bool:
        """False if the upload no longer exists (the part's blob is then removed, as it is when
        the commit fails)."""
        try:
            with self._write():
                if not self.db.execute("SELECT 1 FROM uploads WHERE upload_id=?", (upload_id,)).fetchone():
                    ok, old = False, None
                else:
                    old = self.db.execute("SELECT blob FROM parts WHERE upload_id=? AND number=?",
                                          (upload_id, part.number)).fetchone()
                    self.db.execute("INSERT OR REPLACE INTO parts VALUES (?,?,?,?,?,?,?)",
                                    (upload_id, part.number, part.size, part.etag, part.mtime,
                                     part.blob, json.dumps(part.checksums)))
                    ok = True
        except sqlite3.Error:
            self.blobs.unlink([part.blob])
            raise
        if not ok:
            self.blobs.unlink([part.blob])
        elif old:
            self.blobs.unlink([old[0]])
        return ok

    def list_parts(self, upload_id: str, after: int = 0, limit: int = 10000) -> list[Part]:
        rows = self.db.execute("SELECT number, size, etag, mtime, blob, checksums FROM parts WHERE "
                               "upload_id=? AND number>? ORDER BY number LIMIT ?",
                               (upload_id, after, limit)).fetchall()
        return [Part(n, s, e, m, b, json.loads(c)) for n, s, e, m, b, c in rows]

    def complete_upload(self, upload_id: str, meta: ObjectMeta, expect_etag: str | None = None,
                        expect_absent: bool = False) -> bool | None:
        """Turn the upload into the object (its parts' blobs become its segments) in one commit,
        remembered as completed (completed_upload). None if the upload is gone, False if a
        condition on the current object failed."""
        with self._object_write():
            if not self.db.execute("SELECT 1 FROM uploads WHERE upload_id=?", (upload_id,)).fetchone():
                return None
            blobs = [b for (b,) in self.db.execute("SELECT blob FROM parts WHERE upload_id=?", (upload_id,))]
            written, old = self._write_row(meta, expect_etag, expect_absent)
            if not written:
                return False
            self.db.execute("DELETE FROM parts WHERE upload_id=?", (upload_id,))
            self.db.execute("DELETE FROM uploads WHERE upload_id=?", (upload_id,))
            self.db.execute("DELETE FROM completed_uploads WHERE mtime < ?", (meta.mtime - COMPLETED_KEPT,))
            self.db.execute("INSERT OR REPLACE INTO completed_uploads VALUES (?,?,?,?,?)",
                            (upload_id, meta.bucket, meta.key, meta.etag, meta.mtime))
        keep = {s[0] for s in meta.segments}
        self.blobs.unlink(b for b in blobs if b not in keep)
        self._drop_replaced(meta, old)
        return True

    def completed_upload(self, bucket: str, key: str, upload_id: str) -> ObjectMeta | None:
        """The object the upload became, while it is still the key's current object and the upload
        was completed less than COMPLETED_KEPT ago; else None."""
        row = self.db.execute("SELECT etag, mtime FROM completed_uploads WHERE upload_id=? AND "
                              "bucket=? AND key=? AND mtime >= ?",
                              (upload_id, bucket, key, time.time() - COMPLETED_KEPT)).fetchone()
        if row is None:
            return None
        current = self.get_object(bucket, key)
        if current is None or (current.etag, current.mtime) != tuple(row):
            return None
        return current

    def abort_upload(self, upload_id: str) -> bool:
        with self._write():
            blobs = [b for (b,) in self.db.execute("SELECT blob FROM parts WHERE upload_id=?", (upload_id,))]
            self.db.execute("DELETE FROM parts WHERE upload_id=?", (upload_id,))
            cur = self.db.execute("DELETE FROM uploads WHERE upload_id=?", (upload_id,))
        self.blobs.unlink(blobs)
        return cur.rowcount == 1

    def list_uploads(self, bucket: str, prefix: str, key_marker: str, upload_marker: str,
                     limit: int) -> list[Upload]:
        rows = self.db.execute(
            "SELECT upload_id, bucket, key, initiated, owner, template, checksum_algorithm, "
            "checksum_type FROM uploads WHERE bucket=? AND key >= ? AND key < ? AND (key > ? OR "
            "(key = ? AND upload_id > ?)) ORDER BY key, upload_id LIMIT ?",
            (bucket, prefix, _successor(prefix) or "\U0010ffff" * 2, key_marker, key_marker,
             upload_marker, limit)).fetchall()
        return [self._upload(r) for r in rows]


class _Tx:
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


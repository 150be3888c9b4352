"""The store: metadata in SQLite (WAL), bodies in blob files. The metadata row is the commit point.

No aiohttp, no HTTP, no S3 XML. Point look-ups run on the event loop; blob I/O of large bodies
does not. Rows are encoded in rows.py, bodies moved in bodies.py, uploads kept in uploads.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Collection

from s3mock.storage import bodies
from s3mock.storage.base import (Body, BodyCheck, Bucket, Digest, EntryRenderer, FileRanges, Listed,
                                 ObjectMeta)
from s3mock.storage.blobs import BlobDir
from s3mock.storage.events import Events
from s3mock.storage.generation import MISSING, RowCache
from s3mock.storage.rows import (BUCKET_COLS, INSERT_OBJ, OBJ_COLS, SCHEMA, Tx, cache_fields,
                                 cacheable, from_cache_fields, obj_from_row, obj_row, successor)
from s3mock.storage.uploads import COMPLETED_KEPT, Uploads
from s3mock.storage.versions import Versions

__all__ = ["COMPLETED_KEPT", "SqliteStore"]

BUCKET_CACHE_SIZE = 10_000     # rows (and misses) a process keeps between bucket changes
OBJECT_CACHE_SIZE = 10_000     # object rows (and misses) likewise


class SqliteStore(Uploads, Versions, Events):
    def __init__(self, data_dir: Path, render_entry: EntryRenderer):
        """`render_entry` makes an object's listing entry, kept with its row: a declared cache,
        written with the row and invalidated with it, whose renderer knows S3's XML while the store
        does not. A listing page is then its keys joined to stored strings; rendering a thousand
        entries as the page is read would cost more than the rest of the page."""
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.blobs = BlobDir(self.data_dir)
        self._render_entry = render_entry
        self.db = sqlite3.connect(self.data_dir / "meta.sqlite3", isolation_level=None,
                                  check_same_thread=False, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=30000")
        self.db.executescript(SCHEMA)
        # _write_row's statements (two for every object written) share a cursor: db.execute()
        # makes one per call. Nothing is read from it across another of its statements.
        self._row_cursor = self.db.cursor()
        self._group: list = []      # PUTs waiting for their shared commit (_commit_grouped)
        self._group_loop: asyncio.AbstractEventLoop | None = None
        self._buckets = RowCache(self.data_dir / "buckets.gen", BUCKET_CACHE_SIZE)
        self._objects = RowCache(self.data_dir / "objects.gen", OBJECT_CACHE_SIZE)
        self._changed: dict = {}    # object rows the write transaction changed (_object_write)
        self._add_part_checksums()
        self._add_listing_entries()
        self._add_versions()
        self._add_access_controls()
        self._add_tags()
        self._add_policies()

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
            while rows := self.db.execute(f"SELECT {OBJ_COLS} FROM objects WHERE (bucket, key) > (?, ?) "
                                          "ORDER BY bucket, key LIMIT 10000", after).fetchall():
                self.db.executemany("UPDATE objects SET entry=? WHERE bucket=? AND key=?",
                                    [(self._render_entry(m), m.bucket, m.key)
                                     for m in map(obj_from_row, rows)])
                after = rows[-1][:2]

    def _has_entry_column(self) -> bool:
        return self._has_column("entry")

    def _has_column(self, name: str, table: str = "objects") -> bool:
        return any(col[1] == name for col in self.db.execute(f"PRAGMA table_info({table})"))

    def _add_versions(self) -> None:
        """A data dir from before versioning gets the columns: its objects are null versions (seq
        0, older than any later version) and its buckets never versioned."""
        if self._has_column("mfa_delete", "buckets"):
            return
        with self._write():
            if not self._has_column("vid"):      # another process may have added them
                self.db.execute("ALTER TABLE objects ADD COLUMN vid TEXT NOT NULL DEFAULT 'null'")
                self.db.execute("ALTER TABLE objects ADD COLUMN seq INTEGER NOT NULL DEFAULT 0")
            if not self._has_column("mfa_delete", "buckets"):
                self.db.execute("ALTER TABLE buckets ADD COLUMN versioning TEXT")
                self.db.execute("ALTER TABLE buckets ADD COLUMN mfa_delete TEXT")

    def _add_access_controls(self) -> None:
        """A data dir from before Object Ownership and Block Public Access: its buckets have
        neither set (ObjectWriter, nothing blocked), as S3's buckets from before April 2023."""
        if self._has_column("public_access_block", "buckets"):
            return
        with self._write():
            if not self._has_column("ownership", "buckets"):
                self.db.execute("ALTER TABLE buckets ADD COLUMN ownership TEXT")
            if not self._has_column("public_access_block", "buckets"):
                self.db.execute("ALTER TABLE buckets ADD COLUMN public_access_block TEXT")

    def _add_tags(self) -> None:
        """A data dir from before object tagging gets the columns (every object untagged)."""
        if self._has_column("tags", "versions"):
            return
        with self._write():
            for table in ("objects", "versions"):      # another process may have added them
                if not self._has_column("tags", table):
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN tags TEXT NOT NULL DEFAULT '{{}}'")

    def _add_policies(self) -> None:
        """A data dir from before bucket policies: its buckets have none."""
        if self._has_column("policy", "buckets"):
            return
        with self._write():
            if not self._has_column("policy", "buckets"):     # another process may have added it
                self.db.execute("ALTER TABLE buckets ADD COLUMN policy TEXT")

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
        would make start-up O(objects). Leases on event messages are released either way: no
        process uses the data dir yet, so a killed one's messages are delivered at once."""
        self.release_event_leases()
        with self._write():
            clean = self.db.execute("DELETE FROM state WHERE name='clean' RETURNING 1").fetchone()
        if clean:
            return 0
        live: set[str] = set()
        for (segs,) in self.db.execute("SELECT segments FROM objects UNION ALL SELECT segments FROM versions"):
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
        return Tx(self.db)

    # buckets
    def list_buckets(self) -> list[Bucket]:
        return [Bucket(*r) for r in self.db.execute(f"SELECT {BUCKET_COLS} FROM buckets ORDER BY name")]

    def get_bucket(self, name: str) -> Bucket | None:
        """The bucket's row, from the cache while no process has changed a bucket since."""
        bucket = self._buckets.get(name)
        if bucket is MISSING:
            row = self.db.execute(f"SELECT {BUCKET_COLS} FROM buckets WHERE name=?", (name,)).fetchone()
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
                                  "cors, ownership) VALUES (?,?,?,?,?,?,?)",
                                  (b.name, b.created, b.owner, b.region, b.acl, b.cors, b.ownership))
            return cur.rowcount == 1

    def bucket_is_empty(self, name: str) -> bool:
        """No objects, versions or delete markers (uploads in progress do not count: S3 deletes a
        bucket that has only those)."""
        return not self.db.execute("SELECT 1 FROM objects WHERE bucket=? UNION ALL SELECT 1 FROM "
                                   "versions WHERE bucket=? LIMIT 1", (name, name)).fetchone()

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
            self.db.execute("DELETE FROM bucket_tags WHERE name=?", (name,))
            self.db.execute("DELETE FROM bucket_documents WHERE name=?", (name,))
            self.db.execute("DELETE FROM buckets WHERE name=?", (name,))
        self.blobs.unlink(blobs)
        return True

    def set_bucket_config(self, name: str, **values: object) -> None:
        cols = ", ".join(f"{k}=?" for k in values)
        with self._bucket_write(name):
            self.db.execute(f"UPDATE buckets SET {cols}, version=version+1 WHERE name=?",
                            (*values.values(), name))

    def get_bucket_document(self, name: str, kind: str) -> bytes | None:
        """A bucket configuration kept as the document it was given (kind: "website",
        "notification", "logging", ...), or None when the bucket has none (not cached: a caller on
        the request path keeps what it parsed, keyed by the bucket row's version)."""
        row = self.db.execute("SELECT document FROM bucket_documents WHERE name=? AND kind=?",
                              (name, kind)).fetchone()
        return bytes(row[0]) if row else None

    def set_bucket_document(self, name: str, kind: str, document: bytes | None) -> None:
        """Replace (None: delete) one configuration document; the bucket row's version moves, so
        every worker's caches keyed by it see the change on their next request."""
        with self._bucket_write(name):
            if document is None:
                self.db.execute("DELETE FROM bucket_documents WHERE name=? AND kind=?", (name, kind))
            else:
                self.db.execute("INSERT OR REPLACE INTO bucket_documents(name, kind, document) "
                                "VALUES (?, ?, ?)", (name, kind, document))
            self.db.execute("UPDATE buckets SET version=version+1 WHERE name=?", (name,))

    def get_bucket_tags(self, name: str) -> dict[str, str] | None:
        """The bucket's tag set, or None when it has none (not cached: no request path reads it)."""
        row = self.db.execute("SELECT tags FROM bucket_tags WHERE name=?", (name,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_bucket_tags(self, name: str, tags: dict[str, str] | None) -> None:
        """Replace the bucket's tag set; None deletes it."""
        with self._write():
            if tags is None:
                self.db.execute("DELETE FROM bucket_tags WHERE name=?", (name,))
            else:
                self.db.execute("INSERT OR REPLACE INTO bucket_tags(name, tags) VALUES (?, ?)",
                                (name, json.dumps(tags)))

    # objects
    def get_object(self, bucket: str, key: str) -> ObjectMeta | None:
        """The object's row, from the cache while no other process has changed an object since."""
        fields = self._objects.get((bucket, key))
        if fields is not MISSING:
            return from_cache_fields(fields) if fields is not None else None
        row = self.db.execute(f"SELECT {OBJ_COLS} FROM objects WHERE bucket=? AND key=?",
                              (bucket, key)).fetchone()
        if row is None:
            self._objects.fill((bucket, key), None)
            return None
        meta = obj_from_row(row)
        if cacheable(row):
            self._objects.fill((bucket, key), cache_fields(meta))
        return meta

    async def put_object(self, meta: ObjectMeta, body: Body, size: int, check: BodyCheck,
                         expect_etag: str | None = None, expect_absent: bool = False) -> bool:
        """Write `body` (`size` bytes declared) as meta's object once `check` accepts it: meta
        gets its size, ETag (the MD5), segments and the checksums check kept, and is committed
        with the other PUTs of this loop iteration. False if a condition on the current object
        failed (nothing is kept then)."""
        writer, kept = await bodies.receive(self.blobs, body, size, check)
        meta.size, meta.etag, meta.segments = writer.size, writer.etag, writer.segments()
        meta.checksums = kept
        return await self._commit_grouped(meta, expect_etag, expect_absent)

    async def copy_object(self, src: ObjectMeta, meta: ObjectMeta, expect_etag: str | None = None,
                          expect_absent: bool = False) -> bool:
        """meta, with src's bytes, committed (its size, ETag and checksums are the caller's).
        Blobs are never modified, so the copy shares them: a hard link each, no byte copied.
        FileNotFoundError if src was replaced or deleted since its row was read."""
        meta.segments = []
        try:
            for blob, size in src.segments:
                meta.segments.append((self.blobs.link_copy(blob), size))
        except BaseException:
            self.blobs.unlink(b for b, _ in meta.segments)      # no orphan copies (EIO, source gone)
            raise
        return await self._commit_grouped(meta, expect_etag, expect_absent)

    async def digest_object(self, meta: ObjectMeta, algorithms: Collection[str]) -> Digest:
        """MD5 and checksums of meta's bytes, read in a worker thread. FileNotFoundError if the
        object was replaced or deleted since its row was read."""
        return await asyncio.get_running_loop().run_in_executor(
            None, bodies.digest, self.blobs, meta.segments, algorithms)

    def open_object(self, meta: ObjectMeta, start: int, end: int) -> bytes | FileRanges | None:
        """Bytes [start, end) of meta's object: the bytes themselves when small, else file ranges
        to send (close them after). None if the object was replaced or deleted since its row was
        read: read the row again."""
        return bodies.open_range(self.blobs, meta.segments, start, end)

    def commit_object(self, meta: ObjectMeta, expect_etag: str | None = None,
                      expect_absent: bool = False) -> bool:
        """Below the Store boundary (the operations above are built on it): commit meta's row,
        its blobs already written, then drop the blobs of what it replaced. False if a condition
        failed (meta's blobs are removed then). If the commit fails (disk full, I/O error, lock
        timeout) meta's blobs are removed and the error raised."""
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
                   expect_absent: bool) -> tuple[bool, list[str]]:
        """In a write transaction: write meta's row if the conditions on the current object hold,
        as a new version if the bucket is versioned (versions.py). (written, the segments of what
        it replaced: the old object or, Suspended, the null entry)."""
        cur = self._row_cursor
        old = cur.execute("SELECT etag, segments, vid, seq FROM objects WHERE bucket=? AND key=?",
                          (meta.bucket, meta.key)).fetchone()
        if (expect_absent and old is not None) or (
                expect_etag is not None and (old is None or old[0] != expect_etag)):
            return False, []
        mode = self._versioning(meta.bucket)
        if mode is None:
            dropped = [old[1]] if old is not None else []
        else:
            dropped = self._new_version(meta, mode, old)
        row = obj_row(meta, self._render_entry(meta))
        cur.execute(INSERT_OBJ, row)
        self._changed[meta.bucket, meta.key] = cache_fields(meta) if cacheable(row) else MISSING
        return True, dropped

    def _drop_replaced(self, meta: ObjectMeta, dropped: list[str]) -> None:
        """After the commit: the blobs of what meta replaced that meta does not reuse."""
        if dropped:
            keep = {s[0] for s in meta.segments}
            self.blobs.unlink(s[0] for segs in dropped for s in json.loads(segs) if s[0] not in keep)

    async def _commit_grouped(self, meta: ObjectMeta, expect_etag: str | None,
                              expect_absent: bool) -> bool:
        """commit_object, committed in one transaction with the others that reach this point in the
        same event-loop iteration (one BEGIN/COMMIT and one WAL write for all). A row whose
        condition failed has its blobs removed here, whatever became of its caller."""
        if not self._group:
            # The group's first: its loop is asked for once, not per member (Python 3.11's
            # asyncio.get_running_loop() makes a getpid() system call every time).
            self._group_loop = asyncio.get_running_loop()
            self._group_loop.call_soon(self._commit_group)
        done = self._group_loop.create_future()
        self._group.append((meta, expect_etag, expect_absent, done))
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
        (key, owner, entry) tuples, the entry rendered when the row was written (render_entry):
        what a listing shows, nothing to decode. Without `owners` the owner is None (not read)."""
        out = Listed()
        if limit <= 0:
            return out      # S3: max-keys=0 is an empty page that is not truncated
        upper = successor(prefix) if prefix else None
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
            cursor = max(cursor, successor(after[:idx]) or cursor)
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
                nxt = successor(common)
                if nxt is None:
                    return out
                cursor = nxt
                break
            else:
                if seen < batch:
                    return out

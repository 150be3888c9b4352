"""Multipart uploads in SqliteStore: uploads and their parts, completing one into an object, and
the record of completed uploads. A mixin of SqliteStore (it uses the store's database, blobs,
transactions and object-row writes); no aiohttp, no HTTP."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from typing import TYPE_CHECKING, Collection

from s3mock.storage import bodies
from s3mock.storage.base import Body, BodyCheck, ObjectMeta, Part, Upload
from s3mock.storage.rows import UPLOAD_COLS, successor, template_json, upload_from_row

if TYPE_CHECKING:
    from s3mock.storage.blobs import BlobDir

# How long a completed upload id can be completed again with the same answer (s3mock's choice:
# S3 documents no period). A record also ends when its object is replaced or deleted.
COMPLETED_KEPT = 24 * 3600


class Uploads:
    db: sqlite3.Connection
    blobs: BlobDir

    def create_upload(self, up: Upload) -> bool:
        """False if the bucket is gone (deleted since the handler read it)."""
        with self._write():
            cur = self.db.execute("INSERT INTO uploads SELECT ?,?,?,?,?,?,?,? WHERE EXISTS "
                                  "(SELECT 1 FROM buckets WHERE name=?)",
                                  (up.upload_id, up.bucket, up.key, up.initiated, up.owner,
                                   template_json(up.template), up.checksum_algorithm,
                                   up.checksum_type, up.bucket))
            return cur.rowcount == 1

    def get_upload(self, bucket: str, key: str, upload_id: str) -> Upload | None:
        row = self.db.execute(f"SELECT {UPLOAD_COLS} FROM uploads WHERE upload_id=? AND bucket=? "
                              "AND key=?", (upload_id, bucket, key)).fetchone()
        return upload_from_row(row) if row else None

    async def upload_part(self, upload_id: str, number: int, body: Body, size: int,
                          check: BodyCheck) -> Part | None:
        """Write `body` (`size` bytes declared) as part `number` once `check` accepts it, replacing
        any part of that number. None if the upload is gone (nothing is kept then)."""
        writer, kept = await bodies.receive(self.blobs, body, size, check, keep_empty=True)
        part = Part(number, writer.size, writer.etag, time.time(), writer.blob_id, kept)
        return part if self.put_part(upload_id, part) else None

    async def copy_part(self, upload_id: str, number: int, src: ObjectMeta, start: int, end: int,
                        algorithms: Collection[str]) -> Part | None:
        """Bytes [start, end) of src as part `number`, with these checksums, copied in a worker
        thread. None if the upload is gone; FileNotFoundError if src was replaced or deleted since
        its row was read (nothing is kept then)."""
        writer = await asyncio.get_running_loop().run_in_executor(
            None, bodies.copy_range, self.blobs, src.segments, start, end, algorithms)
        part = Part(number, writer.size, writer.etag, time.time(), writer.blob_id,
                    writer.checksum_values())
        return part if self.put_part(upload_id, part) else None

    def put_part(self, upload_id: str, part: Part) -> bool:
        """Below the Store boundary: commit a part whose blob is written. False if the upload no
        longer exists (the part's blob is then removed, as it is when the commit fails)."""
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

    def complete_upload(self, upload_id: str, meta: ObjectMeta, parts: list[Part],
                        expect_etag: str | None = None, expect_absent: bool = False) -> bool | None:
        """Turn the upload into meta's object, made of `parts` (their blobs become its segments),
        in one commit, remembered as completed (completed_upload); the upload's other parts go.
        None if the upload is gone, False if a condition on the current object failed."""
        meta.segments = [(p.blob, p.size) for p in parts]
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
            f"SELECT {UPLOAD_COLS} FROM uploads WHERE bucket=? AND key >= ? AND key < ? AND (key > ? "
            "OR (key = ? AND upload_id > ?)) ORDER BY key, upload_id LIMIT ?",
            (bucket, prefix, successor(prefix) or "\U0010ffff" * 2, key_marker, key_marker,
             upload_marker, limit)).fetchall()
        return [upload_from_row(r) for r in rows]

"""Versions in SqliteStore: a key's stack of object versions and delete markers.

A key's current object, when it is an object, is its row in `objects` (what GET, HEAD and
ListObjects read, unchanged from an unversioned bucket). Every other entry (older versions, and
every delete marker, current or not) is a row in `versions`, ordered by `seq` (newest first).
So the top of a key's stack is its `objects` row if there is one, else its newest `versions`
row. A write in a versioned bucket moves the current row into `versions` in the same
transaction that commits the new one: the row is still the commit point. A mixin of
SqliteStore; no aiohttp, no HTTP.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import TYPE_CHECKING, Iterator

from s3mock import version_ids
from s3mock.storage.base import Listed, ObjectMeta, Removed
from s3mock.storage.generation import MISSING
from s3mock.storage.rows import OBJ_COLS, obj_from_row, successor, to_json
from s3mock.version_ids import NULL

if TYPE_CHECKING:
    from s3mock.storage.blobs import BlobDir

_COLS = f"{OBJ_COLS}, entry"
# A listing row: key, seq, version id, is a marker, owner, entry, mtime, is the objects row.
_LIST_OBJ = "SELECT key, seq, vid, 0, owner, entry, mtime, 1 FROM objects"
_LIST_VER = "SELECT key, seq, vid, marker, owner, entry, mtime, 0 FROM versions"


class Versions:
    db: sqlite3.Connection
    blobs: BlobDir
    _changed: dict

    def _versioning(self, bucket: str) -> str | None:
        b = self.get_bucket(bucket)         # type: ignore[attr-defined]
        return b.versioning if b is not None else None

    def _top_seq(self, bucket: str, key: str, current_seq: int | None) -> int:
        row = self.db.execute("SELECT seq FROM versions WHERE bucket=? AND key=? ORDER BY seq DESC "
                              "LIMIT 1", (bucket, key)).fetchone()
        return max(current_seq or 0, row[0] if row else 0)

    def _next_seq(self, bucket: str, key: str, current_seq: int | None) -> int:
        """Larger than every seq of the key (the clock's, unless the clock went back)."""
        return max(version_ids.time_seq(), self._top_seq(bucket, key, current_seq) + 1)

    def _demote(self, bucket: str, key: str) -> None:
        """Copy the key's objects row into versions (the caller replaces or deletes it)."""
        self.db.execute(f"INSERT INTO versions({_COLS}, marker) SELECT {_COLS}, 0 FROM objects "
                        "WHERE bucket=? AND key=?", (bucket, key))

    def _drop_null(self, bucket: str, key: str) -> list[str]:
        """Delete the key's null entry in versions; the segments to unlink after the commit."""
        return [s for (s,) in self.db.execute("DELETE FROM versions WHERE bucket=? AND key=? AND "
                                              "vid='null' RETURNING segments", (bucket, key))]

    def _new_version(self, meta: ObjectMeta, mode: str, old: tuple | None) -> list[str]:
        """In the write transaction, before meta's row replaces the key's objects row `old`
        (etag, segments, vid, seq) : give meta its version, keep or drop what it supersedes.
        Returns the segments (JSON) of entries dropped. Enabled: the old current stays as a
        version. Suspended: the null entry, object or marker, is replaced; other versions stay."""
        meta.seq = self._next_seq(meta.bucket, meta.key, old[3] if old else None)
        dropped: list[str] = []
        if mode == "Enabled":
            meta.version_id = version_ids.make(meta.seq)
        else:
            meta.version_id = NULL
            dropped = self._drop_null(meta.bucket, meta.key)
        if old is not None:
            if mode != "Enabled" and old[2] == NULL:
                dropped.append(old[1])
            else:
                self._demote(meta.bucket, meta.key)
        return dropped

    def _promote(self, bucket: str, key: str) -> None:
        """The key has no objects row: if its newest entry is a version, not a marker, it is the
        current object again."""
        top = self.db.execute("SELECT seq, marker FROM versions WHERE bucket=? AND key=? ORDER BY "
                              "seq DESC LIMIT 1", (bucket, key)).fetchone()
        if top is None or top[1]:
            return
        self.db.execute(f"INSERT INTO objects({_COLS}) SELECT {_COLS} FROM versions WHERE bucket=? "
                        "AND key=? AND seq=?", (bucket, key, top[0]))
        self.db.execute("DELETE FROM versions WHERE bucket=? AND key=? AND seq=?", (bucket, key, top[0]))
        self._changed[bucket, key] = MISSING

    def delete_entry(self, bucket: str, key: str, version_id: str | None, owner: str) -> Removed:
        """DeleteObject in a bucket that has been versioned, or with a version id. Without one:
        push a delete marker (Enabled: a new id; Suspended: the null marker, replacing the null
        entry). With one: remove that entry for good (nothing if it is not there)."""
        dropped: list[str] = []
        with self._object_write():      # type: ignore[attr-defined]
            cur = self.db.execute("SELECT vid, seq, segments FROM objects WHERE bucket=? AND key=?",
                                  (bucket, key)).fetchone()
            if version_id is None:
                mode = self._versioning(bucket)
                seq = self._next_seq(bucket, key, cur[1] if cur else None)
                vid = version_ids.make(seq) if mode == "Enabled" else NULL
                if mode != "Enabled":
                    dropped = self._drop_null(bucket, key)
                if cur is not None:
                    if vid == NULL and cur[0] == NULL:
                        dropped.append(cur[2])
                    else:
                        self._demote(bucket, key)
                    self.db.execute("DELETE FROM objects WHERE bucket=? AND key=?", (bucket, key))
                    self._changed[bucket, key] = None
                self.db.execute(
                    "INSERT INTO versions(bucket, key, size, etag, mtime, owner, headers, metadata, "
                    "checksums, segments, vid, seq, marker) VALUES (?,?,0,'',?,?,'{}','{}','{}','[]',?,?,1)",
                    (bucket, key, time.time(), owner, vid, seq))
                result = Removed(vid, True)
            elif cur is not None and cur[0] == version_id:
                self.db.execute("DELETE FROM objects WHERE bucket=? AND key=?", (bucket, key))
                self._changed[bucket, key] = None
                dropped.append(cur[2])
                self._promote(bucket, key)
                result = Removed(version_id, False)
            else:
                row = self.db.execute("DELETE FROM versions WHERE bucket=? AND key=? AND vid=? "
                                      "RETURNING segments, marker", (bucket, key, version_id)).fetchone()
                if row is not None:
                    dropped.append(row[0])
                    if cur is None:
                        self._promote(bucket, key)
                result = Removed(version_id, bool(row and row[1]))
        for segs in dropped:
            self.blobs.unlink(s[0] for s in json.loads(segs))
        return result

    def get_version(self, bucket: str, key: str, version_id: str) -> ObjectMeta | None:
        """The key's entry with this id (a delete marker has delete_marker set), or None."""
        current = self.get_object(bucket, key)      # type: ignore[attr-defined]
        if current is not None and current.version_id == version_id:
            return current
        if version_id == NULL:
            row = self.db.execute(f"SELECT {OBJ_COLS}, marker FROM versions WHERE bucket=? AND key=? "
                                  "AND vid='null'", (bucket, key)).fetchone()
        else:
            row = self.db.execute(f"SELECT {OBJ_COLS}, marker FROM versions WHERE bucket=? AND key=? "
                                  "AND seq=? AND vid=?", (bucket, key, version_ids.seq_of(version_id),
                                                         version_id)).fetchone()
        return self._entry(row)

    def latest_marker(self, bucket: str, key: str) -> ObjectMeta | None:
        """The key's delete marker when it is the top of its stack (the key has no objects row)."""
        row = self.db.execute(f"SELECT {OBJ_COLS}, marker FROM versions WHERE bucket=? AND key=? "
                              "ORDER BY seq DESC LIMIT 1", (bucket, key)).fetchone()
        meta = self._entry(row)
        return meta if meta is not None and meta.delete_marker else None

    @staticmethod
    def _entry(row: tuple | None) -> ObjectMeta | None:
        if row is None:
            return None
        meta = obj_from_row(row)
        meta.delete_marker = bool(row[18])
        return meta

    def update_version_acl(self, bucket: str, key: str, version_id: str, acl: str) -> None:
        """Set the ACL of a version that is not the current object."""
        with self._write():         # type: ignore[attr-defined]
            self.db.execute("UPDATE versions SET acl=? WHERE bucket=? AND key=? AND vid=? AND marker=0",
                            (acl, bucket, key, version_id))

    def set_tags(self, bucket: str, key: str, version_id: str, tags: dict[str, str]) -> None:
        """Replace the tags of the key's version (the current object or an older version); one
        row update, so tags change with the version they belong to or not at all."""
        value = to_json(tags)
        with self._object_write():     # type: ignore[attr-defined]
            cur = self.db.execute("UPDATE objects SET tags=? WHERE bucket=? AND key=? AND vid=? "
                                  "RETURNING 1", (value, bucket, key, version_id)).fetchone()
            if cur is not None:
                self._changed[bucket, key] = MISSING     # type: ignore[attr-defined]
            else:
                self.db.execute("UPDATE versions SET tags=? WHERE bucket=? AND key=? AND vid=? "
                                "AND marker=0", (value, bucket, key, version_id))

    # listing
    def list_versions(self, bucket: str, prefix: str, delimiter: str, key_marker: str,
                      version_marker: str | None, limit: int) -> Listed:
        """ListObjectVersions' page: entries (key, owner, entry, version id, is latest, is marker,
        mtime), newest first within a key, after (key_marker, version_marker) or, without a
        version marker, after every entry of key_marker. `last` is (key, version id) or a prefix."""
        out = Listed()
        if limit <= 0:
            return out
        upper = successor(prefix) if prefix else None
        key, seq = prefix, None
        if key_marker:
            key = max(prefix, key_marker + "\0")
            if version_marker is not None:
                found = self._marker_seq(bucket, key_marker, version_marker)
                if found is not None and key_marker >= prefix:
                    key, seq = key_marker, found
            elif delimiter and key_marker.startswith(prefix) and delimiter in key_marker[len(prefix):]:
                # A marker inside a rolled-up prefix (a NextKeyMarker that was one): skip it all.
                idx = key_marker.index(delimiter, len(prefix)) + len(delimiter)
                key = max(key, successor(key_marker[:idx]) or key)
        top = self._top_seq(bucket, key, self._current_seq(bucket, key)) if seq is not None else None
        prev = None
        while True:
            restart = None
            for row in self._walk(bucket, key, seq, upper):
                if len(out.entries) + len(out.prefixes) == limit:
                    out.truncated = True
                    return out
                k = row[0]
                pos = k.find(delimiter, len(prefix)) if delimiter else -1
                if pos >= 0:
                    common = k[: pos + len(delimiter)]
                    out.prefixes.append(common)
                    out.last = common
                    restart = successor(common)
                    break
                latest = bool(row[7]) or (row[1] == top if top is not None and k == key and seq is not None
                                          else k != prev)
                prev = k
                out.entries.append((k, row[4], row[5], row[2], latest, bool(row[3]), row[6]))
                out.last = (k, row[2])
            if restart is None:
                return out
            key, seq = restart, None

    def _current_seq(self, bucket: str, key: str) -> int | None:
        row = self.db.execute("SELECT seq FROM objects WHERE bucket=? AND key=?", (bucket, key)).fetchone()
        return row[0] if row else None

    def _marker_seq(self, bucket: str, key: str, version_id: str) -> int | None:
        """Where a version-id-marker stands in its key: its seq (an id carries it even after its
        version is deleted); `null`: the null entry's, if there is one (else None: after the key)."""
        if version_id != NULL:
            return version_ids.seq_of(version_id)
        row = self.db.execute("SELECT seq FROM objects WHERE bucket=? AND key=? AND vid='null' UNION ALL "
                              "SELECT seq FROM versions WHERE bucket=? AND key=? AND vid='null'",
                              (bucket, key, bucket, key)).fetchone()
        return row[0] if row else None

    def _walk(self, bucket: str, key: str, seq: int | None, upper: str | None,
              batch: int = 1000) -> Iterator[tuple]:
        """Every entry from (key, below seq) or (from key, seq None) up to `upper`, in listing
        order, read a batch at a time: a range scan of each table, merged by SQLite."""
        bound = "AND key < ?" if upper is not None else ""
        ub = [upper] if upper is not None else []
        while upper is None or key < upper:
            if seq is not None:
                rows = self.db.execute(
                    f"{_LIST_OBJ} WHERE bucket=? AND key=? AND seq<? UNION ALL {_LIST_VER} WHERE "
                    "bucket=? AND key=? AND seq<? ORDER BY 2 DESC LIMIT ?",
                    (bucket, key, seq, bucket, key, seq, batch)).fetchall()
            else:
                rows = self.db.execute(
                    f"{_LIST_OBJ} WHERE bucket=? AND key>=? {bound} UNION ALL {_LIST_VER} WHERE "
                    f"bucket=? AND key>=? {bound} ORDER BY 1, 2 DESC LIMIT ?",
                    (bucket, key, *ub, bucket, key, *ub, batch)).fetchall()
            yield from rows
            if len(rows) == batch:
                key, seq = rows[-1][0], rows[-1][1]
            elif seq is not None:
                key, seq = key + "\0", None
            else:
                return

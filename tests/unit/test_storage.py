"""SqliteStore on a temp dir: listing is an index range scan, recover() removes what a crash left."""

from __future__ import annotations

import asyncio
import copy
import inspect
import itertools
import os
import sqlite3
import time

import pytest

from s3mock.storage.base import Bucket, ObjectMeta, Part, Store, Upload
from s3mock.storage.generation import MISSING, RowCache
from s3mock.listing_entry import render
from s3mock.storage.sqlite_fs import COMPLETED_KEPT, SqliteStore


def meta(key: str, bucket: str = "b", **kw) -> ObjectMeta:
    return ObjectMeta(bucket, key, kw.pop("size", 0), kw.pop("etag", "e"), 1.0, "owner", **kw)


def blob(store: SqliteStore, data: bytes) -> str:
    w = store.blobs.writer([])
    w.write_sync(data)
    w.close_sync()
    return w.blob_id


def read(store: SqliteStore, m: ObjectMeta) -> bytes:
    out = b""
    for blob_id, _ in m.segments:
        with open(store.blobs.path(blob_id), "rb") as f:
            out += f.read()
    return out


class NoCheck:
    """A BodyCheck that computes nothing more and keeps nothing: every body is accepted."""
    algorithms = ()

    def verify(self, digest) -> dict[str, str]:
        return {}


async def body(*chunks: bytes):
    for chunk in chunks:
        yield chunk


def put_bytes(store: SqliteStore, key: str, data: bytes) -> ObjectMeta:
    m = meta(key, size=len(data), segments=[(blob(store, data), len(data))])
    assert store.commit_object(m)
    return m


# objects


def test_object_round_trip_and_reopen(tmp_path, store):
    m = meta("dir/a b+é", size=3, etag="abc", content_type="text/plain",
             headers={"Cache-Control": "no-cache"}, metadata={"colour": "blue"},
             checksums={"CRC32": "AAAAAA=="}, checksum_type="FULL_OBJECT",
             segments=[(blob(store, b"xyz"), 3)], acl="private")
    assert store.commit_object(m)
    assert store.get_object("b", "dir/a b+é") == m
    store.close()
    again = SqliteStore(tmp_path / "data", render)
    try:
        got = again.get_object("b", "dir/a b+é")
        assert got == m and read(again, got) == b"xyz"
    finally:
        again.close()


async def test_puts_of_one_loop_iteration_commit_together(store):
    """Each grouped PUT gets its own answer; a failed condition leaves its blob removed and the
    object before it intact; a replaced object's blobs go."""
    old = put_bytes(store, "taken", b"old")
    replaced = put_bytes(store, "replaced", b"before")
    new = {k: meta(k) for k in ("fresh", "taken", "replaced")}
    results = await asyncio.gather(
        store.put_object(new["fresh"], body(b"new"), 3, NoCheck()),
        store.put_object(new["taken"], body(b"new"), 3, NoCheck(), expect_absent=True),
        store.put_object(new["replaced"], body(b"new"), 3, NoCheck(),
                         expect_etag=replaced.etag))
    assert results == [True, False, True]
    assert read(store, store.get_object("b", "fresh")) == b"new"
    assert read(store, store.get_object("b", "taken")) == b"old"
    assert read(store, store.get_object("b", "replaced")) == b"new"
    on_disk = store.blobs.all_ids()
    assert new["taken"].segments[0][0] not in on_disk
    assert replaced.segments[0][0] not in on_disk and old.segments[0][0] in on_disk


async def test_a_failed_group_commit_fails_every_put_in_it(store, monkeypatch):
    before = put_bytes(store, "k", b"before")
    new = [meta(k) for k in ("k", "other")]

    class FailingCommit:
        def __init__(self, db):
            self.db = db

        def execute(self, sql, *args):
            if sql == "COMMIT":
                raise sqlite3.OperationalError("database or disk is full")
            return self.db.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.db, name)

    monkeypatch.setattr(store, "db", FailingCommit(store.db))
    results = await asyncio.gather(*(store.put_object(m, body(b"x"), 1, NoCheck()) for m in new),
                                   return_exceptions=True)
    assert all(isinstance(r, sqlite3.OperationalError) for r in results), results
    monkeypatch.undo()
    assert read(store, store.get_object("b", "k")) == b"before"
    assert store.get_object("b", "other") is None
    assert store.blobs.all_ids() == {before.segments[0][0]}


def test_listing_entry_is_stored_with_the_row(store):
    m = meta("k&<>", size=7, etag="0123", checksums={"CRC32": "AAAAAA=="},
             checksum_type="FULL_OBJECT", segments=[(blob(store, b"1234567"), 7)])
    m.mtime = 1700000000.25
    assert store.commit_object(m)
    (got,) = store.list_objects("b").entries
    key, owner, entry = got
    assert key == "k&<>" and owner == "owner"
    assert entry == ('<LastModified>2023-11-14T22:13:20.250Z</LastModified><ETag>"0123"</ETag>'
                         "<ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT"
                         "</ChecksumType><Size>7</Size><StorageClass>STANDARD</StorageClass>")


def test_data_dir_from_before_listing_entries_is_upgraded(tmp_path, store):
    """Rows written before objects carried their listing entry get one when the store opens."""
    expected = {}
    for i in range(3):
        m = meta(f"old/{i}", size=i, etag=f"e{i}", segments=[(blob(store, b"x" * i), i)])
        assert store.commit_object(m)
        expected[m.key] = store.list_objects("b", prefix=m.key).entries[0][2]
    store.db.execute("ALTER TABLE objects DROP COLUMN entry")     # the earlier schema
    store.close()
    again = SqliteStore(tmp_path / "data", render)
    try:
        assert {e[0]: e[2] for e in again.list_objects("b").entries} == expected
        assert again.get_object("b", "old/2").size == 2
    finally:
        again.close()


def test_part_checksums_round_trip_and_a_data_dir_from_before_them_is_upgraded(tmp_path, store):
    m = meta("mp", size=6, parts_count=2, checksums={"SHA1": "x-2"}, checksum_type="COMPOSITE",
             segments=[(blob(store, b"abc"), 3), (blob(store, b"def"), 3)], part_checksums=["p1", "p2"])
    assert store.commit_object(m)
    assert put_bytes(store, "plain", b"x")
    store.close()
    again = SqliteStore(tmp_path / "data", render)
    assert again.get_object("b", "mp").part_checksums == ["p1", "p2"]
    again.db.execute("ALTER TABLE objects DROP COLUMN part_checksums")     # the earlier schema
    again.close()
    upgraded = SqliteStore(tmp_path / "data", render)
    try:
        assert upgraded.get_object("b", "mp").part_checksums == []
        assert upgraded.get_object("b", "plain").size == 1
        assert upgraded.commit_object(m)
        assert upgraded.get_object("b", "mp") == m
    finally:
        upgraded.close()


def test_bucket_policy_is_kept_and_a_data_dir_from_before_policies_is_upgraded(tmp_path, store):
    doc = '{"Version":"2012-10-17","Statement":[]}'
    store.set_bucket_config("b", policy=doc)
    version = store.get_bucket("b").version
    store.close()
    again = SqliteStore(tmp_path / "data", render)
    assert again.get_bucket("b").policy == doc
    again.set_bucket_config("b", policy=None)
    assert again.get_bucket("b").policy is None and again.get_bucket("b").version == version + 1
    again.db.execute("ALTER TABLE buckets DROP COLUMN policy")     # the earlier schema
    again.close()
    upgraded = SqliteStore(tmp_path / "data", render)
    try:
        assert upgraded.get_bucket("b").policy is None
        upgraded.set_bucket_config("b", policy=doc)
        assert upgraded.get_bucket("b").policy == doc
    finally:
        upgraded.close()


def test_bucket_documents_are_kept_per_kind_and_go_with_the_bucket(tmp_path, store):
    assert store.get_bucket_document("b", "website") is None
    version = store.get_bucket("b").version
    store.set_bucket_document("b", "website", b"<WebsiteConfiguration/>")
    store.set_bucket_document("b", "logging", b"<BucketLoggingStatus/>")
    assert store.get_bucket("b").version == version + 2      # caches keyed by it see the change
    store.close()
    again = SqliteStore(tmp_path / "data", render)
    try:
        assert again.get_bucket_document("b", "website") == b"<WebsiteConfiguration/>"
        again.set_bucket_document("b", "website", None)
        assert again.get_bucket_document("b", "website") is None
        assert again.get_bucket_document("b", "logging") == b"<BucketLoggingStatus/>"
        assert again.delete_bucket("b")
        again.create_bucket(Bucket("b", 1.0, "owner", "us-east-1"))
        assert again.get_bucket_document("b", "logging") is None     # a new bucket starts bare
    finally:
        again.close()


def test_replace_and_delete_drop_old_blobs(store):
    first = put_bytes(store, "k", b"one")
    second = put_bytes(store, "k", b"two")
    assert not os.path.exists(store.blobs.path(first.segments[0][0]))
    assert read(store, store.get_object("b", "k")) == b"two"
    assert store.delete_object("b", "k")
    assert not os.path.exists(store.blobs.path(second.segments[0][0]))
    assert store.get_object("b", "k") is None
    assert not store.delete_object("b", "k")


def test_conditional_put(store):
    assert store.commit_object(meta("k", etag="e1"), expect_absent=True)
    assert not store.commit_object(meta("k", etag="e2"), expect_absent=True)
    assert not store.commit_object(meta("k", etag="e3"), expect_etag="nope")
    assert store.commit_object(meta("k", etag="e4"), expect_etag="e1")
    assert store.get_object("b", "k").etag == "e4"
    assert not store.commit_object(meta("absent", etag="e"), expect_etag="e")


def test_a_refused_conditional_put_removes_its_blob_and_keeps_the_object(store):
    kept = put_bytes(store, "k", b"kept")
    refused = meta("k", size=3, segments=[(blob(store, b"new"), 3)])
    assert not store.commit_object(refused, expect_absent=True)
    assert not os.path.exists(store.blobs.path(refused.segments[0][0]))
    assert read(store, store.get_object("b", "k")) == b"kept"
    assert store.blobs.all_ids() == {kept.segments[0][0]}


def test_bucket_lifecycle(store):
    assert not store.create_bucket(Bucket("b", 0, "x", "us-east-1"))
    put_bytes(store, "k", b"1")
    assert not store.delete_bucket("b")
    store.delete_object("b", "k")
    assert store.delete_bucket("b")
    assert store.get_bucket("b") is None


def upload_with_parts(store: SqliteStore, upload_id: str, bucket: str = "b", n: int = 2) -> list[str]:
    """An upload in progress with n parts; their blob ids."""
    assert store.create_upload(Upload(upload_id, bucket, "mp", 1.0, "owner", meta("mp", bucket)))
    blobs = [blob(store, b"part %d" % i) for i in range(n)]
    for i, b in enumerate(blobs, 1):
        assert store.put_part(upload_id, Part(i, 6, f"e{i}", 1.0, b))
    return blobs


def test_delete_bucket_discards_its_uploads_and_their_blobs(store):
    """S3 deletes a bucket whose only content is uploads in progress, and the uploads with it."""
    store.create_bucket(Bucket("other", 0, "owner", "us-east-1"))
    gone = upload_with_parts(store, "u1") + upload_with_parts(store, "u2", n=1)
    assert store.create_upload(Upload("u3", "b", "empty", 1.0, "owner", meta("empty")))
    kept = upload_with_parts(store, "u4", bucket="other")
    obj = put_bytes(store, "k", b"object")
    assert not store.delete_bucket("b")                     # an object: BucketNotEmpty
    assert [p.number for p in store.list_parts("u1")] == [1, 2]
    store.delete_object("b", "k")
    assert store.delete_bucket("b")
    assert store.get_bucket("b") is None
    assert not any(os.path.exists(store.blobs.path(b)) for b in gone + [obj.segments[0][0]])
    assert store.blobs.all_ids() == set(kept)
    assert store.db.execute("SELECT upload_id FROM uploads").fetchall() == [("u4",)]
    assert store.db.execute("SELECT upload_id FROM parts").fetchall() == [("u4",), ("u4",)]


def test_a_crash_between_delete_bucket_and_its_blobs_leaves_orphans_recover_removes(
        tmp_path, store, monkeypatch):
    blobs = upload_with_parts(store, "u1")
    monkeypatch.setattr(store.blobs, "unlink", lambda ids: None)    # killed right after the commit
    assert store.delete_bucket("b")
    assert all(os.path.exists(store.blobs.path(b)) for b in blobs)
    store.close()
    again = SqliteStore(tmp_path / "data", render)
    try:
        assert again.recover() == 2
        assert again.blobs.all_ids() == set()
    finally:
        again.close()


def test_an_upload_in_a_deleted_bucket_is_refused(store):
    assert store.delete_bucket("b")
    assert not store.create_upload(Upload("u1", "b", "k", 1.0, "owner", meta("k")))
    assert store.list_uploads("b", "", "", "", 10) == []


def complete(store: SqliteStore, upload_id: str, key: str = "mp", mtime: float | None = None) -> ObjectMeta:
    parts = store.list_parts(upload_id)
    m = meta(key, size=sum(p.size for p in parts), etag=f"{upload_id}-etag",
             segments=[(p.blob, p.size) for p in parts], parts_count=len(parts))
    m.mtime = time.time() if mtime is None else mtime
    assert store.complete_upload(upload_id, m, parts)
    return m


def test_a_completed_upload_is_remembered_while_its_object_is_current(store):
    upload_with_parts(store, "u1")
    done = complete(store, "u1")
    assert store.get_upload("b", "mp", "u1") is None
    assert store.completed_upload("b", "mp", "u1") == done
    assert store.completed_upload("b", "other", "u1") is None       # bound to its key
    assert store.completed_upload("b", "mp", "u2") is None
    put_bytes(store, "mp", b"replaced")
    assert store.completed_upload("b", "mp", "u1") is None
    # a day-old completion is forgotten, and pruned by the next one
    upload_with_parts(store, "old")
    complete(store, "old", key="k2", mtime=time.time() - COMPLETED_KEPT - 1)
    assert store.completed_upload("b", "k2", "old") is None
    upload_with_parts(store, "u3")
    complete(store, "u3", key="k3")
    ids = {u for (u,) in store.db.execute("SELECT upload_id FROM completed_uploads")}
    assert ids == {"u1", "u3"}
    assert store.delete_object("b", "mp") and store.delete_object("b", "k2") and store.delete_object("b", "k3")
    assert store.delete_bucket("b")
    assert store.db.execute("SELECT * FROM completed_uploads").fetchall() == []


def test_bucket_rows_are_cached_until_any_store_of_the_data_dir_changes_a_bucket(tmp_path, store):
    """Two stores on one data dir stand for two worker processes: what one changes, the other
    reads at once, and a row read again unchanged costs no query."""
    other = SqliteStore(tmp_path / "data", render)
    try:
        statements: list[str] = []
        store.db.set_trace_callback(statements.append)
        assert store.get_bucket("b").acl is None and store.get_bucket("late") is None
        statements.clear()
        assert store.get_bucket("b").acl is None and store.get_bucket("late") is None
        assert statements == []
        other.set_bucket_config("b", acl="public-read")
        assert store.get_bucket("b").acl == "public-read"
        assert other.create_bucket(Bucket("late", 2.0, "owner", "us-east-1"))
        assert store.get_bucket("late").created == 2.0
        assert other.delete_bucket("late")
        assert store.get_bucket("late") is None
        assert store.create_bucket(Bucket("late", 3.0, "owner", "us-east-1"))
        assert other.get_bucket("late").created == 3.0
    finally:
        other.close()



def test_object_rows_are_cached_until_another_store_of_the_data_dir_changes_an_object(tmp_path, store):
    """Two stores on one data dir stand for two worker processes: an object one of them writes,
    re-writes, re-ACLs or deletes reads as such from the other at once; rows read or written
    since the last change by another store cost no query."""
    other = SqliteStore(tmp_path / "data", render)
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    try:
        first = put_bytes(store, "k", b"one")
        statements.clear()
        assert store.get_object("b", "k") == first and store.get_object("b", "gone") is None
        assert store.get_object("b", "k") == first and store.get_object("b", "gone") is None
        assert statements == ["SELECT bucket, key, size, etag, mtime, owner, content_type, headers, "
                              "metadata, checksums, checksum_type, segments, parts_count, acl, part_checksums, vid, seq, tags FROM "
                              "objects WHERE bucket='b' AND key='gone'"]
        # What a caller does to an ObjectMeta it was handed, or to one it wrote, is not cached.
        kept = copy.deepcopy(first)
        got = store.get_object("b", "k")
        got.metadata["changed"] = "by the caller"
        got.headers["Cache-Control"] = "no-cache"
        got.checksums["CRC32"] = "AAAAAA=="
        got.segments.append(("other", 1))
        first.metadata["changed"] = "by the writer"
        first.segments.clear()
        assert store.get_object("b", "k") == kept

        second = put_bytes(other, "k", b"two")
        assert store.get_object("b", "k") == second
        other.update_object_acl("b", "k", "public-read")
        assert store.get_object("b", "k").acl == "public-read"
        assert other.delete_object("b", "k")
        assert store.get_object("b", "k") is None
        upload = Upload("u1", "b", "k", 1.0, "owner", meta("k"))
        other.create_upload(upload)
        assert other.put_part("u1", Part(1, 4, "pe", 1.0, blob(other, b"part")))
        done = meta("k", size=4, etag="mp-1", segments=[(other.list_parts("u1")[0].blob, 4)],
                    parts_count=1)
        assert other.complete_upload("u1", done, other.list_parts("u1"))
        assert store.get_object("b", "k") == done

        # The store's own writes keep what it cached valid; long rows are read each time.
        long = meta("long", metadata={"m": "x" * 5000})
        assert store.commit_object(long)
        statements.clear()
        for _ in range(2):
            assert store.get_object("b", "k") == done and store.get_object("b", "long") == long
        assert statements == [statements[0]] * 2 and "key='long'" in statements[0]
    finally:
        other.close()


def test_row_cache_keeps_its_newest_rows(tmp_path):
    cache = RowCache(tmp_path / "x.gen", limit=2)
    assert cache.get("a") is MISSING
    for key in "abc":
        cache.fill(key, key.upper())
    assert [cache.get(k) for k in "abc"] == [MISSING, "B", "C"]
    cache.close()


# listing

KEYS = [
    "a", "a/", "a/b", "a/b/c", "a/c", "a//d", "a/b/", "ab", "a b", "a+b", "a%2Fb", "b", "b/x",
    "c/d/e", "c/d/f", "photos/2024/jan.jpg", "photos/2024/feb.jpg", "photos/2025/a.jpg",
    "photos/index.html", "z", "zz/", "é", "é/1", "\U0001f642", "\U0001f642/x", "\ud7ff", "\ud7ffa",
    "\ue000", "\uffff", "\U0010ffff", "\U0010ffff/a",
]
PREFIXES = ["", "a", "a/", "a/b", "photos/", "photos/2024/", "z", "é", "\ud7ff", "\U0010ffff", "q"]
DELIMITERS = ["", "/", "b", "//", "/2"]
AFTERS = ["", "a", "a/", "a/b", "a/b/c", "b", "photos/2024/", "photos/2024/feb.jpg", "\U0001f642",
          "\U0010ffff", "zzz"]
LIMITS = [1, 2, 3, 1000]


def reference(prefix: str, delimiter: str, after: str, limit: int):
    """What S3 returns: keys and common prefixes after `after`, in UTF-8 order, `limit` of them."""
    items: set[tuple[str, bool]] = set()
    for k in KEYS:
        if not k.startswith(prefix) or k <= after:
            continue
        pos = k.find(delimiter, len(prefix)) if delimiter else -1
        if pos >= 0:
            common = k[: pos + len(delimiter)]
            if common > after:
                items.add((common, True))
        else:
            items.add((k, False))
    ordered = sorted(items)
    page = ordered[:limit]
    return ([k for k, c in page if not c], [k for k, c in page if c], len(ordered) > limit,
            page[-1][0] if page else None)


@pytest.fixture
def listed(store):
    for k in KEYS:
        store.commit_object(meta(k))
    store.create_bucket(Bucket("b2", 0, "owner", "us-east-1"))
    store.commit_object(meta("a/b", bucket="b2"))     # another bucket's keys never leak in
    return store


def test_listing_matches_reference(listed):
    for prefix, delimiter, after, limit in itertools.product(PREFIXES, DELIMITERS, AFTERS, LIMITS):
        page = listed.list_objects("b", prefix, delimiter, after, limit)
        got = ([m[0] for m in page.entries], page.prefixes, page.truncated, page.last)
        assert got == reference(prefix, delimiter, after, limit), (prefix, delimiter, after, limit)


@pytest.mark.parametrize("prefix,delimiter", [("", ""), ("", "/"), ("a", "/"), ("photos/", "/"),
                                              ("a/", "")])
def test_pagination_visits_everything_once(listed, prefix, delimiter):
    everything = reference(prefix, delimiter, "", 10**6)
    keys: list[str] = []
    prefixes: list[str] = []
    after = ""
    for _ in range(len(KEYS) + 2):
        page = listed.list_objects("b", prefix, delimiter, after, 2)
        keys += [m[0] for m in page.entries]
        prefixes += page.prefixes
        if not page.truncated:
            break
        after = page.last
    else:
        pytest.fail("pagination did not end")
    assert (keys, prefixes) == (everything[0], everything[1])


def _plans(store: SqliteStore, call) -> list[str]:
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    try:
        call()
    finally:
        store.db.set_trace_callback(None)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "objects" in s]
    assert selects
    return [" | ".join(row[-1] for row in store.db.execute("EXPLAIN QUERY PLAN " + s))
            for s in selects]


@pytest.mark.parametrize("prefix,delimiter,after", [
    ("", "", ""), ("photos/", "", ""), ("photos/", "/", ""), ("", "/", "a/b"),
    ("a", "/", "a/b/c"), ("\U0010ffff", "", ""),
])
def test_list_query_is_a_primary_key_range_scan(listed, prefix, delimiter, after):
    for plan in _plans(listed, lambda: listed.list_objects("b", prefix, delimiter, after, 3)):
        assert plan.startswith("SEARCH objects USING PRIMARY KEY (bucket=? AND key>"), plan
        assert "SCAN" not in plan and "TEMP B-TREE" not in plan, plan


def _vm_steps(store: SqliteStore, call) -> int:
    """SQLite virtual-machine work of a call, in units of 100 instructions (deterministic)."""
    ticks = [0]

    def tick() -> int:
        ticks[0] += 1
        return 0

    store.db.set_progress_handler(tick, 100)
    try:
        call()
    finally:
        store.db.set_progress_handler(None, 0)
    return ticks[0]


def _fill(store: SqliteStore, bucket: str, keys) -> None:
    store.create_bucket(Bucket(bucket, 0, "owner", "us-east-1"))
    with store._write():
        for k in keys:
            store.db.execute(
                "INSERT INTO objects(bucket, key, size, etag, mtime, owner, headers, metadata, "
                "checksums, segments) VALUES (?,?,0,'e',1,'o','{}','{}','{}','[]')", (bucket, k))


def test_page_cost_does_not_grow_with_the_bucket(store):
    _fill(store, "small", (f"k/{i:06d}" for i in range(100)))
    _fill(store, "large", (f"k/{i:06d}" for i in range(20_000)))
    for prefix, delimiter, after in [("", "", ""), ("k/", "", "k/000050"), ("k/0000", "/", "")]:
        small = _vm_steps(store, lambda: store.list_objects("small", prefix, delimiter, after, 20))
        large = _vm_steps(store, lambda: store.list_objects("large", prefix, delimiter, after, 20))
        assert large <= 2 * small + 5, (prefix, delimiter, after, small, large)


def test_common_prefix_is_skipped_not_scanned(store):
    """A delimiter rolls 20,000 keys under `a/` into one prefix without visiting them."""
    _fill(store, "few", ["a/1", "a/2", "b"])
    _fill(store, "many", [f"a/{i:06d}" for i in range(20_000)] + ["b"])
    pages = {}
    for name in ("few", "many"):
        cost = _vm_steps(store, lambda: pages.setdefault(name, store.list_objects(name, "", "/", "", 1000)))
        pages[name + "-cost"] = cost
        assert pages[name].prefixes == ["a/"] and [m[0] for m in pages[name].entries] == ["b"]
    assert pages["many-cost"] <= 2 * pages["few-cost"] + 5


# recovery


def test_recover_removes_orphans_and_tmp_files(store):
    live = put_bytes(store, "live", b"live bytes")
    upload = Upload("u1", "b", "mp", 1.0, "owner", meta("mp"))
    store.create_upload(upload)
    part_blob = blob(store, b"part bytes")
    assert store.put_part("u1", Part(1, 10, "pe", 1.0, part_blob))
    # a crash after writing a body and before its row commit: blobs no row points to
    orphans = [blob(store, b"orphan %d" % i) for i in range(3)]
    # a crash in the middle of receiving a body: a blob cut short
    w = store.blobs.writer([])
    w.write_sync(b"half a bo")

    assert store.recover() == 4
    assert all(not os.path.exists(store.blobs.path(o)) for o in orphans + [w.blob_id])
    assert read(store, store.get_object("b", "live")) == b"live bytes"
    with open(store.blobs.path(part_blob), "rb") as f:
        assert f.read() == b"part bytes"
    assert store.blobs.all_ids() == {live.segments[0][0], part_blob}
    w.close_sync()


def test_recover_on_a_clean_store_removes_nothing(store):
    m = put_bytes(store, "k", b"data")
    assert store.recover() == 0
    assert store.blobs.all_ids() == {m.segments[0][0]}


def test_store_protocol_is_what_sqlite_store_offers():
    """storage.base.Store names every public method of SqliteStore with the same signature (and
    sync/async kind), so the protocol handlers are written against never goes stale; beyond it
    SqliteStore has only the row-level commits its operations are built on. The protocol is a
    boundary: it has no blob directory."""
    def public(cls) -> dict:
        return {n: getattr(cls, n) for n in dir(cls)
                if callable(getattr(cls, n)) and not n.startswith("_")}

    ours, protocol = public(SqliteStore), public(Store)
    assert sorted(set(ours) - set(protocol)) == ["commit_object", "put_part"]
    assert set(protocol) <= set(ours)
    for name, fn in protocol.items():
        assert str(inspect.signature(ours[name])) == str(inspect.signature(fn)), name
        assert inspect.iscoroutinefunction(ours[name]) == inspect.iscoroutinefunction(fn), name
    assert "blobs" not in Store.__annotations__


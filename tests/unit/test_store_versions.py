"""SqliteStore's versions on a temp dir: a key's stack, the null entry, markers, blobs freed with
the entries that held them, listing order and paging, and a data dir from before versioning."""

from __future__ import annotations

import os
import sqlite3
import time


from s3mock import version_ids
from s3mock.listing_entry import render
from s3mock.storage.base import Bucket
from s3mock.storage.sqlite_fs import SqliteStore
from test_storage import put_bytes, read


def stack(store, key: str = "k") -> list[tuple[str, bool, bool]]:
    """(version id, is latest, is marker) newest first, from ListObjectVersions' page."""
    page = store.list_versions("b", "", "", "", None, 1000)
    return [(vid, latest, marker) for k, _, _, vid, latest, marker, _ in page.entries if k == key]


def test_ids_are_s3_shaped_ordered_and_checked():
    a, b = version_ids.make(5), version_ids.make(6)
    assert len(a) == 32 and set(a) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._")
    assert (version_ids.seq_of(a), version_ids.seq_of(b)) == (5, 6)
    assert version_ids.seq_of(a[:-4] + ("ABCD" if a[-4:] != "ABCD" else "ABCE")) is None
    for bad in ("", "null", "x" * 32, "é" * 32, a + "A", "HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD"):
        assert version_ids.seq_of(bad) is None
    assert version_ids.valid("null") and not version_ids.valid("Null")


def test_enabled_writes_stack_up_and_deletes_by_id_free_blobs(store):
    store.set_bucket_config("b", versioning="Enabled")
    metas = [put_bytes(store, "k", b"v%d" % i) for i in range(3)]
    ids = [m.version_id for m in metas]
    assert stack(store) == [(ids[2], True, False), (ids[1], False, False), (ids[0], False, False)]
    assert read(store, store.get_version("b", "k", ids[0])) == b"v0"
    removed = store.delete_entry("b", "k", ids[1], "owner")
    assert (removed.version_id, removed.marker) == (ids[1], False)
    assert not os.path.exists(store.blobs.path(metas[1].segments[0][0]))
    store.delete_entry("b", "k", ids[2], "owner")          # the current one: v0 is current again
    assert store.get_object("b", "k").version_id == ids[0]


def test_markers_hide_the_key_and_removing_them_brings_it_back(store):
    store.set_bucket_config("b", versioning="Enabled")
    m = put_bytes(store, "k", b"x")
    marker = store.delete_entry("b", "k", None, "owner")
    assert marker.marker and store.get_object("b", "k") is None
    assert store.latest_marker("b", "k").version_id == marker.version_id
    assert store.list_objects("b").entries == []
    assert store.delete_entry("b", "k", marker.version_id, "owner").marker
    assert store.get_object("b", "k").version_id == m.version_id
    assert not store.bucket_is_empty("b")


def test_suspended_replaces_the_null_entry_only(store):
    first = put_bytes(store, "k", b"null-1")                 # before versioning: null
    store.set_bucket_config("b", versioning="Enabled")
    v = put_bytes(store, "k", b"v")
    store.set_bucket_config("b", versioning="Suspended")
    second = put_bytes(store, "k", b"null-2")
    assert not os.path.exists(store.blobs.path(first.segments[0][0]))
    assert stack(store) == [("null", True, False), (v.version_id, False, False)]
    store.delete_entry("b", "k", None, "owner")              # the null marker replaces null-2
    assert not os.path.exists(store.blobs.path(second.segments[0][0]))
    assert stack(store) == [("null", True, True), (v.version_id, False, False)]


def test_listing_pages_within_a_key_with_many_versions(store):
    store.set_bucket_config("b", versioning="Enabled")
    ids = [put_bytes(store, "k", b"%d" % i).version_id for i in range(25)][::-1]
    seen, marker = [], None
    for _ in range(10):
        page = store.list_versions("b", "", "", "k" if marker else "", marker, 10)
        seen += [(vid, latest) for _, _, _, vid, latest, _, _ in page.entries]
        if not page.truncated:
            break
        marker = page.last[1]
    assert seen == [(ids[0], True)] + [(v, False) for v in ids[1:]]


def test_a_data_dir_from_before_versioning_opens_with_null_versions(tmp_path):
    data = tmp_path / "old"
    s = SqliteStore(data, render)
    s.create_bucket(Bucket("b", time.time(), "owner", "us-east-1"))
    old = put_bytes(s, "k", b"old")
    s.close()
    db = sqlite3.connect(data / "meta.sqlite3")         # the schema as it was before versioning
    db.executescript("DROP TABLE versions; ALTER TABLE objects DROP COLUMN vid; "
                     "ALTER TABLE objects DROP COLUMN seq; ALTER TABLE buckets DROP COLUMN versioning; "
                     "ALTER TABLE buckets DROP COLUMN mfa_delete;")
    db.close()
    s = SqliteStore(data, render)
    try:
        got = s.get_object("b", "k")
        assert (got.version_id, read(s, got), s.get_bucket("b").versioning) == ("null", b"old", None)
        s.set_bucket_config("b", versioning="Enabled")
        new = put_bytes(s, "k", b"new")
        assert stack(s) == [(new.version_id, True, False), ("null", False, False)]
        assert read(s, s.get_version("b", "k", "null")) == b"old"
        s.recover()         # a sweep keeps the blobs versions point to
        assert os.path.exists(s.blobs.path(old.segments[0][0]))
    finally:
        s.close()

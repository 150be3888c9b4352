"""SqliteStore's operations on bodies, the Store boundary handlers use: bodies in as bytes or
async iterators checked before the commit, out as bytes or file ranges, parts, copies and digests."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest

from s3mock.storage import blobs
from s3mock.storage.base import ObjectMeta, Upload
from s3mock.storage.sqlite_fs import SqliteStore


def meta(key: str, **kw) -> ObjectMeta:
    return ObjectMeta("b", key, kw.pop("size", 0), kw.pop("etag", "e"), 1.0, "owner", **kw)


class NoCheck:
    """A BodyCheck that computes nothing more and keeps nothing: every body is accepted."""
    algorithms: tuple[str, ...] = ()

    def verify(self, digest) -> dict[str, str]:
        return {}


async def body(*chunks: bytes):
    for chunk in chunks:
        yield chunk


def read(store: SqliteStore, m: ObjectMeta) -> bytes:
    out = b""
    for blob_id, _ in m.segments:
        with open(store.blobs.path(blob_id), "rb") as f:
            out += f.read()
    return out


def put_bytes(store: SqliteStore, key: str, data: bytes) -> ObjectMeta:
    """An object committed through the row-level seam, its blob written directly."""
    w = store.blobs.writer([])
    w.write_sync(data)
    w.close_sync()
    m = meta(key, size=len(data), segments=[(w.blob_id, len(data))])
    assert store.commit_object(m)
    return m
class Refuse(NoCheck):
    algorithms = ("SHA1",)

    def verify(self, digest) -> dict[str, str]:
        assert digest.size == 3 and digest.checksums["SHA1"]
        raise ValueError("refused")


async def test_put_object_writes_the_body_and_keeps_what_the_check_returns(store):
    class KeepSha1(NoCheck):
        algorithms = ("SHA1",)

        def verify(self, digest):
            return {"SHA1": digest.checksums["SHA1"]}

    m = meta("k")
    assert await store.put_object(m, body(b"ab", b"c"), 3, KeepSha1())
    got = store.get_object("b", "k")
    assert got.size == 3 and got.etag == hashlib.md5(b"abc").hexdigest()
    assert got.checksums == {"SHA1": base64.b64encode(hashlib.sha1(b"abc").digest()).decode()}
    assert read(store, got) == b"abc" and got.segments == m.segments


async def test_a_body_given_as_bytes_is_written_and_checked_as_a_streamed_one(store):
    class KeepSha1(NoCheck):
        algorithms = ("SHA1",)

        def verify(self, digest):
            return {"SHA1": digest.checksums["SHA1"]}

    assert await store.put_object(meta("k"), b"abc", 3, KeepSha1())
    got = store.get_object("b", "k")
    assert got.size == 3 and got.etag == hashlib.md5(b"abc").hexdigest() and read(store, got) == b"abc"
    assert got.checksums == {"SHA1": base64.b64encode(hashlib.sha1(b"abc").digest()).decode()}
    assert await store.put_object(meta("empty"), b"", 0, NoCheck())
    assert store.get_object("b", "empty").segments == []
    assert store.create_upload(Upload("u1", "b", "mp", 1.0, "owner", meta("mp")))
    part = await store.upload_part("u1", 1, b"", 0, NoCheck())
    assert part.size == 0 and os.path.exists(store.blobs.path(part.blob))
    with pytest.raises(ValueError):
        await store.put_object(meta("k"), b"new", 3, Refuse())
    assert read(store, store.get_object("b", "k")) == b"abc"


async def test_a_refused_body_leaves_nothing(store):
    kept = put_bytes(store, "k", b"kept")
    with pytest.raises(ValueError):
        await store.put_object(meta("k"), body(b"new"), 3, Refuse())
    assert read(store, store.get_object("b", "k")) == b"kept"
    assert store.blobs.all_ids() == {kept.segments[0][0]}
    assert store.create_upload(Upload("u1", "b", "mp", 1.0, "owner", meta("mp")))
    with pytest.raises(ValueError):
        await store.upload_part("u1", 1, body(b"new"), 3, Refuse())
    assert store.list_parts("u1") == [] and store.blobs.all_ids() == {kept.segments[0][0]}


async def test_a_body_longer_than_declared_is_written_whole(store):
    big = os.urandom(300 * 1024)
    assert await store.put_object(meta("k"), body(b"x", big), 1, NoCheck())
    assert read(store, store.get_object("b", "k")) == b"x" + big


async def test_parts_written_copied_and_completed(store):
    src = put_bytes(store, "src", b"0123456789")
    assert store.create_upload(Upload("u1", "b", "mp", 1.0, "owner", meta("mp")))
    empty = await store.upload_part("u1", 1, body(), 0, NoCheck())
    assert empty.size == 0 and empty.etag == hashlib.md5(b"").hexdigest()
    copied = await store.copy_part("u1", 2, src, 2, 5, ["CRC32"])
    assert copied.size == 3 and copied.etag == hashlib.md5(b"234").hexdigest()
    assert set(copied.checksums) == {"CRC32"}
    assert await store.upload_part("gone", 1, body(b"x"), 1, NoCheck()) is None
    assert await store.copy_part("gone", 1, src, 0, 1, []) is None
    parts = store.list_parts("u1")
    m = meta("mp", size=3, parts_count=2)
    assert store.complete_upload("u1", m, parts)
    assert m.segments == [(p.blob, p.size) for p in parts]
    assert read(store, store.get_object("b", "mp")) == b"234"
    assert store.blobs.all_ids() == {src.segments[0][0]} | {p.blob for p in parts}


async def test_copy_object_shares_the_bytes_and_a_gone_source_raises(store):
    src = put_bytes(store, "src", b"bytes")
    m = meta("dst", size=5)
    assert await store.copy_object(src, m)
    assert read(store, store.get_object("b", "dst")) == b"bytes"
    assert m.segments[0][0] != src.segments[0][0]
    digest = await store.digest_object(src, ["SHA256"])
    assert digest.etag == hashlib.md5(b"bytes").hexdigest() and digest.size == 5
    assert digest.checksums["SHA256"] == base64.b64encode(hashlib.sha256(b"bytes").digest()).decode()
    store.delete_object("b", "src")
    with pytest.raises(FileNotFoundError):
        await store.digest_object(src, [])
    with pytest.raises(FileNotFoundError):
        await store.copy_object(src, meta("other"))
    assert store.get_object("b", "other") is None


def test_open_object_gives_bytes_file_ranges_or_none(store):
    small = put_bytes(store, "small", b"hello world")
    assert store.open_object(small, 6, 11) == b"world"
    assert store.open_object(meta("empty"), 0, 0) == b""
    big = put_bytes(store, "big", b"x" * (300 * 1024))
    ranges = store.open_object(big, 10, 300 * 1024)
    try:
        got = [(f.read(), offset, count) for f, offset, count in ranges]
        assert [(offset, count) for _, offset, count in got] == [(10, 300 * 1024 - 10)]
    finally:
        ranges.close()
    store.delete_object("b", "small")
    assert store.open_object(small, 0, 5) is None     # replaced or deleted: read the row again


async def test_a_large_body_is_written_in_slices_and_stored_whole(store, monkeypatch):
    """A large body reaches the blob writer's thread in WRITE_STEPs, which it writes in
    WRITE_SLICEs (on ext4 one big write() costs the kernel several times more per byte); the
    object holds every byte, in order, and its ETag is the body's MD5."""
    sizes: list[int] = []
    real_write = os.write

    def recording_write(fd, data):
        if "/blobs/" in os.readlink(f"/proc/self/fd/{fd}"):
            sizes.append(len(data))
        return real_write(fd, data)
    monkeypatch.setattr(blobs.os, "write", recording_write)
    data = os.urandom(blobs.WRITE_STEP * 2 + 12345)
    chunks = [data[at:at + 1024 * 1024] for at in range(0, len(data), 1024 * 1024)]
    assert await store.put_object(meta("big"), body(*chunks), len(data), NoCheck())
    got = store.get_object("b", "big")
    assert read(store, got) == data and got.etag == hashlib.md5(data).hexdigest()
    assert sum(sizes) == len(data) and max(sizes) == blobs.WRITE_SLICE

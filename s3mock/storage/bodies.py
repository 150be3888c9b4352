"""Bodies in and out of blob files: receive a body into a new blob (hashed and checked before any
commit), copy bytes between blobs, hash an object's bytes, open an object's bytes for reading.

The store's operations are built on these; nothing above storage calls them. How a blob is
written (the hashing thread, allocation ahead, raw descriptors) stays in blobs.py.
"""

from __future__ import annotations

import contextlib
import hashlib
from typing import BinaryIO, Collection, Iterator

from s3mock import checksums
from s3mock.storage.base import Body, BodyCheck, Digest
from s3mock.storage.blobs import INLINE_LIMIT, BlobDir, BlobWriter

READ_STEP = 1024 * 1024       # bytes read at a time when copying or hashing blobs


async def receive(blobs: BlobDir, body: Body, size: int, check: BodyCheck,
                  keep_empty: bool = False) -> tuple[BlobWriter, dict[str, str]]:
    """Stream `body` (`size` bytes declared) into a new blob, then let `check` judge it: the
    finished writer and the checksums check kept. On any error (the body's, the disk's, the
    check's) the blob is removed and the error raised. `keep_empty`: a blob even for no bytes
    (a part, which its number finds by its blob)."""
    writer = blobs.writer(check.algorithms)
    try:
        # Before the body's first byte is asked for (and so before 100 Continue): a body the disk
        # has no room for is refused now.
        writer.reserve(size)
        if isinstance(body, bytes):
            writer.write_sync(body)
            writer.close_sync()         # all that finish_hashing() has left to do after write_sync
        else:
            if size <= INLINE_LIMIT:
                await _write_small(writer, body)
            else:
                async for data in body:
                    await writer.write(data)
            await writer.finish_hashing()
        if keep_empty:
            writer.create_if_empty()
        kept = check.verify(Digest(writer.size, writer.md5.digest(), writer.checksum_values()))
    except BaseException:
        await writer.abort()
        raise
    return writer, kept


async def _write_small(writer: BlobWriter, body: Body) -> None:
    """A small body, written with one call on the loop once it has all arrived: a thread hop or
    a write per piece would cost more than the write itself."""
    pieces: list[bytes] = []
    held = 0
    async for data in body:
        held += len(data)
        if held > INLINE_LIMIT:         # more than declared: the rest goes as a large body's
            await writer.write(b"".join(pieces) + data)
            async for data in body:
                await writer.write(data)
            return
        pieces.append(data)
    if pieces:
        writer.write_sync(b"".join(pieces))


def _ranges(segments: list[tuple[str, int]], start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """(blob id, offset, count) of bytes [start, end) of the concatenated segments."""
    offset = 0
    for blob_id, size in segments:
        lo, hi = max(start - offset, 0), min(end - offset, size)
        offset += size
        if hi > lo:
            yield blob_id, lo, hi - lo


def _read_ranges(blobs: BlobDir, segments: list[tuple[str, int]], start: int, end: int
                 ) -> Iterator[bytes]:
    for blob_id, lo, count in _ranges(segments, start, end):
        with open(blobs.path(blob_id), "rb") as f:
            f.seek(lo)
            while count:
                data = f.read(min(count, READ_STEP))
                if not data:
                    raise OSError(f"blob {blob_id} is shorter than recorded")
                yield data
                count -= len(data)


def copy_range(blobs: BlobDir, segments: list[tuple[str, int]], start: int, end: int,
               algorithms: Collection[str]) -> BlobWriter:
    """A new blob holding bytes [start, end) of the segments, hashed as it is written (an empty
    range still gets one: this is a part). Blocking: call it from a worker thread.
    FileNotFoundError if a source blob is gone."""
    writer = blobs.writer(algorithms)
    try:
        for data in _read_ranges(blobs, segments, start, end):
            writer.write_sync(data)
        writer.create_if_empty()
        writer.close_sync()
    except BaseException:
        writer.discard_sync()       # no blob left behind (ENOSPC, EIO, source gone)
        raise
    return writer


def digest(blobs: BlobDir, segments: list[tuple[str, int]], algorithms: Collection[str]) -> Digest:
    """MD5 and checksums of the segments' bytes. Blocking: call it from a worker thread.
    FileNotFoundError if a blob is gone."""
    md5 = hashlib.md5()
    hashers = {alg: checksums.new(alg) for alg in algorithms}
    size = 0
    for data in _read_ranges(blobs, segments, 0, sum(s for _, s in segments)):
        size += len(data)
        md5.update(data)
        for h in hashers.values():
            h.update(data)
    return Digest(size, md5.digest(), {a: checksums.encode(h.digest()) for a, h in hashers.items()})


class _Opened:
    """FileRanges over blobs.opened(): the ranges, and the files to close after."""

    def __init__(self, stack: contextlib.ExitStack, ranges: Iterator[tuple[BinaryIO, int, int]]):
        self._stack = stack
        self._ranges = ranges

    def __iter__(self) -> Iterator[tuple[BinaryIO, int, int]]:
        return self._ranges

    def close(self) -> None:
        self._stack.close()


def open_range(blobs: BlobDir, segments: list[tuple[str, int]], start: int, end: int
               ) -> bytes | _Opened | None:
    """Bytes [start, end) of an object: read at once when small and in one blob (one read on the
    loop answers faster than sendfile's set-up), else open file ranges to send. None if a blob is
    gone: the object was replaced or deleted since its row was read, and the caller reads the row
    again."""
    if not segments:
        return b""          # an empty object has no blob
    try:
        if len(segments) == 1 and end - start <= INLINE_LIMIT:
            return blobs.read_small(segments[0][0], start, end)
        with contextlib.ExitStack() as stack:
            ranges = stack.enter_context(blobs.opened(segments, start, end))
            return _Opened(stack.pop_all(), ranges)
    except FileNotFoundError:
        return None

"""Blob files: immutable object bodies named by random id, written in place under that id.

A blob is referenced only once its metadata row is committed, after it was written: a blob that a
crash cut short is an orphan no row points to, which start-up after a crash removes. An empty
object has no blob (its row has no segments); an empty part has one, found by its number.

Small bodies are written and read on the event loop; large ones are written in a worker thread,
pipelined with the network so hashing, writing and receiving overlap, and sent with sendfile.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import random
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from s3mock import checksums

# Blob files are raw descriptors: bodies are written and read in pieces already as large as they
# come (os.write, os.pread), so a file object's buffer and wrapper calls would buy nothing.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
_READ = os.O_RDONLY | os.O_CLOEXEC
# Below this, a body is handled on the event loop: a thread hop costs more than the work.
INLINE_LIMIT = 256 * 1024
# A large body is handed to the worker thread this many bytes at a time: each hand-off costs the
# thread a wait for the GIL, so fewer, larger ones; two are held at most (one pending, one being
# written), which bounds memory whatever the body's size.
WRITE_STEP = 4 * 1024 * 1024
ALLOCATE_AHEAD = 3 * WRITE_STEP
# A step is written this many bytes per write(): on ext4 one write of 1 MiB or more costs the kernel
# several times more per byte than writes of 256 KiB (tmpfs does not mind either way).
WRITE_SLICE = 256 * 1024
EAGER_OPEN = 64       # a GET opens up to this many blobs (parts) before it sends anything


class BlobDir:
    def __init__(self, root: Path):
        self.root = root
        self.blobs = root / "blobs"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self._prefix = f"{self.blobs}/"     # formatted once: a Path's str() is a Python call

    @staticmethod
    def new_id() -> str:
        """128 random bits; Python reseeds `random` in a forked worker, and the blob is created
        with O_EXCL, so a repeat could only fail a write, never overwrite one."""
        return f"{random.getrandbits(128):032x}"

    def path(self, blob_id: str) -> str:
        return f"{self._prefix}{blob_id[:2]}/{blob_id}"

    def writer(self, algorithms: Iterable[str] = ()) -> "BlobWriter":
        return BlobWriter(self, algorithms)

    def unlink(self, blob_ids: Iterable[str]) -> None:
        for blob_id in blob_ids:
            try:
                os.unlink(self.path(blob_id))
            except FileNotFoundError:
                pass

    def link_copy(self, blob_id: str) -> str:
        """A new blob with the same bytes (a hard link: blobs are never modified)."""
        new = self.new_id()
        dest = self.path(new)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        os.link(self.path(blob_id), dest)
        return new

    def all_ids(self) -> set[str]:
        found = set()
        for sub in self.blobs.iterdir():
            if sub.is_dir():
                found.update(p.name for p in sub.iterdir())
        return found

    def read_small(self, blob_id: str, start: int, end: int) -> bytes:
        """Bytes [start, end) of one blob, at once, on the event loop: for small reads."""
        fd = os.open(self.path(blob_id), _READ)
        try:
            data = os.pread(fd, end - start, start)
        finally:
            os.close(fd)
        if len(data) != end - start:
            raise OSError(f"blob {blob_id} is shorter than recorded")
        return data

    @contextlib.contextmanager
    def opened(self, segments: list[tuple[str, int]], start: int, end: int
               ) -> Iterator[Iterator[tuple[BinaryIO, int, int]]]:
        """Bytes [start, end) of the concatenated segments as (file, offset, count) per blob, in
        order. The first EAGER_OPEN blobs are opened on entry: an overwrite that unlinks them later
        cannot cut the read short, and a blob already gone raises FileNotFoundError before anything
        was sent. (Bounded, so a 10,000-part object does not take 10,000 descriptors: the rest
        are opened as they are reached.)"""
        wanted = []
        offset = 0
        for blob_id, size in segments:
            seg_start, seg_end = offset, offset + size
            offset = seg_end
            if seg_end <= start or seg_start >= end:
                continue
            lo = max(start, seg_start) - seg_start
            wanted.append((blob_id, lo, min(end, seg_end) - seg_start - lo))
        with contextlib.ExitStack() as stack:
            files = [stack.enter_context(open(self.path(b), "rb")) for b, _, _ in wanted[:EAGER_OPEN]]

            def parts() -> Iterator[tuple[BinaryIO, int, int]]:
                for i, (blob_id, lo, count) in enumerate(wanted):
                    if i < EAGER_OPEN:
                        yield files[i], lo, count
                    else:
                        with open(self.path(blob_id), "rb") as f:
                            yield f, lo, count
            yield parts()


class BlobWriter:
    """Streams a body into a new blob, computing MD5 and any requested checksums as it goes."""

    def __init__(self, blobs: BlobDir, algorithms: Iterable[str]):
        self.blobs = blobs
        self.blob_id = blobs.new_id()
        self.path = blobs.path(self.blob_id)
        self.fd = -1
        self.created = False    # the file is created with the first byte: an empty body has none
        self.md5 = hashlib.md5()
        # Loops, not comprehensions (each a function call of its own): a body has one or two.
        self.hashers: dict[str, checksums.Hasher] = {}
        for alg in algorithms:
            self.hashers[alg] = checksums.new(alg)
        self.size = 0
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._inflight: asyncio.Future | None = None
        self._declared = 0      # a large body's Content-Length, once reserve() accepted it
        self._allocated = 0     # bytes of the blob allocated so far

    def _create(self) -> None:
        try:
            self.fd = os.open(self.path, _CREATE, 0o666)
        except FileNotFoundError:       # the first blob under this prefix
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            self.fd = os.open(self.path, _CREATE, 0o666)
        self.created = True

    def create_if_empty(self) -> None:
        """A blob file even for an empty body (a part, which its number finds by its blob)."""
        if not self.created:
            self._create()
            self.close_sync()

    def segments(self) -> list[tuple[str, int]]:
        """The object's segments: none for an empty body, which has no blob."""
        return [(self.blob_id, self.size)] if self.created else []

    def reserve(self, size: int) -> None:
        """For a large body: refuse it now (before 100 Continue) if the file system has no room
        for it, then allocate its blocks a few steps ahead of the writes (_allocate_ahead)."""
        if size > INLINE_LIMIT:
            self._create()
            st = os.fstatvfs(self.fd)
            if st.f_bavail * st.f_frsize < size:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.path)
            self._declared = size
            self._allocate_ahead()

    def _allocate_ahead(self) -> None:
        """Allocate blocks up to ALLOCATE_AHEAD past what was received: writing into allocated
        blocks costs the kernel a fraction of allocating them as the bytes arrive, and this runs
        on the event loop while the worker thread hashes and writes the step before. (Allocating
        the whole body at once would hold the loop, and the body, until a large file's blocks
        were all allocated.)"""
        end = min(self._declared, self.size + ALLOCATE_AHEAD)
        if end <= self._allocated:
            return
        try:
            os.posix_fallocate(self.fd, self._allocated, end - self._allocated)
        except OSError as e:
            if e.errno == errno.ENOSPC:
                raise
            self._declared = 0      # not supported here (EOPNOTSUPP, EINVAL): write as they arrive
            return
        self._allocated = end

    def _consume(self, data: bytes) -> None:
        if not self.created:
            if not data:
                return
            self._create()
        self.md5.update(data)
        for h in self.hashers.values():
            h.update(data)
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view[:WRITE_SLICE])
            view = view[n:]

    def write_sync(self, data: bytes) -> None:
        """For callers already off the event loop."""
        self.size += len(data)
        self._consume(data)

    def close_sync(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __del__(self) -> None:
        # A writer dropped without finish or abort (a bug) must not leak its descriptor.
        if getattr(self, "fd", -1) >= 0:
            os.close(self.fd)

    async def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self._pending.append(chunk)
        self._pending_size += len(chunk)
        if self._pending_size >= WRITE_STEP:
            await self._flush_pending()

    async def _flush_pending(self) -> None:
        data = b"".join(self._pending)
        self._pending.clear()
        self._pending_size = 0
        if self._inflight is not None:
            await self._inflight
            self._inflight = None
        if self.size <= INLINE_LIMIT:
            self._consume(data)
        else:
            self._inflight = asyncio.get_running_loop().run_in_executor(None, self._consume, data)
            if self._declared:
                self._allocate_ahead()      # while the thread hashes and writes this step

    async def finish_hashing(self) -> None:
        """Write what is left and close the file: digests are final after this."""
        if self._pending:
            await self._flush_pending()
        if self._inflight is not None:
            await self._inflight
            self._inflight = None
        self.close_sync()

    def discard_sync(self) -> None:
        """Close and remove the blob (for callers off the event loop)."""
        self.close_sync()
        if not self.created:
            return
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    async def abort(self) -> None:
        if self._inflight is not None:
            try:
                await self._inflight
            except Exception:
                pass
            self._inflight = None
        self.discard_sync()

    @property
    def etag(self) -> str:
        return self.md5.hexdigest()

    def checksum_values(self) -> dict[str, str]:
        values = {}
        for alg, h in self.hashers.items():
            values[alg] = checksums.encode(h.digest())
        return values

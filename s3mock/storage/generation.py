"""Rows a process caches while no other process of its data dir has changed them: a generation, a
counter every process shares through a small file mapped into memory, moves after every commit
that changes such rows. Checking it costs a memory read instead of a database query, and a change
made by one worker is seen by every other on its next request."""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import os
import struct
from collections import OrderedDict
from pathlib import Path

_U64 = struct.Struct("=Q")


class Generation:
    def __init__(self, path: Path):
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self._map: mmap.mmap | None = None
        self.view: memoryview | None = None     # view[0] is the value: cheaper than value()
        try:
            if os.fstat(self._fd).st_size < _U64.size:
                os.ftruncate(self._fd, _U64.size)
            self._map = mmap.mmap(self._fd, _U64.size)
            self.view = memoryview(self._map).cast("Q")
        except OSError:         # no shared mapping here: value() is None and nothing is cached
            pass

    def value(self) -> int | None:
        return self.view[0] if self.view is not None else None

    @contextlib.contextmanager
    def locked(self):
        """The word's lock, held across processes: changes made under it all count."""
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def bump(self) -> int | None:
        """After a committed change: caches filled before it are stale from now on. Returns the
        value before the bump."""
        if self._map is None:
            return None
        with self.locked():                       # increments from two processes must both count
            before = _U64.unpack_from(self._map)[0]
            _U64.pack_into(self._map, 0, (before + 1) % 2**64)
            return before

    def close(self) -> None:
        if self.view is not None:
            self.view.release()
            self.view = None
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


MISSING = object()


class RowCache:
    """Rows by key (None: known absent), valid while the generation reads what it read when they
    were cached. A process's own change updates its cache in place and keeps it valid, unless
    another process changed something too since; any other change empties it. Holds at most
    `limit` rows, dropping the oldest."""

    def __init__(self, path: Path, limit: int):
        self._generation = Generation(path)
        # Ordered, to drop the oldest in O(1): a dict's first key is found by skipping the slots
        # of those deleted before it, so a full cache would slow every fill.
        self._rows: OrderedDict = OrderedDict()
        self._at = self._generation.value()     # empty: valid as of now
        self._view = self._generation.view
        self._limit = limit

    def get(self, key):
        """The cached row, or MISSING: then read it (after this call, not before) and fill()."""
        at = self._view[0] if self._view is not None else None
        if at != self._at:
            self._rows.clear()
            self._at = at
            return MISSING
        return self._rows.get(key, MISSING)

    def fill(self, key, row) -> None:
        if self._at is None:
            return
        self._rows[key] = row
        if len(self._rows) > self._limit:
            self._rows.popitem(last=False)

    def changed(self, rows: dict) -> None:
        """After a commit (or a failed one) that may have changed these keys: a row is what was
        written, MISSING what this process does not know."""
        for key, row in rows.items():
            self._rows.pop(key, None)
            if row is not MISSING:
                self.fill(key, row)
        before = self._generation.bump()
        if before is not None and before == self._at:
            self._at = (before + 1) % 2**64

    def close(self) -> None:
        self._view = None
        self._generation.close()

"""The bucket generation: a counter every process of a data dir shares through a small file mapped
into memory. Whoever changes a bucket row bumps it after the commit; a process's cache of bucket
rows stays valid while the counter reads what it read when the rows were cached, so checking costs
a memory read instead of a database query, and a change made by one worker is seen by every other
on its next request."""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
from pathlib import Path

_U64 = struct.Struct("=Q")


class Generation:
    def __init__(self, path: Path):
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self._map: mmap.mmap | None = None
        try:
            if os.fstat(self._fd).st_size < _U64.size:
                os.ftruncate(self._fd, _U64.size)
            self._map = mmap.mmap(self._fd, _U64.size)
        except OSError:         # no shared mapping here: value() is None and nothing is cached
            pass

    def value(self) -> int | None:
        return _U64.unpack_from(self._map)[0] if self._map is not None else None

    def bump(self) -> None:
        """After a committed change: caches filled before it are stale from now on."""
        if self._map is None:
            return
        fcntl.flock(self._fd, fcntl.LOCK_EX)      # increments from two processes must both count
        try:
            _U64.pack_into(self._map, 0, (_U64.unpack_from(self._map)[0] + 1) % 2**64)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
